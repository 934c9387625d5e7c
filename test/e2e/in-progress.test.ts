// End to end: a rotation in progress, as AWS makes one. RotateSecret is asynchronous: with
// RotateImmediately=false AWS still runs the Lambda's testSecret step, whose AWSPENDING version
// exists until the run ends. The AWS front holds that run open (delayTestRuns(Infinity)) and ends
// it when the test says the Lambda is done (finishTestRuns()): between the two, the real pulumi
// CLI, the provider and the review see what they would see on AWS.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import type { ReviewReport } from "../../src/review/report";
import { DEFAULT_TEST_RUN_DELAY_MS } from "../support/aws-front";
import { describeResult, PulumiResult, repoRoot, runProcess, StateResource, TestStack, withTranscript } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret, labelsOf } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "PutSecretValue"];

async function newStack(t: TestContext, rotations: unknown[]): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config: { "e2e:rotations": rotations } });
    t.after(() => stack.cleanup());
    return stack;
}

async function reviewJson(stack: TestStack, expectCode: number): Promise<ReviewReport> {
    const result: PulumiResult = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json"], stack.projectDir, stack.env, 300_000);
    stack.history.push(result);
    assert.equal(result.code, expectCode, `review exited ${result.code}, expected ${expectCode}\n${describeResult(result)}`);
    return JSON.parse(result.stdout) as ReviewReport;
}

async function onlyState(stack: TestStack): Promise<StateResource> {
    const states = await stack.resourcesOfType(TYPE);
    assert.equal(states.length, 1);
    return states[0]!;
}

const operations = () => aws.front.calls().map((c) => c.operation);
const mutatingCalls = () => aws.front.calls().filter((c) => MUTATING.includes(c.operation));

describe("a rotation in progress, end to end", () => {
    test("up that turns rotation on sees AWS's test run in progress; review reports it; a change is refused until the run ends", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/testing-rotation", "value-t");
        const declare = (days: number) => [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: days }, rotateImmediately: false }];
        const stack = await newStack(t, declare(30));
        await withTranscript(t, stack, async () => {
            // The rotation function takes its time: the run ends when the test says so.
            aws.front.delayTestRuns(Infinity);
            aws.front.clearCalls();
            await stack.up();
            const [run, ...more] = aws.front.testRunsInProgress();
            assert.ok(run, "RotateSecret started AWS's test run");
            assert.deepEqual(more, []);
            assert.equal(run.arn, secret.arn);
            // The provider's look right after RotateSecret finds the run's AWSPENDING version on a
            // version of its own, so it asks its age (ListSecretVersionIds), as it would on AWS.
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource", "RotateSecret", "DescribeSecret", "ListSecretVersionIds"]);
            const state = await onlyState(stack);
            assert.equal(state.outputs?.pendingVersionId, run.versionId, "the outputs record the rotation in progress");
            assert.equal(typeof state.outputs?.pendingCreatedDate, "string");
            assert.equal(state.outputs?.stagingLabels, "healthy", "a rotation in progress is not a stranded one");
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"], [run.versionId]: ["AWSPENDING"] });

            // A pull request changes the schedule. The review reports the pending version as a
            // rotation in progress: not drift, no finding, and the change blocked for now.
            stack.writeConfig({ "e2e:rotations": declare(7) });
            aws.front.clearCalls();
            const report = await reviewJson(stack, 0);
            const [review] = report.stacks[0]!.secrets;
            assert.equal(review!.step, "update");
            assert.deepEqual([review!.drift, review!.findings, review!.plan.calls], [[], [], []]);
            assert.match(review!.plan.blocked ?? "", new RegExp(`^a rotation is in progress: AWSPENDING is on version ${run.versionId} \\(\\d+ min old`));
            const pendingLabel = review!.labels.find((l) => l.label === "AWSPENDING");
            assert.equal(pendingLabel?.versionId, run.versionId);
            assert.ok(pendingLabel!.ageHours !== undefined && pendingLabel!.ageHours < 0.5, `age ${pendingLabel?.ageHours} h`);
            assert.deepEqual(mutatingCalls(), [], "the review is read-only");

            // up would reconfigure: refused while the run is in progress, and nothing changes.
            aws.front.clearCalls();
            const refused = await stack.up([], { expectCode: 1 });
            assert.match(refused.stdout + refused.stderr, new RegExp(`a rotation is in progress: AWSPENDING is on version ${run.versionId}`));
            assert.match(refused.stdout + refused.stderr, /Retry when it has finished/);
            assert.deepEqual(mutatingCalls(), [], "nothing changed");
            assert.deepEqual((await describeSecret(secret.arn)).RotationRules, { AutomaticallyAfterDays: 30 });
            assert.equal(aws.front.testRunsInProgress().length, 1, "still in progress");

            // The Lambda is done: AWS removes the run's AWSPENDING; the same up now goes through.
            await aws.front.finishTestRuns();
            assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] });
            aws.front.delayTestRuns(DEFAULT_TEST_RUN_DELAY_MS);
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "RotateSecret", "DescribeSecret"]);
            assert.deepEqual((await describeSecret(secret.arn)).RotationRules, { AutomaticallyAfterDays: 7 });
            assert.equal((await onlyState(stack)).outputs?.pendingVersionId, undefined);
            await stack.preview(["--refresh", "--expect-no-changes"]);
        });
    });
});
