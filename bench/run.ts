// `npm run bench [-- --full | --sizes 10,100]`: the reconciler against its floors, with the real
// pulumi CLI and moto (behind the AWS front, whose call log counts the API calls). For each size N
// it seeds N secrets, then measures, in this order:
//   API floor     the same work made directly with the SDK at the engine's concurrency;
//   engine floor  the same N resources through a no-op dynamic provider (no AWS calls);
//   this package  first up (enable all), no-op up, preview --refresh, refresh, up adopting the
//                 same secrets after the stack's state was lost (each secret still carries the
//                 stack's owner tag, so adopting is one DescribeSecret), destroy.
// Then, for each policy size N, N secrets again and one SecretRotationPolicy for all of them:
//   API floor     the calls a fleet rule must make per secret, each at its quota: DescribeSecret,
//                 TagResource (its mark), RotateSecret to enable; DescribeSecret, CancelRotateSecret,
//                 UntagResource to destroy; and, for reference, N RotateSecret / N CancelRotateSecret;
//   the policy    first up (enable all), no-op up, preview --refresh, refresh, destroy — with the
//                 provider's limiter raised to the documented quota (50/s), as the floor is paced;
// It prints a table, writes JSON (schema in BENCHMARKS.md) to bench/results/latest.json, and exits
// 1 when a deterministic target (API call counts, state bytes) fails. Timings are only reported.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { CreateSecretCommand, SecretsManagerClient, UntagResourceCommand } from "@aws-sdk/client-secrets-manager";
import Table from "cli-table3";

import { OWNER_TAG_KEY } from "../providers/secretsmanager/semantics/ownership";
import { POLICY_CONCURRENCY } from "../providers/secretsmanager/aws-edge/fleet";
import { AwsFront } from "../test/support/aws-front";
import { MotoServer, useAwsEnv } from "../test/support/moto";
import { repoRoot, runProcess } from "../test/support/pulumi";
import { createRotationLambda } from "../test/support/seed";
import { mapConcurrently, runApiFloor } from "./api-floor";
import { BenchProject, createBenchProject, createByValueVariant, FLOOR_TYPE, initStack, POLICY_TYPE, pulumi, ROTATION_TYPE } from "./project";
import { processCpuSeconds, ProcessSampler } from "./processes";
import {
    API_FLOOR_WORK,
    evaluateTargets,
    failedDeterministic,
    POLICY_STEP_LABELS,
    POLICY_STEPS,
    PolicySizeResult,
    PolicyStepName,
    QUOTA_PER_SECOND,
    SizeResult,
    StepMeasurement,
    StepName,
    STEP_LABELS,
    STEPS,
    ProfileRun,
    ProfileVariant,
    TargetResult,
} from "./targets";

export const RESULTS_SCHEMA_VERSION = 1;
// quick: what `npm test` runs (small); default: `npm run bench`; full: `npm run bench -- --full`.
const MODES = {
    quick: { sizes: [10, 100], policySizes: [200] },
    default: { sizes: [10, 100], policySizes: [1000] },
    full: { sizes: [10, 100, 1000], policySizes: [1000, 10_000] },
} as const;

interface BenchResults {
    schemaVersion: number;
    mode: string;
    startedAt: string;
    durationSeconds: number;
    machine: { cpus: number; cpuModel: string; memoryGiB: number; platform: string; node: string; pulumi: string };
    parallelism: number;
    sizes: SizeResult[];
    /** The rotation policy at each policy size (optional: added with policies, schema version 1). */
    policies: PolicySizeResult[];
    targets: TargetResult[];
}

