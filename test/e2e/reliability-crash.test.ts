// Reliability, end to end: `pulumi up` of 50 declared secrets is SIGKILLed at a seeded random
// moment (the CLI's process group: the CLI, which is the engine; the engine starts the language
// host, with the program, and the dynamic provider each in a group of its own, so these are left
// to notice that their engine is gone); the user recovers as on any file backend (drop the pending
// operations from the exported state, import it, `pulumi cancel` only if a lock is left) and runs
// `up` again. After every trial, for every secret: exactly one AWSCURRENT, its value unchanged, no
// version deleted, no candidate value left without a label — right after the kill and after
// recovery — and after recovery, no stranded AWSPENDING and the declared state reached. And no
// process of the trial outlives it: after the kill, everything of the killed run but Pulumi's
// language host ends by itself (the provider through its lifeline), before the invariants are
// read, so no orphan can still be calling AWS; after recovery, nothing of the trial is left.
//
// Two sizes. npm test: 6 kills, each at a point of the run's progress rather than of the clock, so
// that every phase is hit on any machine (the clock's 0-4 s after the first call let half of the
// 20 seeded kills land after a fast run had finished, and would land elsewhere on a slower one):
// at the first DescribeSecret (nothing changed yet), at the first claim (TagResource), inside a
// quarantine (after the first UpdateSecretVersionStage: the kill that once made a resumed
// quarantine move its label twice), at the first RotateSecret, with half of the mutating calls
// made, and with all of them made but not yet recorded by the engine. Each of these trials must
// kill a running `up`; RELIABILITY_CRASH_POINT=k (1-6) runs the k-th alone. PSR_SOAK=1 runs the issue's 20 kills at seeded moments instead, and
// RELIABILITY_SOAK=1 60 of them; RELIABILITY_CRASH_TRIALS and RELIABILITY_CRASH_SECRETS (default
// 50) override. Seeded trial k always kills at the same moment (seed k), so a failing trial can be
// replayed alone with RELIABILITY_CRASH_FIRST_TRIAL=k RELIABILITY_CRASH_TRIALS=k.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { AwsFront } from "../support/aws-front";
import { allVersions, declarations, expectedSnapshot, Fleet, invariantViolations, seedFleet, snapshot } from "../support/fleet";
import { describeProcesses, isLanguageHost, killAll, processesOfStack, waitUntilNoneRunning } from "../support/processes";
import { repoRoot, TestStack } from "../support/pulumi";
import { recover } from "../support/recovery";
import { createRotationLambda } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const SEEDED = Boolean(process.env.PSR_SOAK || process.env.RELIABILITY_SOAK || process.env.RELIABILITY_CRASH_TRIALS);
const TRIALS = Number(process.env.RELIABILITY_CRASH_TRIALS ?? (process.env.RELIABILITY_SOAK ? "60" : "20"));
const FIRST_TRIAL = Number(process.env.RELIABILITY_CRASH_FIRST_TRIAL ?? "1");
const SECRETS = Number(process.env.RELIABILITY_CRASH_SECRETS ?? "50");
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage"];

/** When a trial kills `up`: `delayMs` after `when` first holds (polled every 10 ms) over the front's calls. */
interface KillPoint {
    label: string;
    delayMs: number;
    when: (front: AwsFront, mutatingCalls: number) => boolean;
    /** A progress point must meet a running `up`; a seeded moment may come after it ended. */
    mustKill: boolean;
}

/** The mutating calls a fault-free `up` of the fleet makes: one per secret, two more per quarantine. */
const mutatingCallsOf = (fleet: Fleet) => fleet.secrets.reduce((n, s) => n + (s.shape === "stranded" ? 3 : 1), 0);

function progressPoints(fleet: Fleet): KillPoint[] {
    const total = mutatingCallsOf(fleet);
    const at = (label: string, when: KillPoint["when"]): KillPoint => ({ label, delayMs: 0, when, mustKill: true });
    return [
        at("at the first DescribeSecret, nothing changed yet", (front) => front.callCount("DescribeSecret") > 0),
        at("at the first claim (TagResource)", (front) => front.callCount("TagResource") > 0),
        at("inside a quarantine (the first UpdateSecretVersionStage made)", (front) => front.callCount("UpdateSecretVersionStage") > 0),
        at("at the first RotateSecret", (front) => front.callCount("RotateSecret") > 0),
        at(`with half of the ${total} mutating calls made`, (_, mutating) => mutating >= total / 2),
        at(`with all ${total} mutating calls made, not all recorded`, (_, mutating) => mutating >= total),
    ];
}

function seededMoment(trial: number): KillPoint {
    // From 0 to 4 s after the provider's first AWS call: the span in which a fault-free run of 50
    // secrets makes its calls here (the CLI's own start-up, several seconds before that, has
    // nothing to lose).
    const delayMs = Math.round(seeded(Math.imul(trial, 0x9e3779b1))() * 4_000);
    return { label: `${delayMs} ms after the first call (seed ${trial})`, delayMs, when: (front) => front.callCount("DescribeSecret") > 0, mustKill: false };
}
/** A generous bound for the processes of a killed run to go; that they go is what is tested. */
const EXIT_BOUND_MS = 30_000;

/**
 * After the kill: every process of the killed run ends by itself, but Pulumi's language host
 * (isLanguageHost: it lingers until its 5-minute health check of the engine), within the bound.
 */
