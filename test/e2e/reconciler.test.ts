// End to end: the stack program (dist/src/program.js) declares rotation states from the stack
// configuration; the real pulumi CLI drives the dynamic provider against moto behind the AWS front.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import { CancelRotateSecretCommand, CreateSecretCommand, DeleteSecretCommand, RotateSecretCommand } from "@aws-sdk/client-secrets-manager";

import { TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from "../support/moto";
import type { ReviewReport } from "../../src/review/report";
import { repoRoot, runProcess, StateResource, TestStack, withTranscript } from "../support/pulumi";
import { playRotation, ROTATION_STEPS, valueOf, versionWith } from "../support/rotation-lambda";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager, undated } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue", "CreateSecret", "DeleteSecret"];
const THREE_HOURS_AGO = () => new Date(Date.now() - 3 * 3_600_000);

async function newStack(t: TestContext, rotations: unknown[], extraEnv: Record<string, string> = {}): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: { ...aws.env, ...extraEnv }, config: { "e2e:rotations": rotations } });
    t.after(() => stack.cleanup());
    return stack;
}


const operations = () => aws.front.calls().map((c) => c.operation);
const mutatingCalls = () => aws.front.calls().filter((c) => MUTATING.includes(c.operation));

async function rotationOf(secretId: string) {
    const d = await describeSecret(secretId);
    return { enabled: d.RotationEnabled === true, lambda: d.RotationLambdaARN, rules: d.RotationRules };
}

async function onlyState(stack: TestStack): Promise<StateResource> {
    const states = await stack.resourcesOfType(TYPE);
    assert.equal(states.length, 1, `one rotation state expected, got ${states.length}`);
    return states[0]!;
}