function options() {
    const { values } = parseArgs({
        options: {
            full: { type: "boolean", default: false },
            quick: { type: "boolean", default: false },
            sizes: { type: "string" },
            "policy-sizes": { type: "string" },
            profile: { type: "boolean", default: false },
            out: { type: "string", default: join(repoRoot(), "bench", "results", "latest.json") },
        },
    });
    if (values.full && values.quick) throw new Error("--full and --quick: choose one");
    const custom = values.sizes !== undefined || values["policy-sizes"] !== undefined;
    const mode = custom ? "custom" : values.full ? "full" : values.quick ? "quick" : "default";
    const parse = (option: string, text: string | undefined) =>
        (text ?? "")
            .split(",")
            .filter((s) => s !== "")
            .map((s) => {
                const n = Number(s);
                if (!Number.isInteger(n) || n < 1) throw new Error(`--${option}: "${s}" is not a whole number of secrets ≥ 1`);
                return n;
            });
    const preset = custom ? undefined : MODES[mode as keyof typeof MODES];
    const sizes = preset ? [...preset.sizes] : parse("sizes", values.sizes);
    const policySizes = preset ? [...preset.policySizes] : parse("policy-sizes", values["policy-sizes"]);
    // The profile (three more first ups) runs at the largest size, in full mode or when asked.
    return { mode, sizes, policySizes, profile: values.profile || mode === "full", out: resolve(values.out!) };
}

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function seedSecrets(prefix: string, count: number): Promise<string[]> {
    const client = new SecretsManagerClient({});
    const names = Array.from({ length: count }, (_, i) => `${prefix}/secret-${i}`);
    // Values are random and never printed: the benchmark, like the provider, has no use for them.
    // One at a time: moto looks a secret up by scanning every secret (a Python loop over its
    // store), and a CreateSecret that adds one while another request scans fails that request
    // with an HTML 500 ("dictionary changed size during iteration"); at 10,000 secrets the scans
    // are long enough for this to exhaust the SDK's retries.
    await mapConcurrently(names, 1, (name) =>
        client.send(new CreateSecretCommand({ Name: name, SecretString: randomBytes(24).toString("base64") })),
    );
    client.destroy();
    return names;
}

/** Takes the owner tag off every secret, as a destroy would have (the profile forgets its stacks instead). */
async function releaseOwnerTags(secretIds: string[], concurrency: number): Promise<void> {
    const client = new SecretsManagerClient({});
    await mapConcurrently(secretIds, concurrency, (secretId) => client.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [OWNER_TAG_KEY] })));
    client.destroy();
}

// The benchmark's Secrets Manager is one moto process (one core: Python) and the front in this
// process; their CPU seconds per step tell a step bound by that server from one bound by the quota
// or by Pulumi (BENCHMARKS.md, "Where the policy's first up spends its time"). Set by main.
let motoPid: number | undefined;

async function measureStep(front: AwsFront, project: BenchProject, run: () => Promise<unknown>): Promise<StepMeasurement> {
    front.clearCalls();
    const sampler = ProcessSampler.start(project.env.PULUMI_BACKEND_URL!);
    const motoBefore = motoPid === undefined ? undefined : processCpuSeconds(motoPid);
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    await run();
    const wallSeconds = Math.round((performance.now() - started) / 10) / 100;
    const own = process.cpuUsage(ownBefore);
    const motoAfter = motoPid === undefined ? undefined : processCpuSeconds(motoPid);
    const costs = sampler?.stop();
    const round = (seconds: number) => Math.round(seconds * 100) / 100;
    const server = {
        ...(motoBefore !== undefined && motoAfter !== undefined ? { moto: round(motoAfter - motoBefore) } : {}),
        front: round((own.user + own.system) / 1e6),
    };
    return { wallSeconds, apiCalls: front.callCounts(), ...costs, cpuSeconds: { ...costs?.cpuSeconds, ...server } };
}

const STEP_ARGS: Record<Exclude<StepName, "adopt">, string[]> = {
    up: ["up", "--yes", "--skip-preview"],
    "up-noop": ["up", "--yes", "--skip-preview"],
    "preview-refresh": ["preview", "--refresh"],
    refresh: ["refresh", "--yes", "--skip-preview"],
    destroy: ["destroy", "--yes", "--skip-preview"],
};

