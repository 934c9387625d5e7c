// End to end, under moto's IAM enforcement: the pulumi CLI runs as a "deployer" IAM user whose only
// policy is the shipped policy/minimal-iam-policy.json, read from the file as a user would paste it.
// The whole cycle works under exactly that policy; with any one permission removed, the operation
// that needs it fails naming the permission, and nothing changes. The review command runs as a
// "reviewer" holding policy/review-iam-policy.json. Seeding and checks are the test's own, as an
// administrator. See test/integration/iam-enforcement.test.ts for the front's IAM rules.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, beforeEach, describe, test, TestContext } from "node:test";

import { AwsFront, CallRecord } from "../support/aws-front";
import { Credentials } from "../support/iam";
import { ADMIN_POLICY, createUser, permissionsOf, setUserPolicy, shippedPolicy, withoutPermission } from "../support/least-privilege";
import { MotoServer, useAwsEnv } from "../support/moto";
import { describeResult, PulumiResult, repoRoot, runProcess, TestStack, waitBeforeEachCommand, withTranscript } from "../support/pulumi";
import { playRotation, versionWith } from "../support/rotation-lambda";
import { createRotationLambda, createSecret, describeSecret, labelsOf, undated } from "../support/seed";

const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const POLICY = shippedPolicy("minimal-iam-policy");
const REVIEW_POLICY = shippedPolicy("review-iam-policy");
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue", "CreateSecret", "DeleteSecret"];
const OWNER_TAG = "pulumi-secret-rotation:owner";
const THREE_HOURS_AGO = () => new Date(Date.now() - 3 * 3_600_000);

let moto: MotoServer;
let front: AwsFront;
let admin: Credentials;
let deployer: Credentials;
let reviewer: Credentials;
let lambda: string;
let count = 0;
const restores: (() => void)[] = [];

before(async () => {
    moto = await MotoServer.start();
    restores.push(useAwsEnv(moto.awsEnv()));
    admin = await createUser("admin", ADMIN_POLICY);
    deployer = await createUser("deployer", POLICY);
    reviewer = await createUser("reviewer", REVIEW_POLICY);
    front = await AwsFront.start(moto.endpoint, { iam: { admin, callers: [deployer, reviewer] } });
    // As useLocalAws does: no pulumi command starts while one of AWS's test runs is still due.
    restores.push(waitBeforeEachCommand(() => front.settled()));
    // This process's clients (seeding, playing the Lambda, checks) are the administrator's, through the front.
    restores.push(
        useAwsEnv({
            ...moto.awsEnv(),
            AWS_ACCESS_KEY_ID: admin.accessKeyId,
            AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
            AWS_ENDPOINT_URL_SECRETS_MANAGER: front.endpoint,
        }),
    );
    lambda = await createRotationLambda();
    await moto.enforceIam(true);
});
after(async () => {
    await front?.stop();
    while (restores.length > 0) restores.pop()!();
    await moto?.stop();
});
beforeEach(async () => {
    await setUserPolicy("deployer", POLICY);
    await setUserPolicy("reviewer", REVIEW_POLICY);
});

/** The environment of the pulumi CLI (and so of the provider): the deployer's key, nothing else. */
function deployerEnv(): Record<string, string> {
    return {
        ...moto.awsEnv(),
        AWS_ACCESS_KEY_ID: deployer.accessKeyId,
        AWS_SECRET_ACCESS_KEY: deployer.secretAccessKey,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: front.endpoint,
        // A denied RotateSecret is retried while a new Lambda permission may be on its way; not for long here.
        PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS: "2",
    };
}

async function newStack(t: TestContext, rotations: unknown[]): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: deployerEnv(), config: { "e2e:rotations": rotations } });
    t.after(() => stack.cleanup());
    return stack;
}


const byDeployer = (): CallRecord[] => front.calls().filter((c) => c.accessKeyId === deployer.accessKeyId);
const succeededMutations = () => byDeployer().filter((c) => MUTATING.includes(c.operation) && c.status === 200);
const denials = () => byDeployer().filter((c) => c.errorName === "AccessDeniedException");

async function freshSecret(tag: string) {
    return createSecret(`lp/${tag}-${++count}`, `value-${tag}-not-to-be-read`);
}

/** Labels, rotation configuration and the owner tag: what "nothing changed" compares. */
async function snapshot(arn: string) {
    const d = await describeSecret(arn);
    const owner = d.Tags?.find((tag) => tag.Key === OWNER_TAG)?.Value;
    return { labels: await labelsOf(arn, true), enabled: d.RotationEnabled === true, rules: d.RotationRules, lambda: d.RotationLambdaARN, owner };
}

const declare = (secretId: string, extra: Record<string, unknown> = {}) => ({
    secretId,
    rotationLambdaArn: lambda,
    schedule: { automaticallyAfterDays: 30 },
    ...extra,
});

