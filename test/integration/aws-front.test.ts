// Integration: the AWS front (test/support/aws-front/) between the real SDK and moto. Each rule the
// front adds is shown twice where practical: moto alone (a client pointed straight at moto) behaves
// differently, and through the front the SDK sees what AWS documents. Tests play the rotation Lambda
// with real calls (PutSecretValue with AWSPENDING, UpdateSecretVersionStage).
import assert from "node:assert/strict";
import http from "node:http";
import { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";

import {
    CancelRotateSecretCommand,
    CreateSecretCommand,
    DeleteSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    ListSecretsCommand,
    ListSecretVersionIdsCommand,
    PutSecretValueCommand,
    RotateSecretCommand,
    RotateSecretCommandInput,
    SecretsManagerClient,
    TagResourceCommand,
    UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";

import { AwsFront, CallRecord, DEFAULT_TEST_RUN_DELAY_MS, nextRotationDate, rotationRulesProblem } from "../support/aws-front";
import { MotoServer, useAwsEnv } from "../support/moto";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager, versionIdFor } from "../support/seed";

let moto: MotoServer;
let front: AwsFront;
let restoreEnv: (() => void) | undefined;

before(async () => {
    moto = await MotoServer.start();
    front = await AwsFront.start(moto.endpoint);
    restoreEnv = useAwsEnv({ ...moto.awsEnv(), AWS_ENDPOINT_URL_SECRETS_MANAGER: front.endpoint });
});
after(async () => {
    restoreEnv?.();
    await front?.stop();
    await moto?.stop();
});
beforeEach(async () => {
    await moto.reset();
    front.reset();
});

// ---- helpers ----

/** A client that bypasses the front: what moto alone answers. */
function direct(): SecretsManagerClient {
    return new SecretsManagerClient({ endpoint: moto.endpoint });
}

/** A client through the front without the SDK's own retries, so that one fault is one failure. */
function once(): SecretsManagerClient {
    return new SecretsManagerClient({ maxAttempts: 1 });
}

interface SdkError extends Error {
    code?: string;
    $metadata?: { httpStatusCode?: number };
}

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
    try {
        await promise;
    } catch (error) {
        return error as SdkError;
    }
    assert.fail("expected the call to fail");
}

async function labelsVia(client: SecretsManagerClient, secretId: string): Promise<Record<string, string[]>> {
    const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }));
    const labels: Record<string, string[]> = {};
    for (const v of out.Versions ?? []) labels[v.VersionId!] = [...(v.VersionStages ?? [])].sort();
    return labels;
}

function holderOf(labels: Record<string, string[]>, label: string): string[] {
    return Object.keys(labels).filter((id) => labels[id].includes(label));
}

/** The rotation Lambda's createSecret step: a new version labelled AWSPENDING. */
async function putPending(client: SecretsManagerClient, secretId: string, tag: string, value = "pending-value"): Promise<string> {
    const versionId = versionIdFor(tag);
    await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: versionId, VersionStages: ["AWSPENDING"] }));
    return versionId;
}

/** The rotation Lambda's finishSecret step: AWSCURRENT to the pending version, AWSPENDING removed. */
async function finishRotation(client: SecretsManagerClient, secretId: string, pending: string, current: string): Promise<void> {
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSCURRENT", MoveToVersionId: pending, RemoveFromVersionId: current }));
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSPENDING", RemoveFromVersionId: pending }));
}

function rotate(client: SecretsManagerClient, input: RotateSecretCommandInput) {
    return client.send(new RotateSecretCommand(input));
}

function secondsFromNow(date: Date | undefined): number {
    assert.ok(date, "expected a date");
    return (date.getTime() - Date.now()) / 1000;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- forwarding and the call log ----

test("forwards Secrets Manager calls to moto and relays the answers", async () => {
    const secret = await createSecret("fwd/one", "value-1");
    const value = await secretsManager().send(new GetSecretValueCommand({ SecretId: "fwd/one" }));
    assert.equal(value.SecretString, "value-1");
    assert.equal(value.ARN, secret.arn);
    // The state lives in moto: a client that bypasses the front sees the same secret.
    const seen = await direct().send(new DescribeSecretCommand({ SecretId: secret.arn }));
    assert.equal(seen.Name, "fwd/one");
});

test("passes non-Secrets-Manager paths (moto-api) through untouched", async () => {
    await createSecret("fwd/data", "value-1");
    const viaFront = await fetch(`${front.endpoint}/moto-api/data.json`);
    const viaMoto = await fetch(`${moto.endpoint}/moto-api/data.json`);
    assert.equal(viaFront.status, 200);
    assert.equal(await viaFront.text(), await viaMoto.text());
    const logged = front.calls().at(-1)!;
    assert.deepEqual([logged.operation, logged.status, logged.forwarded], ["GET /moto-api/data.json", 200, true]);
});

test("logs every client call with operation, secret id, status, error name and duration", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("log/one", "value-1");
    await describeSecret("log/one");
    await rejection(describeSecret("log/missing"));
    await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 5 } });

    const calls = front.calls();
    assert.deepEqual(
        calls.map((c) => [c.operation, c.secretId, c.status, c.errorName]),
        [
            ["CreateSecret", undefined, 200, undefined],
            ["DescribeSecret", "log/one", 200, undefined],
            ["DescribeSecret", "log/missing", 400, "ResourceNotFoundException"],
            ["RotateSecret", secret.arn, 200, undefined],
        ],
    );
    for (const call of calls) {
        assert.ok(call.startedAt instanceof Date);
        assert.ok(call.durationMs >= 0);
        assert.equal(call.forwarded, true);
        assert.equal(call.injected, undefined);
    }
    // The front's own look-ups in moto (DescribeSecret before RotateSecret, the Lambda check) are
    // not the client's calls and stay out of the log.
    assert.deepEqual(front.callCounts(), { CreateSecret: 1, DescribeSecret: 2, RotateSecret: 1 });
    assert.equal(front.callCount("DescribeSecret"), 2);
    assert.deepEqual(front.calls("RotateSecret").map((c) => c.secretId), [secret.arn]);
    front.clearCalls();
    assert.deepEqual(front.calls(), []);
});

// ---- rule stranded-rotation / pending-on-current ----

test("stranded-rotation: RotateSecret with AWSPENDING on another version fails and changes nothing", async () => {
    const lambdaArn = await createRotationLambda();

    // moto alone: strips AWSPENDING from the stranded version and starts another rotation.
    const m = await createSecret("stranded/moto", "value-1");
    const mPending = await putPending(direct(), m.arn, "stranded/moto-p");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 7 } });
    const mLabels = await labelsVia(direct(), m.arn);
    assert.deepEqual(mLabels[mPending], []);
    assert.notDeepEqual(holderOf(mLabels, "AWSPENDING"), [mPending]);

    // Through the front: AWS's InvalidRequestException, no state change.
    const f = await createSecret("stranded/front", "value-1");
    const fPending = await putPending(secretsManager(), f.arn, "stranded/front-p");
    const labelsBefore = await labelsOf(f.arn);
    const error = await rejection(rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 7 } }));
    assert.equal(error.name, "InvalidRequestException");
    assert.equal(error.message, "A previous rotation isn't complete. That rotation will be reattempted.");
    assert.equal(error.$metadata?.httpStatusCode, 400);
    assert.deepEqual(await labelsOf(f.arn), labelsBefore);
    assert.deepEqual(holderOf(labelsBefore, "AWSPENDING"), [fPending]);
    const described = await describeSecret(f.arn);
    assert.equal(described.RotationLambdaARN, undefined);
    assert.notEqual(described.RotationEnabled, true);
    assert.equal(front.calls("RotateSecret")[0].forwarded, false);
});

test("pending-on-current: RotateSecret with AWSPENDING on the AWSCURRENT version succeeds", async () => {
    const lambdaArn = await createRotationLambda();
    const pendOnCurrent = async (name: string) => {
        const secret = await createSecret(name, "value-1");
        await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: secret.arn, VersionStage: "AWSPENDING", MoveToVersionId: secret.versionId }));
        assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT", "AWSPENDING"] });
        return secret;
    };

    // moto alone rejects this healthy state.
    const m = await pendOnCurrent("oncurrent/moto");
    const error = await rejection(rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn }));
    assert.equal(error.name, "InvalidRequestException");
    assert.match(error.message, /still in progress/);

    // Through the front the rotation starts.
    const f = await pendOnCurrent("oncurrent/front");
    const token = versionIdFor("oncurrent/rot-1");
    const out = await rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, ClientRequestToken: token });
    assert.equal(out.VersionId, token);
    assert.deepEqual(await labelsOf(f.arn), { [f.versionId]: ["AWSCURRENT"], [token]: ["AWSPENDING"] });
});

test("pending-on-current: a RotateSecret that fails once the label was moved changes nothing", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("oncurrent/failed", "value-1");
    await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: secret.arn, VersionStage: "AWSPENDING", MoveToVersionId: secret.versionId }));
    const before = await labelsOf(secret.arn);
    assert.deepEqual(before, { [secret.versionId]: ["AWSCURRENT", "AWSPENDING"] });

    // A ClientRequestToken shorter than 32 characters: every rule of the front passes, the front
    // takes AWSPENDING off the current version for moto, and moto refuses the call.
    const error = await rejection(rotate(once(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, ClientRequestToken: "too-short" }));
    assert.equal(error.name, "InvalidParameterException");
    const [call] = front.calls("RotateSecret");
    assert.ok(call!.rules.includes("pending-on-current"), "the rule ran before the refusal");
    assert.equal(call!.forwarded, true);
    assert.deepEqual(await labelsOf(secret.arn), before, "a failed RotateSecret changes nothing");
    assert.equal((await describeSecret(secret.arn)).RotationLambdaARN, undefined);
});

