// What the processes of one pulumi command cost, sampled from /proc while it runs: the peak RSS of
// the dynamic provider process, and CPU seconds by role (the engine, the program, the dynamic
// provider, the language host). VmHWM is the kernel's own high-water mark of a process's RSS, so a
// late sample still sees the peak; CPU time is the last reading before a process ends (so at most
// one interval is lost per process). Only processes whose environment names the benchmark's own
// state directory count: other Pulumi runs on the machine have provider processes too.
import { readdirSync, readFileSync } from "node:fs";

export type ProcessRole = "engine" | "program" | "provider" | "languageHost";

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined where unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
    try {
        // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name) are utime, stime.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    } catch {
        return undefined;
    }
}

function roleOf(cmdline: string): ProcessRole | undefined {
    if (cmdline.includes("cmd/dynamic-provider")) return "provider";
    if (cmdline.includes("cmd/run")) return "program";
    if (cmdline.includes("pulumi-language-nodejs")) return "languageHost";
    if (/(^|\/)pulumi\0/.test(cmdline)) return "engine";
    return undefined;
}

const CLOCK_TICKS_PER_SECOND = 100;

interface Seen {
    role: ProcessRole;
    cpuSeconds: number;
    peakKiB: number;
}

export interface ProcessCosts {
    /** Peak RSS of the dynamic provider process, MiB; undefined when none was seen. */
    providerPeakRssMiB?: number;
    /** CPU seconds (user + system) by role. */
    cpuSeconds: Partial<Record<ProcessRole, number>>;
}

export class ProcessSampler {
    private readonly seen = new Map<number, Seen>();
    private readonly timer: NodeJS.Timeout;

    private constructor(
        private readonly marker: string,
        intervalMs: number,
    ) {
        this.timer = setInterval(() => this.sample(), intervalMs);
    }

    /** Starts sampling now; returns null where /proc is not readable (not Linux). */
    static start(marker: string, intervalMs = 100): ProcessSampler | null {
        try {
            readdirSync("/proc");
        } catch {
            return null;
        }
        return new ProcessSampler(marker, intervalMs);
    }

    private sample(): void {
        for (const entry of readdirSync("/proc")) {
            if (!/^\d+$/.test(entry)) continue;
            const pid = Number(entry);
            try {
                let known = this.seen.get(pid);
                if (!known) {
                    const role = roleOf(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
                    if (!role || !readFileSync(`/proc/${pid}/environ`, "utf8").includes(this.marker)) continue;
                    known = { role, cpuSeconds: 0, peakKiB: 0 };
                    this.seen.set(pid, known);
                }
                known.cpuSeconds = processCpuSeconds(pid) ?? known.cpuSeconds;
                const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
                if (hwm) known.peakKiB = Math.max(known.peakKiB, Number(hwm[1]));
            } catch {
                // the process ended while being read
            }
        }
    }

    stop(): ProcessCosts {
        clearInterval(this.timer);
        const cpuSeconds: Partial<Record<ProcessRole, number>> = {};
        let providerPeakKiB = 0;
        for (const { role, cpuSeconds: cpu, peakKiB } of this.seen.values()) {
            cpuSeconds[role] = Math.round(((cpuSeconds[role] ?? 0) + cpu) * 100) / 100;
            if (role === "provider") providerPeakKiB = Math.max(providerPeakKiB, peakKiB);
        }
        return {
            ...(providerPeakKiB > 0 ? { providerPeakRssMiB: Math.round((providerPeakKiB / 1024) * 10) / 10 } : {}),
            cpuSeconds,
        };
    }
}
