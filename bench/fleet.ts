// `node dist/bench/fleet.js [--stacks 10] [--per-stack 100]` (after `npm run build`): one fleet
// split into one stack per region, run in parallel on one S3 backend (moto's S3), against the same
// fleet in one stack — the first `up` of a SecretRotationPolicy per region in both (turning rotation
// on for every secret), with the real pulumi CLI and moto behind the AWS front (whose call log
// counts the calls). Not part of `npm test` or `npm run bench`: docs/fleet-across-stacks.md has the
// figures and what they mean. The size is `--per-stack 1000` (10 × 1,000 against 10,000).
//
//   one stack      a stack with one policy per region (policies side by side in one engine);
//   split          --stacks stacks, one region each, `up` started at the same time from separate
//                  processes (each with its own checkout and PULUMI_HOME, as CI jobs).
//
// The limiter runs at the documented quota (PULUMI_SECRET_ROTATION_CALLS_PER_SECOND=50) per account
// and region in both variants. moto is one Python process serving every region: what the split
// gains on real AWS (each region's quota and each machine's CPU of its own) it cannot show here.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import { AwsFront } from "../test/support/aws-front";
import { AwsTestEnv, MotoServer, useAwsEnv } from "../test/support/moto";
import { describeResult, repoRoot, TestStack } from "../test/support/pulumi";
import { S3Bucket } from "../test/support/s3";
import { createRotationLambda } from "../test/support/seed";
import { mapConcurrently } from "./api-floor";

const REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "ca-central-1", "sa-east-1", "ap-south-1"];
const PROGRAM = join(repoRoot(), "dist", "bench", "fleet-program.js");
const PREFIX = "fleet";
const QUOTA_PER_SECOND = "50";
const UP_TIMEOUT_MS = 4 * 3_600_000;

const log = (message: string) => process.stderr.write(`[fleet ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function options(): { stacks: number; perStack: number; out: string } {
    const { values } = parseArgs({
        options: {
            stacks: { type: "string", default: "10" },
            "per-stack": { type: "string", default: "100" },
            out: { type: "string", default: join(repoRoot(), "bench", "results", "fleet-latest.json") },
        },
    });
    const whole = (name: string, text: string, max: number) => {
        const n = Number(text);
        if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name}: a whole number from 1 to ${max}, got "${text}"`);
        return n;
    };
    return { stacks: whole("stacks", values.stacks!, REGIONS.length), perStack: whole("per-stack", values["per-stack"]!, 100_000), out: resolve(values.out!) };
}

interface Variant {
    variant: "one stack" | "split";
    stacks: number;
    secrets: number;
    /** From the first `up` started to the last one ended. */
    wallSeconds: number;
    /** Each stack's own `up`, for the split. */
    stackSeconds: number[];
    apiCalls: Record<string, number>;
}

/** A fresh moto (the front's state too) with `perRegion` secrets and a rotation Lambda in each region. */
async function seed(moto: MotoServer, front: AwsFront, env: AwsTestEnv, regions: string[], perRegion: number): Promise<Record<string, string>> {
    await moto.reset();
    front.reset();
    const lambdas: Record<string, string> = {};
    for (const region of regions) {
        const restore = useAwsEnv({ ...env, AWS_REGION: region });
        try {
            lambdas[region] = await createRotationLambda(`fleet-rotator-${region}`);
            const client = new SecretsManagerClient({});
            // One at a time: moto fails a lookup that races a CreateSecret (bench/run.ts, seedSecrets).
            await mapConcurrently(Array.from({ length: perRegion }, (_, i) => `${PREFIX}/secret-${i}`), 1, (name) =>
                client.send(new CreateSecretCommand({ Name: name, SecretString: randomBytes(24).toString("base64") })),
            );
            client.destroy();
        } finally {
            restore();
        }
    }
    log(`seeded ${perRegion} secrets in each of ${regions.length} regions`);
    return lambdas;
}