async function resourceBytes(
    project: BenchProject,
    stack: string,
    type: string,
): Promise<{ perResource: number; checkpoint: number; sample: unknown }> {
    const exported = (await pulumi(project, ["stack", "export", "--stack", stack])).stdout;
    const resources = (JSON.parse(exported).deployment.resources ?? []).filter((r: { type: string }) => r.type === type);
    const bytes = resources.reduce((sum: number, r: unknown) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
    return {
        perResource: resources.length ? Math.round(bytes / resources.length) : 0,
        checkpoint: Buffer.byteLength(exported),
        sample: resources[0],
    };
}

/**
 * The first up again, under variants that isolate what dominates it: the provider stored by value
 * (state as before the shim fix) and the engine's intermediate checkpoints skipped
 * (PULUMI_SKIP_CHECKPOINTS). Each variant runs on a stack of its own, which is then forgotten and
 * the secrets put back as seeded: rotation off and no owner tag (else the next variant's stack
 * would be refused: the forgotten stack still owns them).
 */
async function profileFirstUp(
    n: number,
    front: AwsFront,
    project: BenchProject,
    byValue: BenchProject,
    config: Record<string, string>,
    secretIds: string[],
): Promise<ProfileRun[]> {
    const variants: [ProfileVariant, BenchProject][] = [
        ["installed", project],
        ["provider-by-value", byValue],
        ["skip-checkpoints", { ...project, env: { ...project.env, PULUMI_SKIP_CHECKPOINTS: "true" } }],
    ];
    const runs: ProfileRun[] = [];
    for (const [variant, variantProject] of variants) {
        const stack = `profile-${variant}-${n}`;
        await initStack(variantProject, stack, { ...config, mode: "rotation" });
        const measured = await measureStep(front, variantProject, () => pulumi(variantProject, [...STEP_ARGS.up, "--stack", stack]));
        const bytes = await resourceBytes(variantProject, stack, ROTATION_TYPE);
        log(`N=${n}: profile ${variant}: ${measured.wallSeconds} s, ${bytes.perResource} B per resource`);
        runs.push({
            variant,
            wallSeconds: measured.wallSeconds,
            cpuSeconds: measured.cpuSeconds,
            stateBytesPerResource: bytes.perResource,
            checkpointBytes: bytes.checkpoint,
        });
        await pulumi(variantProject, ["stack", "rm", "--yes", "--force", "--stack", stack]);
        await runApiFloor("disable", secretIds, { concurrency: project.parallelism, lambdaArn: config.lambda! });
        await releaseOwnerTags(secretIds, project.parallelism);
    }
    return runs;
}

async function measureSize(
    n: number,
    moto: MotoServer,
    front: AwsFront,
    project: BenchProject,
    byValue: BenchProject | undefined,
): Promise<SizeResult> {
    await moto.reset();
    front.reset();
    const lambda = await createRotationLambda(`bench-rotator-${n}`);
    const prefix = `bench-${n}`;
    log(`N=${n}: seeding ${n} secrets`);
    const secretIds = await seedSecrets(prefix, n);
    const config = { count: String(n), prefix, lambda };

    log(`N=${n}: API floor`);
    const apiFloor = {} as Record<StepName, StepMeasurement>;
    for (const step of STEPS) {
        const work = API_FLOOR_WORK[step];
        apiFloor[step] =
            work === "none"
                ? { wallSeconds: 0, apiCalls: {} }
                : await measureStep(front, project, () => runApiFloor(work, secretIds, { concurrency: project.parallelism, lambdaArn: lambda }));
        // The floor's enable leaves rotation on; put the secrets back as seeded for the stacks.
        if (step === "up") await runApiFloor("disable", secretIds, { concurrency: project.parallelism, lambdaArn: lambda });
    }

    log(`N=${n}: engine floor (no-op dynamic resources)`);
    const floorStack = `floor-${n}`;
    await initStack(project, floorStack, { ...config, mode: "floor" });
    const engineFloor = {} as Record<StepName, StepMeasurement>;
    let floorBytes = 0;
    for (const step of STEPS) {
        if (step === "adopt") continue;
        engineFloor[step] = await measureStep(front, project, () => pulumi(project, [...STEP_ARGS[step], "--stack", floorStack]));
        if (step === "up") floorBytes = (await resourceBytes(project, floorStack, FLOOR_TYPE)).perResource;
    }
    // Adopting is N creates for the engine, the same work as its first up.
    engineFloor.adopt = engineFloor.up;
    await pulumi(project, ["stack", "rm", "--yes", "--stack", floorStack]);

    log(`N=${n}: this package`);
    const stack = `rotation-${n}`;
    await initStack(project, stack, { ...config, mode: "rotation" });
    const real = {} as Record<StepName, StepMeasurement>;
    let bytes: { perResource: number; checkpoint: number; sample?: unknown } = { perResource: 0, checkpoint: 0 };
    for (const step of STEPS) {
        if (step === "adopt") {
            // Forget the stack without destroying (its secrets stay as it left them, owner tags
            // included) and declare the same secrets again in a stack of the same name: each
            // create adopts a secret it already owns. (A second stack would be refused: the
            // secrets are owned by this one.)
            await pulumi(project, ["stack", "rm", "--yes", "--force", "--stack", stack]);
            await initStack(project, stack, { ...config, mode: "rotation" });
            real.adopt = await measureStep(front, project, () => pulumi(project, [...STEP_ARGS.up, "--stack", stack]));
        } else {
            real[step] = await measureStep(front, project, () => pulumi(project, [...STEP_ARGS[step], "--stack", stack]));
        }
        log(`N=${n}: ${STEP_LABELS[step]}: ${real[step].wallSeconds} s`);
        if (step === "up") bytes = await resourceBytes(project, stack, ROTATION_TYPE);
    }
    await pulumi(project, ["stack", "rm", "--yes", "--stack", stack]);
    const profile = byValue ? await profileFirstUp(n, front, project, byValue, config, secretIds) : undefined;
    return {
        secrets: n,
        real,
        engineFloor,
        apiFloor,
        stateBytesPerResource: bytes.perResource,
        floorStateBytesPerResource: floorBytes,
        checkpointBytes: bytes.checkpoint,
        sampleResourceState: bytes.sample,
        ...(profile ? { profile } : {}),
    };
}

/**
 * One SecretRotationPolicy over N seeded secrets (every secret of the region is under its prefix),
 * with the provider's limiter at the documented quota (PULUMI_SECRET_ROTATION_CALLS_PER_SECOND=50),
 * as the API floor is paced: first up (enable all), no-op up, preview --refresh, refresh, destroy.
 */
async function measurePolicy(n: number, moto: MotoServer, front: AwsFront, project: BenchProject): Promise<PolicySizeResult> {
    const prefix = `policy-${n}`;
    // Each of the three measurements starts from a moto emptied and seeded again: the same N fresh
    // secrets, none with the versions and tag history an earlier measurement left (each enabling
    // adds a version per secret, and moto's cost per request grows with what it holds), so the
    // one measured last is not the one that pays for the others.
    const freshSecrets = async (measurement: string) => {
        await moto.reset();
        front.reset();
        const lambdaArn = await createRotationLambda(`bench-policy-rotator-${n}`);
        log(`policy N=${n}: seeding ${n} secrets for ${measurement}`);
        return { secretIds: await seedSecrets(prefix, n), options: { concurrency: POLICY_CONCURRENCY, lambdaArn } };
    };

    // As many calls in flight as the policy keeps (its secrets in flight), not the engine's
    // parallelism: one resource makes all the calls here.
    log(`policy N=${n}: API floors (${n} × DescribeSecret, TagResource, RotateSecret, then the release; and ${n} RotateSecret, then ${n} CancelRotateSecret; ${POLICY_CONCURRENCY} secrets at a time, at ${QUOTA_PER_SECOND}/s)`);
    let fresh = await freshSecrets("the policy's API floor");
    const requiredCallsFloor: PolicySizeResult["requiredCallsFloor"] = {
        up: await measureStep(front, project, () => runApiFloor("enable-fleet-rule", fresh.secretIds, fresh.options)),
        destroy: await measureStep(front, project, () => runApiFloor("disable-fleet-rule", fresh.secretIds, fresh.options)),
    };
    log(`policy N=${n}: the policy's API floor ${requiredCallsFloor.up!.wallSeconds} s to enable, ${requiredCallsFloor.destroy!.wallSeconds} s to disable`);
    fresh = await freshSecrets("the RotateSecret floor");
    const apiFloor: PolicySizeResult["apiFloor"] = {};
    apiFloor.up = await measureStep(front, project, () => runApiFloor("enable", fresh.secretIds, fresh.options));
    apiFloor.destroy = await measureStep(front, project, () => runApiFloor("disable", fresh.secretIds, fresh.options));
    log(`policy N=${n}: the RotateSecret floor ${apiFloor.up.wallSeconds} s to enable, ${apiFloor.destroy.wallSeconds} s to disable`);
    fresh = await freshSecrets("the policy");
    const lambda = fresh.options.lambdaArn;

    const atQuota: BenchProject = { ...project, env: { ...project.env, PULUMI_SECRET_ROTATION_CALLS_PER_SECOND: String(QUOTA_PER_SECOND) } };
    const stack = `policy-${n}`;
    await initStack(atQuota, stack, { count: "0", prefix, lambda, mode: "policy" });
    const real = {} as Record<PolicyStepName, StepMeasurement>;
    let stateBytes = 0;
    let sample: unknown;
    for (const step of POLICY_STEPS) {
        real[step] = await measureStep(front, atQuota, () => pulumi(atQuota, [...STEP_ARGS[step], "--stack", stack]));
        log(`policy N=${n}: ${POLICY_STEP_LABELS[step]}: ${real[step].wallSeconds} s, ${fmtCalls(real[step].apiCalls)}`);
        if (step === "up") {
            const exported = (await pulumi(atQuota, ["stack", "export", "--stack", stack])).stdout;
            const resource = (JSON.parse(exported).deployment.resources ?? []).find((r: { type: string }) => r.type === POLICY_TYPE);
            stateBytes = resource ? Buffer.byteLength(JSON.stringify(resource)) : 0;
            if (resource?.outputs?.governed) resource.outputs.governed = [...resource.outputs.governed.slice(0, 3), `… ${resource.outputs.governed.length - 3} more`];
            sample = resource;
        }
    }
    await pulumi(atQuota, ["stack", "rm", "--yes", "--stack", stack]);
    return { secrets: n, real, apiFloor, requiredCallsFloor, callsPerSecond: QUOTA_PER_SECOND, stateBytes, sampleResourceState: sample };
}

const fmtCalls = (calls: Record<string, number>) =>
    Object.entries(calls)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `${op.replace("Secret", "").replace("Version", "V")} ${n}`)
        .join(", ") || "0";

