// Reliability, end to end: at 1,000 declared secrets, with the engine's parallelism turned up, the
// provider never exceeds Secrets Manager's documented quotas in any one-second window (sliding),
// measured where the calls arrive: the AWS front's call log. RotateSecret + CancelRotateSecret
// ≤ 50/s; UpdateSecretVersionStage ≤ 50/s (AWS user guide, "Secrets Manager quotas").
//
// RELIABILITY_QUOTA_SECRETS (default 1000) sizes it.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { declarations, expectedSnapshot, seedFleet, snapshot } from "../support/fleet";
import { repoRoot, TestStack } from "../support/pulumi";
import { createRotationLambda } from "../support/seed";
import { useLocalAws } from "../support/services";
import { maxInWindow } from "../support/windows";

const aws = useLocalAws();
// The stack configuration cannot hold 1,000 entries (see programs/declarations-file.ts).
const PROGRAM = join(repoRoot(), "dist", "test", "e2e", "programs", "declarations-file.js");
const SECRETS = Number(process.env.RELIABILITY_QUOTA_SECRETS ?? "1000");
const QUOTA = 50;
const PARALLEL = "256";

const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

test(`quotas: up of ${SECRETS} secrets at --parallel ${PARALLEL} stays within ${QUOTA} calls/s per quota group in every sliding second`, async (t) => {
    let started = performance.now();
    const lambda = await createRotationLambda();
    const fleet = await seedFleet(aws.front, lambda, "quota", SECRETS);
    t.diagnostic(`seeded ${SECRETS} secrets (${fleet.secrets.filter((s) => s.shape === "stranded").length} stranded) in ${elapsed(started)}`);
    const file = join(tmpdir(), `psr-quota-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(declarations(fleet)));
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config: { "e2e:declarationsFile": file } });
    t.after(() => {
        stack.cleanup();
        rmSync(file, { force: true });
    });

    aws.front.clearCalls();
    started = performance.now();
    await stack.up(["--parallel", PARALLEL], { timeoutMs: 1_200_000 });
    t.diagnostic(`up of ${SECRETS} secrets: ${elapsed(started)}`);

    const at = (ops: string[]) => aws.front.calls().filter((c) => ops.includes(c.operation)).map((c) => c.startedAt.getTime());
    const rotation = at(["RotateSecret", "CancelRotateSecret"]);
    const writes = at(["UpdateSecretVersionStage"]);
    const peaks = { rotation: maxInWindow(rotation), writes: maxInWindow(writes) };
    t.diagnostic(
        `RotateSecret+CancelRotateSecret: ${rotation.length} calls, at most ${peaks.rotation} in one second; ` +
            `UpdateSecretVersionStage: ${writes.length} calls, at most ${peaks.writes} in one second; all calls: ${JSON.stringify(aws.front.callCounts())}`,
    );
    assert.ok(rotation.length >= SECRETS, "every secret needed a RotateSecret or CancelRotateSecret");
    assert.ok(peaks.rotation <= QUOTA, `RotateSecret+CancelRotateSecret peaked at ${peaks.rotation}/s`);
    assert.ok(peaks.writes <= QUOTA, `UpdateSecretVersionStage peaked at ${peaks.writes}/s`);

    started = performance.now();
    assert.deepEqual(await snapshot(fleet), expectedSnapshot(fleet), "every secret reached its declared state");
    t.diagnostic(`checked ${SECRETS} secrets in ${elapsed(started)}`);
});
