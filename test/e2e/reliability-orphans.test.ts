// Reliability, end to end: a killed `pulumi up` leaves nothing running.
//
// The engine starts the dynamic provider in a process group of its own, so a kill of the CLI's
// process group (a CI job's timeout, the OOM killer, a crashed laptop's session) does not reach
// it. The provider's lifeline (providers/secretsmanager/pulumi-edge/lifeline.ts) ends it when its engine is
// gone: end-of-file on stdin, a failed write to stdout/stderr, or the engine no longer its
// ancestor. The first test kills a real `pulumi up`; the others play the engine toward a real
// provider host (started through a launcher, as the engine starts it) so that each sign of a gone
// engine can be given on its own, with the others held back.
//
// Processes are found through /proc by their environment: every process of a test stack carries
// the stack's private PULUMI_HOME (test/support/processes.ts).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { test, TestContext } from "node:test";

import { declarations, seedFleet } from "../support/fleet";
import { describeProcesses, isLanguageHost, killAll, ProcessInfo, processesOfStack, waitUntilNoneRunning } from "../support/processes";
import { ProviderHost, writePulumiShellLauncher } from "../support/provider-host";
import { repoRoot, TestStack } from "../support/pulumi";
import { createRotationLambda, createSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
/** A generous bound for a process to go; what is tested is that it goes, not how fast. */
const EXIT_BOUND_MS = 30_000;

const isProviderHost = (p: ProcessInfo) => p.command.includes("cmd/dynamic-provider");

/** The launcher the engine runs here: `pulumi-resource-pulumi-nodejs` on PATH (scripts/toolchain.sh's execs node). */
function launcherOnPath(): string {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
        const file = join(dir, "pulumi-resource-pulumi-nodejs");
        if (dir && existsSync(file)) return file;
    }
    throw new Error("pulumi-resource-pulumi-nodejs is not on PATH: run the tests through scripts/with-toolchain.sh");
}

/** A stack (for its project directory and environment) whose processes are cleaned up after the test. */
async function stackFor(t: TestContext, config?: Record<string, unknown>): Promise<{ stack: TestStack; running: () => ProcessInfo[] }> {
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, ...(config ? { config } : {}) });
    const running = () => processesOfStack(stack);
    t.after(() => {
        killAll(running());
        stack.cleanup();
    });
    return { stack, running };
}

async function assertAllExit(running: () => ProcessInfo[], what: string): Promise<void> {
    const survivors = await waitUntilNoneRunning(running, EXIT_BOUND_MS);
    assert.deepEqual(survivors.map((p) => p.command), [], `${what}: still running ${EXIT_BOUND_MS / 1000} s later:\n${describeProcesses(survivors)}`);
}