/** Leaves AWSPENDING stranded on a candidate version of the secret: a rotation that failed hours ago. */
async function strandRotation(stack: TestStack, arn: string): Promise<string> {
    await stack.up(); // rotateImmediately (the default): the rotation starts
    const { pendingVersionId } = await playRotation(arn, "candidate-value", "testSecret");
    front.setVersionCreatedDate(pendingVersionId, THREE_HOURS_AGO());
    return pendingVersionId;
}

describe("least privilege, under moto's IAM enforcement", () => {
    test("the whole cycle works under exactly policy/minimal-iam-policy.json, and uses every permission in it", async (t) => {
        const a = await freshSecret("cycle-a");
        const b = await freshSecret("cycle-b");
        const stack = await newStack(t, [declare(a.name, { rotateImmediately: false }), declare(b.name)]);
        await withTranscript(t, stack, async () => {
            front.clearCalls();
            // Enable both (b's rotation starts); b's rotation then fails and strands AWSPENDING.
            const pending = await strandRotation(stack, b.arn);
            // Drift seen by refresh; up quarantines the stranded candidate.
            await stack.up(["--refresh"]);
            assert.equal(await versionWith(b.arn, "AWSPENDING"), undefined, "no stranded AWSPENDING left");
            assert.deepEqual(undated(await labelsOf(b.arn))[pending], [`QUARANTINED-${pending}`]);
            // Reconfigure a, then turn its rotation off.
            stack.writeConfig({ "e2e:rotations": [declare(a.name, { rotateImmediately: false, schedule: { automaticallyAfterDays: 7 } }), declare(b.name)] });
            await stack.up();
            assert.deepEqual((await describeSecret(a.arn)).RotationRules, { AutomaticallyAfterDays: 7 });
            await stack.refresh(["--expect-no-changes"]);
            stack.writeConfig({ "e2e:rotations": [declare(a.name, { enabled: false }), declare(b.name)] });
            await stack.up();
            assert.notEqual((await describeSecret(a.arn)).RotationEnabled, true);
            await stack.destroy();
            assert.notEqual((await describeSecret(b.arn)).RotationEnabled, true);

            assert.deepEqual(denials(), [], "nothing was denied");
            const used = new Set(byDeployer().filter((c) => c.status === 200).map((c) => `secretsmanager:${c.operation}`));
            for (const permission of permissionsOf(POLICY).filter((p) => p.startsWith("secretsmanager:"))) {
                assert.ok(used.has(permission), `the cycle used ${permission} (used: ${[...used].join(", ")})`);
            }
            // lambda:InvokeFunction: every RotateSecret named the function, which the front checks
            // the caller may invoke (rule invoke-permission).
            assert.ok(byDeployer().some((c) => c.operation === "RotateSecret" && c.status === 200));
            for (const secret of [a, b]) {
                assert.equal(Object.values(await labelsOf(secret.arn)).filter((l) => l.includes("AWSCURRENT")).length, 1);
            }
            const everything = stack.history.map((r) => r.stdout + r.stderr).join("\n") + JSON.stringify(await stack.exportState());
            assert.ok(!everything.includes(deployer.secretAccessKey), "the deployer's secret key is in no output and not in state");
        });
    });

    /** `again`: the command that goes through once the permission is back (default: up --refresh). */
    type Arranged = { stack: TestStack; arn: string; run: () => Promise<PulumiResult>; again?: () => Promise<PulumiResult> };
    /** A new declaration for a secret with rotation off: up observes, claims it (TagResource), then enables. */
    const enableNew = (tag: string) => async (t: TestContext): Promise<Arranged> => {
        const s = await freshSecret(tag);
        const stack = await newStack(t, [declare(s.name)]);
        return { stack, arn: s.arn, run: () => stack.up([], { expectCode: 1 }) };
    };
    /** A declaration (already the secret's owner) turning rotation on: up observes, then RotateSecret with the function. */
    const turnOn = (tag: string) => async (t: TestContext): Promise<Arranged> => {
        const s = await freshSecret(tag);
        const stack = await newStack(t, [declare(s.name, { enabled: false })]);
        await stack.up();
        stack.writeConfig({ "e2e:rotations": [declare(s.name)] });
        return { stack, arn: s.arn, run: () => stack.up([], { expectCode: 1 }) };
    };
    /** A secret whose rotation failed hours ago: up --refresh observes its versions, then quarantines the candidate. */
    const strandedNew = (tag: string) => async (t: TestContext): Promise<Arranged> => {
        const s = await freshSecret(tag);
        const stack = await newStack(t, [declare(s.name)]);
        await strandRotation(stack, s.arn);
        return { stack, arn: s.arn, run: () => stack.up(["--refresh"], { expectCode: 1 }) };
    };
    // Each permission of the policy, and a situation where the operation that needs it runs.
    const scenarios: { permission: string; arrange: (t: TestContext) => Promise<Arranged> }[] = [
        { permission: "secretsmanager:DescribeSecret", arrange: enableNew("describe") },
        { permission: "secretsmanager:TagResource", arrange: enableNew("tag") },
        { permission: "secretsmanager:RotateSecret", arrange: turnOn("rotate") },
        { permission: "lambda:InvokeFunction", arrange: turnOn("invoke") },
        {
            // Destroy with deletionPolicy retain: observe, then release the owner tag, nothing else.
            permission: "secretsmanager:UntagResource",
            arrange: async (t) => {
                const s = await freshSecret("untag");
                const stack = await newStack(t, [declare(s.name, { rotateImmediately: false, deletionPolicy: "retain" })]);
                await stack.up();
                return { stack, arn: s.arn, run: () => stack.destroy([], { expectCode: 1 }), again: () => stack.destroy() };
            },
        },
        {
            permission: "secretsmanager:CancelRotateSecret",
            arrange: async (t) => {
                const s = await freshSecret("cancel");
                const stack = await newStack(t, [declare(s.name, { rotateImmediately: false })]);
                await stack.up();
                stack.writeConfig({ "e2e:rotations": [declare(s.name, { enabled: false })] });
                return { stack, arn: s.arn, run: () => stack.up([], { expectCode: 1 }) };
            },
        },
        { permission: "secretsmanager:ListSecretVersionIds", arrange: strandedNew("list-versions") },
        { permission: "secretsmanager:UpdateSecretVersionStage", arrange: strandedNew("stage") },
    ];

    test("the scenarios cover every permission of the policy", () => {
        assert.deepEqual(scenarios.map((s) => s.permission).sort(), permissionsOf(POLICY).sort());
    });

    for (const { permission, arrange } of scenarios) {
        test(`without ${permission}, the operation that needs it fails naming it, and nothing changes`, async (t) => {
            const { stack, arn, run, again } = await arrange(t);
            await withTranscript(t, stack, async () => {
                const before = await snapshot(arn);
                await setUserPolicy("deployer", withoutPermission(POLICY, permission));
                front.clearCalls();
                const failed = await run();
                const output = failed.stdout + failed.stderr;
                assert.match(output, new RegExp(`was denied: the caller lacks the IAM permission ${permission.replace(/[.*]/g, "\\$&")} `), describeResult(failed));
                assert.ok(denials().length > 0, "AWS (moto or the front) denied a call");
                assert.deepEqual(succeededMutations(), [], "no change was made");
                assert.deepEqual(await snapshot(arn), before, "labels and rotation configuration unchanged");

                // Given the permission back, the same command goes through.
                await setUserPolicy("deployer", POLICY);
                front.clearCalls();
                await (again ?? (() => stack.up(["--refresh"])))();
                assert.deepEqual(denials(), []);
                assert.equal(Object.values(await labelsOf(arn)).filter((l) => l.includes("AWSCURRENT")).length, 1);
            });
        });
    }

    test("review runs under policy/review-iam-policy.json; without ListSecrets, --all fails naming it", async (t) => {
        const s = await freshSecret("review");
        const stack = await newStack(t, [declare(s.name, { rotateImmediately: false })]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            const env = { ...stack.env, AWS_ACCESS_KEY_ID: reviewer.accessKeyId, AWS_SECRET_ACCESS_KEY: reviewer.secretAccessKey };
            const review = (args: string[]) => runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json", "--no-progress", ...args], stack.projectDir, env, 300_000);
            front.clearCalls();
            // Exit 0, 2 or 4 (other tests' secrets in this region have findings); 1 would be an error.
            const clean = await review(["--all"]);
            assert.ok([0, 2, 4, 6].includes(clean.code), describeResult(clean));
            const report = JSON.parse(clean.stdout) as { secrets?: { arn?: string }[] };
            assert.ok(JSON.stringify(report).includes(s.arn), "the declared secret is reviewed");
            const reviewerCalls = front.calls().filter((c) => c.accessKeyId === reviewer.accessKeyId);
            assert.ok(reviewerCalls.length > 0 && reviewerCalls.every((c) => c.status === 200), JSON.stringify(reviewerCalls.map((c) => [c.operation, c.status])));
            assert.ok(reviewerCalls.every((c) => !MUTATING.includes(c.operation)), "read-only");

            await setUserPolicy("reviewer", withoutPermission(REVIEW_POLICY, "secretsmanager:ListSecrets"));
            const denied = await review(["--all"]);
            assert.equal(denied.code, 1, describeResult(denied));
            assert.match(denied.stdout + denied.stderr, /ListSecrets on us-east-1 was denied: the caller lacks the IAM permission secretsmanager:ListSecrets /);
        });
    });
});