// ---- rule idempotent-rotate ----

test("idempotent-rotate: a retried RotateSecret (same token) after a finished rotation changes nothing", async () => {
    const lambdaArn = await createRotationLambda();
    const rotatedOnce = async (name: string, tag: string) => {
        const secret = await createSecret(name, "value-1");
        const token = versionIdFor(tag);
        await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, ClientRequestToken: token });
        await putPending(secretsManager(), secret.arn, tag, "value-2");
        await finishRotation(secretsManager(), secret.arn, token, secret.versionId);
        assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
        return { secret, token };
    };

    // moto alone re-creates the version: AWSCURRENT is gone from the secret.
    const m = await rotatedOnce("retry/moto", "retry/moto-rot1");
    await rotate(direct(), { SecretId: m.secret.arn, RotationLambdaARN: lambdaArn, ClientRequestToken: m.token });
    assert.deepEqual(holderOf(await labelsVia(direct(), m.secret.arn), "AWSCURRENT"), []);

    // Through the front the retry is answered as the same request.
    const f = await rotatedOnce("retry/front", "retry/front-rot1");
    const out = await rotate(secretsManager(), { SecretId: f.secret.arn, RotationLambdaARN: lambdaArn, ClientRequestToken: f.token });
    assert.equal(out.VersionId, f.token);
    assert.deepEqual(await labelsOf(f.secret.arn), { [f.secret.versionId]: ["AWSPREVIOUS"], [f.token]: ["AWSCURRENT"] });
    const value = await secretsManager().send(new GetSecretValueCommand({ SecretId: f.secret.arn, VersionStage: "AWSCURRENT" }));
    assert.equal(value.SecretString, "value-2");
});

// ---- rules exclusive-schedule / schedule-rules-guessed-message / rotation-shadow ----

test("exclusive-schedule: RotateSecret with both AutomaticallyAfterDays and ScheduleExpression fails", async () => {
    const lambdaArn = await createRotationLambda();
    const both = { AutomaticallyAfterDays: 7, ScheduleExpression: "rate(10 days)" };

    const m = await createSecret("both/moto", "value-1");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: both, RotateImmediately: false });

    const f = await createSecret("both/front", "value-1");
    const error = await rejection(rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, RotationRules: both, RotateImmediately: false }));
    assert.equal(error.name, "InvalidParameterException");
    assert.equal(error.$metadata?.httpStatusCode, 400);
    assert.equal(error.message, "You cannot specify both rotation frequency and schedule expression together.");
    assert.equal((await describeSecret(f.arn)).RotationLambdaARN, undefined);
});

test("schedule-rules-guessed-message: RotationRules that break AWS's schedule rules are refused before any change", async () => {
    const lambdaArn = await createRotationLambda();
    // [RotationRules AWS refuses, a fragment of the front's (guessed) message]
    const refused: [Record<string, unknown>, RegExp][] = [
        [{ ScheduleExpression: "cron(30 8 ? * MON-FRI *)" }, /minutes field of cron\(\) must be 0/],
        [{ ScheduleExpression: "cron(0 9 1 12 ? 2026)" }, /year field of cron\(\) must be \*/],
        [{ ScheduleExpression: "cron(0 16 1 * MON *)" }, /one of day-of-month and day-of-week must be \?/],
        [{ ScheduleExpression: "cron(0 */2 * * ? *)" }, /at most every four hours/],
        [{ ScheduleExpression: "rate(3 hours)" }, /at most every four hours/],
        [{ ScheduleExpression: "rate(1000 days)" }, /maximum rotation period is 999 days/],
        [{ ScheduleExpression: "every day" }, /rate\(\) or cron\(\)/],
        [{ ScheduleExpression: "rate(4 hours)", Duration: "5h" }, /must not extend into the next rotation window: at most 4h/],
        [{ ScheduleExpression: "cron(0 16 * * ? *)", Duration: "9h" }, /must not extend into the next UTC day: the window opens at 16:00, so at most 8h/],
        [{ ScheduleExpression: "cron(0 4/12 * * ? *)", Duration: "9h" }, /next UTC day/],
        [{ AutomaticallyAfterDays: 7, Duration: "25h" }, /Duration must be 1h to 24h/],
        [{ AutomaticallyAfterDays: 1001 }, /AutomaticallyAfterDays must be from 1 to 1000/],
    ];
    // moto alone stores an expression AWS refuses (and answers 200).
    const m = await createSecret("rules/moto", "value-1");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: { ScheduleExpression: "cron(30 8 ? * MON-FRI *)" }, RotateImmediately: false });

    const f = await createSecret("rules/front", "value-1");
    for (const [rules, reason] of refused) {
        const error = await rejection(rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, RotationRules: rules, RotateImmediately: false }));
        assert.equal(error.name, "InvalidParameterException", JSON.stringify(rules));
        assert.equal(error.$metadata?.httpStatusCode, 400);
        assert.match(error.message, reason);
    }
    assert.deepEqual(
        front.calls("RotateSecret").map((c) => [c.forwarded, c.rules]),
        refused.map(() => [false, ["schedule-rules-guessed-message"]]),
        "refused by the rule, never forwarded",
    );
    const described = await describeSecret(f.arn);
    assert.equal(described.RotationLambdaARN, undefined);
    assert.notEqual(described.RotationEnabled, true);
    assert.deepEqual(await labelsOf(f.arn, true), { [f.versionId]: ["AWSCURRENT"] });

    // The limits themselves are accepted, stored and returned.
    const accepted: Record<string, unknown>[] = [
        { ScheduleExpression: "rate(4 hours)", Duration: "4h" }, // a window as long as the interval
        { ScheduleExpression: "cron(0 16 * * ? *)", Duration: "8h" }, // 16:00 + 8h = 24:00 UTC
        { ScheduleExpression: "cron(0 4/12 * * ? *)", Duration: "8h" },
        { ScheduleExpression: "rate(999 days)" },
        { AutomaticallyAfterDays: 1, Duration: "24h" }, // days open at 00:00 UTC
        { AutomaticallyAfterDays: 1000 },
    ];
    for (const [i, rules] of accepted.entries()) {
        const s = await createSecret(`rules/ok-${i}`, "value-1");
        await rotate(secretsManager(), { SecretId: s.arn, RotationLambdaARN: lambdaArn, RotationRules: rules, RotateImmediately: false });
        assert.deepEqual((await describeSecret(s.arn)).RotationRules, rules);
    }
});

test("rotationRulesProblem: the front's reading of the rules, case by case", () => {
    assert.equal(rotationRulesProblem({ ScheduleExpression: "cron(0 0 ? * SUN#1 *)", Duration: "24h" }), undefined);
    assert.equal(rotationRulesProblem({ ScheduleExpression: "cron(0 17 L * ? *)", Duration: "7h" }), undefined);
    assert.match(rotationRulesProblem({ ScheduleExpression: "cron(0 17 L * ? *)", Duration: "8h" }) ?? "", /at most 7h/);
    assert.equal(rotationRulesProblem({ ScheduleExpression: "cron(0 22,2 * * ? *)", Duration: "2h" }), undefined);
    assert.match(rotationRulesProblem({ ScheduleExpression: "cron(0 22,1 * * ? *)" }) ?? "", /at most every four hours/, "across midnight");
    assert.equal(rotationRulesProblem({ ScheduleExpression: "rate(36 hours)", Duration: "24h" }), undefined);
    assert.equal(rotationRulesProblem({ AutomaticallyAfterDays: 30 }), undefined);
});

test("rotation-shadow: ScheduleExpression and Duration are stored, returned and enable rotation", async () => {
    const lambdaArn = await createRotationLambda();
    const rules = { ScheduleExpression: "rate(6 hours)", Duration: "2h" };

    // moto alone: neither stored nor returned, and rotation reported as disabled.
    const m = await createSecret("sched/moto", "value-1");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: rules, RotateImmediately: false });
    const mDescribed = await direct().send(new DescribeSecretCommand({ SecretId: m.arn }));
    assert.equal(mDescribed.RotationEnabled, false);
    assert.equal(mDescribed.RotationRules?.ScheduleExpression, undefined);

    const f = await createSecret("sched/front", "value-1");
    await rotate(secretsManager(), { SecretId: "sched/front", RotationLambdaARN: lambdaArn, RotationRules: rules, RotateImmediately: false });
    // The shadow is keyed by ARN: name, full ARN and partial ARN (no random suffix) all find it.
    for (const id of ["sched/front", f.arn, f.arn.slice(0, -7)]) {
        const described = await describeSecret(id);
        assert.equal(described.RotationEnabled, true, id);
        assert.deepEqual(described.RotationRules, rules, id);
        assert.ok(Math.abs(secondsFromNow(described.NextRotationDate) - 6 * 3600) < 120, id);
    }
    const listed = await secretsManager().send(new ListSecretsCommand({}));
    const entry = listed.SecretList?.find((s) => s.ARN === f.arn);
    assert.equal(entry?.RotationEnabled, true);
    assert.deepEqual(entry?.RotationRules, rules);
});

