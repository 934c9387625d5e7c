// End to end: a catalog of invalid declarations in one stack configuration. `pulumi preview`
// rejects every one of them, naming the entry, the property and the rule, and makes no mutating
// call (checked in the AWS front's log).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { repoRoot, TestStack } from "../support/pulumi";
import { createSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue"];

/** name → [the declaration's invalid part, the property named, a fragment of the rule]. */
const CATALOG: Record<string, [Record<string, unknown>, string, string]> = {
    "secret-id-number": [{ secretId: 42 }, "secretId", "must be a string"],
    "secret-id-space": [{ secretId: "app db" }, "secretId", "1-512 characters"],
    "secret-id-bad-arn": [{ secretId: "arn:aws:secretsmanager:us-east-1:1:secret:x" }, "secretId", "Secrets Manager ARN"],
    "secret-id-s3-arn": [{ secretId: "arn:aws:s3:::bucket" }, "secretId", "Secrets Manager ARN"],
    "enabled-string": [{ enabled: "true" }, "enabled", "must be true or false (got string"],
    "enabled-number": [{ enabled: 1 }, "enabled", "must be true or false"],
    "immediately-string": [{ rotateImmediately: "no" }, "rotateImmediately", "must be true or false"],
    "lambda-name-only": [{ rotationLambdaArn: "rotate" }, "rotationLambdaArn", "Lambda function ARN"],
    "lambda-iam-arn": [{ rotationLambdaArn: "arn:aws:iam::123456789012:role/x" }, "rotationLambdaArn", "Lambda function ARN"],
    "lambda-wrong-region": [{ rotationLambdaArn: LAMBDA.replace("us-east-1", "eu-west-1") }, "rotationLambdaArn", "secret's region us-east-1"],
    "schedule-string": [{ schedule: "30 days" }, "schedule", "must be a mapping"],
    "schedule-empty": [{ schedule: {} }, "schedule", "needs automaticallyAfterDays or scheduleExpression"],
    "schedule-both": [{ schedule: { automaticallyAfterDays: 30, scheduleExpression: "rate(10 days)" } }, "schedule", "not both"],
    "days-zero": [{ schedule: { automaticallyAfterDays: 0 } }, "schedule.automaticallyAfterDays", "from 1 to 1000"],
    "days-1001": [{ schedule: { automaticallyAfterDays: 1001 } }, "schedule.automaticallyAfterDays", "from 1 to 1000"],
    "days-fraction": [{ schedule: { automaticallyAfterDays: 2.5 } }, "schedule.automaticallyAfterDays", "whole number"],
    "days-string": [{ schedule: { automaticallyAfterDays: "30" } }, "schedule.automaticallyAfterDays", "got string"],
    "rate-3-hours": [{ schedule: { scheduleExpression: "rate(3 hours)" } }, "schedule.scheduleExpression", "at least 4 hours"],
    "rate-minutes": [{ schedule: { scheduleExpression: "rate(300 minutes)" } }, "schedule.scheduleExpression", "rate(N hours|days) or cron"],
    "cron-five-fields": [{ schedule: { scheduleExpression: "cron(0 16 * * ?)" } }, "schedule.scheduleExpression", "six fields"],
    "cron-every-2h": [{ schedule: { scheduleExpression: "cron(0 */2 * * ? *)" } }, "schedule.scheduleExpression", "at most once every 4 hours"],
    "cron-two-question-marks": [{ schedule: { scheduleExpression: "cron(0 16 ? * ? *)" } }, "schedule.scheduleExpression", "exactly one of day-of-month and day-of-week"],
    "duration-minutes": [{ schedule: { automaticallyAfterDays: 30, duration: "90m" } }, "schedule.duration", "Nh with N from 1 to 24"],
    "duration-25h": [{ schedule: { automaticallyAfterDays: 30, duration: "25h" } }, "schedule.duration", "from 1 to 24"],
    "duration-too-long": [{ schedule: { scheduleExpression: "rate(4 hours)", duration: "5h" } }, "schedule.duration", "at most the 4h between two rotations"],
    "duration-past-midnight": [{ schedule: { scheduleExpression: "cron(0 16 * * ? *)", duration: "9h" } }, "schedule.duration", "must end by 24:00 UTC"],
    "cron-minutes": [{ schedule: { scheduleExpression: "cron(30 8 ? * MON-FRI *)" } }, "schedule.scheduleExpression", "minutes must be 0"],
    "cron-year": [{ schedule: { scheduleExpression: "cron(0 9 1 12 ? 2026)" } }, "schedule.scheduleExpression", "year must be *"],
    "rate-1000-days": [{ schedule: { scheduleExpression: "rate(1000 days)" } }, "schedule.scheduleExpression", "at most 999 days"],
    "schedule-typo": [{ schedule: { automaticallyAfterDays: 3, window: "2h" } }, "schedule.window", "not a schedule property"],
    "token-empty": [{ rotateNowToken: "" }, "rotateNowToken", "non-empty string"],
    "token-number": [{ rotateNowToken: 7 }, "rotateNowToken", "non-empty string"],
    "pending-policy": [{ pendingPolicy: "delete" }, "pendingPolicy", "one of quarantine, promote, fail"],
    "deletion-policy": [{ deletionPolicy: "destroy" }, "deletionPolicy", "one of cancel, retain"],
    "grace-no-unit": [{ pendingGracePeriod: "120" }, "pendingGracePeriod", "Nm, Nh or Nd"],
    "grace-too-long": [{ pendingGracePeriod: "31d" }, "pendingGracePeriod", "from 1m to 30d"],
    "property-typo": [{ shedule: { automaticallyAfterDays: 3 } }, "shedule", "not a property of a rotation state"],
};

/**
 * Previews each declaration of the catalog on its own (the engine stops a preview at the first
 * failed check) and returns those not refused with a line naming the resource, the property and
 * the rule, e.g. "resource 'days-zero': property schedule.automaticallyAfterDays value {0} has a
 * problem: must be …".
 */
async function unreported(stack: TestStack, catalog: Record<string, [Record<string, unknown>, string, string]>, base: Record<string, unknown> = {}): Promise<string[]> {
    const missing: string[] = [];
    for (const [name, [declaration, property, rule]] of Object.entries(catalog)) {
        stack.writeConfig({ "e2e:rotations": [{ name, ...base, ...declaration }] });
        const preview = await stack.preview([], { expectCode: 1 });
        const reported = (preview.stdout + preview.stderr)
            .split("\n")
            .some((l) => l.includes(`resource '${name}'`) && l.includes(`property ${property} `) && l.includes(rule));
        if (!reported) missing.push(`${name}: ${property} / ${rule}\n${preview.stdout.slice(-1500)}`);
    }
    return missing;
}

test(`bad input: ${Object.keys(CATALOG).length} invalid declarations, each rejected at preview naming property and rule, no mutating call`, async (t) => {
    const secret = await createSecret("app/validated", "value-v");
    const stack = await TestStack.create({ program: join(repoRoot(), "dist", "src", "program.js"), env: aws.env, config: { "e2e:rotations": [] } });
    t.after(() => stack.cleanup());
    aws.front.clearCalls();
    assert.deepEqual(await unreported(stack, CATALOG, { secretId: secret.name }), []);
    assert.deepEqual(aws.front.calls().filter((c) => MUTATING.includes(c.operation)), []);
});

/**
 * Declarations with inputs unknown during preview (outputs of resources the same `up` creates):
 * what is known is still checked, and the unknown part is neither guessed nor refused.
 * name → [declaration ("@unknown" marks an unknown value), the property named, a fragment of the rule].
 */
const WITH_UNKNOWNS: Record<string, [Record<string, unknown>, string, string]> = {
    "unknown-secret-days-zero": [{ secretId: "@unknown", schedule: { automaticallyAfterDays: 0 } }, "schedule.automaticallyAfterDays", "from 1 to 1000"],
    "unknown-lambda-schedule-both": [
        { secretId: "app/x", rotationLambdaArn: "@unknown", schedule: { automaticallyAfterDays: 30, scheduleExpression: "rate(10 days)" } },
        "schedule",
        "not both",
    ],
    "unknown-days-bad-secret": [{ secretId: "app db", schedule: { automaticallyAfterDays: "@unknown" } }, "secretId", "1-512 characters"],
    "unknown-secret-typo": [{ secretId: "@unknown", shedule: { automaticallyAfterDays: 3 } }, "shedule", "not a property of a rotation state"],
};

test(`unknown values during preview: ${Object.keys(WITH_UNKNOWNS).length} declarations refused on what is known; an unknown alone is let through`, async (t) => {
    const stack = await TestStack.create({ program: join(repoRoot(), "dist", "test", "e2e", "programs", "unknown-inputs.js"), env: aws.env, config: { "e2e:rotations": [] } });
    t.after(() => stack.cleanup());
    aws.front.clearCalls();
    assert.deepEqual(await unreported(stack, WITH_UNKNOWNS), []);

    // Valid apart from being unknown: preview accepts it and shows the create, calling nothing.
    stack.writeConfig({ "e2e:rotations": [{ name: "unknown-but-valid", secretId: "@unknown", rotationLambdaArn: "@unknown", schedule: { automaticallyAfterDays: 30 } }] });
    const accepted = await stack.preview(["--diff"]);
    assert.match(accepted.stdout, /\+ pulumi-nodejs:dynamic\/secretsmanager:RotationState: \(create\)\n\s*\[urn=[^\]]*::unknown-but-valid\]/);
    assert.match(accepted.stdout, /secretId\s*: \[unknown\]/);
    assert.deepEqual(aws.front.calls().filter((c) => MUTATING.includes(c.operation)), []);
    assert.deepEqual(aws.front.calls(), [], "check and diff make no AWS call");
});
