// The benchmark's results and the targets they are held to: pure, so the rules are unit-tested
// apart from the (slow, noisy) measurement. Deterministic targets (API call counts, state bytes)
// can fail a CI run; timing and memory targets are reported, never asserted there.

/** The Pulumi operations measured, in the order they run against one stack. */
export const STEPS = ["up", "up-noop", "preview-refresh", "refresh", "adopt", "destroy"] as const;
export type StepName = (typeof STEPS)[number];

export const STEP_LABELS: Record<StepName, string> = {
    up: "first up (enable all)",
    "up-noop": "no-op up",
    "preview-refresh": "preview --refresh",
    refresh: "refresh",
    adopt: "up adopting matching secrets",
    destroy: "destroy",
};

/** The API floor's work for each step: what the least possible client would have to do. */
export const API_FLOOR_WORK: Record<StepName, "observe" | "enable" | "disable" | "none"> = {
    up: "enable",
    "up-noop": "none",
    "preview-refresh": "observe",
    refresh: "observe",
    adopt: "observe",
    destroy: "disable",
};

export interface StepMeasurement {
    wallSeconds: number;
    /** Secrets Manager operation → calls, from the AWS front's log. */
    apiCalls: Record<string, number>;
    /** Peak RSS of the dynamic provider process during the step, MiB. */
    providerPeakRssMiB?: number;
    /** CPU seconds by process: engine (the pulumi CLI), program, provider, languageHost. */
    /**
     * CPU seconds by process: the engine, the program, the dynamic provider, the language host; and
     * the benchmark's Secrets Manager: `moto` (the moto server) and `front` (the benchmark's own
     * process: the AWS front, the /proc sampler and, for an API floor step, the floor's SDK client).
     */
    cpuSeconds?: Partial<Record<"engine" | "program" | "provider" | "languageHost" | "moto" | "front", number>>;
}

export interface SizeResult {
    secrets: number;
    /** This package's provider. */
    real: Record<StepName, StepMeasurement>;
    /** The same resources through a no-op dynamic provider: the engine's own cost. */
    engineFloor: Record<StepName, StepMeasurement>;
    /** The same work made directly with the SDK (0 s for a no-op). */
    apiFloor: Record<StepName, StepMeasurement>;
    /** Average bytes of one RotationState resource in `pulumi stack export` after the first up. */
    stateBytesPerResource: number;
    /** The same for the no-op resource (the engine's own per-resource state). */
    floorStateBytesPerResource: number;
    /** Bytes of the whole `pulumi stack export` after the first up. */
    checkpointBytes: number;
    /** One RotationState resource as `pulumi stack export` has it (no secret values are in state). */
    sampleResourceState?: unknown;
    /** Where the first up's time goes: the same first up under variants (full mode, largest N). */
    profile?: ProfileRun[];
}

export type ProfileVariant = "installed" | "provider-by-value" | "skip-checkpoints";

export interface ProfileRun {
    variant: ProfileVariant;
    wallSeconds: number;
    cpuSeconds: StepMeasurement["cpuSeconds"];
    stateBytesPerResource: number;
    checkpointBytes: number;
}

export interface TargetResult {
    id: string;
    description: string;
    /** Deterministic targets fail the run; the others are reported. */
    deterministic: boolean;
    /** false when the run did not include what the target needs (e.g. N = 1000 in quick mode). */
    measured: boolean;
    pass: boolean;
    detail: string;
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const fmtCalls = (calls: Record<string, number>) =>
    Object.keys(calls).length === 0
        ? "none"
        : Object.entries(calls)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([op, n]) => `${op} ${n}`)
              .join(", ");

/**
 * 3.25 KiB: 3 KiB until ownership (issue 13) added the declaration's identity, which is stored
 * twice (an input, and in the outputs for delete) — about 110 bytes with the benchmark's names.
 */
export const STATE_BYTES_LIMIT = 3.25 * 1024;
export const FIRST_UP_FLOOR_FACTOR = 1.3;
export const SCALING_FACTOR = 1.2;
export const RSS_LIMIT_MIB = 300;

/** Time per secret of the first up, seconds. */
export const perSecret = (size: SizeResult) => size.real.up.wallSeconds / size.secrets;