test("a killed up: the provider, still calling AWS when the engine dies, exits by itself", async (t) => {
    const lambda = await createRotationLambda();
    const fleet = await seedFleet(aws.front, lambda, "orphan", 20);
    const { stack, running } = await stackFor(t, { "e2e:rotations": declarations(fleet) });
    // Every DescribeSecret answered a second late: the kill lands while the provider waits for
    // AWS, and the answers come after the engine is gone.
    aws.front.injectFaults({ rate: 1, kinds: ["latency"], latencyMs: 1_000, seed: 1, operations: ["DescribeSecret"] });
    t.after(() => aws.front.clearFaults());
    aws.front.clearCalls();
    // What runs when the provider makes its first call, 200 ms before the kill (afterwards the
    // lifeline may end the provider before a look could find it).
    let atFirstCall: ProcessInfo[] = [];
    const crashed = await stack.runKilledAfter(["up", "--yes", "--skip-preview"], 200, () => {
        if (aws.front.callCount("DescribeSecret") === 0) return false;
        atFirstCall = running();
        return true;
    });
    assert.ok(crashed.killed, "the up was killed, not finished");
    t.diagnostic(`running at the provider's first call:\n${describeProcesses(atFirstCall)}`);
    const cli = atFirstCall.find((p) => /^pulumi up /.test(p.command.replace(/^\S*\//, "")));
    const provider = atFirstCall.find(isProviderHost);
    assert.ok(cli && provider, "the CLI and the provider were both running");
    assert.notEqual(provider.pgid, cli.pgid, "the provider is in a process group of its own, which a kill of the CLI's group does not reach");

    // Everything of the run ends by itself — but Pulumi's language host (see isLanguageHost).
    await assertAllExit(() => running().filter((p) => !isLanguageHost(p)), "the killed up");
});

test("a provider whose stdout and stderr are closed exits instead of spinning (its engine otherwise alive)", async (t) => {
    const lambda = await createRotationLambda();
    const secrets = await Promise.all([0, 1, 2, 3].map((i) => createSecret(`epipe/secret-${i}`, `value-${i}`)));
    const { stack, running } = await stackFor(t);
    const host = await ProviderHost.start({ launcher: launcherOnPath(), cwd: stack.projectDir, env: stack.env, startedBy: "engine" });
    t.after(() => host.close());
    await host.configure();
    const inputs = [];
    for (const secret of secrets) {
        inputs.push(await host.check(secret.name, { secretId: secret.arn, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 } }));
    }
    assert.equal(running().filter(isProviderHost).length, 1, "the provider host runs, its provider loaded");

    // The engine stops reading its ends of stdout and stderr (stdin stays open, the parent alive).
    host.child.stdout!.destroy();
    host.child.stderr!.destroy();
    // Each create logs its planned RotateSecret to stdout, one after the other: every write fails
    // with EPIPE. Without the lifeline the SDK's host turned the failures from the second on into
    // uncaught errors that it writes to stderr, failing again, for ever: a spin.
    for (const [i, secret] of secrets.entries()) await host.create(secret.name, inputs[i]!).catch(() => undefined);
    await assertAllExit(running, "a provider host whose output pipes are closed");
});

test("a provider whose engine closed its stdin exits (parent alive, output still read)", async (t) => {
    const { stack, running } = await stackFor(t);
    const host = await ProviderHost.start({ launcher: launcherOnPath(), cwd: stack.projectDir, env: stack.env, startedBy: "engine" });
    t.after(() => host.close());
    await host.configure();
    await host.check("stdin", { secretId: "stdin/secret" });
    assert.equal(running().filter(isProviderHost).length, 1, "the provider host runs, its provider loaded");

    host.child.stdin!.end();
    await assertAllExit(running, "a provider host whose stdin reached its end");
});

for (const launcher of ["on PATH (the toolchain's: exec node)", "as Pulumi's CLI ships it (sh, node as its child)"]) {
    test(`a provider whose engine is gone, every pipe still open, exits: launcher ${launcher}`, async (t) => {
        const { stack, running } = await stackFor(t);
        let launcherPath = launcherOnPath();
        if (launcher.startsWith("as Pulumi")) {
            const dir = mkdtempSync(join(tmpdir(), "psr-launcher-"));
            t.after(() => rmSync(dir, { recursive: true, force: true }));
            launcherPath = writePulumiShellLauncher(dir);
        }
        // A stand-in engine starts the launcher with its own stdio, which are this test's pipes:
        // killing it takes the parent (or, under the shell, the grandparent) away and closes no pipe.
        const host = await ProviderHost.start({ launcher: launcherPath, cwd: stack.projectDir, env: stack.env, startedBy: "stand-in" });
        t.after(() => host.close());
        await host.configure();
        await host.check("orphan", { secretId: "orphan/secret" });
        const started = running();
        t.diagnostic(`started:\n${describeProcesses(started)}`);
        assert.equal(started.filter(isProviderHost).length, 1, "the provider host runs, its provider loaded");

        host.child.kill("SIGKILL");
        await assertAllExit(running, `a provider host whose engine is gone (launcher ${launcher})`);
    });
}
