// AWS's asynchronous work after RotateSecret: the test runs of rule rotate-not-immediately and the
// managed rotations of rule managed-rotate-now-guessed. Each ends after RotateSecret's response, so
// the front schedules it, finishes it when due (or when a test says), drops it on reset.
import { designates, versionStages, versionWith } from "./helpers";
import { AsynchronousWork, Call, FrontContext, Json, TestRun } from "./types";

/** How many times the front tries to finish a test run or managed rotation while moto answers 5xx (about 5 s in all). */
const TEST_RUN_ATTEMPTS = 20;

export function checkedDelay(ms: number): number {
    if (!(ms >= 0)) throw new Error(`a test run delay is a number of milliseconds >= 0 (or Infinity), got ${ms}`);
    return ms;
}

/** Schedules `work` on the secret's AWSPENDING version `versionId`, due testRunDelayMs from now. */
export function scheduleTestRun(front: FrontContext, call: Call, arn: string, versionId: string, work: AsynchronousWork = "test-run"): void {
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    const run: TestRun = { work, call, arn, versionId, dueAt: Date.now() + front.testRunDelayMs, done, end };
    front.testRuns.add(run);
    if (Number.isFinite(run.dueAt)) run.timer = setTimeout(() => void startTestRun(front, run), front.testRunDelayMs);
}

export function startTestRun(front: FrontContext, run: TestRun): Promise<void> {
    if (run.running) return run.running;
    clearTimeout(run.timer);
    run.dueAt = Math.min(run.dueAt, Date.now());
    run.running = front.exclusive(() => completeTestRun(front, run))
        .catch(() => undefined) // moto reset or gone under it: nothing left to finish
        .finally(() => {
            front.testRuns.delete(run);
            run.end();
        });
    return run.running;
}

/**
 * The end of the work, as a sequence of label moves each decided from the secret's labels as they
 * are now, so that a move moto failed (5xx) is tried again and a move already made is not made
 * twice. Nothing is done once the label is no longer where the work put it (a test, or the
 * caller, moved it).
 */
async function completeTestRun(front: FrontContext, run: TestRun): Promise<void> {
    // moto now and then answers a call that meets a concurrent CreateSecret with an HTML 500
    // (../shared/notes/moto-fidelity.md). AWS's own run does not fail that way, so the front
    // tries again rather than leave an AWSPENDING that AWS would have removed; a 4xx means the
    // secret is gone (a reset, a deletion) and there is nothing to finish.
    for (let attempt = 1; ; attempt++) {
        let failure: string;
        try {
            const described = await front.smInMoto(run.call, "DescribeSecret", { SecretId: run.arn });
            if (described.status < 500 && described.status !== 200) return;
            failure = `DescribeSecret answered ${described.status}`;
            if (described.status === 200) {
                const move = nextMove(run, described.json ? versionStages(described.json) : new Map<string, string[]>());
                if (move === undefined) return;
                const moved = await front.smInMoto(run.call, "UpdateSecretVersionStage", { SecretId: run.arn, ...move });
                if (moved.status >= 500) failure = `UpdateSecretVersionStage answered ${moved.status}`;
                else if (moved.status !== 200) return;
                // Taking AWSPENDING off the work's version ends the work (nextMove has nothing after
                // it), and nothing else changes the labels inside this exclusive section: a DescribeSecret
                // to find that out again would only cost moto a request per rotation.
                else if (move.RemoveFromVersionId === run.versionId && move.VersionStage === "AWSPENDING") return;
                else if (attempt < TEST_RUN_ATTEMPTS) continue; // the next move, if any, from the labels as they are now
                else failure = "the labels were still not as the work leaves them";
            }
        } catch (error) {
            failure = (error as Error).message;
        }
        if (attempt >= TEST_RUN_ATTEMPTS) throw new Error(`the ${run.work} of ${run.arn} could not finish after ${attempt} attempts: ${failure}`);
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
}

/** The UpdateSecretVersionStage payload (without SecretId) that takes the work one step further, or undefined when it is over. */
function nextMove(run: TestRun, stages: Map<string, string[]>): Json | undefined {
    const pending = versionWith(stages, "AWSPENDING");
    const current = versionWith(stages, "AWSCURRENT");
    if (pending !== run.versionId) return undefined;
    if (run.work === "test-run") {
        // "The test creates an AWSPENDING version of the secret and then removes it."
        return current === run.versionId ? undefined : { VersionStage: "AWSPENDING", RemoveFromVersionId: run.versionId };
    }
    // A managed rotation finishes as a Lambda rotation's finishSecret step does: AWSCURRENT to the
    // new version (moto, as AWS, then moves AWSPREVIOUS to the version it left), AWSPENDING off.
    if (current !== run.versionId) return { VersionStage: "AWSCURRENT", MoveToVersionId: run.versionId, ...(current !== undefined ? { RemoveFromVersionId: current } : {}) };
    return { VersionStage: "AWSPENDING", RemoveFromVersionId: run.versionId };
}

/**
 * A call that arrives after a test run is due sees it finished: the front completes the due
 * runs of the call's secret (of every secret for a call without SecretId, e.g. ListSecrets)
 * before it handles the call, so what a client observes depends on the delay alone, never on
 * when the front's timer happened to fire.
 */
export async function dueTestRuns(front: FrontContext, call: Call): Promise<void> {
    const now = Date.now();
    const secretId = typeof call.payload.SecretId === "string" ? call.payload.SecretId : undefined;
    const due = [...front.testRuns].filter((run) => (run.dueAt <= now || run.running) && (secretId === undefined || designates(secretId, run.arn)));
    if (due.length > 0) await Promise.all(due.map((run) => startTestRun(front, run)));
}

/** Drops the work not started yet (of one kind, on one secret, when given): it will not happen. */
export function dropTestRuns(front: FrontContext, only?: { work: AsynchronousWork; arn: string }): void {
    for (const run of front.testRuns) {
        if (only && (run.work !== only.work || run.arn !== only.arn)) continue;
        clearTimeout(run.timer);
        if (!run.running) {
            front.testRuns.delete(run);
            run.end();
        }
    }
}