export function evaluateTargets(sizes: SizeResult[], policies: PolicySizeResult[] = []): TargetResult[] {
    const results: TargetResult[] = [];
    for (const size of sizes) {
        const n = size.secrets;
        const { up, "up-noop": noop, refresh, "preview-refresh": previewRefresh, adopt, destroy } = size.real;
        results.push({
            id: `noop-up-calls@${n}`,
            description: `N=${n}: a no-op up makes 0 Secrets Manager calls`,
            deterministic: true,
            measured: true,
            pass: total(noop.apiCalls) === 0,
            detail: fmtCalls(noop.apiCalls),
        });
        for (const [id, step, name] of [
            ["refresh-calls", refresh, "refresh"],
            ["preview-refresh-calls", previewRefresh, "preview --refresh"],
        ] as const) {
            results.push({
                id: `${id}@${n}`,
                description: `N=${n}: ${name} makes exactly 1 DescribeSecret per secret (no pending versions here)`,
                deterministic: true,
                measured: true,
                pass: (step.apiCalls.DescribeSecret ?? 0) === n && total(step.apiCalls) === n,
                detail: fmtCalls(step.apiCalls),
            });
        }
        results.push({
            id: `adopt-calls@${n}`,
            description: `N=${n}: adopting a matching secret the declaration already owns costs 1 call`,
            deterministic: true,
            measured: true,
            pass: total(adopt.apiCalls) === n && (adopt.apiCalls.DescribeSecret ?? 0) === n,
            detail: fmtCalls(adopt.apiCalls),
        });
        results.push({
            id: `enable-calls@${n}`,
            description: `N=${n}: enabling costs at most 4 calls per secret, observe included, one TagResource (the claim) and one RotateSecret`,
            deterministic: true,
            measured: true,
            pass: total(up.apiCalls) <= 4 * n && (up.apiCalls.RotateSecret ?? 0) === n && (up.apiCalls.TagResource ?? 0) === n,
            detail: `${fmtCalls(up.apiCalls)} (${(total(up.apiCalls) / n).toFixed(2)} per secret)`,
        });
        results.push({
            id: `destroy-calls@${n}`,
            description: `N=${n}: destroying costs 3 calls per secret: DescribeSecret, CancelRotateSecret, UntagResource (the release)`,
            deterministic: true,
            measured: true,
            pass:
                total(destroy.apiCalls) === 3 * n &&
                (destroy.apiCalls.DescribeSecret ?? 0) === n &&
                (destroy.apiCalls.CancelRotateSecret ?? 0) === n &&
                (destroy.apiCalls.UntagResource ?? 0) === n,
            detail: fmtCalls(destroy.apiCalls),
        });
        results.push({
            id: `state-bytes@${n}`,
            description: `N=${n}: at most ${STATE_BYTES_LIMIT} bytes of state per resource`,
            deterministic: true,
            measured: true,
            pass: size.stateBytesPerResource <= STATE_BYTES_LIMIT,
            detail: `${size.stateBytesPerResource} bytes per resource`,
        });
    }

    const at = (n: number) => sizes.find((s) => s.secrets === n);
    const s100 = at(100);
    if (s100) {
        const floor = s100.engineFloor.up.wallSeconds + s100.apiFloor.up.wallSeconds;
        const ratio = s100.real.up.wallSeconds / floor;
        results.push({
            id: "first-up-vs-floors@100",
            description: `N=100: first up within ${FIRST_UP_FLOOR_FACTOR} × (engine floor + API floor)`,
            deterministic: false,
            measured: true,
            pass: ratio <= FIRST_UP_FLOOR_FACTOR,
            detail: `${s100.real.up.wallSeconds.toFixed(1)} s vs ${s100.engineFloor.up.wallSeconds.toFixed(1)} + ${s100.apiFloor.up.wallSeconds.toFixed(1)} s = ${ratio.toFixed(2)} ×`,
        });
    } else {
        results.push(unmeasured("first-up-vs-floors@100", `N=100: first up within ${FIRST_UP_FLOOR_FACTOR} × (engine floor + API floor)`));
    }
    const s1000 = at(1000);
    if (s100 && s1000) {
        const ratio = perSecret(s1000) / perSecret(s100);
        results.push({
            id: "scaling@1000",
            description: `time per secret of the first up at N=1000 no worse than ${SCALING_FACTOR} × that at N=100`,
            deterministic: false,
            measured: true,
            pass: ratio <= SCALING_FACTOR,
            detail: `${(perSecret(s1000) * 1000).toFixed(0)} ms vs ${(perSecret(s100) * 1000).toFixed(0)} ms per secret = ${ratio.toFixed(2)} ×`,
        });
    } else {
        results.push(unmeasured("scaling@1000", `time per secret of the first up at N=1000 no worse than ${SCALING_FACTOR} × that at N=100`));
    }
    if (s1000) {
        const peaks = Object.values(s1000.real).map((m) => m.providerPeakRssMiB ?? 0);
        const peak = Math.max(...peaks);
        results.push({
            id: "provider-rss@1000",
            description: `N=1000: provider peak RSS under ${RSS_LIMIT_MIB} MB`,
            deterministic: false,
            measured: peak > 0,
            pass: peak > 0 && peak < RSS_LIMIT_MIB,
            detail: peak > 0 ? `${peak} MiB` : "no provider process was sampled",
        });
    } else {
        results.push(unmeasured("provider-rss@1000", `N=1000: provider peak RSS under ${RSS_LIMIT_MIB} MB`));
    }
    results.push(...evaluatePolicyTargets(policies));
    return results;
}

