// AWS's asynchronous test runs (rule rotate-not-immediately): each ends after RotateSecret's
// response, so the front schedules it, finishes it when due (or when a test says), drops it on reset.
import { designates, versionStages, versionWith } from "./helpers";
import { Call, FrontContext, TestRun } from "./types";

/** How many times the front tries to finish a test run while moto answers 5xx (about 5 s in all). */
const TEST_RUN_ATTEMPTS = 20;

export function checkedDelay(ms: number): number {
    if (!(ms >= 0)) throw new Error(`a test run delay is a number of milliseconds >= 0 (or Infinity), got ${ms}`);
    return ms;
}

export function scheduleTestRun(front: FrontContext, call: Call, arn: string, versionId: string): void {
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    const run: TestRun = { call, arn, versionId, dueAt: Date.now() + front.testRunDelayMs, done, end };
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
 * The end of AWS's test run: "The test creates an AWSPENDING version of the secret and then
 * removes it." Only if the label is still where the run put it (a test may have moved it).
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
                const stages = described.json ? versionStages(described.json) : new Map<string, string[]>();
                if (versionWith(stages, "AWSPENDING") !== run.versionId || versionWith(stages, "AWSCURRENT") === run.versionId) return;
                const moved = await front.smInMoto(run.call, "UpdateSecretVersionStage", { SecretId: run.arn, VersionStage: "AWSPENDING", RemoveFromVersionId: run.versionId });
                if (moved.status < 500) return;
                failure = `UpdateSecretVersionStage answered ${moved.status}`;
            }
        } catch (error) {
            failure = (error as Error).message;
        }
        if (attempt >= TEST_RUN_ATTEMPTS) throw new Error(`the test run of ${run.arn} could not finish after ${attempt} attempts: ${failure}`);
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
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

export function dropTestRuns(front: FrontContext): void {
    for (const run of front.testRuns) {
        clearTimeout(run.timer);
        if (!run.running) {
            front.testRuns.delete(run);
            run.end();
        }
    }
}