test("rotation-shadow: a cron ScheduleExpression gives the next window as NextRotationDate", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("cron/front", "value-1");
    await rotate(secretsManager(), {
        SecretId: secret.arn,
        RotationLambdaARN: lambdaArn,
        RotationRules: { ScheduleExpression: "cron(0 16 1,15 * ? *)", Duration: "2h" },
        RotateImmediately: false,
    });
    const next = (await describeSecret(secret.arn)).NextRotationDate!;
    assert.ok([1, 15].includes(next.getUTCDate()));
    assert.equal(next.getUTCHours(), 16);
    assert.equal(next.getUTCMinutes(), 0);
    assert.ok(secondsFromNow(next) > 0 && secondsFromNow(next) <= 17 * 86_400);

    // The calculation itself, on fixed dates (AWS cron: day-of-week 1 = Sunday).
    const at = (iso: string) => new Date(iso);
    const next2 = (expression: string, from: string) => new Date(nextRotationDate({ ScheduleExpression: expression }, at(from))! * 1000).toISOString();
    assert.equal(next2("cron(0 16 1,15 * ? *)", "2026-01-01T17:00:00Z"), "2026-01-15T16:00:00.000Z");
    assert.equal(next2("cron(0 16 1,15 * ? *)", "2026-01-01T15:59:00Z"), "2026-01-01T16:00:00.000Z");
    assert.equal(next2("cron(30 2 ? * MON *)", "2026-11-21T00:00:00Z"), "2026-11-23T02:30:00.000Z");
    assert.equal(next2("cron(0 */4 * * ? *)", "2026-03-10T05:00:00Z"), "2026-03-10T08:00:00.000Z");
    assert.equal(nextRotationDate({ ScheduleExpression: "cron(0 0 L * ? *)" }, at("2026-01-01T00:00:00Z")), undefined);
    assert.equal(nextRotationDate({ AutomaticallyAfterDays: 2 }, at("2026-01-01T00:00:00Z")), Date.parse("2026-01-03T00:00:00Z") / 1000);
});

test("rotation-shadow: after CancelRotateSecret rotation is disabled and NextRotationDate is gone", async () => {
    const lambdaArn = await createRotationLambda();

    // moto alone keeps NextRotationDate.
    const m = await createSecret("cancel/moto", "value-1");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 10 }, RotateImmediately: false });
    await direct().send(new CancelRotateSecretCommand({ SecretId: m.arn }));
    const mDescribed = await direct().send(new DescribeSecretCommand({ SecretId: m.arn }));
    assert.equal(mDescribed.RotationEnabled, false);
    assert.ok(mDescribed.NextRotationDate instanceof Date);

    const f = await createSecret("cancel/front", "value-1");
    await rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 10 }, RotateImmediately: false });
    const enabled = await describeSecret(f.arn);
    assert.equal(enabled.RotationEnabled, true);
    assert.ok(Math.abs(secondsFromNow(enabled.NextRotationDate) - 10 * 86_400) < 120);

    await secretsManager().send(new CancelRotateSecretCommand({ SecretId: f.arn }));
    const cancelled = await describeSecret(f.arn);
    assert.equal(cancelled.RotationEnabled, false);
    assert.equal(cancelled.NextRotationDate, undefined);
    assert.deepEqual(cancelled.RotationRules, { AutomaticallyAfterDays: 10 });

    // RotateSecret with days > 0 turns it back on.
    await rotate(secretsManager(), { SecretId: f.arn, RotationRules: { AutomaticallyAfterDays: 3 }, RotateImmediately: false });
    const again = await describeSecret(f.arn);
    assert.equal(again.RotationEnabled, true);
    assert.ok(Math.abs(secondsFromNow(again.NextRotationDate) - 3 * 86_400) < 120);
});

// ---- rules keep-lambda-arn / require-lambda-arn / lambda-exists-guessed-error / rotate-not-immediately ----

test("keep-lambda-arn: RotateSecret without RotationLambdaARN uses the stored function", async () => {
    const lambdaArn = await createRotationLambda();

    // moto alone wipes the stored ARN and moves AWSCURRENT to a new version without the Lambda.
    const m = await createSecret("keep/moto", "value-1");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
    for (const id of holderOf(await labelsVia(direct(), m.arn), "AWSPENDING")) {
        await direct().send(new UpdateSecretVersionStageCommand({ SecretId: m.arn, VersionStage: "AWSPENDING", RemoveFromVersionId: id }));
    }
    const mToken = versionIdFor("keep/moto-rot2");
    await rotate(direct(), { SecretId: m.arn, ClientRequestToken: mToken });
    assert.notEqual((await direct().send(new DescribeSecretCommand({ SecretId: m.arn }))).RotationLambdaARN, lambdaArn);
    assert.deepEqual(holderOf(await labelsVia(direct(), m.arn), "AWSCURRENT"), [mToken]);

    const f = await createSecret("keep/front", "value-1");
    await rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
    const fToken = versionIdFor("keep/front-rot2");
    await rotate(secretsManager(), { SecretId: f.arn, ClientRequestToken: fToken });
    const described = await describeSecret(f.arn);
    assert.equal(described.RotationLambdaARN, lambdaArn);
    assert.equal(described.RotationEnabled, true);
    const labels = await labelsOf(f.arn);
    assert.deepEqual(holderOf(labels, "AWSCURRENT"), [f.versionId]);
    assert.deepEqual(holderOf(labels, "AWSPENDING"), [fToken]);
});