// ---- rotation policies (SecretRotationPolicy): one resource for N secrets ----

/** The Pulumi operations measured on the policy's stack, in order. */
export const POLICY_STEPS = ["up", "up-noop", "preview-refresh", "refresh", "destroy"] as const;
export type PolicyStepName = (typeof POLICY_STEPS)[number];

export const POLICY_STEP_LABELS: Record<PolicyStepName, string> = {
    up: "first up (enable all)",
    "up-noop": "no-op up",
    "preview-refresh": "preview --refresh",
    refresh: "refresh",
    destroy: "destroy (cancel what it turned on)",
};

export interface PolicySizeResult {
    /** N: the secrets the policy governs (every secret of the region matches it). */
    secrets: number;
    real: Record<PolicyStepName, StepMeasurement>;
    /**
     * The RotateSecret floor of the steps that have one: `up` (N RotateSecret) and `destroy`
     * (N CancelRotateSecret), each paced at the documented 50/s. Reported beside the target, not
     * its basis: a fleet rule cannot do its job with these calls alone (see requiredCallsFloor).
     */
    apiFloor: Partial<Record<PolicyStepName, StepMeasurement>>;
    /**
     * The policy's API floor, the basis of its timing target: the least API work a fleet rule must
     * do per secret, made directly with the SDK, 32 secrets in flight, each call at its own quota
     * (RotateSecret/CancelRotateSecret and TagResource/UntagResource each paced at 50/s,
     * DescribeSecret's 10,000/s not reached). Enable: DescribeSecret (a listing may be minutes old,
     * so every secret is described before any call on it: issue 21, item 3), TagResource (the mark
     * that carries the rule's identity across renames and hand-overs), RotateSecret. Destroy:
     * DescribeSecret, CancelRotateSecret, UntagResource. Measured since 2026-12-03; the reference
     * files of 2026-12-02 hold the same measurement as `sameCalls` (then behind --same-calls).
     * Optional so that older results still parse.
     */
    requiredCallsFloor?: Partial<Record<"up" | "destroy", StepMeasurement>>;
    /** The provider's limiter rate during the run (PULUMI_SECRET_ROTATION_CALLS_PER_SECOND). */
    callsPerSecond: number;
    /** Bytes of the policy resource in `pulumi stack export` after the first up. */
    stateBytes: number;
    /** The policy resource as `pulumi stack export` has it, its `governed` list cut to 3 names. */
    sampleResourceState?: unknown;
}

/** Per matching secret, the policy resource's state may take at most this (issue 16). */
export const POLICY_STATE_BYTES_PER_SECRET = 200;
export const POLICY_ENABLE_FLOOR_FACTOR = 1.3;
/** The documented quota the API floor is paced at: RotateSecret + CancelRotateSecret, 50 per second. */
export const QUOTA_PER_SECOND = 50;

const pages = (n: number) => Math.ceil(n / 100);

