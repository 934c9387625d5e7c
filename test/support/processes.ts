// Which processes are still running, found by what they carry in their environment (Linux /proc).
//
// Why the environment: the pulumi engine starts every plugin (the dynamic provider included) in a
// process group of its own, so a test that kills the CLI's process group cannot find the provider
// by group, and its parent may be gone (it is reparented). Its environment is inherited from the
// engine, though, and /proc/<pid>/environ keeps the environment a process was started with: a
// test stack's private PULUMI_HOME marks every process of that stack, and scripts/test.sh's
// PSR_TEST_RUN_ID every process of a test run.
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessInfo {
    pid: number;
    /** Its process group (what a kill of a group reaches). */
    pgid: number;
    /** The command line, arguments joined by spaces. */
    command: string;
    /** CPU time used so far (user + system), in clock ticks: tells a spinning process from an idle one. */
    cpuTicks: number;
    /** Resident memory, in KiB. */
    rssKiB: number;
}

function read(path: string): string | undefined {
    try {
        return readFileSync(path, "utf8");
    } catch {
        // gone meanwhile, a zombie, or another user's process
        return undefined;
    }
}

function describe(pid: number): ProcessInfo | undefined {
    const stat = read(`/proc/${pid}/stat`);
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (stat === undefined || cmdline === undefined) return undefined;
    // The command name (field 2) may hold spaces and parentheses: split after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return undefined; // exited, only not reaped yet
    const status = read(`/proc/${pid}/status`) ?? "";
    return {
        pid,
        pgid: Number(fields[2]),
        command: cmdline.split("\0").filter(Boolean).join(" "),
        cpuTicks: Number(fields[11]) + Number(fields[12]),
        rssKiB: Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? 0),
    };
}

/** The live processes (of this user) whose environment has the entry `NAME=value`, this process excluded. */
export function processesWithEnvironment(name: string, value: string): ProcessInfo[] {
    const entry = `${name}=${value}`;
    const found: ProcessInfo[] = [];
    for (const dir of readdirSync("/proc")) {
        const pid = Number(dir);
        if (!Number.isInteger(pid) || pid === process.pid) continue;
        const environ = read(`/proc/${pid}/environ`);
        if (environ === undefined || !environ.split("\0").includes(entry)) continue;
        const info = describe(pid);
        if (info) found.push(info);
    }
    return found;
}

/** The live processes of a test stack: each carries the stack's private PULUMI_HOME (test/support/pulumi.ts). */
export function processesOfStack(stack: { env: Record<string, string> }): ProcessInfo[] {
    const home = stack.env.PULUMI_HOME;
    if (!home) throw new Error("the stack has no PULUMI_HOME of its own to find its processes by");
    return processesWithEnvironment("PULUMI_HOME", home);
}

/**
 * Polls until `find` returns no process, or `timeoutMs` has passed; returns what is still running
 * then (empty when all are gone). The timeout is a generous bound, not the thing tested.
 */
export async function waitUntilNoneRunning(find: () => ProcessInfo[], timeoutMs: number, pollMs = 100): Promise<ProcessInfo[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const running = find();
        if (running.length === 0 || Date.now() >= deadline) return running;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}

/**
 * Pulumi's Node.js language host (pulumi-language-nodejs), which the engine also starts in a group
 * of its own. When its engine dies it lingers, idle, until its own health check of the engine
 * fails: it checks every 5 minutes (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs,
 * rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel)). Pulumi's process, not this
 * project's: tests name it apart, and end it themselves rather than wait.
 */
export function isLanguageHost(p: ProcessInfo): boolean {
    return /(^|\/)pulumi-language-nodejs( |$)/.test(p.command);
}

/** SIGKILLs each process by its pid (never by name: other people's processes share the machine). */
export function killAll(processes: ProcessInfo[]): void {
    for (const p of processes) {
        try {
            process.kill(p.pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

export function describeProcesses(processes: ProcessInfo[]): string {
    return processes.map((p) => `pid ${p.pid} (group ${p.pgid}, cpu ${p.cpuTicks} ticks, rss ${Math.round(p.rssKiB / 1024)} MiB): ${p.command}`).join("\n");
}
