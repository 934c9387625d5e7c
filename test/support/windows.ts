// Measuring request rates from the AWS front's call log: the most calls in any sliding window.

/**
 * The largest number of timestamps (ms) that fall in one window [t, t + windowMs), over every t:
 * sliding, not calendar seconds (the worst window always starts at some call).
 */
export function maxInWindow(timesMs: number[], windowMs = 1_000): number {
    const sorted = [...timesMs].sort((a, b) => a - b);
    let best = 0;
    let first = 0;
    for (let last = 0; last < sorted.length; last++) {
        while (sorted[last]! - sorted[first]! >= windowMs) first++;
        best = Math.max(best, last - first + 1);
    }
    return best;
}