async function assertKilledRunEnds(stack: TestStack, label: string): Promise<number> {
    const started = performance.now();
    const survivors = await waitUntilNoneRunning(() => processesOfStack(stack).filter((p) => !isLanguageHost(p)), EXIT_BOUND_MS);
    assert.deepEqual(survivors.map((p) => p.command), [], `${label}: still running ${EXIT_BOUND_MS / 1000} s after the kill:\n${describeProcesses(survivors)}`);
    return performance.now() - started;
}

/** After the trial: the killed run's language host is ended here; then nothing of the stack may be left. */
async function assertNothingLeft(stack: TestStack, label: string): Promise<void> {
    killAll(processesOfStack(stack).filter(isLanguageHost));
    const survivors = await waitUntilNoneRunning(() => processesOfStack(stack), EXIT_BOUND_MS);
    assert.deepEqual(survivors.map((p) => p.command), [], `${label}: still running after it:\n${describeProcesses(survivors)}`);
}

/** mulberry32: a small seeded generator, so every trial's kill time is reproducible. */
function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
}

const POINTS = 6;
const ONLY_POINT = process.env.RELIABILITY_CRASH_POINT ? Number(process.env.RELIABILITY_CRASH_POINT) : undefined;
const [FIRST, LAST] = SEEDED ? [FIRST_TRIAL, TRIALS] : ONLY_POINT ? [ONLY_POINT, ONLY_POINT] : [1, POINTS];
const TRIAL_COUNT = LAST - FIRST + 1;

test(`crashes: ${TRIAL_COUNT} SIGKILLs of up of ${SECRETS} secrets ${SEEDED ? "at seeded moments" : "at points of its progress"}; recovery converges and nothing is lost`, async (t) => {
    const rows: string[] = [];
    const started = performance.now();
    for (let trial = FIRST; trial <= LAST; trial++) {
        await aws.moto.reset();
        aws.front.reset();
        const lambda = await createRotationLambda();
        const fleet = await seedFleet(aws.front, lambda, `crash${trial}`, SECRETS);
        const kill = SEEDED ? seededMoment(trial) : progressPoints(fleet)[trial - 1]!;
        const before = await allVersions(fleet);
        const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config: { "e2e:rotations": declarations(fleet) } });
        try {
            aws.front.clearCalls();
            const mutating = () => aws.front.calls().filter((c) => MUTATING.includes(c.operation)).length;
            const crashed = await stack.runKilledAfter(["up", "--yes", "--skip-preview"], kill.delayMs, () => kill.when(aws.front, mutating()));
            if (kill.mustKill) assert.ok(crashed.killed, `trial ${trial}: up ended before the kill ${kill.label}: the trial tested nothing`);
            const endedWithinMs = await assertKilledRunEnds(stack, `trial ${trial}`);
            const mutatedBeforeKill = mutating();
            const afterKill = await invariantViolations(fleet, before, false);
            assert.deepEqual(afterKill, [], `trial ${trial}: invariants right after the kill ${kill.label}`);

            const steps = await recover(stack);
            assert.deepEqual(await invariantViolations(fleet, before, true), [], `trial ${trial}: invariants after recovery`);
            assert.deepEqual(await snapshot(fleet), expectedSnapshot(fleet), `trial ${trial}: the declared state is reached`);
            await assertNothingLeft(stack, `trial ${trial}`);
            rows.push(
                `trial ${trial}: kill ${kill.label} (${crashed.killed ? "killed" : "had finished"}), ${mutatedBeforeKill} mutating calls before it; its processes gone ${Math.round(endedWithinMs)} ms later; recovery: ${steps.join(", ") || "just up"}`,
            );
        } catch (error) {
            // The last commands only: the exported state is long.
            t.diagnostic(stack.history.slice(-3).map((r) => `$ ${r.command}\nexit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).join("\n"));
            throw error;
        } finally {
            killAll(processesOfStack(stack)); // a failed trial leaves nothing running either
            stack.cleanup();
        }
    }
    for (const row of rows) t.diagnostic(row);
    t.diagnostic(`${TRIAL_COUNT} trials in ${((performance.now() - started) / 1000).toFixed(0)} s`);
});

// The soak met this state once in 60 trials (trial 52 of a run; the timing does not replay): the
// kill landed inside the rewrite of the checkpoint's sidecar. Made here on purpose, so that the
// recovery above, and the troubleshooting advice to users (docs/troubleshooting.md), are proven every run.
test("crash recovery: a checkpoint sidecar emptied by the kill is deleted, and up converges", async () => {
    await aws.moto.reset();
    aws.front.reset();
    const lambda = await createRotationLambda();
    const fleet = await seedFleet(aws.front, lambda, "sidecar", 12);
    const before = await allVersions(fleet);
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config: { "e2e:rotations": declarations(fleet) } });
    try {
        aws.front.clearCalls();
        await stack.runKilledAfter(["up", "--yes", "--skip-preview"], 300, () => aws.front.callCount("DescribeSecret") > 0);
        await assertKilledRunEnds(stack, "sidecar");
        const sidecar = join(stack.root, "state", ".pulumi", "stacks", "e2e", `${stack.stack}.json.attrs`);
        writeFileSync(sidecar, "");
        await assert.rejects(stack.exportState(), /failed to load checkpoint: EOF/);

        const steps = await recover(stack);
        assert.ok(steps.includes(`deleted the truncated ${join("stacks", "e2e", `${stack.stack}.json.attrs`)} (the kill cut its rewrite)`), steps.join("; "));
        assert.deepEqual(await invariantViolations(fleet, before, true), []);
        assert.deepEqual(await snapshot(fleet), expectedSnapshot(fleet));
        await assertNothingLeft(stack, "sidecar");
    } finally {
        killAll(processesOfStack(stack));
        stack.cleanup();
    }
});
