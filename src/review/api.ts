// The review as a function, for programs and CI scripts: what `pulumi-secret-rotation review`
// does without its rendering. The CLI calls this too, so both read the stacks and judge them the
// same way. Read-only, like the command.
//
// The review's own modules (the Automation API, the AWS SDK clients) load on the first call,
// not when a Pulumi program imports the package for SecretRotationState.
import type { HealthThresholds } from "../../providers/secretsmanager/semantics/health";
import type { ReviewReport } from "./report";
import type { StackSnapshot } from "./stack";

export interface ReviewArgs {
    /** The stacks to review, of the project in `cwd` (the command's `--stack`, repeatable). */
    stacks: string[];
    /** The Pulumi project's directory. Default: the process's working directory. */
    cwd?: string;
    /**
     * Skip the preview and review the declarations the last `up` recorded (`--from-state`): no
     * program run, faster on large stacks, but a pending change of the declarations is not seen.
     */
    fromState?: boolean;
    /**
     * Also list the secrets of the region (ListSecrets) and report those no reviewed stack
     * declares (`--all`); a string names the region (`--region`), `true` takes the stack's.
     */
    all?: boolean | string;
    /**
     * Health thresholds for this review only: each one given overrides every other source (the
     * stack's, a declaration's or policy's own, a policy's schedule); each one left out is judged
     * per secret as `pulumi preview` judges it, else the default (90 days, 90 days, 1 hour).
     * docs/health-thresholds.md.
     */
    thresholds?: Partial<HealthThresholds>;
    /** Secrets observed at once (`--concurrency`, 1–256). Default 16. */
    concurrency?: number;
    /** Called when a stack is about to be read, before its (slow) preview. */
    onStack?: (stack: string) => void;
    /** Called after each secret is reviewed, with (done, total). */
    onProgress?: (done: number, total: number) => void;
}

/** Only the thresholds given: an undefined one (e.g. a flag not passed) is not an override. */
function stripUndefined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function review(args: ReviewArgs): Promise<ReviewReport> {
    const concurrency = args.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
        throw new Error(`concurrency must be a whole number from 1 to 256 (got ${concurrency})`);
    }
    if (args.stacks.length === 0) throw new Error("stacks: name at least one stack to review");
    const [{ readStack }, { review: reviewSnapshots }, { DEFAULT_THRESHOLDS }] = await Promise.all([
        import("./stack"),
        import("./review"),
        import("../../providers/secretsmanager/semantics/health"),
    ]);
    const cwd = args.cwd ?? process.cwd();
    const snapshots: StackSnapshot[] = [];
    for (const stack of args.stacks) {
        args.onStack?.(stack);
        snapshots.push(await readStack(stack, cwd, { fromState: args.fromState === true }));
    }
    return reviewSnapshots(snapshots, {
        thresholds: DEFAULT_THRESHOLDS,
        explicitThresholds: stripUndefined(args.thresholds ?? {}),
        concurrency,
        ...(args.all === undefined || args.all === false ? {} : { inventoryRegion: args.all }),
        ...(args.onProgress ? { onProgress: args.onProgress } : {}),
    });
}
