// End to end, over a secret's lifetime rather than one run (real CLI, the dynamic provider, moto
// behind the AWS front): the label budget through failed rotations in a row (14 in npm test: the
// 10 candidates quarantineLabelLimit keeps, then 4 rounds of releasing the oldest; PSR_SOAK=1 runs
// the 25); turning rotation
// off, or destroying, while a rotation is in progress; and a rotateNowToken that rotates exactly
// once although the run that made the call failed, or was killed, after Secrets Manager accepted it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import { RotateSecretCommand, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";

import { rotateNowVersionId } from "../../providers/secretsmanager/semantics/plan";
import type { ReviewReport } from "../../src/review/report";
import { repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { recover } from "../support/recovery";
import { playRotation, valueOf, versionWith } from "../support/rotation-lambda";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "PutSecretValue"];
const THREE_HOURS_AGO = () => new Date(Date.now() - 3 * 3_600_000);
/** Failed rotations in a row for the label budget: past the 10 kept (quarantineLabelLimit's default), each releases one. */
const FAILURES = process.env.PSR_SOAK ? 25 : 14;
const KEPT = 10;

async function newStack(t: TestContext, rotations: unknown[]): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config: { "e2e:rotations": rotations } });
    t.after(() => stack.cleanup());
    return stack;
}

const ROTATION_STATE_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";
/** The link the stack's (one) rotation state recorded for its next rotateNowToken change (plan.ts rotateNowVersionId). */
async function recordedLink(stack: TestStack): Promise<string | undefined> {
    const [state] = await stack.resourcesOfType(ROTATION_STATE_TYPE);
    return (state?.outputs?.declared as { rotateNowLink?: string } | undefined)?.rotateNowLink;
}
const labelTotal = (labels: Record<string, string[]>) => Object.values(labels).reduce((n, l) => n + l.length, 0);
const mutatingCalls = () => aws.front.calls().filter((c) => MUTATING.includes(c.operation) && c.status === 200);