test("require-lambda-arn: RotateSecret with no function given or stored fails", async () => {
    const m = await createSecret("nolambda/moto", "value-1");
    const mToken = versionIdFor("nolambda/moto-r");
    await rotate(direct(), { SecretId: m.arn, ClientRequestToken: mToken });
    assert.deepEqual(holderOf(await labelsVia(direct(), m.arn), "AWSCURRENT"), [mToken]);

    const f = await createSecret("nolambda/front", "value-1");
    const error = await rejection(rotate(secretsManager(), { SecretId: f.arn, RotationRules: { AutomaticallyAfterDays: 1 } }));
    assert.equal(error.name, "InvalidRequestException");
    assert.match(error.message, /doesn't already have a Lambda function ARN configured/);
    assert.deepEqual(await labelsOf(f.arn), { [f.versionId]: ["AWSCURRENT"] });
});

test("lambda-exists-guessed-error: RotateSecret with a nonexistent function fails before any state change", async () => {
    const missing = "arn:aws:lambda:us-east-1:123456789012:function:no-such-rotator";

    // moto alone answers 404 but has already stored the ARN and added a valueless AWSPENDING version.
    const m = await createSecret("nofn/moto", "value-1");
    const mError = await rejection(rotate(direct(), { SecretId: m.arn, RotationLambdaARN: missing, RotationRules: { AutomaticallyAfterDays: 1 } }));
    assert.equal(mError.name, "ResourceNotFoundException");
    assert.equal(mError.$metadata?.httpStatusCode, 404);
    assert.equal(holderOf(await labelsVia(direct(), m.arn), "AWSPENDING").length, 1);
    assert.equal((await direct().send(new DescribeSecretCommand({ SecretId: m.arn }))).RotationLambdaARN, missing);

    const f = await createSecret("nofn/front", "value-1");
    const error = await rejection(rotate(once(), { SecretId: f.arn, RotationLambdaARN: missing, RotationRules: { AutomaticallyAfterDays: 1 } }));
    // The guess: what AWS answers when it cannot invoke the function.
    assert.equal(error.name, "AccessDeniedException");
    assert.equal(error.$metadata?.httpStatusCode, 400);
    assert.match(error.message, /^Secrets Manager cannot invoke the specified Lambda function/);
    assert.deepEqual(front.calls("RotateSecret").map((c) => [c.forwarded, c.rules]), [[false, ["lambda-exists-guessed-error"]]]);
    assert.deepEqual(await labelsOf(f.arn), { [f.versionId]: ["AWSCURRENT"] });
    const described = await describeSecret(f.arn);
    assert.equal(described.RotationLambdaARN, undefined);
    assert.notEqual(described.RotationEnabled, true);
});

test("rotate-not-immediately: RotateImmediately=false leaves no AWSPENDING behind once AWS's test run is over", async () => {
    const lambdaArn = await createRotationLambda();

    // moto alone leaves the test run's version labelled AWSPENDING for good.
    const m = await createSecret("later/moto", "value-1");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
    const mPending = holderOf(await labelsVia(direct(), m.arn), "AWSPENDING");
    assert.equal(mPending.length, 1);
    assert.notEqual(mPending[0], m.versionId);

    // Through the front, with the default delay: over before any later call is answered.
    const f = await createSecret("later/front", "value-1");
    await rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
    const labels = await labelsOf(f.arn);
    assert.deepEqual(holderOf(labels, "AWSPENDING"), []);
    assert.deepEqual(holderOf(labels, "AWSCURRENT"), [f.versionId]);
    assert.deepEqual(front.testRunsInProgress(), []);
    // So a later rotation is not taken for a stranded one.
    await rotate(secretsManager(), { SecretId: f.arn });
});

test("rotate-not-immediately: one RotateSecret costs moto six requests, AWS's test run included (what the benchmark's floor and policy pay per rotation)", async () => {
    // A second front, in front of a relay that records what reaches moto.
    const reached: string[] = [];
    const relay = http.createServer((req, res) => {
        const target = req.headers["x-amz-target"];
        reached.push(typeof target === "string" ? target.replace(/^secretsmanager\./, "") : `${req.method} ${(req.url ?? "").split("/").slice(0, 3).join("/")}`);
        const forwarded = http.request(new URL(req.url ?? "/", moto.endpoint), { method: req.method, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        req.pipe(forwarded);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const counted = await AwsFront.start(`http://127.0.0.1:${(relay.address() as AddressInfo).port}`);
    try {
        const lambdaArn = await createRotationLambda();
        const secret = await createSecret("later/counted", "value-1");
        const client = new SecretsManagerClient({ endpoint: counted.endpoint });
        reached.length = 0;
        await rotate(client, { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
        await counted.settled();
        assert.deepEqual(holderOf(await labelsOf(secret.arn), "AWSPENDING"), [], "the test run is over");
        assert.deepEqual(reached, [
            "DescribeSecret", // the rules' look at the secret (stages, stored Lambda)
            "GET /2015-03-31/functions", // lambda-exists-guessed-error
            "RotateSecret",
            "DescribeSecret", // rotate-not-immediately: the version the test run labelled
            "DescribeSecret", // the test run: the labels as they are when it ends
            "UpdateSecretVersionStage", // AWSPENDING off; the run is over (no DescribeSecret to find that out again)
        ]);
        client.destroy();
    } finally {
        await counted.stop();
        await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
});

test("rotate-not-immediately: the test run is asynchronous: right after RotateSecret it is in progress, and a later RotateSecret is refused until it ends", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("later/async", "value-1");
    front.delayTestRuns(Infinity); // until the test says the Lambda is done
    await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });

    // A DescribeSecret right after sees the run's version, as on AWS.
    const described = await describeSecret(secret.arn);
    const pending = holderOf(Object.fromEntries(Object.entries(described.VersionIdsToStages ?? {}).map(([id, l]) => [id, [...l]])), "AWSPENDING");
    assert.equal(pending.length, 1);
    assert.notEqual(pending[0], secret.versionId);
    assert.deepEqual(front.testRunsInProgress(), [{ arn: secret.arn, versionId: pending[0] }]);
    assert.deepEqual(holderOf(await labelsOf(secret.arn), "AWSPENDING"), pending, "ListSecretVersionIds too");
    // AWS refuses a rotation while another is in progress (rule stranded-rotation).
    const refused = await rejection(rotate(once(), { SecretId: secret.arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false }));
    assert.equal(refused.name, "InvalidRequestException");
    assert.match(refused.message, /previous rotation isn't complete/);

    // settled() does not wait for a held run; finishTestRuns() ends it.
    await front.settled();
    assert.equal(front.testRunsInProgress().length, 1);
    await front.finishTestRuns();
    assert.deepEqual(front.testRunsInProgress(), []);
    assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] });
    assert.deepEqual(Object.keys((await labelsOf(secret.arn, true))).sort(), [secret.versionId, pending[0]].sort(), "the run's version stays, unlabelled");
    await rotate(secretsManager(), { SecretId: secret.arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false });
    assert.equal(front.calls("RotateSecret").at(-1)?.status, 200);
});

test("rotate-not-immediately: with a finite delay the run ends on its own; settled() waits for it, and a call after it is due sees it over", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("later/finite", "value-1");
    front.delayTestRuns(400);
    await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { ScheduleExpression: "rate(12 hours)" }, RotateImmediately: false });
    assert.equal(holderOf(await labelsOf(secret.arn), "AWSPENDING").length, 1, "in progress right after");
    await front.settled();
    assert.deepEqual(front.testRunsInProgress(), []);
    assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] });
});

// ---- rules cancel-version-id / cancel-without-lambda-guess ----

