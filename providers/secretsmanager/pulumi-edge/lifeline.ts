// Layer: the Pulumi edge, a thin adapter over the semantics and the AWS edge (.dependency-cruiser.cjs).
// The provider host's lifeline: when the pulumi engine that started this process is gone, exit.
//
// Why this is needed. The engine starts the dynamic provider as the plugin
// `pulumi-resource-pulumi-nodejs`, in a process group of its own (Setpgid, so that it can end the
// plugin and its children together), with three pipes for stdin, stdout and stderr
// (pulumi/pulumi sdk/go/common/resource/plugin/plugin.go, execPlugin, v3.259.0). When the engine
// ends normally it interrupts that group. When the engine itself is killed (SIGKILL of the CLI's
// process group, a CI job's timeout, the OOM killer), nothing ends the provider: the SDK's host
// (@pulumi/pulumi/cmd/dynamic-provider) is a gRPC server with no check on its engine, so it stays,
// orphaned — idle at ~128 MB, or, worse, spinning. The spin: the host's uncaughtException handler
// writes each error to stderr with console.error. Node's console swallows the error of a failed
// write only until the stream has emitted one error (process.stdout/stderr are never really
// destroyed, so their errorEmitted flag stays set after the first); from then on each failed write
// emits EPIPE with no listener, an uncaught error, which the handler writes to stderr again, for
// ever, keeping every error in a Set. Two or three console writes in separate ticks after the
// engine's death start it (e.g. the provider logging the calls of work still in flight).
// Measured: 35–39 % of a core, growing to 2.8–3.9 GB. An orphan still holding work also went on
// calling AWS while the user's next `up` ran.
//
// What the engine's death looks like from here, each checked below:
//   1. stdin reaches end-of-file. The engine holds the only write end of the plugin's stdin pipe
//      (Go's StdinPipe, close-on-exec, closed only after the plugin has exited) and never writes
//      to it; the kernel closes it when the engine dies. No polling: an event.
//   2. stdout or stderr fails (EPIPE): nobody reads what the provider reports any more. Any error
//      on these two streams ends the process: it could not be reported anywhere, and left
//      unhandled it would feed the loop above.
//   3. The engine is no longer our ancestor (we were reparented). Checked once a second: one
//      getppid() for the direct parent and, when the parent is the launcher script, one read of
//      its /proc/<pid>/stat. Which process is the engine depends on the launcher: the one
//      scripts/toolchain.sh writes runs `exec node …`, so the engine is the parent; the one
//      Pulumi's CLI ships (sdk/nodejs/dist/pulumi-resource-pulumi-nodejs) runs `node …` under
//      `/bin/sh`, which waits for node, so the parent is that shell (which lives on after the
//      engine dies) and the engine is the shell's parent.
// A normal run never meets any of the three: the engine keeps its pipes open and outlives the
// plugin (it interrupts the plugin's group, then waits for it). The lifeline is only installed in
// the SDK's provider host, never in a program, a test runner or the review command.
import { fstatSync, readFileSync } from "node:fs";

/** How often the ancestry (condition 3) is checked; the other two conditions are events. */
const ANCESTRY_CHECK_MS = 1_000;
const INSTALLED = Symbol.for("pulumi-secret-rotation.lifeline");
const LAUNCHER = "pulumi-resource-pulumi-nodejs";

/** Whether this process is the Pulumi SDK's dynamic provider host (its main module). */
export function isProviderHost(mainFilename = require.main?.filename ?? ""): boolean {
    return /[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/.test(mainFilename);
}

/** The parent pid of `pid`, from /proc (Linux); undefined when the process is gone or /proc is absent. */
function parentOf(pid: number): number | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // Field 2, the command name, may hold spaces and parentheses: the fields after its last ")".
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return Number.isInteger(ppid) ? ppid : undefined;
    } catch {
        return undefined;
    }
}

function isLauncherScript(pid: number): boolean {
    try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(LAUNCHER);
    } catch {
        return false;
    }
}

/**
 * A check that is true once the engine is no longer this process's ancestor: the parent changed
 * (the exec launcher: the parent is the engine) or, under Pulumi's shell launcher, the shell's
 * parent changed or the shell is gone. Where /proc is missing (macOS), only the direct parent is
 * watched; stdin's end-of-file covers the shell launcher there.
 */
export function engineGoneCheck(): () => boolean {
    const parent = process.ppid;
    if (!isLauncherScript(parent)) return () => process.ppid !== parent;
    const engine = parentOf(parent);
    return () => process.ppid !== parent || parentOf(parent) !== engine;
}

function stdinIsPipe(): boolean {
    try {
        const stat = fstatSync(0);
        return stat.isFIFO() || stat.isSocket();
    } catch {
        return false;
    }
}

/** Installs the three watches, once per process and in the provider host only; returns whether it did. */
export function installLifeline(): boolean {
    const registry = process as unknown as Record<symbol, boolean>;
    if (registry[INSTALLED] || !isProviderHost()) return false;
    registry[INSTALLED] = true;
    // Nothing can be reported: the engine, the only reader, is gone. Exiting at once is what a
    // kill of the provider does, which the reconciler is built for (the next `up` observes and
    // finishes); status 1 for whatever supervisor is left.
    const exit = () => process.exit(1);

    // 2. A failed write to stdout or stderr. With this listener the error is no longer uncaught.
    process.stdout.on("error", exit);
    process.stderr.on("error", exit);

    // 1. End-of-file on stdin, only when stdin is a pipe (or a socket) as the engine gives it: a
    // terminal or /dev/null (a provider started by hand) says nothing about an engine.
    if (stdinIsPipe()) {
        const stdin = process.stdin;
        stdin.on("end", exit);
        stdin.on("error", () => undefined); // a failed read proves nothing; checks 2 and 3 remain
        stdin.resume(); // read (and drop) whatever comes, to see the end
        (stdin as unknown as { unref?: () => void }).unref?.(); // never what keeps the process alive
    }

    // 3. Reparented: the engine is no longer an ancestor.
    const engineGone = engineGoneCheck();
    setInterval(() => {
        if (engineGone()) exit();
    }, ANCESTRY_CHECK_MS).unref();
    return true;
}

// Installed when provider.ts loads (it imports this module for that): the provider is loaded in
// the host at the first call the engine makes.
installLifeline();
