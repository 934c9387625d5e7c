// Layer: the AWS edge. Imports the semantics and the AWS SDK, never the Pulumi edge (.dependency-cruiser.cjs).
// Client-side rate limits that keep the provider within Secrets Manager's request quotas.
//
// Pulumi runs ONE dynamic-provider process per `pulumi up` and calls it for many resources at
// once, so everything this process sends to one region shares the account's per-region quotas
// (AWS Secrets Manager user guide, "Secrets Manager quotas"; none is adjustable):
//   - RotateSecret and CancelRotateSecret combined: 50 per second;
//   - PutSecretValue, UpdateSecret, UpdateSecretVersionStage (and the replication calls)
//     combined: 50 per second — shared with the rotation Lambdas themselves;
//   - TagResource and UntagResource combined: 50 per second;
//   - DescribeSecret and GetSecretValue combined: 10,000 per second (not limited here: a
//     provider process cannot get near it).
// Throttled calls would be retried by the SDK anyway, but a reconciler that throttles an account
// also throttles the account's rotation Lambdas and applications; so it stays below the quota.
//
// Why not a library: the candidates are either ESM-only (p-limit, p-throttle: this package is
// CommonJS) or unmaintained (bottleneck's last release is from 2019), and the rule needed is
// "at most N starts in any sliding window", about 30 lines, unit-tested in test/unit/quota.test.ts.

/** The documented quota (requests per second per region) of each group of calls this provider makes. */
export const QUOTA_PER_SECOND = 50;

/** Which quota a Secrets Manager operation counts against; undefined for ones not limited here. */
export function quotaGroup(operation: string): "rotation" | "writes" | "tags" | undefined {
    switch (operation) {
        case "RotateSecret":
        case "CancelRotateSecret":
            return "rotation";
        case "UpdateSecretVersionStage":
            return "writes";
        case "TagResource":
        case "UntagResource":
            return "tags";
        default:
            return undefined;
    }
}

/**
 * The calls per second this provider allows itself in each group: 40 by default, a fifth below
 * the quota, because the quota is counted where AWS receives the calls (network jitter can bunch
 * calls that left evenly) and the writes quota is shared with the rotation Lambdas. Set
 * PULUMI_SECRET_ROTATION_CALLS_PER_SECOND (1..50) to change it, e.g. lower when other tools in the
 * account rotate secrets at the same time.
 */
export function callsPerSecondFromEnv(env: NodeJS.ProcessEnv = process.env): number {
    const raw = env.PULUMI_SECRET_ROTATION_CALLS_PER_SECOND;
    if (raw === undefined || raw === "") return 40;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > QUOTA_PER_SECOND) {
        throw new Error(`PULUMI_SECRET_ROTATION_CALLS_PER_SECOND must be a whole number from 1 to ${QUOTA_PER_SECOND} (the quota), got ${JSON.stringify(raw)}`);
    }
    return n;
}

/**
 * At most `limit` grants in any window of `windowMs` (sliding, not calendar seconds), first come
 * first served, and evenly spaced: a caller waits until the previous grant is windowMs / limit old
 * and the oldest of the last `limit` grants is a window old. The spacing matters: a window limit
 * alone lets a whole window's calls go at once, and two such bursts a window apart, delayed
 * differently on their way (network, a busy event loop), arrive in the same second — measured at
 * 78 calls in one second with bursts of 40. Evenly spaced, the calls of one second can only bunch
 * into a quota excess if their delays differ by a quarter of a second.
 */
export class SlidingWindowLimiter {
    // Times of the most recent grants, oldest first; never more than `limit` entries.
    private readonly grants: number[] = [];
    private tail: Promise<void> = Promise.resolve();

    constructor(
        readonly limit: number,
        readonly windowMs: number,
        private readonly now: () => number = () => performance.now(),
        private readonly wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ) {
        if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`limit must be a whole number ≥ 1, got ${limit}`);
        if (!(windowMs > 0)) throw new Error(`windowMs must be > 0, got ${windowMs}`);
    }

    /** Resolves when the caller may start its call; callers are served in the order they asked. */
    acquire(): Promise<void> {
        const turn = this.tail.then(() => this.take());
        // A failed wait (it cannot fail, but a rejected tail would block every later caller).
        this.tail = turn.catch(() => undefined);
        return turn;
    }

    private async take(): Promise<void> {
        for (;;) {
            const now = this.now();
            while (this.grants.length > 0 && this.grants[0]! <= now - this.windowMs) this.grants.shift();
            const last = this.grants[this.grants.length - 1];
            const spacingWait = last === undefined ? 0 : last + this.windowMs / this.limit - now;
            const windowWait = this.grants.length < this.limit ? 0 : this.grants[0]! + this.windowMs - now;
            if (spacingWait <= 0 && windowWait <= 0) {
                this.grants.push(now);
                return;
            }
            // Timers may fire a little early: the loop checks again rather than trusting them.
            await this.wait(Math.max(1, spacingWait, windowWait));
        }
    }
}