test("cancel-version-id: CancelRotateSecret answers the version carrying AWSPENDING", async () => {
    const lambdaArn = await createRotationLambda();
    const interrupted = async (client: SecretsManagerClient, name: string) => {
        const secret = await createSecret(name, "value-1");
        await rotate(client, { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
        const pending = await putPending(client, secret.arn, `${name}-p`);
        return { secret, pending };
    };

    // moto alone answers its internal default version, the current one.
    const m = await interrupted(direct(), "cancelv/moto");
    const mOut = await direct().send(new CancelRotateSecretCommand({ SecretId: m.secret.arn }));
    assert.equal(mOut.VersionId, m.secret.versionId);

    const f = await interrupted(secretsManager(), "cancelv/front");
    const out = await secretsManager().send(new CancelRotateSecretCommand({ SecretId: f.secret.arn }));
    assert.equal(out.VersionId, f.pending);
    assert.equal(out.ARN, f.secret.arn);
});

test("cancel-version-id: with no rotation in progress CancelRotateSecret answers no VersionId", async () => {
    const lambdaArn = await createRotationLambda();
    const m = await createSecret("cancelnone/moto", "value-1");
    await rotate(direct(), { SecretId: m.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
    for (const id of holderOf(await labelsVia(direct(), m.arn), "AWSPENDING")) {
        await direct().send(new UpdateSecretVersionStageCommand({ SecretId: m.arn, VersionStage: "AWSPENDING", RemoveFromVersionId: id }));
    }
    assert.equal((await direct().send(new CancelRotateSecretCommand({ SecretId: m.arn }))).VersionId, m.versionId);

    const f = await createSecret("cancelnone/front", "value-1");
    await rotate(secretsManager(), { SecretId: f.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false });
    const out = await secretsManager().send(new CancelRotateSecretCommand({ SecretId: f.arn }));
    assert.equal(out.VersionId, undefined);
    assert.equal(out.Name, "cancelnone/front");
});

test("cancel-without-lambda-guess: CancelRotateSecret on a secret without a function succeeds", async () => {
    const m = await createSecret("cancelnofn/moto", "value-1");
    const error = await rejection(direct().send(new CancelRotateSecretCommand({ SecretId: m.arn })));
    assert.equal(error.name, "InvalidRequestException");

    const f = await createSecret("cancelnofn/front", "value-1");
    const out = await secretsManager().send(new CancelRotateSecretCommand({ SecretId: f.arn }));
    assert.equal(out.ARN, f.arn);
    assert.equal(out.VersionId, undefined);
    const described = await describeSecret(f.arn);
    assert.equal(described.RotationEnabled, false);
    assert.equal(described.NextRotationDate, undefined);
});

// ---- rules cancel-managed-secret / managed-configure-guessed / managed-rotate-now-guessed ----

/** A secret another service manages (moto shows OwningService from this tag), created through `client`. */
async function createManaged(client: SecretsManagerClient, name: string): Promise<{ arn: string; versionId: string }> {
    const out = await client.send(
        new CreateSecretCommand({ Name: name, SecretString: "managed-value", ClientRequestToken: versionIdFor(`${name}-v1`), Tags: [{ Key: "aws:secretsmanager:owningService", Value: "rds" }] }),
    );
    return { arn: out.ARN!, versionId: out.VersionId! };
}

test("managed-configure-guessed: RotateSecret with only the rules on a managed secret changes the schedule, not the versions", async () => {
    // moto alone moves AWSCURRENT to a new version.
    const m = await createManaged(direct(), "rds!configure-moto");
    await rotate(direct(), { SecretId: m.arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false });
    assert.deepEqual(holderOf(await labelsVia(direct(), m.arn), "AWSCURRENT").includes(m.versionId), false);

    front.clearCalls();
    const f = await createManaged(secretsManager(), "rds!configure-front");
    const out = await rotate(secretsManager(), { SecretId: f.arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false });
    assert.equal(out.VersionId, undefined);
    await rotate(secretsManager(), { SecretId: f.arn, RotationRules: { ScheduleExpression: "rate(10 days)" }, RotateImmediately: false });
    assert.deepEqual(await labelsOf(f.arn), { [f.versionId]: ["AWSCURRENT"] });
    const described = await describeSecret(f.arn);
    assert.equal(described.OwningService, "rds");
    assert.equal(described.RotationEnabled, true);
    assert.deepEqual(described.RotationRules, { ScheduleExpression: "rate(10 days)" });
    assert.equal(described.RotationLambdaARN ?? undefined, undefined);
    const rotations = front.calls("RotateSecret");
    assert.equal(rotations.length, 2);
    for (const c of rotations) assert.ok(c.rules.includes("managed-configure-guessed") && !c.forwarded, `rules: ${JSON.stringify(c.rules)}`);
});

test("managed-rotate-now-guessed: RotateSecret now on a managed secret answers at once; the service moves AWSCURRENT to a new version with a value afterwards", async () => {
    // moto alone moves AWSCURRENT to a version without a value, before it answers.
    const m = await createManaged(direct(), "rds!now-moto");
    const mOut = await rotate(direct(), { SecretId: m.arn, RotationRules: { AutomaticallyAfterDays: 7 } });
    assert.deepEqual(holderOf(await labelsVia(direct(), m.arn), "AWSCURRENT"), [mOut.VersionId]);
    const noValue = await rejection(direct().send(new GetSecretValueCommand({ SecretId: m.arn })));
    assert.match(noValue.message, /can't find the specified secret value for staging label: AWSCURRENT/);

    // In progress (held until the test says the service is done): the answer names the new
    // version, which holds AWSPENDING; AWSCURRENT has not moved, and a second rotation is refused.
    front.delayTestRuns(Infinity);
    const held = await createManaged(secretsManager(), "rds!now-front-held");
    const heldOut = await rotate(secretsManager(), { SecretId: held.arn, RotationRules: { AutomaticallyAfterDays: 7 } });
    assert.ok(heldOut.VersionId);
    assert.notEqual(heldOut.VersionId, held.versionId);
    assert.deepEqual(await labelsOf(held.arn), { [held.versionId]: ["AWSCURRENT"], [heldOut.VersionId]: ["AWSPENDING"] });
    assert.deepEqual(front.managedRotationsInProgress(), [{ arn: held.arn, versionId: heldOut.VersionId }]);
    assert.equal((await secretsManager().send(new GetSecretValueCommand({ SecretId: held.arn }))).VersionId, held.versionId, "readers still get the old credential");
    const again = await rejection(rotate(secretsManager(), { SecretId: held.arn }));
    assert.equal(again.name, "InvalidRequestException");
    await front.finishTestRuns();
    assert.deepEqual(await labelsOf(held.arn), { [held.versionId]: ["AWSPREVIOUS"], [heldOut.VersionId]: ["AWSCURRENT"] });

    // With the default delay: settled() (what the e2e harness waits for) waits for the service,
    // observed in moto directly (a call through the front would finish a due rotation itself).
    front.delayTestRuns(DEFAULT_TEST_RUN_DELAY_MS);
    const f = await createManaged(secretsManager(), "rds!now-front");
    const out = await rotate(secretsManager(), { SecretId: f.arn, RotationRules: { AutomaticallyAfterDays: 7 } });
    assert.ok(out.VersionId);
    await front.settled();
    assert.deepEqual(front.managedRotationsInProgress(), []);
    assert.deepEqual(await labelsVia(direct(), f.arn), { [f.versionId]: ["AWSPREVIOUS"], [out.VersionId]: ["AWSCURRENT"] });
    const value = await secretsManager().send(new GetSecretValueCommand({ SecretId: f.arn }));
    assert.equal(value.VersionId, out.VersionId);
    assert.equal(typeof value.SecretString, "string", "the owning service wrote a credential");
    assert.notEqual(value.SecretString, "managed-value");
    assert.equal((await describeSecret(f.arn)).RotationEnabled, true);
    const rotations = front.calls("RotateSecret");
    assert.equal(rotations.length, 3);
    for (const c of rotations.filter((c) => c.status === 200)) assert.ok(c.rules.includes("managed-rotate-now-guessed") && !c.forwarded, `rules: ${JSON.stringify(c.rules)}`);
});

test("cancel-managed-secret: CancelRotateSecret on a secret another service manages turns its rotation off", async () => {
    // moto alone refuses: the secret has no Lambda ARN.
    const m = await createManaged(direct(), "rds!cancel-moto");
    await rotate(direct(), { SecretId: m.arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false });
    const error = await rejection(direct().send(new CancelRotateSecretCommand({ SecretId: m.arn })));
    assert.equal(error.name, "InvalidRequestException");

    const f = await createManaged(secretsManager(), "rds!cancel-front");
    await rotate(secretsManager(), { SecretId: f.arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false });
    assert.equal((await describeSecret(f.arn)).RotationEnabled, true);
    front.clearCalls();
    const out = await secretsManager().send(new CancelRotateSecretCommand({ SecretId: f.arn }));
    assert.equal(out.ARN, f.arn);
    assert.equal(out.VersionId, undefined);
    const cancel = front.calls("CancelRotateSecret");
    assert.equal(cancel.length, 1);
    assert.ok(cancel[0]!.rules.includes("cancel-managed-secret"), `rules: ${JSON.stringify(cancel[0]!.rules)}`);
    assert.ok(!cancel[0]!.rules.includes("cancel-without-lambda-guess"));
    const described = await describeSecret(f.arn);
    assert.equal(described.RotationEnabled, false);
    assert.equal(described.NextRotationDate, undefined);
    assert.deepEqual(described.RotationRules, { AutomaticallyAfterDays: 7 }, "the schedule is kept for a later RotateSecret");
    assert.deepEqual(await labelsOf(f.arn), { [f.versionId]: ["AWSCURRENT"] });
});

test("cancel-managed-secret: CancelRotateSecret during a managed rotation cancels it: AWSCURRENT stays, the partial version keeps AWSPENDING", async () => {
    front.delayTestRuns(Infinity);
    const f = await createManaged(secretsManager(), "rds!cancel-in-progress");
    const started = await rotate(secretsManager(), { SecretId: f.arn, RotationRules: { AutomaticallyAfterDays: 7 } });
    assert.deepEqual(front.managedRotationsInProgress(), [{ arn: f.arn, versionId: started.VersionId }]);
    const out = await secretsManager().send(new CancelRotateSecretCommand({ SecretId: f.arn }));
    assert.equal(out.VersionId, started.VersionId, "the partially created version (rule cancel-version-id)");
    assert.deepEqual(front.managedRotationsInProgress(), []);
    await front.finishTestRuns();
    await front.settled();
    assert.deepEqual(await labelsOf(f.arn), { [f.versionId]: ["AWSCURRENT"], [started.VersionId!]: ["AWSPENDING"] });
    assert.equal((await describeSecret(f.arn)).RotationEnabled, false);
});

// ---- rules error-status / list-missing-secret ----

test("error-status: ResourceNotFoundException is HTTP 400 with a JSON body and x-amzn-errortype", async () => {
    const mError = await rejection(direct().send(new DescribeSecretCommand({ SecretId: "missing/secret" })));
    assert.equal(mError.$metadata?.httpStatusCode, 404);

    const error = await rejection(describeSecret("missing/secret"));
    assert.equal(error.name, "ResourceNotFoundException");
    assert.equal(error.$metadata?.httpStatusCode, 400);

    // On the wire, as AWS JSON 1.1 clients other than this SDK would read it.
    const response = await fetch(`${front.endpoint}/`, {
        method: "POST",
        headers: {
            "x-amz-target": "secretsmanager.DescribeSecret",
            "content-type": "application/x-amz-json-1.1",
            // moto picks the service and region from the credential scope; the signature is not checked
            authorization: "AWS4-HMAC-SHA256 Credential=AKIATESTROTATIONKEYID/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
        },
        body: JSON.stringify({ SecretId: "missing/secret" }),
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get("x-amzn-errortype"), "ResourceNotFoundException");
    const body = (await response.json()) as { __type: string; message: string };
    assert.equal(body.__type, "ResourceNotFoundException");
    assert.match(body.message, /can't find/);
});

test("list-missing-secret: ListSecretVersionIds on a missing secret is a 400 ResourceNotFoundException", async () => {
    const mError = await rejection(direct().send(new ListSecretVersionIdsCommand({ SecretId: "missing/secret" })));
    assert.equal(mError.$metadata?.httpStatusCode, 500);

    const error = await rejection(secretsManager().send(new ListSecretVersionIdsCommand({ SecretId: "missing/secret" })));
    assert.equal(error.name, "ResourceNotFoundException");
    assert.equal(error.$metadata?.httpStatusCode, 400);
});

// ---- rules version-dates / hide-deprecated / list-arn / label-moves ----

test("version-dates: ListSecretVersionIds reports stable creation dates that tests can backdate", async () => {
    const secret = await createSecret("dates/one", "value-1");
    const pending = await putPending(secretsManager(), secret.arn, "dates/one-p");
    const createdAt = front.versionCreatedDate(secret.versionId);
    assert.ok(createdAt);

    const datesVia = async (client: SecretsManagerClient) => {
        const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: secret.arn }));
        return Object.fromEntries((out.Versions ?? []).map((v) => [v.VersionId!, v.CreatedDate!.getTime()]));
    };
    const moto1 = await datesVia(direct());
    const front1 = await datesVia(secretsManager());
    await sleep(1_100);
    const moto2 = await datesVia(direct());
    const front2 = await datesVia(secretsManager());
    // moto alone: the time of the call, every time.
    assert.ok(moto2[secret.versionId] > moto1[secret.versionId]);
    // Through the front: when the version was first seen (its creation here), every time.
    assert.deepEqual(front2, front1);
    assert.equal(front1[secret.versionId], createdAt.getTime());

    // A test makes the pending version look stranded (hours old).
    const hoursAgo = new Date(Date.now() - 3 * 3600_000);
    front.setVersionCreatedDate(pending, hoursAgo);
    assert.equal((await datesVia(secretsManager()))[pending], hoursAgo.getTime());
});

test("hide-deprecated: versions without labels are left out unless IncludeDeprecated", async () => {
    const secret = await createSecret("deprecated/one", "value-1");
    await secretsManager().send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: "value-2", ClientRequestToken: versionIdFor("deprecated/v2") }));
    await secretsManager().send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: "value-3", ClientRequestToken: versionIdFor("deprecated/v3") }));
    const idsVia = async (client: SecretsManagerClient, includeDeprecated?: boolean) => {
        const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: secret.arn, IncludeDeprecated: includeDeprecated }));
        return (out.Versions ?? []).map((v) => v.VersionId!).sort();
    };
    const all = [secret.versionId, versionIdFor("deprecated/v2"), versionIdFor("deprecated/v3")].sort();
    const labelled = [versionIdFor("deprecated/v2"), versionIdFor("deprecated/v3")].sort();

    assert.deepEqual(await idsVia(direct()), all); // moto ignores IncludeDeprecated
    assert.deepEqual(await idsVia(secretsManager()), labelled);
    assert.deepEqual(await idsVia(secretsManager(), true), all);
    assert.deepEqual(Object.keys((await describeSecret(secret.arn)).VersionIdsToStages ?? {}).sort(), labelled);
});