export function evaluatePolicyTargets(policies: PolicySizeResult[]): TargetResult[] {
    const results: TargetResult[] = [];
    for (const size of policies) {
        const n = size.secrets;
        const { up, "up-noop": noop, "preview-refresh": previewRefresh, refresh, destroy } = size.real;
        const id = (name: string) => `policy-${name}@${n}`;
        results.push({
            id: id("noop-up-calls"),
            description: `policy, N=${n}: a no-op up makes 0 Secrets Manager calls`,
            deterministic: true,
            measured: true,
            pass: total(noop.apiCalls) === 0,
            detail: fmtCalls(noop.apiCalls),
        });
        for (const [name, step, label] of [
            ["refresh-calls", refresh, "refresh"],
            ["preview-refresh-calls", previewRefresh, "preview --refresh"],
        ] as const) {
            results.push({
                id: id(name),
                description: `policy, N=${n}: ${label} makes at most ${pages(n)} ListSecrets (one page per 100 secrets) and no other call (no pending versions here)`,
                deterministic: true,
                measured: true,
                pass: (step.apiCalls.ListSecrets ?? 0) <= pages(n) && total(step.apiCalls) === (step.apiCalls.ListSecrets ?? 0),
                detail: fmtCalls(step.apiCalls),
            });
        }
        results.push({
            id: id("enable-calls"),
            description: `policy, N=${n}: enabling all is one DescribeSecret (a listing selects, DescribeSecret decides), one TagResource (its mark) and one RotateSecret per secret, plus at most ${pages(n)} ListSecrets`,
            deterministic: true,
            measured: true,
            pass:
                (up.apiCalls.DescribeSecret ?? 0) === n &&
                (up.apiCalls.RotateSecret ?? 0) === n &&
                (up.apiCalls.TagResource ?? 0) === n &&
                (up.apiCalls.ListSecrets ?? 0) <= pages(n) &&
                total(up.apiCalls) === 3 * n + (up.apiCalls.ListSecrets ?? 0),
            detail: fmtCalls(up.apiCalls),
        });
        results.push({
            id: id("destroy-calls"),
            description: `policy, N=${n}: destroying is one DescribeSecret (every secret recorded as governed), one CancelRotateSecret and one UntagResource per secret it turned on, plus at most ${pages(n)} ListSecrets`,
            deterministic: true,
            measured: true,
            pass:
                (destroy.apiCalls.DescribeSecret ?? 0) === n &&
                (destroy.apiCalls.CancelRotateSecret ?? 0) === n &&
                (destroy.apiCalls.UntagResource ?? 0) === n &&
                (destroy.apiCalls.ListSecrets ?? 0) <= pages(n) &&
                total(destroy.apiCalls) === 3 * n + (destroy.apiCalls.ListSecrets ?? 0),
            detail: fmtCalls(destroy.apiCalls),
        });
        results.push({
            id: id("state-bytes"),
            description: `policy, N=${n}: at most ${POLICY_STATE_BYTES_PER_SECRET} bytes of state per matching secret`,
            deterministic: true,
            measured: true,
            pass: size.stateBytes <= POLICY_STATE_BYTES_PER_SECRET * n,
            detail: `${size.stateBytes} bytes, ${(size.stateBytes / n).toFixed(1)} per secret`,
        });
        const floor = size.requiredCallsFloor?.up?.wallSeconds;
        const rotateOnly = size.apiFloor.up?.wallSeconds;
        const quotaFloor = n / QUOTA_PER_SECOND;
        const ratio = (seconds: number) => (up.wallSeconds / seconds).toFixed(2);
        results.push({
            id: id("enable-vs-floor"),
            description: `policy, N=${n}: enabling all within ${POLICY_ENABLE_FLOOR_FACTOR} × the policy's API floor (per secret the calls a fleet rule must make: DescribeSecret, TagResource, RotateSecret, each at its documented quota, measured against the same Secrets Manager)`,
            deterministic: false,
            measured: floor !== undefined && floor > 0,
            pass: floor !== undefined && floor > 0 && up.wallSeconds <= POLICY_ENABLE_FLOOR_FACTOR * floor,
            detail:
                floor !== undefined && floor > 0
                    ? `${up.wallSeconds.toFixed(1)} s vs ${floor.toFixed(1)} s = ${ratio(floor)} ×` +
                      (rotateOnly ? `; ${ratio(rotateOnly)} × the RotateSecret floor (${rotateOnly.toFixed(1)} s)` : "") +
                      ` (the quota alone: ${quotaFloor.toFixed(0)} s; limiter at ${size.callsPerSecond}/s)`
                    : "the policy's API floor was not measured",
        });
        const peak = Math.max(...Object.values(size.real).map((m) => m.providerPeakRssMiB ?? 0));
        results.push({
            id: id("provider-rss"),
            description: `policy, N=${n}: provider peak RSS under ${RSS_LIMIT_MIB} MB`,
            deterministic: false,
            measured: peak > 0,
            pass: peak > 0 && peak < RSS_LIMIT_MIB,
            detail: peak > 0 ? `${peak} MiB` : "no provider process was sampled",
        });
    }
    return results;
}

function unmeasured(id: string, description: string): TargetResult {
    return { id, description, deterministic: false, measured: false, pass: false, detail: "not measured in this run (its size was not run)" };
}

/** Deterministic targets that failed: what makes the benchmark exit non-zero. */
export function failedDeterministic(targets: TargetResult[]): TargetResult[] {
    return targets.filter((t) => t.deterministic && !t.pass);
}
