// scripts/leftover-processes.ts, the check scripts/test.sh runs after every run: a process that
// carries the run's environment entry and is still running is named, killed and fails the run.
// Real processes, found through /proc.
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { test } from "node:test";

import { processesWithEnvironment, waitUntilNoneRunning } from "../support/processes";
import { repoRoot } from "../support/pulumi";

const SCRIPT = join(repoRoot(), "dist", "scripts", "leftover-processes.js");
const MARKER = "PSR_LEFTOVER_TEST";

/** `sleep seconds` carrying MARKER=id, in a process group of its own (as the engine starts its plugins). */
function markedSleep(id: string, seconds: number): ChildProcess {
    const child = spawn("sleep", [String(seconds)], { env: { ...process.env, [MARKER]: id }, detached: true, stdio: "ignore" });
    child.unref();
    return child;
}

function check(id: string, ...options: string[]) {
    return spawnSync(process.execPath, [SCRIPT, `${MARKER}=${id}`, ...options], { encoding: "utf8" });
}

test("leftover-processes: a process of the run still running is named, killed, and fails the check", async () => {
    const id = randomUUID();
    const leftover = markedSleep(id, 600);
    try {
        assert.equal(processesWithEnvironment(MARKER, id).length, 1, "the marked process runs");
        const result = check(id, "--grace-ms", "0");
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stderr, /1 process\(es\) started by this run .* were still running/);
        assert.match(result.stderr, new RegExp(`pid ${leftover.pid} \\(group ${leftover.pid},.*\\): sleep 600`));
        const left = await waitUntilNoneRunning(() => processesWithEnvironment(MARKER, id), 10_000);
        assert.deepEqual(left, [], "the leftover was killed");
    } finally {
        try {
            process.kill(leftover.pid!, "SIGKILL");
        } catch {
            // killed by the check, as it should be
        }
    }
});

test("leftover-processes: nothing left, or only processes that end within the grace period, passes", () => {
    const id = randomUUID();
    assert.equal(check(id).status, 0, "no process carries the entry");
    markedSleep(id, 1); // on its way out when the check starts
    const result = check(id, "--grace-ms", "20000");
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(processesWithEnvironment(MARKER, id), []);
});

test("leftover-processes: a malformed entry is refused", () => {
    const result = spawnSync(process.execPath, [SCRIPT, "no-equals-sign"], { encoding: "utf8" });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /usage: leftover-processes NAME=value/);
});