async function stackOf(name: string, bucket: S3Bucket, env: Record<string, string>, regions: string[], lambdas: Record<string, string>): Promise<TestStack> {
    return TestStack.create({
        program: PROGRAM,
        project: "fleet",
        stack: name,
        backendUrl: bucket.backendUrl,
        env: { ...env, PULUMI_SECRET_ROTATION_CALLS_PER_SECOND: QUOTA_PER_SECOND },
        config: { "fleet:regions": regions, "fleet:lambdas": lambdas, "fleet:prefix": PREFIX, "secret-rotation:ownerNamespace": "bench" },
    });
}

async function timedUp(stack: TestStack): Promise<number> {
    const started = performance.now();
    try {
        await stack.up([], { timeoutMs: UP_TIMEOUT_MS });
    } catch (error) {
        throw new Error(`${stack.stack}: ${error instanceof Error ? error.message : String(error)}\n${stack.history.map(describeResult).join("\n")}`);
    }
    return Math.round((performance.now() - started) / 10) / 100;
}

async function main(): Promise<void> {
    const { stacks, perStack, out } = options();
    const regions = REGIONS.slice(0, stacks);
    const moto = await MotoServer.start();
    const front = await AwsFront.start(moto.endpoint);
    const env = { ...moto.awsEnv(), AWS_ENDPOINT_URL_SECRETS_MANAGER: front.endpoint };
    const restoreEnv = useAwsEnv(env);
    const created: TestStack[] = [];
    try {
        const results: Variant[] = [];
        log(`${stacks} regions × ${perStack} secrets: one stack of ${stacks * perStack}, then ${stacks} stacks of ${perStack} in parallel`);

        let lambdas = await seed(moto, front, env, regions, perStack);
        // moto.reset() empties S3 too: a bucket per variant, after its seeding.
        let bucket = await S3Bucket.create(moto.endpoint, "fleet-state-one", { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY });
        const one = await stackOf("all-regions", bucket, env, regions, lambdas);
        created.push(one);
        front.clearCalls();
        const oneSeconds = await timedUp(one);
        results.push({ variant: "one stack", stacks: 1, secrets: stacks * perStack, wallSeconds: oneSeconds, stackSeconds: [oneSeconds], apiCalls: front.callCounts() });
        log(`one stack: ${oneSeconds} s, ${JSON.stringify(front.callCounts())}`);

        lambdas = await seed(moto, front, env, regions, perStack);
        bucket = await S3Bucket.create(moto.endpoint, "fleet-state-split", { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY });
        const split: TestStack[] = [];
        for (const region of regions) split.push(await stackOf(region, bucket, env, [region], { [region]: lambdas[region]! }));
        created.push(...split);
        front.clearCalls();
        const started = performance.now();
        const stackSeconds = await Promise.all(split.map(timedUp));
        const wallSeconds = Math.round((performance.now() - started) / 10) / 100;
        results.push({ variant: "split", stacks, secrets: stacks * perStack, wallSeconds, stackSeconds, apiCalls: front.callCounts() });
        log(`split: ${wallSeconds} s (stacks ${Math.min(...stackSeconds)}–${Math.max(...stackSeconds)} s), ${JSON.stringify(front.callCounts())}`);

        const report = { startedAt: new Date().toISOString(), machine: { cpus: cpus().length }, stacks, perStack, callsPerSecond: Number(QUOTA_PER_SECOND), results };
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
        for (const r of results) {
            const total = Object.values(r.apiCalls).reduce((a, b) => a + b, 0);
            console.log(`${r.variant.padEnd(10)} ${String(r.stacks).padStart(3)} stack(s) ${String(r.secrets).padStart(6)} secrets  ${String(r.wallSeconds).padStart(8)} s  ${total} calls ${JSON.stringify(r.apiCalls)}`);
        }
        console.log(`results in ${out}`);
    } finally {
        for (const stack of created) stack.cleanup();
        restoreEnv();
        await front.stop();
        await moto.stop();
    }
}

if (require.main === module) {
    main().then(
        () => process.exit(0),
        (error: unknown) => {
            console.error(error instanceof Error ? error.message : error);
            process.exit(2);
        },
    );
}