export function renderTable(results: BenchResults): string {
    const table = new Table({
        head: ["N", "step", "this package (s)", "engine floor (s)", "API floor (s)", "ratio to floors", "API calls", "provider RSS MiB (floor)"],
        style: { head: [], border: [] },
    });
    for (const size of results.sizes) {
        for (const step of STEPS) {
            const real = size.real[step];
            const floors = size.engineFloor[step].wallSeconds + size.apiFloor[step].wallSeconds;
            table.push([
                String(size.secrets),
                STEP_LABELS[step],
                real.wallSeconds.toFixed(2),
                size.engineFloor[step].wallSeconds.toFixed(2),
                size.apiFloor[step].wallSeconds.toFixed(2),
                (real.wallSeconds / floors).toFixed(2),
                fmtCalls(real.apiCalls),
                `${real.providerPeakRssMiB?.toFixed(0) ?? "-"} (${size.engineFloor[step].providerPeakRssMiB?.toFixed(0) ?? "-"})`,
            ]);
        }
        table.push([
            String(size.secrets),
            "state per resource",
            `${size.stateBytesPerResource} B`,
            `${size.floorStateBytesPerResource} B`,
            "",
            "",
            `checkpoint ${(size.checkpointBytes / 1024).toFixed(0)} KiB`,
            "",
        ]);
    }
    const targets = new Table({ head: ["target", "result", "measured"], style: { head: [], border: [] } });
    for (const t of results.targets) {
        targets.push([t.description, t.measured ? (t.pass ? "pass" : t.deterministic ? "FAIL" : "miss") : "n/a", t.detail]);
    }
    const profiled = results.sizes.filter((s) => s.profile);
    let profileTable = "";
    if (profiled.length > 0) {
        const p = new Table({
            head: ["N", "first up, variant", "wall (s)", "CPU s: engine", "program", "provider", "state per resource", "checkpoint"],
            style: { head: [], border: [] },
        });
        for (const size of profiled) {
            for (const run of size.profile!) {
                p.push([
                    String(size.secrets),
                    run.variant,
                    run.wallSeconds.toFixed(1),
                    String(run.cpuSeconds?.engine ?? "-"),
                    String(run.cpuSeconds?.program ?? "-"),
                    String(run.cpuSeconds?.provider ?? "-"),
                    `${run.stateBytesPerResource} B`,
                    `${(run.checkpointBytes / 1024).toFixed(0)} KiB`,
                ]);
            }
        }
        profileTable = `\n${p.toString()}`;
    }
    let policyTable = "";
    if (results.policies.length > 0) {
        const p = new Table({
            head: ["N", "policy step", "this package (s)", "API floor (s)", "ratio to floor", "RotateSecret floor (s)", "API calls", "provider RSS MiB", "moto CPU s (floor)"],
            style: { head: [], border: [] },
        });
        for (const size of results.policies) {
            for (const step of POLICY_STEPS) {
                const real = size.real[step];
                const required = step === "up" || step === "destroy" ? size.requiredCallsFloor?.[step] : undefined;
                const rotateOnly = size.apiFloor[step]?.wallSeconds;
                p.push([
                    String(size.secrets),
                    POLICY_STEP_LABELS[step],
                    real.wallSeconds.toFixed(2),
                    required === undefined ? "-" : required.wallSeconds.toFixed(2),
                    required?.wallSeconds ? (real.wallSeconds / required.wallSeconds).toFixed(2) : "-",
                    rotateOnly === undefined ? "-" : rotateOnly.toFixed(2),
                    fmtCalls(real.apiCalls),
                    real.providerPeakRssMiB?.toFixed(0) ?? "-",
                    `${real.cpuSeconds?.moto ?? "-"}${required?.cpuSeconds?.moto !== undefined ? ` (${required.cpuSeconds.moto})` : ""}`,
                ]);
            }
            p.push([String(size.secrets), "state of the policy", `${size.stateBytes} B`, "", "", "", `${(size.stateBytes / size.secrets).toFixed(1)} B per secret`, "", ""]);
        }
        policyTable = `\n${p.toString()}`;
    }
    return `${table.toString()}${policyTable}\n${targets.toString()}${profileTable}`;
}