describe("the reconciler, end to end", () => {
    test("full cycle: preview, up (enable), up and refresh with no changes, destroy (cancel)", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/db-password", "s3cr3t-value-initial");
        const stack = await newStack(t, [
            { secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false },
        ]);
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            const preview = await stack.preview();
            assert.match(preview.stdout, /\+ 2 to create/);
            assert.deepEqual(mutatingCalls(), [], "preview makes no mutating call");
            assert.equal((await rotationOf(secret.arn)).enabled, false);

            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource", "RotateSecret", "DescribeSecret"], "enable = observe, claim ownership, rotate, observe");
            const live = await rotationOf(secret.arn);
            assert.deepEqual(live, { enabled: true, lambda, rules: { AutomaticallyAfterDays: 30 } });
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] }, "rotateImmediately false: no rotation");
            const state = await onlyState(stack);
            assert.equal(state.id, secret.arn, "the resource id is the full ARN");
            assert.equal(state.outputs?.rotationEnabled, true);
            assert.equal(state.outputs?.stagingLabels, "healthy");
            assert.equal(state.outputs?.currentVersionId, secret.versionId);
            assert.deepEqual(state.outputs?.apiCalls, ["DescribeSecret", "TagResource", "RotateSecret", "DescribeSecret"]);

            aws.front.clearCalls();
            await stack.up(["--expect-no-changes"]);
            assert.deepEqual(operations(), [], "a no-op up makes no Secrets Manager call");

            aws.front.clearCalls();
            await stack.refresh(["--expect-no-changes"]);
            assert.deepEqual(operations(), ["DescribeSecret"], "refresh = one DescribeSecret");

            aws.front.clearCalls();
            await stack.destroy();
            assert.deepEqual(operations(), ["DescribeSecret", "CancelRotateSecret", "UntagResource"], "destroy = observe, cancel, release ownership");
            assert.equal((await rotationOf(secret.arn)).enabled, false);
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] }, "no version lost");
            assert.deepEqual(await stack.resourcesOfType(TYPE), []);
        });
    });

    test("create adopts a secret whose rotation already matches: one DescribeSecret and the ownership tag, no rotation", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/adopted", "value-a");
        await secretsManager().send(
            new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 14 }, RotateImmediately: false }),
        );
        const labelsBefore = await labelsOf(secret.arn);
        const stack = await newStack(t, [{ secretId: secret.arn, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 14 } }]);
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource"], "the secret had no owner tag: adopting claims it");
            assert.deepEqual(await labelsOf(secret.arn), labelsBefore);
            await stack.up(["--expect-no-changes"]);
            // Adopting a secret this declaration already owns (its stack's state was lost) is one DescribeSecret.
            await stack.run(["state", "delete", (await onlyState(stack)).urn, "--yes"]);
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret"]);
        });
    });

    test("declaring the same secret by name, full ARN or partial ARN is the same resource; another secret is a replacement", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("team/api-key", "value-b");
        const other = await createSecret("team/other-key", "value-c");
        const declare = (secretId: string) => [{ name: "api", secretId, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }];
        const stack = await newStack(t, declare(secret.name));
        await withTranscript(t, stack, async () => {
            await stack.up();
            for (const form of [secret.arn, secret.arn.slice(0, -7)]) {
                stack.writeConfig({ "e2e:rotations": declare(form) });
                aws.front.clearCalls();
                await stack.preview(["--expect-no-changes"]);
                await stack.up(["--expect-no-changes"]);
                assert.deepEqual(mutatingCalls(), []);
            }
            stack.writeConfig({ "e2e:rotations": declare(other.name) });
            const preview = await stack.preview();
            assert.match(preview.stdout, /\+-\s.*RotationState api replace/);
            await stack.up();
            assert.equal((await rotationOf(other.arn)).enabled, true);
            assert.equal((await rotationOf(secret.arn)).enabled, false, "the replaced declaration's rotation is cancelled");
        });
    });

    test("days -> expression -> days: reconfigures both ways, never rotates", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/scheduled", "value-d");
        const declare = (schedule: unknown) => [{ secretId: secret.name, rotationLambdaArn: lambda, schedule, rotateImmediately: false }];
        const stack = await newStack(t, declare({ automaticallyAfterDays: 30 }));
        await withTranscript(t, stack, async () => {
            await stack.up();
            stack.writeConfig({ "e2e:rotations": declare({ scheduleExpression: "cron(0 16 1,15 * ? *)", duration: "3h" }) });
            await stack.up();
            assert.deepEqual((await rotationOf(secret.arn)).rules, { ScheduleExpression: "cron(0 16 1,15 * ? *)", Duration: "3h" });
            await stack.up(["--expect-no-changes"]);
            await stack.refresh(["--expect-no-changes"]);

            stack.writeConfig({ "e2e:rotations": declare({ automaticallyAfterDays: 7 }) });
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual((await rotationOf(secret.arn)).rules, { AutomaticallyAfterDays: 7 });
            const rotate = aws.front.calls("RotateSecret");
            assert.equal(rotate.length, 1);
            assert.equal(rotate[0]!.status, 200);
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] }, "reconfiguring never rotates");
        });
    });

    test("drift: rotation turned off out of band is detected by preview --refresh and restored by up without rotating", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/drifting", "value-e");
        const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            await secretsManager().send(new CancelRotateSecretCommand({ SecretId: secret.arn }));

            const drift = await stack.preview(["--refresh", "--diff", "--expect-no-changes"], { expectCode: 7 });
            assert.match(drift.stdout, /enabled\s*:\s*false\s*=>\s*true/);
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            const rotate = aws.front.calls("RotateSecret");
            assert.equal(rotate.length, 1);
            assert.equal((await rotationOf(secret.arn)).enabled, true);
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] }, "restoring does not rotate");
            await stack.preview(["--refresh", "--expect-no-changes"]);
        });
    });

    test("drift: a schedule changed out of band is detected and put back", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/schedule-drift", "value-f");
        const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            await secretsManager().send(
                new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 90 }, RotateImmediately: false }),
            );
            const drift = await stack.preview(["--refresh", "--diff", "--expect-no-changes"], { expectCode: 7 });
            assert.match(drift.stdout, /schedule/);
            await stack.up(["--refresh"]);
            assert.deepEqual((await rotationOf(secret.arn)).rules, { AutomaticallyAfterDays: 30 });
            await stack.preview(["--refresh", "--expect-no-changes"]);
        });
    });

    test("drift: the rotation Lambda changed out of band is detected and put back; reconfigure = 3 calls", async (t) => {
        const lambda = await createRotationLambda("rotate-a");
        const intruder = await createRotationLambda("rotate-b");
        const secret = await createSecret("app/lambda-drift", "value-l");
        const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            await secretsManager().send(
                new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: intruder, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }),
            );
            const drift = await stack.preview(["--refresh", "--diff", "--expect-no-changes"], { expectCode: 7 });
            assert.match(drift.stdout, /rotationLambdaArn\s*:\s*"[^"]*rotate-b" => "[^"]*rotate-a"/);
            await stack.refresh();
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "RotateSecret", "DescribeSecret"]);
            assert.equal((await rotationOf(secret.arn)).lambda, lambda);
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] }, "no rotation");
        });
    });

    test("disable = 3 calls and no version touched; deletionPolicy retain leaves rotation as it is on destroy", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/switched-off", "value-s");
        const kept = await createSecret("app/kept-on", "value-k");
        const declare = (enabled: boolean) => [
            { secretId: secret.name, enabled, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false },
            { secretId: kept.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false, deletionPolicy: "retain" },
        ];
        const stack = await newStack(t, declare(true));
        await withTranscript(t, stack, async () => {
            await stack.up();
            stack.writeConfig({ "e2e:rotations": declare(false) });
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "CancelRotateSecret", "DescribeSecret"]);
            assert.equal((await rotationOf(secret.arn)).enabled, false);
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] });
            await stack.up(["--expect-no-changes"]);

            await stack.destroy();
            assert.equal((await rotationOf(kept.arn)).enabled, true, "retain: destroy leaves rotation on");
        });
    });

    test("region: aws:region from the stack configuration is used for a secret declared by name", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/regional", "value-r");
        const stack = await TestStack.create({
            program: PROGRAM,
            env: { ...aws.env, AWS_REGION: "eu-central-1" }, // the SDK's default points elsewhere
            config: { "aws:region": "us-east-1", "e2e:rotations": [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }] },
        });
        t.after(() => stack.cleanup());
        await withTranscript(t, stack, async () => {
            await stack.up();
            assert.equal((await onlyState(stack)).outputs?.region, "us-east-1");
            assert.equal((await rotationOf(secret.arn)).enabled, true);
        });
    });

    for (const failAt of ROTATION_STEPS) {
        test(`a rotation that failed at ${failAt}: up quarantines the candidate, AWSCURRENT and its value untouched`, async (t) => {
            const lambda = await createRotationLambda();
            const secret = await createSecret(`app/failed-at-${failAt}`, "current-value-1");
            const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 } }]);
            await withTranscript(t, stack, async () => {
                await stack.up(); // rotateImmediately: the rotation starts; the test plays its Lambda
                const { pendingVersionId } = await playRotation(secret.arn, "candidate-value-2", failAt);
                aws.front.setVersionCreatedDate(pendingVersionId, THREE_HOURS_AGO());

                const drift = await stack.preview(["--refresh", "--diff", "--expect-no-changes"], { expectCode: 7 });
                assert.match(drift.stdout, new RegExp(`stagingLabels\\s*:\\s*"AWSPENDING stranded on version ${pendingVersionId}`));
                await stack.up(["--refresh"]);

                assert.equal(await versionWith(secret.arn, "AWSCURRENT"), secret.versionId, "AWSCURRENT untouched");
                assert.equal(await valueOf(secret.arn, { stage: "AWSCURRENT" }), "current-value-1");
                assert.equal(await versionWith(secret.arn, "AWSPENDING"), undefined, "no stranded AWSPENDING left");
                const labels = undated(await labelsOf(secret.arn));
                assert.deepEqual(labels[pendingVersionId], [`QUARANTINED-${pendingVersionId}`], "the candidate keeps a label");
                if (failAt !== "createSecret") {
                    assert.equal(await valueOf(secret.arn, { versionId: pendingVersionId }), "candidate-value-2", "the candidate value is retrievable");
                }
                const state = await onlyState(stack);
                assert.deepEqual(state.outputs?.quarantinedVersionIds, [pendingVersionId]);
                await stack.preview(["--refresh", "--expect-no-changes"]);
            });
        });
    }

    test("pendingPolicy promote never makes a stranded candidate AWSCURRENT: an empty one and a full one look alike, so up and review refuse, change nothing and lose no version", async (t) => {
        const lambda = await createRotationLambda();
        // `empty`: its rotation's Lambda failed before createSecret put a value (AWS: "When rotation is
        // unsuccessful, the AWSPENDING staging label might be attached to an empty secret version").
        // `full`: a rotation that failed at testSecret, after createSecret wrote value-c.
        const empty = await createSecret("app/promote-empty", "value-a");
        const full = await createSecret("app/promote-full", "value-a");
        const declare = (pendingPolicy: string) =>
            [empty, full].map((secret) => ({ name: secret.name.slice(4), secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, pendingPolicy }));
        const stack = await newStack(t, declare("promote"));
        await withTranscript(t, stack, async () => {
            await stack.up(); // rotateImmediately: each RotateSecret leaves AWSPENDING on a new version without a value
            const { pendingVersionId: emptyCandidate } = await playRotation(empty.arn, "never-written", "createSecret");
            await assert.rejects(valueOf(empty.arn, { versionId: emptyCandidate }), (e: Error) => e.name === "ResourceNotFoundException", "the candidate has no value");
            const { pendingVersionId: second } = await playRotation(full.arn, "value-b");
            await secretsManager().send(new RotateSecretCommand({ SecretId: full.arn }));
            const { pendingVersionId: fullCandidate } = await playRotation(full.arn, "value-c", "testSecret");
            for (const v of [emptyCandidate, fullCandidate]) aws.front.setVersionCreatedDate(v, THREE_HOURS_AGO());
            const before = { empty: await labelsOf(empty.arn, true), full: await labelsOf(full.arn, true) };
            assert.deepEqual(before.empty, { [empty.versionId]: ["AWSCURRENT"], [emptyCandidate]: ["AWSPENDING"] });
            assert.deepEqual(before.full, { [full.versionId]: ["AWSPREVIOUS"], [second]: ["AWSCURRENT"], [fullCandidate]: ["AWSPENDING"] });

            aws.front.clearCalls();
            const refused = await stack.up(["--refresh"], { expectCode: 1 });
            assert.deepEqual(mutatingCalls(), [], "no label moved");
            for (const [secret, candidate, current] of [
                [empty, emptyCandidate, empty.versionId],
                [full, fullCandidate, second],
            ] as const) {
                assert.match(
                    refused.stdout,
                    new RegExp(`pendingPolicy: promote would make the stranded version ${candidate} \\([^)]*\\) AWSCURRENT, but that version may have no value`),
                    `${secret.name}: refused, naming the property and the rule`,
                );
                assert.match(refused.stdout, new RegExp(`AWSCURRENT stays on ${current}`));
                assert.match(refused.stdout, new RegExp(`get-secret-value --secret-id ${secret.arn.replace(/[$()*+.?[\\\]^{|}]/g, "\\$&")} --version-id ${candidate} --query VersionId`));
            }
            assert.deepEqual({ empty: await labelsOf(empty.arn, true), full: await labelsOf(full.arn, true) }, before, "every label where it was, no version lost");
            assert.equal(await valueOf(empty.arn, { stage: "AWSCURRENT" }), "value-a", "AWSCURRENT still has its value");
            assert.equal(await valueOf(full.arn, { stage: "AWSCURRENT" }), "value-b");

            // The review shows the same decision as up, read-only.
            aws.front.clearCalls();
            const review = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json"], stack.projectDir, stack.env, 300_000);
            stack.history.push(review);
            const report = JSON.parse(review.stdout) as ReviewReport;
            assert.equal(review.code, report.exitCode);
            assert.notEqual(review.code, 0, "the stranded candidates are reported");
            for (const [secret, candidate] of [
                [empty, emptyCandidate],
                [full, fullCandidate],
            ] as const) {
                const reviewed = report.stacks.flatMap((s) => s.secrets).find((r) => r.secretId === secret.name);
                assert.ok(reviewed, `${secret.name} reviewed`);
                assert.deepEqual(reviewed.plan.calls, []);
                assert.match(reviewed.plan.blocked ?? "", new RegExp(`^pendingPolicy: promote would make the stranded version ${candidate} `));
            }
            assert.deepEqual(mutatingCalls(), [], "the review changes nothing");

            // The way out the refusal names: quarantine keeps both candidates, AWSCURRENT untouched.
            stack.writeConfig({ "e2e:rotations": declare("quarantine") });
            await stack.up(["--refresh"]);
            assert.deepEqual(undated(await labelsOf(empty.arn, true)), { [empty.versionId]: ["AWSCURRENT"], [emptyCandidate]: [`QUARANTINED-${emptyCandidate}`] });
            assert.deepEqual(undated(await labelsOf(full.arn, true)), { [full.versionId]: ["AWSPREVIOUS"], [second]: ["AWSCURRENT"], [fullCandidate]: [`QUARANTINED-${fullCandidate}`] });
            assert.equal(await valueOf(full.arn, { versionId: fullCandidate }), "value-c");
            await stack.preview(["--refresh", "--expect-no-changes"]);
        });
    });

    test("AWS rejects RotateSecret while a rotation is stranded; up cleans up first, so reconfiguring works", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/stranded-reconfigure", "current-value");
        const declare = (days: number) => [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: days } }];
        const stack = await newStack(t, declare(30));
        await withTranscript(t, stack, async () => {
            await stack.up();
            const { pendingVersionId } = await playRotation(secret.arn, "candidate", "testSecret");
            aws.front.setVersionCreatedDate(pendingVersionId, THREE_HOURS_AGO());
            // What AWS does (and moto alone does not): a RotateSecret now is rejected.
            await assert.rejects(
                secretsManager().send(new RotateSecretCommand({ SecretId: secret.arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false })),
                (error: Error) => error.name === "InvalidRequestException" && /previous rotation isn't complete/i.test(error.message),
            );
            stack.writeConfig({ "e2e:rotations": declare(7) });
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            const updateCalls = aws.front.calls().filter((c) => c.operation !== "DescribeSecret" && c.operation !== "ListSecretVersionIds");
            assert.deepEqual(
                updateCalls.map((c) => `${c.operation} ${c.status}`),
                ["UpdateSecretVersionStage 200", "UpdateSecretVersionStage 200", "RotateSecret 200"],
            );
            assert.deepEqual((await rotationOf(secret.arn)).rules, { AutomaticallyAfterDays: 7 });
            assert.equal(await valueOf(secret.arn, { versionId: pendingVersionId }), "candidate");
        });
    });

    test("a secret scheduled for deletion: up refuses naming the date; refresh drops it from the stack", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/doomed", "value-doomed");
        const declare = (days: number) => [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: days }, rotateImmediately: false }];
        const stack = await newStack(t, declare(30));
        await withTranscript(t, stack, async () => {
            await stack.up();
            await secretsManager().send(new DeleteSecretCommand({ SecretId: secret.arn, RecoveryWindowInDays: 7 }));
            stack.writeConfig({ "e2e:rotations": declare(7) });
            aws.front.clearCalls();
            const refused = await stack.up([], { expectCode: 1 });
            assert.match(refused.stdout, /is scheduled for deletion on \d{4}-\d\d-\d\dT[^;]*; nothing was changed/);
            assert.deepEqual(mutatingCalls(), []);
            const refreshed = await stack.refresh();
            assert.match(refreshed.stdout, /its rotation state leaves the stack/);
            assert.deepEqual(await stack.resourcesOfType(TYPE), []);
        });
    });

    test("destroy after the secret is gone is success", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/vanished", "value-vanished");
        const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            await secretsManager().send(new DeleteSecretCommand({ SecretId: secret.arn, ForceDeleteWithoutRecovery: true }));
            aws.front.clearCalls();
            const destroyed = await stack.destroy();
            assert.match(destroyed.stdout, /no longer exists: nothing to clean up/);
            assert.deepEqual(operations(), ["DescribeSecret"]);
            assert.deepEqual(await stack.resourcesOfType(TYPE), []);
        });
    });

    test("AccessDeniedException while a Lambda permission propagates: retried; past the wait, the error names the permission", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/denied", "value-denied");
        const declare = [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }];
        const patient = await newStack(t, declare, { PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS: "30" });
        await withTranscript(t, patient, async () => {
            aws.front.script([
                { operation: "RotateSecret", fault: "access-denied" },
                { operation: "RotateSecret", fault: "access-denied" },
            ]);
            aws.front.clearCalls();
            await patient.up();
            assert.deepEqual(aws.front.calls("RotateSecret").map((c) => c.errorName ?? c.status), ["AccessDeniedException", "AccessDeniedException", 200]);
            assert.equal((await rotationOf(secret.arn)).enabled, true);
        });

        const other = await createSecret("app/denied-for-good", "value-denied-2");
        const impatient = await newStack(t, [{ ...declare[0], secretId: other.name }], { PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS: "0" });
        await withTranscript(t, impatient, async () => {
            aws.front.script([{ operation: "RotateSecret", fault: "access-denied" }]);
            const failed = await impatient.up([], { expectCode: 1 });
            assert.match(failed.stdout, /RotateSecret on \S+ was denied .*needs secretsmanager:RotateSecret and lambda:InvokeFunction on arn:aws:lambda:/);
            assert.equal((await rotationOf(other.arn)).enabled, false);
        });
    });

    test("a secret managed by another service: a declared Lambda is refused with a clear error, nothing changed", async (t) => {
        const lambda = await createRotationLambda();
        const out = await secretsManager().send(
            new CreateSecretCommand({ Name: "rds!db-owned", SecretString: "managed-value", Tags: [{ Key: "aws:secretsmanager:owningService", Value: "rds" }] }),
        );
        assert.equal((await describeSecret(out.ARN!)).OwningService, "rds");
        const stack = await newStack(t, [{ name: "owned", secretId: out.ARN!, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 7 } }]);
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            const refused = await stack.up([], { expectCode: 1 });
            assert.match(refused.stdout, /secret \S+: rotationLambdaArn: the secret is managed by rds, which rotates it itself; remove rotationLambdaArn/);
            // Each error line names its subject once.
            for (const line of refused.stdout.split("\n").filter((l) => l.includes("error: secret"))) {
                assert.equal(line.split(out.ARN!).length - 1, 1, `the secret is named once: ${line}`);
            }
            assert.deepEqual(mutatingCalls(), []);
        });
    });

    test("a replica is refused, naming the primary's region, nothing changed", async (t) => {
        const out = await secretsManager().send(
            new CreateSecretCommand({ Name: "app/replicated", SecretString: "replicated-value", AddReplicaRegions: [{ Region: "eu-west-1" }] }),
        );
        const replicaArn = out.ARN!.replace(":us-east-1:", ":eu-west-1:");
        const stack = await newStack(t, [{ name: "replica", secretId: replicaArn, schedule: { automaticallyAfterDays: 7 } }]);
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            const refused = await stack.up([], { expectCode: 1 });
            assert.match(refused.stdout, /is a replica; rotation happens on its primary in us-east-1 only/);
            assert.deepEqual(mutatingCalls(), []);
        });
    });

    test("a pending version younger than the grace period is left alone; a change waits for it", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/in-progress", "value-g");
        const declare = (days: number) => [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: days } }];
        const stack = await newStack(t, declare(30));
        await withTranscript(t, stack, async () => {
            await stack.up(); // starts a rotation: AWSPENDING on a new version, just created
            const pending = await versionWith(secret.arn, "AWSPENDING");
            assert.ok(pending);
            await stack.preview(["--refresh", "--expect-no-changes"]);

            stack.writeConfig({ "e2e:rotations": declare(7) });
            aws.front.clearCalls();
            const failed = await stack.up([], { expectCode: 1 });
            assert.match(failed.stdout + failed.stderr, /a rotation is in progress: AWSPENDING is on version/);
            assert.match(failed.stdout + failed.stderr, /Retry when it has finished, or after \d{4}-\d\d-\d\dT/);
            assert.deepEqual(mutatingCalls(), [], "nothing changed");
            assert.equal(await versionWith(secret.arn, "AWSPENDING"), pending);
            assert.deepEqual((await rotationOf(secret.arn)).rules, { AutomaticallyAfterDays: 30 });
        });
    });

    test("bad input is rejected at preview, naming the property and the rule, with no mutating call", async (t) => {
        const secret = await createSecret("app/bad-input", "value-h");
        const stack = await newStack(t, [{ secretId: secret.name, schedule: { automaticallyAfterDays: 30, scheduleExpression: "rate(10 days)" }, pendingPolicy: "delete" }]);
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            const preview = await stack.preview([], { expectCode: 1 });
            const text = preview.stdout + preview.stderr;
            assert.match(text, /schedule/);
            assert.match(text, /not both/);
            assert.match(text, /pendingPolicy/);
            assert.deepEqual(mutatingCalls(), []);
        });
    });

    test("no secret value and no credential reach the state, the CLI's output or the provider's logs", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/confidential", "VALUE-THAT-MUST-NOT-LEAK-42");
        const logs = mkdtempSync(join(tmpdir(), "psr-logs-"));
        t.after(() => rmSync(logs, { recursive: true, force: true }));
        const grpcLog = join(logs, "grpc.jsonl");
        // PULUMI_DEBUG_GRPC: the engine writes every gRPC message it exchanges with the program and
        // the provider (requests, responses, logs the provider sends) to this file.
        const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 } }], {
            PULUMI_DEBUG_GRPC: grpcLog,
        });
        await withTranscript(t, stack, async () => {
            // The most verbose engine log, with the provider's own output flowing into it.
            const verbose = ["--logtostderr", "--logflow", "-v=9"];
            await stack.up(verbose);
            await playRotation(secret.arn, "NEW-VALUE-THAT-MUST-NOT-LEAK-43", "testSecret");
            await stack.refresh(verbose);
            await stack.up(["--refresh", ...verbose]);
            const state = JSON.stringify(await stack.exportState());
            const output = stack.history.map((r) => r.stdout + r.stderr).join("\n");
            const grpc = readFileSync(grpcLog, "utf8");
            assert.ok(output.length > 100_000, `the verbose logs were captured (${output.length} characters)`);
            assert.match(grpc, /\/pulumirpc\.ResourceProvider\/Create/, "the provider's gRPC traffic was captured");
            assert.match(grpc, /\/pulumirpc\.ResourceProvider\/Read/);
            for (const needle of ["VALUE-THAT-MUST-NOT-LEAK", TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY]) {
                assert.ok(!state.includes(needle), `state contains ${needle}`);
                assert.ok(!output.includes(needle), `CLI output or engine/provider logs contain ${needle}`);
                assert.ok(!grpc.includes(needle), `the gRPC log contains ${needle}`);
            }
            const providerReads = aws.front.calls().filter((c) => c.operation === "GetSecretValue" || c.operation === "PutSecretValue");
            // Only the test's own Lambda player wrote a value (its createSecret step); nobody read one.
            assert.deepEqual(providerReads.map((c) => c.operation), ["PutSecretValue"]);
        });
    });
});