test("list-arn: ListSecretVersionIds answers the secret's ARN, not the identifier it was given", async () => {
    const secret = await createSecret("arn/one", "value-1");
    assert.equal((await direct().send(new ListSecretVersionIdsCommand({ SecretId: "arn/one" }))).ARN, "arn/one");
    assert.equal((await secretsManager().send(new ListSecretVersionIdsCommand({ SecretId: "arn/one" }))).ARN, secret.arn);
});

test("an empty pending version, as AWS leaves it: a rotation whose Lambda failed before createSecret put a value keeps AWSPENDING on a version without a value (moto's own behaviour, kept)", async () => {
    // AWS API Reference, RotateSecret: "When rotation is unsuccessful, the AWSPENDING staging label
    // might be attached to an empty secret version"; DescribeSecret (VersionIdsToStages): "During
    // rotation, Secrets Manager creates an AWSPENDING version ID before creating the new secret
    // version." moto does the same (its RotateSecret creates the labelled version, its Lambda puts
    // nothing), so no rule is needed; this test keeps it so.
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("empty/one", "value-1");
    const token = versionIdFor("empty/one-rot");
    await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, ClientRequestToken: token });
    assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"], [token]: ["AWSPENDING"] });
    assert.deepEqual((await describeSecret(secret.arn)).VersionIdsToStages, { [secret.versionId]: ["AWSCURRENT"], [token]: ["AWSPENDING"] });
    for (const selector of [{ VersionId: token }, { VersionStage: "AWSPENDING" }]) {
        const error = await rejection(secretsManager().send(new GetSecretValueCommand({ SecretId: secret.arn, ...selector })));
        assert.equal(error.name, "ResourceNotFoundException", JSON.stringify(selector));
        assert.equal(error.$metadata?.httpStatusCode, 400);
        assert.match(error.message, /can't find the specified secret value/);
    }
    const current = await secretsManager().send(new GetSecretValueCommand({ SecretId: secret.arn, VersionStage: "AWSCURRENT" }));
    assert.equal(current.SecretString, "value-1", "AWSCURRENT keeps its value");
});

test("value-default-current: GetSecretValue without VersionId or VersionStage reads AWSCURRENT, also while AWSPENDING sits on an empty version", async () => {
    const lambdaArn = await createRotationLambda();
    const viaMoto = await createSecret("default/moto", "value-1");
    const viaFront = await createSecret("default/front", "value-1");
    for (const [client, secret] of [
        [direct(), viaMoto],
        [secretsManager(), viaFront],
    ] as const) {
        await rotate(client, { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, ClientRequestToken: versionIdFor(`${secret.name}-rot`) });
    }
    // moto alone answers from its internal default version, which its RotateSecret moved to the empty candidate.
    const error = await rejection(direct().send(new GetSecretValueCommand({ SecretId: viaMoto.arn })));
    assert.equal(error.name, "ResourceNotFoundException");
    // Through the front: the AWSCURRENT version, as AWS documents.
    front.clearCalls();
    const read = await secretsManager().send(new GetSecretValueCommand({ SecretId: viaFront.arn }));
    assert.equal(read.VersionId, viaFront.versionId);
    assert.equal(read.SecretString, "value-1");
    assert.deepEqual(front.calls("GetSecretValue").map((c) => c.rules), [["value-default-current"]]);
});

test("version-kms-keys-guessed: ListSecretVersionIds gives every version KmsKeyIds, an empty version the same as one with a value", async () => {
    const lambdaArn = await createRotationLambda();
    const candidates: Record<string, string> = {};
    for (const kind of ["empty", "full"]) {
        const secret = await createSecret(`kms/${kind}`, "value-1");
        const token = versionIdFor(`kms/${kind}-rot`);
        await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, ClientRequestToken: token });
        if (kind === "full") await putPending(secretsManager(), secret.arn, `kms/${kind}-rot`, "value-2"); // createSecret ran
        candidates[kind] = secret.arn;
    }
    const entriesVia = async (client: SecretsManagerClient, secretId: string) => {
        const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId }));
        return Object.fromEntries((out.Versions ?? []).map((v) => [v.VersionStages!.join(","), v]));
    };
    // moto alone reports no KmsKeyIds at all.
    assert.equal((await entriesVia(direct(), candidates.empty!)).AWSPENDING!.KmsKeyIds, undefined);
    const empty = await entriesVia(secretsManager(), candidates.empty!);
    const full = await entriesVia(secretsManager(), candidates.full!);
    for (const entries of [empty, full]) {
        for (const stage of ["AWSCURRENT", "AWSPENDING"]) assert.deepEqual(entries[stage]!.KmsKeyIds, ["DefaultEncryptionKey"], stage);
    }
    // The empty candidate's entry has exactly the fields of the full one: nothing in it tells.
    const fields = (entry: object) => Object.entries(entry).filter(([, value]) => value !== undefined).map(([key]) => key).sort();
    assert.deepEqual(fields(empty.AWSPENDING!), fields(full.AWSPENDING!));
    assert.deepEqual(fields(empty.AWSPENDING!), ["CreatedDate", "KmsKeyIds", "LastAccessedDate", "VersionId", "VersionStages"]);
    assert.ok(front.calls().some((c) => c.operation === "ListSecretVersionIds" && c.rules.includes("version-kms-keys-guessed")));
});

test("label-moves: moving a label that sits on another version requires RemoveFromVersionId", async () => {
    const setUp = async (client: SecretsManagerClient, name: string) => {
        const secret = await createSecret(name, "value-1");
        const p1 = await putPending(client, secret.arn, `${name}-1`);
        const v2 = versionIdFor(`${name}-2`);
        await client.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: "x", ClientRequestToken: v2, VersionStages: [] }));
        return { secret, p1, v2 };
    };

    // moto alone: AWSPENDING ends up on two versions.
    const m = await setUp(direct(), "moves/moto");
    await direct().send(new UpdateSecretVersionStageCommand({ SecretId: m.secret.arn, VersionStage: "AWSPENDING", MoveToVersionId: m.v2 }));
    assert.deepEqual(holderOf(await labelsVia(direct(), m.secret.arn), "AWSPENDING").sort(), [m.p1, m.v2].sort());

    const f = await setUp(secretsManager(), "moves/front");
    const error = await rejection(
        secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: f.secret.arn, VersionStage: "AWSPENDING", MoveToVersionId: f.v2 })),
    );
    assert.equal(error.name, "InvalidParameterException");
    assert.deepEqual(holderOf(await labelsOf(f.secret.arn), "AWSPENDING"), [f.p1]);
    // With RemoveFromVersionId the move is fine.
    await secretsManager().send(
        new UpdateSecretVersionStageCommand({ SecretId: f.secret.arn, VersionStage: "AWSPENDING", MoveToVersionId: f.v2, RemoveFromVersionId: f.p1 }),
    );
    assert.deepEqual(holderOf(await labelsOf(f.secret.arn), "AWSPENDING"), [f.v2]);
});

test("label-quota: a label move past 20 labels on one secret is refused with LimitExceededException and changes nothing", async () => {
    // 19 labels: AWSCURRENT and 18 of ours on versions of their own (the last two through PutSecretValue).
    const setUp = async (client: SecretsManagerClient, name: string) => {
        const secret = await createSecret(name, "value-0");
        const versions: string[] = [];
        for (let i = 1; i <= 18; i++) {
            const v = versionIdFor(`${name}-${i}`);
            await client.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: `value-${i}`, ClientRequestToken: v, VersionStages: [`KEEP-${i}`] }));
            versions.push(v);
        }
        return { secret, versions };
    };
    const count = (labels: Record<string, string[]>) => Object.values(labels).reduce((n, l) => n + l.length, 0);

    // moto alone: any number of labels.
    const m = await setUp(direct(), "quota/moto");
    await direct().send(new UpdateSecretVersionStageCommand({ SecretId: m.secret.arn, VersionStage: "EXTRA-20", MoveToVersionId: m.versions[0] }));
    await direct().send(new UpdateSecretVersionStageCommand({ SecretId: m.secret.arn, VersionStage: "EXTRA-21", MoveToVersionId: m.versions[0] }));
    assert.equal(count(await labelsVia(direct(), m.secret.arn)), 21);

    const f = await setUp(secretsManager(), "quota/front");
    // The 20th label is accepted.
    await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: f.secret.arn, VersionStage: "EXTRA-20", MoveToVersionId: f.versions[0] }));
    const full = await labelsVia(secretsManager(), f.secret.arn);
    assert.equal(count(full), 20);
    // A 21st, by UpdateSecretVersionStage or by a new version's labels, is refused.
    for (const attempt of [
        () => once().send(new UpdateSecretVersionStageCommand({ SecretId: f.secret.arn, VersionStage: "EXTRA-21", MoveToVersionId: f.versions[1] })),
        () => once().send(new PutSecretValueCommand({ SecretId: f.secret.arn, SecretString: "v", ClientRequestToken: versionIdFor("quota/front-21"), VersionStages: ["AWSPENDING"] })),
    ]) {
        const error = await rejection(attempt());
        assert.equal(error.name, "LimitExceededException");
        assert.equal(error.$metadata?.httpStatusCode, 400);
        assert.deepEqual(await labelsVia(secretsManager(), f.secret.arn), full, "nothing changed");
    }
    // At the budget, moving or removing labels still works.
    await secretsManager().send(
        new UpdateSecretVersionStageCommand({ SecretId: f.secret.arn, VersionStage: "EXTRA-20", MoveToVersionId: f.versions[1], RemoveFromVersionId: f.versions[0] }),
    );
    await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: f.secret.arn, VersionStage: "KEEP-1", RemoveFromVersionId: f.versions[0] }));
    assert.equal(count(await labelsVia(secretsManager(), f.secret.arn)), 19);
    assert.ok(front.calls("UpdateSecretVersionStage").some((c) => c.rules.includes("label-quota")));
});

