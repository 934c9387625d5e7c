// After a test run: is anything the run started still running? scripts/test.sh gives every
// process of a run one environment entry (PSR_TEST_RUN_ID=<id>); each process keeps the
// environment it was started with in /proc/<pid>/environ, so whatever still carries it after the
// run is a leftover — e.g. a dynamic provider that outlived its killed engine in a process group
// of its own, or a moto server a test failed to stop.
//
//   node dist/scripts/leftover-processes.js NAME=value [--grace-ms N]
//
// Waits up to the grace period (default 15 s: processes told to stop at the run's very end may
// still be on their way out), then names each process still running, SIGKILLs it by its pid and
// exits 1; exits 0 when none is left. Linux only (/proc); elsewhere it says so and exits 0.
import { existsSync } from "node:fs";

import { describeProcesses, killAll, processesWithEnvironment, waitUntilNoneRunning } from "../test/support/processes";

const DEFAULT_GRACE_MS = 15_000;

async function main(args: string[]): Promise<number> {
    const [entry, ...rest] = args;
    const separator = entry?.indexOf("=") ?? -1;
    if (!entry || separator <= 0) {
        console.error("usage: leftover-processes NAME=value [--grace-ms N]");
        return 2;
    }
    let graceMs = DEFAULT_GRACE_MS;
    if (rest[0] === "--grace-ms") {
        graceMs = Number(rest[1]);
        if (!Number.isInteger(graceMs) || graceMs < 0) {
            console.error(`--grace-ms must be a whole number of milliseconds (got ${JSON.stringify(rest[1])})`);
            return 2;
        }
    }
    if (!existsSync("/proc/self/environ")) {
        console.error("leftover-processes: no /proc here; not checked");
        return 0;
    }
    const name = entry.slice(0, separator);
    const value = entry.slice(separator + 1);
    const left = await waitUntilNoneRunning(() => processesWithEnvironment(name, value), graceMs);
    if (left.length === 0) return 0;
    killAll(left);
    console.error(
        `${left.length} process(es) started by this run (${entry}) were still running ${graceMs / 1000} s after it; killed:\n${describeProcesses(left)}`,
    );
    return 1;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
        console.error(error);
        process.exit(2);
    },
);