async function main(): Promise<number> {
    const { mode, sizes, policySizes, profile, out } = options();
    const startedAt = new Date();
    const root = mkdtempSync(join(tmpdir(), "psr-bench-"));
    const moto = await MotoServer.start();
    motoPid = moto.pid;
    const front = await AwsFront.start(moto.endpoint);
    const env = { ...moto.awsEnv(), AWS_ENDPOINT_URL_SECRETS_MANAGER: front.endpoint };
    const restoreEnv = useAwsEnv(env);
    try {
        log(`mode ${mode}: N ∈ {${sizes.join(", ")}}, policy N ∈ {${policySizes.join(", ")}}; packing and installing the package into a fresh project`);
        const project = await createBenchProject(root, { ...env });
        const measured: SizeResult[] = [];
        const largest = Math.max(...sizes);
        const byValue = profile ? createByValueVariant(project, root) : undefined;
        for (const n of sizes) measured.push(await measureSize(n, moto, front, project, n === largest ? byValue : undefined));
        const policies: PolicySizeResult[] = [];
        for (const n of policySizes) policies.push(await measurePolicy(n, moto, front, project));
        const pulumiVersion = (await runProcess("pulumi", ["version"], root, project.env, 60_000)).stdout.trim();
        const results: BenchResults = {
            schemaVersion: RESULTS_SCHEMA_VERSION,
            mode,
            startedAt: startedAt.toISOString(),
            durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
            machine: {
                cpus: cpus().length,
                cpuModel: cpus()[0]?.model ?? "unknown",
                memoryGiB: Math.round(totalmem() / 2 ** 30),
                platform: `${process.platform}-${process.arch}`,
                node: process.version,
                pulumi: pulumiVersion,
            },
            parallelism: project.parallelism,
            sizes: measured,
            policies,
            targets: evaluateTargets(measured, policies),
        };
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
        console.log(renderTable(results));
        const failed = failedDeterministic(results.targets);
        console.log(`bench (${mode}): ${results.targets.filter((t) => t.pass).length} targets met, ${failed.length} deterministic failed, ` +
            `${results.targets.filter((t) => !t.deterministic && t.measured && !t.pass).length} timing/memory missed; ` +
            `${results.durationSeconds} s; results in ${out}`);
        return failed.length === 0 ? 0 : 1;
    } finally {
        restoreEnv();
        await front.stop();
        await moto.stop();
        if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error instanceof Error ? error.message : error);
            process.exit(2);
        },
    );
}