test("tag-quota-guessed-error: a TagResource past 50 tags is refused and changes nothing; re-tagging a key at the quota is not", async () => {
    const tagsOf = async (client: SecretsManagerClient, arn: string) =>
        Object.fromEntries(((await client.send(new DescribeSecretCommand({ SecretId: arn }))).Tags ?? []).map((t) => [t.Key!, t.Value!]));
    const fill = async (client: SecretsManagerClient, arn: string) => {
        // 49 tags in two calls.
        await client.send(new TagResourceCommand({ SecretId: arn, Tags: Array.from({ length: 25 }, (_, i) => ({ Key: `team-${i}`, Value: "x" })) }));
        await client.send(new TagResourceCommand({ SecretId: arn, Tags: Array.from({ length: 24 }, (_, i) => ({ Key: `cost-${i}`, Value: "x" })) }));
    };
    // moto alone: any number of tags.
    const m = await createSecret("tags/moto", "v");
    await fill(direct(), m.arn);
    await direct().send(new TagResourceCommand({ SecretId: m.arn, Tags: [{ Key: "fiftieth", Value: "x" }, { Key: "fifty-first", Value: "x" }] }));
    assert.equal(Object.keys(await tagsOf(direct(), m.arn)).length, 51);

    const f = await createSecret("tags/front", "v");
    await fill(secretsManager(), f.arn);
    // The 50th is accepted.
    await secretsManager().send(new TagResourceCommand({ SecretId: f.arn, Tags: [{ Key: "fiftieth", Value: "x" }] }));
    const full = await tagsOf(secretsManager(), f.arn);
    assert.equal(Object.keys(full).length, 50);
    // A 51st is refused, alone or among keys already there, and nothing changes.
    for (const tags of [[{ Key: "fifty-first", Value: "x" }], [{ Key: "team-0", Value: "changed" }, { Key: "fifty-first", Value: "x" }]]) {
        const error = await rejection(once().send(new TagResourceCommand({ SecretId: f.arn, Tags: tags })));
        assert.equal(error.name, "InvalidParameterException");
        assert.equal(error.$metadata?.httpStatusCode, 400);
        assert.deepEqual(await tagsOf(secretsManager(), f.arn), full, "nothing changed");
    }
    // At the quota, a key already there takes a new value (it counts once).
    await secretsManager().send(new TagResourceCommand({ SecretId: f.arn, Tags: [{ Key: "team-0", Value: "changed" }] }));
    assert.equal((await tagsOf(secretsManager(), f.arn))["team-0"], "changed");
    assert.ok(front.calls("TagResource").some((c) => c.rules.includes("tag-quota-guessed-error")));
});

test("lagging listing: ListSecrets answers from the view when lagListings() began (tags, rotation, created and deleted secrets, filters on the old view), DescribeSecret sees the present, catchUpListings() ends it", async () => {
    const lambda = await createRotationLambda();
    const listed = async (filters?: { Key: "name" | "tag-key"; Values: string[] }[]) => {
        const out: { Name?: string; Tags?: { Key?: string }[]; RotationEnabled?: boolean }[] = [];
        let token: string | undefined;
        do {
            const page = await secretsManager().send(new ListSecretsCommand({ MaxResults: 2, ...(filters ? { Filters: filters } : {}), ...(token ? { NextToken: token } : {}) }));
            out.push(...(page.SecretList ?? []));
            token = page.NextToken;
        } while (token);
        return out;
    };
    const names = async (filters?: { Key: "name" | "tag-key"; Values: string[] }[]) => (await listed(filters)).map((s) => s.Name).sort();
    const tagged = await createSecret("lag/tagged", "v");
    const rotated = await createSecret("lag/rotated", "v");
    const deleted = await createSecret("lag/deleted", "v");
    await createSecret("lag/untouched", "v");

    front.lagListings();
    await secretsManager().send(new TagResourceCommand({ SecretId: tagged.arn, Tags: [{ Key: "pulumi-secret-rotation:policy", Value: "p" }] }));
    await secretsManager().send(new RotateSecretCommand({ SecretId: rotated.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
    await secretsManager().send(new DeleteSecretCommand({ SecretId: deleted.arn, ForceDeleteWithoutRecovery: true }));
    await createSecret("lag/created", "v");
    await front.settled();

    // The listing: as when the lag began, in pages, filtered on the old view.
    assert.deepEqual(await names(), ["lag/deleted", "lag/rotated", "lag/tagged", "lag/untouched"]);
    assert.deepEqual(await names([{ Key: "tag-key", Values: ["pulumi-secret-rotation:"] }]), [], "the tag added since is not seen");
    assert.deepEqual(await names([{ Key: "name", Values: ["lag/t", "lag/d"] }]), ["lag/deleted", "lag/tagged"]);
    assert.deepEqual(await names([{ Key: "name", Values: ["lag/", "!lag/u"] }]), ["lag/deleted", "lag/rotated", "lag/tagged"], "negation");
    assert.equal((await listed()).find((s) => s.Name === "lag/rotated")!.RotationEnabled ?? false, false, "rotation turned on since is not seen");
    // DescribeSecret: the present.
    assert.equal((await describeSecret(rotated.arn)).RotationEnabled, true);
    assert.deepEqual((await describeSecret(tagged.arn)).Tags?.map((t) => t.Key), ["pulumi-secret-rotation:policy"]);
    // An unmodelled filter is refused rather than answered wrong.
    assert.equal((await rejection(once().send(new ListSecretsCommand({ Filters: [{ Key: "description", Values: ["x"] }] })))).name, "InvalidParameterException");

    front.catchUpListings();
    assert.deepEqual(await names(), ["lag/created", "lag/rotated", "lag/tagged", "lag/untouched"]);
    assert.deepEqual(await names([{ Key: "tag-key", Values: ["pulumi-secret-rotation:"] }]), ["lag/tagged"]);
});

// ---- fault injection ----

test("a scripted throttle reaches the SDK as ThrottlingException and never reaches moto", async () => {
    front.script([{ operation: "CreateSecret", fault: "throttle" }]);
    const error = await rejection(once().send(new CreateSecretCommand({ Name: "fault/throttled", SecretString: "v" })));
    assert.equal(error.name, "ThrottlingException");
    assert.equal(error.message, "Rate exceeded");
    assert.equal(error.$metadata?.httpStatusCode, 400);
    assert.equal((await rejection(describeSecret("fault/throttled"))).name, "ResourceNotFoundException");
    const [call] = front.calls("CreateSecret");
    assert.deepEqual(
        { injected: call.injected, status: call.status, errorName: call.errorName, forwarded: call.forwarded },
        { injected: "throttle", status: 400, errorName: "ThrottlingException", forwarded: false },
    );
});

test("a scripted server error reaches the SDK as a 500 InternalServiceError", async () => {
    await createSecret("fault/five", "value-1");
    front.script([{ operation: "DescribeSecret", fault: "server-error" }]);
    const error = await rejection(once().send(new DescribeSecretCommand({ SecretId: "fault/five" })));
    assert.equal(error.name, "InternalServiceError");
    assert.equal(error.$metadata?.httpStatusCode, 500);
    assert.equal(front.calls("DescribeSecret")[0].injected, "server-error");
});

test("a scripted access-denied answers 400 AccessDeniedException, as while a Lambda permission propagates", async () => {
    const secret = await createSecret("fault/denied", "value-1");
    front.script([{ operation: "RotateSecret", fault: "access-denied" }]);
    const error = await rejection(once().send(new RotateSecretCommand({ SecretId: secret.arn, RotateImmediately: false })));
    assert.equal(error.name, "AccessDeniedException");
    assert.equal(error.$metadata?.httpStatusCode, 400);
    assert.equal(front.calls("RotateSecret")[0].forwarded, false);
});

test("a scripted reset closes the connection without a response: the SDK sees a network error", async () => {
    await createSecret("fault/reset", "value-1");
    front.script([{ operation: "DescribeSecret", fault: "reset" }]);
    const error = await rejection(once().send(new DescribeSecretCommand({ SecretId: "fault/reset" })));
    assert.equal(error.$metadata?.httpStatusCode, undefined);
    assert.match(`${error.code ?? ""} ${error.message}`, /ECONNRESET|socket hang up/i);
    const [call] = front.calls("DescribeSecret");
    assert.deepEqual({ injected: call.injected, status: call.status, forwarded: call.forwarded }, { injected: "reset", status: 0, forwarded: false });
});

test("a scripted latency delays the call, which then succeeds", async () => {
    await createSecret("fault/slow", "value-1");
    front.script([{ operation: "DescribeSecret", fault: "latency", latencyMs: 400 }]);
    const started = Date.now();
    const described = await once().send(new DescribeSecretCommand({ SecretId: "fault/slow" }));
    assert.equal(described.Name, "fault/slow");
    assert.ok(Date.now() - started >= 400);
    const [call] = front.calls("DescribeSecret");
    assert.equal(call.injected, "latency");
    assert.ok(call.durationMs >= 400);
    assert.equal(call.status, 200);
});

test("a fault after forwarding loses the response of a call moto applied", async () => {
    const secret = await createSecret("fault/after", "value-1");
    front.script([{ operation: "PutSecretValue", fault: "throttle", afterForward: true }]);
    const token = versionIdFor("fault/after-v2");
    const error = await rejection(once().send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: "value-2", ClientRequestToken: token })));
    assert.equal(error.name, "ThrottlingException");
    assert.deepEqual(holderOf(await labelsOf(secret.arn), "AWSCURRENT"), [token]);
    const [call] = front.calls("PutSecretValue");
    assert.deepEqual({ injected: call.injected, afterForward: call.afterForward, forwarded: call.forwarded }, { injected: "throttle", afterForward: true, forwarded: true });
});

