// Unit: the sliding-window limiter that keeps the provider within Secrets Manager's quotas, on a
// fake clock (so the assertions are exact), and the window measure the rate tests use.
import assert from "node:assert/strict";
import { test } from "node:test";

import { callsPerSecondFromEnv, quotaGroup, SlidingWindowLimiter } from "../../providers/secretsmanager/aws-edge/quota";
import { maxInWindow } from "../support/windows";

/** A clock that only moves when a waiter sleeps: the limiter's waits become exact times. */
function fakeClock() {
    let now = 0;
    return {
        now: () => now,
        wait: async (ms: number) => {
            now += ms;
        },
    };
}

test("at most `limit` grants in any sliding window, first come first served", async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(40, 1_000, clock.now, clock.wait);
    const granted: { i: number; at: number }[] = [];
    await Promise.all(Array.from({ length: 130 }, (_, i) => limiter.acquire().then(() => granted.push({ i, at: clock.now() }))));
    assert.deepEqual(granted.map((g) => g.i), Array.from({ length: 130 }, (_, i) => i), "served in order");
    assert.equal(maxInWindow(granted.map((g) => g.at)), 40);
    // 130 grants at 40 per second, evenly spaced: one every 25 ms, never a burst.
    assert.deepEqual(granted.slice(0, 3).map((g) => g.at), [0, 25, 50]);
    assert.equal(granted[40]!.at, 1_000);
    assert.equal(granted[129]!.at, 3_225);
    assert.equal(maxInWindow(granted.map((g) => g.at), 100), 4, "at most 4 in any 100 ms");
});

test("grants spread over time are not delayed; close ones are spaced", async () => {
    const clock = fakeClock();
    let waited = 0;
    const limiter = new SlidingWindowLimiter(2, 1_000, clock.now, async (ms) => {
        waited += ms;
        await clock.wait(ms);
    });
    await limiter.acquire();
    await clock.wait(600);
    await limiter.acquire();
    await clock.wait(600);
    await limiter.acquire(); // t=1200: the last grant is 600 ms old (spacing 500), the first out of the window
    assert.equal(waited, 0, "the limiter made nobody wait");
    await limiter.acquire(); // t=1200 again: waits for the spacing (until 1700; the window allows 1600)
    assert.equal(waited, 500);
    assert.equal(clock.now(), 1_700);
});

test("the quota groups follow the documented combined quotas", () => {
    assert.equal(quotaGroup("RotateSecret"), "rotation");
    assert.equal(quotaGroup("CancelRotateSecret"), "rotation");
    assert.equal(quotaGroup("UpdateSecretVersionStage"), "writes");
    assert.equal(quotaGroup("TagResource"), "tags");
    assert.equal(quotaGroup("UntagResource"), "tags");
    assert.equal(quotaGroup("DescribeSecret"), undefined);
    assert.equal(quotaGroup("ListSecretVersionIds"), undefined);
});

test("calls per second: 40 by default, 1..50 from the environment, anything else refused", () => {
    assert.equal(callsPerSecondFromEnv({}), 40);
    assert.equal(callsPerSecondFromEnv({ PULUMI_SECRET_ROTATION_CALLS_PER_SECOND: "50" }), 50);
    assert.equal(callsPerSecondFromEnv({ PULUMI_SECRET_ROTATION_CALLS_PER_SECOND: "5" }), 5);
    for (const bad of ["51", "0", "2.5", "fast"]) {
        assert.throws(() => callsPerSecondFromEnv({ PULUMI_SECRET_ROTATION_CALLS_PER_SECOND: bad }), /from 1 to 50 \(the quota\)/);
    }
});

test("maxInWindow counts sliding windows, not calendar seconds", () => {
    // 900..1099 are 200 ms apart: calendar seconds see 1 + 1, a sliding window sees 2.
    assert.equal(maxInWindow([900, 1_099]), 2);
    assert.equal(maxInWindow([0, 999, 1_000]), 2);
    assert.equal(maxInWindow([]), 0);
});