describe("a secret's lifetime", () => {
    test(`label budget: ${FAILURES} failed rotations of one secret in a row, an \`up\` after each: every up succeeds, never more than 20 labels, the newest candidates kept, AWSCURRENT untouched`, async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("life/budget", "current-value-never-changes");
        const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            const candidates: { versionId: string; value: string }[] = [];
            let peak = 0;
            for (let failure = 1; failure <= FAILURES; failure++) {
                // A scheduled rotation starts (as Secrets Manager would on the schedule) and its
                // Lambda fails at testSecret, after createSecret stored the candidate's value.
                await secretsManager().send(new RotateSecretCommand({ SecretId: secret.arn }));
                const value = `candidate-value-${failure}`;
                const { pendingVersionId } = await playRotation(secret.arn, value, "testSecret");
                aws.front.setVersionCreatedDate(pendingVersionId, THREE_HOURS_AGO());
                candidates.push({ versionId: pendingVersionId, value });
                peak = Math.max(peak, labelTotal(await labelsOf(secret.arn)));

                const rejected = aws.front.calls().filter((c) => c.errorName === "LimitExceededException").length;
                await stack.up(["--refresh"]);
                assert.equal(aws.front.calls().filter((c) => c.errorName === "LimitExceededException").length, rejected, `failure ${failure}: AWS refused a label move`);

                const labels = await labelsOf(secret.arn);
                peak = Math.max(peak, labelTotal(labels));
                assert.ok(labelTotal(labels) <= 20, `failure ${failure}: ${labelTotal(labels)} labels`);
                assert.equal(await versionWith(secret.arn, "AWSCURRENT"), secret.versionId, `failure ${failure}: AWSCURRENT moved`);
                assert.equal(await valueOf(secret.arn, { stage: "AWSCURRENT" }), "current-value-never-changes");
                assert.equal(await versionWith(secret.arn, "AWSPENDING"), undefined, `failure ${failure}: AWSPENDING left stranded`);
            }
            t.diagnostic(`most labels at any time: ${peak}`);
            // The newest ten candidates (quarantineLabelLimit's default) keep a QUARANTINED- label
            // and their values; the older ones lost their label, oldest first, and no version was deleted.
            const labels = await labelsOf(secret.arn, true);
            for (const [i, candidate] of candidates.entries()) {
                const kept = (labels[candidate.versionId] ?? []).some((l) => l.startsWith("QUARANTINED-") && l.endsWith(candidate.versionId));
                assert.equal(kept, i >= FAILURES - KEPT, `candidate ${i + 1} ${kept ? "kept" : "released"}`);
                assert.ok(candidate.versionId in labels, `candidate ${i + 1}'s version still exists`);
                assert.equal(await valueOf(secret.arn, { versionId: candidate.versionId }), candidate.value, `candidate ${i + 1}'s value is retrievable`);
            }
            assert.equal(labelTotal(await labelsOf(secret.arn)), 11, "AWSCURRENT and ten QUARANTINED- labels");
            // (The CLI prints each line twice: as it happens and under Diagnostics.)
            const releases = new Set(stack.history.map((r) => r.stdout).join("\n").match(/release label QUARANTINED-\S+ from version \S+: the oldest of 11 labels/g));
            assert.equal(releases.size, FAILURES - KEPT, "each release is logged with its reason");

            // The team's own labels bring the secret near the budget: the review says so.
            for (const [i, candidate] of candidates.slice(0, 5).entries()) {
                await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: secret.arn, VersionStage: `team-label-${i}`, MoveToVersionId: candidate.versionId }));
            }
            const review = await runProcess("node", [join(repoRoot(), "dist", "src", "cli", "main.js"), "review", "--stack", stack.stack, "--from-state", "--format", "json"], stack.projectDir, stack.env, 300_000);
            assert.equal(review.code, 4, `review exits 4 (findings): ${review.stderr}`);
            const [reviewed] = (JSON.parse(review.stdout) as ReviewReport).stacks[0]!.secrets;
            assert.deepEqual(reviewed!.findings.map((f) => f.code), ["label-budget"]);
            assert.match(reviewed!.findings[0]!.message, /carries 16 of the 20 staging labels AWS allows per secret \(10 kept by this provider, 6 others\)/);
        });
    });

    test("declared off wins over a rotation in progress: `up` cancels it and keeps its candidate; other changes still wait", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("life/runaway", "value-before");
        const declare = (extra: object) => [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, ...extra }];
        const stack = await newStack(t, declare({}));
        await withTranscript(t, stack, async () => {
            // Turning rotation on rotates now: the rotation is in progress until its Lambda finishes.
            await stack.up();
            const running = await versionWith(secret.arn, "AWSPENDING");
            assert.ok(running && running !== secret.versionId, "a rotation is in progress");

            // Another change waits for it, changing nothing.
            stack.writeConfig({ "e2e:rotations": declare({ schedule: { automaticallyAfterDays: 7 } }) });
            aws.front.clearCalls();
            const refused = await stack.up([], { expectCode: 1 });
            assert.match(refused.stdout + refused.stderr, /a rotation is in progress: AWSPENDING is on version/);
            assert.deepEqual(mutatingCalls(), []);

            // Declared off: cancel, then keep the partially created version under a label of its own.
            stack.writeConfig({ "e2e:rotations": declare({ enabled: false }) });
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(
                mutatingCalls().map((c) => c.operation),
                ["CancelRotateSecret", "UpdateSecretVersionStage", "UpdateSecretVersionStage"],
            );
            assert.equal((await describeSecret(secret.arn)).RotationEnabled, false);
            const labels = await labelsOf(secret.arn, true);
            assert.deepEqual(labels[secret.versionId], ["AWSCURRENT"]);
            assert.equal(labels[running]!.length, 1);
            assert.match(labels[running]![0]!, new RegExp(`^QUARANTINED-\\d{8}T\\d{4}Z-${running}$`), "the cancelled candidate keeps a label, not AWSPENDING");
            assert.equal(await valueOf(secret.arn, { stage: "AWSCURRENT" }), "value-before");
            await stack.up(["--refresh", "--expect-no-changes"]);
        });
    });

    test("destroy with deletionPolicy cancel does not wait for a rotation in progress either", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("life/destroyed", "value-d");
        const stack = await newStack(t, [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 } }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            const running = await versionWith(secret.arn, "AWSPENDING");
            assert.ok(running && running !== secret.versionId, "a rotation is in progress");
            aws.front.clearCalls();
            await stack.destroy();
            assert.deepEqual(
                mutatingCalls().map((c) => c.operation),
                ["CancelRotateSecret", "UpdateSecretVersionStage", "UpdateSecretVersionStage"],
            );
            assert.equal((await describeSecret(secret.arn)).RotationEnabled, false);
            assert.equal(await versionWith(secret.arn, "AWSPENDING"), undefined);
            assert.match((await labelsOf(secret.arn))[running]!.join(), /^QUARANTINED-/);
        });
    });

    test("exactly once: a rotateNowToken rotates once when the run fails after Secrets Manager accepted the call, and when the CLI is killed after it", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("life/once", "value-0");
        const declare = (token?: string) => [
            { secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false, ...(token ? { rotateNowToken: token } : {}) },
        ];
        const stack = await newStack(t, declare());
        const versions = async () => Object.keys(await labelsOf(secret.arn, true));
        await withTranscript(t, stack, async () => {
            await stack.up();
            await stack.up(["--expect-no-changes"]);

            // 1. Every attempt of the RotateSecret reaches Secrets Manager, and every answer is lost
            //    (a 500 after moto applied it): the SDK's 8 attempts, then `up` fails.
            const before1 = await versions();
            const expected1 = rotateNowVersionId(secret.arn, await recordedLink(stack), "rotate-1");
            stack.writeConfig({ "e2e:rotations": declare("rotate-1") });
            aws.front.script(Array.from({ length: 8 }, () => ({ operation: "RotateSecret", fault: "server-error" as const, afterForward: true })));
            await stack.up([], { expectCode: 1 });
            aws.front.clearFaults();
            const started1 = (await versions()).filter((v) => !before1.includes(v));
            assert.deepEqual(started1, [expected1], "the first attempt started one rotation; the retries none");
            // The rotation's Lambda finishes it, as it would on AWS while nobody watches.
            await playRotation(secret.arn, "value-1");
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual((await versions()).filter((v) => !before1.includes(v)), started1, "the re-run did not rotate again");
            assert.equal(aws.front.callCount("RotateSecret"), 0);
            assert.match(stack.history.at(-1)!.stdout, /rotateNowToken "rotate-1" was started already/);
            await stack.up(["--expect-no-changes"]);

            // 2. The CLI's whole process group is killed after Secrets Manager accepted the call
            //    (its answer held back, so the kill lands before the provider hears it).
            const before2 = await versions();
            const expected2 = rotateNowVersionId(secret.arn, await recordedLink(stack), "rotate-2");
            stack.writeConfig({ "e2e:rotations": declare("rotate-2") });
            aws.front.clearCalls();
            aws.front.script([{ operation: "RotateSecret", fault: "latency", latencyMs: 5_000, afterForward: true }]);
            const killed = await stack.runKilledAfter(["up", "--yes", "--skip-preview"], 1_000, () => aws.front.scriptRemaining() === 0);
            aws.front.clearFaults();
            assert.equal(killed.killed, true, "the kill landed while RotateSecret's answer was held back");
            const started2 = (await versions()).filter((v) => !before2.includes(v));
            assert.deepEqual(started2, [expected2]);
            await playRotation(secret.arn, "value-2");
            // (The killed run's own call is logged when its held-back answer goes out: count calls by when they started.)
            const recoveryStarted = new Date();
            const steps = await recover(stack);
            t.diagnostic(`recovery: ${steps.join("; ") || "just up"}`);
            assert.deepEqual((await versions()).filter((v) => !before2.includes(v)), started2, "the run after the kill did not rotate again");
            assert.deepEqual(aws.front.calls("RotateSecret").filter((c) => c.startedAt >= recoveryStarted), []);
            assert.equal(await valueOf(secret.arn, { stage: "AWSCURRENT" }), "value-2");
            await stack.up(["--expect-no-changes"]);
        });
    });

    test("every change of rotateNowToken rotates once: none -> a -> b -> a rotates three times; a change retried after Secrets Manager accepted it rotates once (issue 21, item 10)", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("life/changes", "value-0");
        const declare = (token?: string) => [
            { secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false, ...(token ? { rotateNowToken: token } : {}) },
        ];
        const stack = await newStack(t, declare());
        const versions = async () => Object.keys(await labelsOf(secret.arn, true));
        await withTranscript(t, stack, async () => {
            await stack.up();
            const before = await versions();
            const started: string[] = [];
            let round = 0;
            for (const token of ["a", "b", "a"]) {
                round++;
                stack.writeConfig({ "e2e:rotations": declare(token) });
                aws.front.clearCalls();
                await stack.up();
                const rotations = aws.front.calls("RotateSecret").filter((c) => c.status === 200);
                assert.equal(rotations.length, 1, `the change to ${token} (round ${round}) made one RotateSecret: ${stack.history.at(-1)!.stdout.slice(-600)}`);
                const fresh = (await versions()).filter((v) => !before.includes(v) && !started.includes(v));
                assert.equal(fresh.length, 1, `the change to ${token} (round ${round}) started one new version`);
                started.push(fresh[0]!);
                // The rotation's Lambda finishes it, as it would on AWS.
                await playRotation(secret.arn, `value-${round}`);
            }
            assert.equal(new Set(started).size, 3);

            // a -> b again, the answer of every attempt lost after Secrets Manager applied it: the
            // first attempt starts the rotation, the SDK's retries and the re-run start none.
            const beforeRetry = await versions();
            stack.writeConfig({ "e2e:rotations": declare("b") });
            aws.front.script(Array.from({ length: 8 }, () => ({ operation: "RotateSecret", fault: "server-error" as const, afterForward: true })));
            await stack.up([], { expectCode: 1 });
            aws.front.clearFaults();
            assert.equal((await versions()).filter((v) => !beforeRetry.includes(v)).length, 1, "the failed run started one rotation");
            aws.front.clearCalls();
            await stack.up();
            assert.equal(aws.front.callCount("RotateSecret"), 0, "the re-run of the same change does not rotate again");
            assert.equal((await versions()).filter((v) => !beforeRetry.includes(v)).length, 1);
            await stack.up(["--expect-no-changes"]);
        });
    });
});