test("a RotateSecret whose response was lost can be retried with the same token", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("fault/rotate", "value-1");
    const token = versionIdFor("fault/rotate-r1");
    const input = { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 7 }, ClientRequestToken: token };
    front.script([{ operation: "RotateSecret", fault: "reset", afterForward: true }]);
    await rejection(rotate(once(), input));
    const afterFirst = await labelsOf(secret.arn);
    assert.deepEqual(holderOf(afterFirst, "AWSPENDING"), [token]); // moto started the rotation

    const out = await rotate(once(), input);
    assert.equal(out.VersionId, token);
    assert.deepEqual(await labelsOf(secret.arn), afterFirst);
    assert.deepEqual(
        front.calls("RotateSecret").map((c) => [c.injected, c.afterForward, c.status]),
        [
            ["reset", true, 0],
            [undefined, undefined, 200],
        ],
    );
});

test("the SDK's own retries hide a single throttle; the log shows both attempts", async () => {
    await createSecret("fault/retried", "value-1");
    front.script([{ operation: "DescribeSecret", fault: "throttle" }]);
    const described = await secretsManager().send(new DescribeSecretCommand({ SecretId: "fault/retried" }));
    assert.equal(described.Name, "fault/retried");
    assert.deepEqual(
        front.calls("DescribeSecret").map((c) => c.injected ?? "none"),
        ["throttle", "none"],
    );
});

test("scripted faults are used once each, by the first call of a matching operation", async () => {
    await createSecret("fault/script", "value-1");
    front.script([
        { operation: "RotateSecret", fault: "throttle" },
        { operation: "DescribeSecret", fault: "server-error" },
        { fault: "throttle" },
    ]);
    assert.equal((await rejection(once().send(new DescribeSecretCommand({ SecretId: "fault/script" })))).name, "InternalServiceError");
    assert.equal((await rejection(once().send(new DescribeSecretCommand({ SecretId: "fault/script" })))).name, "ThrottlingException");
    await once().send(new DescribeSecretCommand({ SecretId: "fault/script" }));
    assert.equal(front.scriptRemaining(), 1); // the RotateSecret one
    front.clearFaults();
    assert.equal(front.scriptRemaining(), 0);
});

test("random faults follow the seed: the same seed gives the same sequence", async () => {
    await createSecret("fault/random", "value-1");
    const run = async (seed: number): Promise<string[]> => {
        front.clearCalls();
        front.injectFaults({ rate: 0.4, kinds: ["throttle", "server-error"], seed });
        for (let i = 0; i < 20; i++) {
            await once()
                .send(new DescribeSecretCommand({ SecretId: "fault/random" }))
                .catch(() => undefined);
        }
        front.clearFaults();
        return front.calls("DescribeSecret").map((c: CallRecord) => c.injected ?? "none");
    };
    const first = await run(42);
    const second = await run(42);
    assert.deepEqual(second, first);
    assert.ok(first.includes("none") && first.includes("throttle") && first.includes("server-error"), first.join(","));
    assert.notDeepEqual(await run(7), first);
});

test("random faults apply only to the listed operations", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("fault/ops", "value-1");
    front.clearCalls();
    front.injectFaults({ rate: 1, kinds: ["throttle"], seed: 1, operations: ["RotateSecret"] });
    await once().send(new DescribeSecretCommand({ SecretId: secret.arn }));
    const error = await rejection(rotate(once(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn }));
    assert.equal(error.name, "ThrottlingException");
    assert.deepEqual(front.calls().map((c) => [c.operation, c.injected]), [
        ["DescribeSecret", undefined],
        ["RotateSecret", "throttle"],
    ]);
});

test("reset() forgets the shadow state, the recorded dates, the faults and the log", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("reset/one", "value-1");
    await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { ScheduleExpression: "rate(1 day)" }, RotateImmediately: false });
    front.setVersionCreatedDate(secret.versionId, new Date(0));
    front.script([{ operation: "RotateSecret", fault: "throttle" }]);
    front.injectFaults({ rate: 1, kinds: ["throttle"], seed: 3, operations: ["CancelRotateSecret"] });

    front.reset();
    assert.deepEqual(front.calls(), []);
    assert.equal(front.scriptRemaining(), 0);
    assert.equal(front.versionCreatedDate(secret.versionId), undefined);
    // Without its shadow the front shows moto's view of the expression-only schedule again.
    const described = await describeSecret(secret.arn);
    assert.equal(described.RotationEnabled, false);
    assert.equal(described.RotationRules?.ScheduleExpression, undefined);
    await secretsManager().send(new CancelRotateSecretCommand({ SecretId: secret.arn }));
});

test("setSecretDates: DescribeSecret and ListSecrets report the dates a test set (elapsed time); reset() forgets them", async () => {
    const lambdaArn = await createRotationLambda();
    const secret = await createSecret("dates/one", "value-1");
    await rotate(secretsManager(), { SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false });
    const created = new Date("2026-01-02T03:04:05.000Z");
    const rotated = new Date("2026-02-03T04:05:06.000Z");
    const next = new Date("2026-02-10T04:05:06.000Z");
    front.setSecretDates(secret.arn, { createdDate: created, lastRotatedDate: rotated, nextRotationDate: next });

    const described = await describeSecret(secret.arn);
    assert.deepEqual([described.CreatedDate, described.LastRotatedDate, described.NextRotationDate], [created, rotated, next]);
    const listed = (await secretsManager().send(new ListSecretsCommand({}))).SecretList?.find((s) => s.ARN === secret.arn);
    assert.deepEqual([listed?.CreatedDate, listed?.LastRotatedDate, listed?.NextRotationDate], [created, rotated, next]);
    const viaMoto = await direct().send(new DescribeSecretCommand({ SecretId: secret.arn }));
    assert.notDeepEqual(viaMoto.LastRotatedDate, rotated, "moto itself keeps its own dates");

    front.reset();
    assert.notDeepEqual((await describeSecret(secret.arn)).CreatedDate, created);
});

test("a scripted html-page answers 502 with an HTML page and empty-5xx a 503 with no body: neither reaches moto", async () => {
    await createSecret("fault/page", "value-1");
    front.script([
        { operation: "DescribeSecret", fault: "html-page" },
        { operation: "DescribeSecret", fault: "empty-5xx" },
    ]);
    const page = await fetch(`${front.endpoint}/`, { method: "POST", headers: { "x-amz-target": "secretsmanager.DescribeSecret", "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ SecretId: "fault/page" }) });
    assert.equal(page.status, 502);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /^<!doctype html>/);
    // What the pinned SDK makes of them on its own: a JSON parse error, and an "UnknownError".
    const empty = await rejection(once().send(new DescribeSecretCommand({ SecretId: "fault/page" })));
    assert.equal(empty.$metadata?.httpStatusCode, 503);
    assert.deepEqual(
        front.calls("DescribeSecret").map((c) => ({ injected: c.injected, status: c.status, forwarded: c.forwarded })),
        [
            { injected: "html-page", status: 502, forwarded: false },
            { injected: "empty-5xx", status: 503, forwarded: false },
        ],
    );
    front.script([{ operation: "DescribeSecret", fault: "html-page" }]);
    const parsed = await rejection(once().send(new DescribeSecretCommand({ SecretId: "fault/page" })));
    assert.equal(parsed.name, "SyntaxError");
    assert.match(parsed.message, /Unexpected token '<'/);
});
