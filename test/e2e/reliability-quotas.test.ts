// Reliability, end to end: with the engine's parallelism turned up, the provider never exceeds its
// calls-per-second limit in any one-second window (sliding) of any quota group, measured where
// the calls arrive: the AWS front's call log. Groups (AWS user guide, "Secrets Manager quotas";
// providers/secretsmanager/aws-edge/quota.ts): RotateSecret + CancelRotateSecret;
// UpdateSecretVersionStage; TagResource + UntagResource — 50/s each, of which the provider takes
// 40/s by default (PULUMI_SECRET_ROTATION_CALLS_PER_SECOND), a fifth left for jitter.
//
// Two sizes, one property. What the property needs is demand above the limit in every group for
// several seconds, not a number of secrets: the engine and the provider, not the fleet's size,
// bound how fast calls are asked for (measured with the limiter taken out: at most 16 rotation
// calls in any second whether 100 or 250 secrets were declared — below 40, so at the default
// limit a test of any size this machine can run quickly would pass without a limiter at all).
//   - npm test: 100 secrets, the provider's limit set to 4/s. Demand is 2–4 × the limit in every
//     group (asserted: each group reaches the limit), and the assertion keeps the default's ratio:
//     at most 5 (4 × 50/40) in any second. Without the limiter: 16 rotation calls in one second.
//   - PSR_SOAK=1: the issue's 1,000 secrets at the default limit, against the quota itself (50).
// RELIABILITY_QUOTA_SECRETS sizes either.
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
const SOAK = Boolean(process.env.PSR_SOAK);
const SECRETS = Number(process.env.RELIABILITY_QUOTA_SECRETS ?? (SOAK ? "1000" : "100"));
const QUOTA = 50;
/** The provider's own limit: its default (40) in the soak, 4 in the quick run, so that demand exceeds it. */
const LIMIT = SOAK ? undefined : 4;
/** The most calls allowed in one sliding second: the quota, or the limit with the default's headroom (50/40). */
const ALLOWED = LIMIT === undefined ? QUOTA : Math.floor((LIMIT * QUOTA) / 40);
const PARALLEL = "256";

const GROUPS: Record<string, string[]> = {
    "RotateSecret+CancelRotateSecret": ["RotateSecret", "CancelRotateSecret"],
    UpdateSecretVersionStage: ["UpdateSecretVersionStage"],
    "TagResource+UntagResource": ["TagResource", "UntagResource"],
};

const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

test(`quotas: up of ${SECRETS} secrets at --parallel ${PARALLEL} stays within ${ALLOWED} calls/s per quota group in every sliding second${LIMIT ? ` (provider limit ${LIMIT}/s)` : ""}`, async (t) => {
    let started = performance.now();
    const lambda = await createRotationLambda();
    const fleet = await seedFleet(aws.front, lambda, "quota", SECRETS);
    t.diagnostic(`seeded ${SECRETS} secrets (${fleet.secrets.filter((s) => s.shape === "stranded").length} stranded) in ${elapsed(started)}`);
    const file = join(tmpdir(), `psr-quota-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(declarations(fleet)));
    const env = LIMIT === undefined ? aws.env : { ...aws.env, PULUMI_SECRET_ROTATION_CALLS_PER_SECOND: String(LIMIT) };
    const stack = await TestStack.create({ program: PROGRAM, env, config: { "e2e:declarationsFile": file } });
    t.after(() => {
        stack.cleanup();
        rmSync(file, { force: true });
    });

    aws.front.clearCalls();
    started = performance.now();
    await stack.up(["--parallel", PARALLEL], { timeoutMs: 1_200_000 });
    t.diagnostic(`up of ${SECRETS} secrets: ${elapsed(started)}`);

    const peaks: Record<string, { calls: number; peak: number }> = {};
    for (const [group, operations] of Object.entries(GROUPS)) {
        const times = aws.front
            .calls()
            .filter((c) => operations.includes(c.operation))
            .map((c) => c.startedAt.getTime());
        peaks[group] = { calls: times.length, peak: maxInWindow(times) };
    }
    t.diagnostic(
        `${Object.entries(peaks)
            .map(([group, { calls, peak }]) => `${group}: ${calls} calls, at most ${peak} in one second`)
            .join("; ")}; all calls: ${JSON.stringify(aws.front.callCounts())}`,
    );
    assert.ok(peaks["RotateSecret+CancelRotateSecret"]!.calls >= SECRETS, "every secret needed a RotateSecret or CancelRotateSecret");
    for (const [group, { peak }] of Object.entries(peaks)) {
        assert.ok(peak <= ALLOWED, `${group} peaked at ${peak}/s (allowed ${ALLOWED})`);
        // Otherwise the run proves nothing about the limiter: it was never asked for more than it allows.
        if (LIMIT !== undefined) assert.ok(peak >= LIMIT, `${group}: at most ${peak} calls in a second, below the limit ${LIMIT}: too little demand to test it`);
    }

    started = performance.now();
    assert.deepEqual(await snapshot(fleet), expectedSnapshot(fleet), "every secret reached its declared state");
    t.diagnostic(`checked ${SECRETS} secrets in ${elapsed(started)}`);
});
