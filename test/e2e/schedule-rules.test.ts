// End to end: AWS's schedule limits themselves (Secrets Manager User Guide, "Rotation schedules")
// go through. A window as long as the time between rotations, a window that ends exactly at 24:00
// UTC, and a window given with days (a schedule in days: its window opens at 00:00 UTC) are
// accepted by validation, sent to RotateSecret as declared, accepted by the AWS front (which
// enforces the same rules, rule schedule-rules-guessed-message) and read back without drift.
// The refusals are in test/e2e/bad-input.test.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { repoRoot, TestStack, withTranscript } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();

test("schedules at AWS's limits: declared, sent as declared, accepted and read back without drift", async (t) => {
    const lambda = await createRotationLambda();
    // name → [the declared schedule, the RotationRules AWS is sent and returns]
    const cases: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
        "days-whole-day-window": [{ automaticallyAfterDays: 1, duration: "24h" }, { AutomaticallyAfterDays: 1, Duration: "24h" }],
        "window-equals-rate": [{ scheduleExpression: "rate(4 hours)", duration: "4h" }, { ScheduleExpression: "rate(4 hours)", Duration: "4h" }],
        "window-until-midnight": [{ scheduleExpression: "cron(0 16 * * ? *)", duration: "8h" }, { ScheduleExpression: "cron(0 16 * * ? *)", Duration: "8h" }],
        "longest-rate": [{ scheduleExpression: "rate(999 days)" }, { ScheduleExpression: "rate(999 days)" }],
    };
    const secrets = Object.fromEntries(await Promise.all(Object.keys(cases).map(async (name) => [name, await createSecret(`app/${name}`, `value-${name}`)] as const)));
    const stack = await TestStack.create({
        program: join(repoRoot(), "dist", "src", "program.js"),
        env: aws.env,
        config: {
            "e2e:rotations": Object.entries(cases).map(([name, [schedule]]) => ({ name, secretId: secrets[name]!.name, rotationLambdaArn: lambda, schedule, rotateImmediately: false })),
        },
    });
    t.after(() => stack.cleanup());
    await withTranscript(t, stack, async () => {
        aws.front.clearCalls();
        await stack.up();
        const rotations = aws.front.calls("RotateSecret");
        assert.deepEqual(rotations.map((c) => [c.status, c.rules.includes("schedule-rules-guessed-message")]), Object.keys(cases).map(() => [200, false]));
        for (const [name, [, rules]] of Object.entries(cases)) {
            assert.deepEqual((await describeSecret(secrets[name]!.arn)).RotationRules, rules, name);
        }
        await stack.preview(["--refresh", "--expect-no-changes"]);
    });
});
