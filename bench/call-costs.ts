// `node dist/bench/call-costs.js [--secrets 1000] [--concurrency 32]`: what one Secrets Manager call
// of each kind the policy's first up makes costs the benchmark's Secrets Manager, with N secrets in
// the store: wall time, moto's CPU time, the HTTP requests moto received, and the CPU time of this
// process (where the AWS front runs), each per call, for DescribeSecret, TagResource and
// RotateSecret (RotateImmediately false, a Lambda ARN: the policy's and the API floor's call), sent
// straight to moto and through the AWS front. Unpaced, at the policy's concurrency: this measures
// the server, not the quota. BENCHMARKS.md ("Where the policy's first up spends its time") uses it
// to tell what the front adds from what moto itself costs.
import { readdirSync, readFileSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

import { CreateSecretCommand, DescribeSecretCommand, ListSecretsCommand, RotateSecretCommand, SecretsManagerClient, TagResourceCommand } from "@aws-sdk/client-secrets-manager";

import { AwsFront } from "../test/support/aws-front";
import { MotoServer, useAwsEnv } from "../test/support/moto";
import { createRotationLambda } from "../test/support/seed";
import { mapConcurrently } from "./api-floor";

const CLOCK_TICKS_PER_SECOND = 100;

/** moto_server's process (the pyenv shim execs Python, whose command line still names the port). */
function motoPid(port: number): number {
    for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            if (args.some((a) => a.endsWith("moto_server")) && args.includes(String(port)) && !args[0]!.endsWith("bash")) return Number(entry);
        } catch {
            // gone meanwhile
        }
    }
    throw new Error(`no moto_server process on port ${port}`);
}

function cpuSecondsOf(pid: number): number {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime, stime
}

/** Requests moto has logged so far (werkzeug's access log: one line per request). */
const motoRequests = (moto: MotoServer) => (moto.log.match(/"(GET|POST|PUT|DELETE) [^"]*HTTP\/1\.1" \d+/g) ?? []).length;

interface Cost {
    kind: string;
    path: "moto" | "front";
    calls: number;
    wallMsPerCall: number;
    motoCpuMsPerCall: number;
    motoRequestsPerCall: number;
    frontProcessCpuMsPerCall: number;
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { secrets: { type: "string", default: "1000" }, concurrency: { type: "string", default: "32" } } });
    const n = Number(values.secrets);
    const concurrency = Number(values.concurrency);
    const moto = await MotoServer.start();
    const front = await AwsFront.start(moto.endpoint);
    const restore = useAwsEnv(moto.awsEnv());
    try {
        const pid = motoPid(moto.port);
        const direct = new SecretsManagerClient({ endpoint: moto.endpoint });
        const viaFront = new SecretsManagerClient({ endpoint: front.endpoint });
        const lambda = await createRotationLambda("call-costs-rotator");
        const names = Array.from({ length: n }, (_, i) => `costs/secret-${i}`);
        // One at a time, as the benchmark seeds (bench/run.ts, seedSecrets).
        await mapConcurrently(names, 1, (name) => direct.send(new CreateSecretCommand({ Name: name, SecretString: randomBytes(24).toString("base64") })));
        const half = Math.floor(n / 2);
        const [first, second] = [names.slice(0, half), names.slice(half)];
        const costs: Cost[] = [];
        const measure = async (kind: string, path: Cost["path"], ids: string[], send: (client: SecretsManagerClient, id: string) => Promise<unknown>) => {
            const client = path === "moto" ? direct : viaFront;
            const [cpu0, req0, own0, t0] = [cpuSecondsOf(pid), motoRequests(moto), process.cpuUsage(), performance.now()];
            await mapConcurrently(ids, concurrency, (id) => send(client, id));
            // The front's asynchronous work after RotateSecret (its test runs) is part of what the call costs moto.
            await front.settled();
            const wall = performance.now() - t0;
            const own = process.cpuUsage(own0);
            const per = (x: number) => Math.round((x / ids.length) * 100) / 100;
            costs.push({
                kind,
                path,
                calls: ids.length,
                wallMsPerCall: per(wall),
                motoCpuMsPerCall: per((cpuSecondsOf(pid) - cpu0) * 1000),
                motoRequestsPerCall: per(motoRequests(moto) - req0),
                frontProcessCpuMsPerCall: per((own.user + own.system) / 1000),
            });
            console.error(JSON.stringify(costs[costs.length - 1]));
        };
        const describe = (client: SecretsManagerClient, id: string) => client.send(new DescribeSecretCommand({ SecretId: id }));
        const tag = (client: SecretsManagerClient, id: string) => client.send(new TagResourceCommand({ SecretId: id, Tags: [{ Key: "costs-mark", Value: "x" }] }));
        const rotate = (client: SecretsManagerClient, id: string) =>
            client.send(new RotateSecretCommand({ SecretId: id, ClientRequestToken: randomUUID(), RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
        // The policy's listing: pages of 100 (MaxResults, as aws.ts asks), one after the other, by NextToken.
        const pages = Array.from({ length: Math.ceil(n / 100) }, (_, i) => String(i));
        const listAll = async (client: SecretsManagerClient) => {
            let token: string | undefined;
            do token = (await client.send(new ListSecretsCommand({ MaxResults: 100, NextToken: token, IncludePlannedDeletion: true, Filters: [{ Key: "name", Values: ["costs/"] }] }))).NextToken;
            while (token !== undefined);
        };
        // One "item" runs the whole listing; per call = per page.
        const listing = (path: Cost["path"]) => measure("ListSecrets (page of 100)", path, pages, async (client, page) => (page === "0" ? listAll(client) : undefined));
        await listing("moto");
        await listing("front");
        await measure("DescribeSecret", "moto", names, describe);
        await measure("DescribeSecret", "front", names, describe);
        await measure("TagResource", "moto", first, tag);
        await measure("TagResource", "front", second, tag);
        // moto leaves the test run's AWSPENDING for good: a secret rotated straight at moto could not be rotated through the front.
        await measure("RotateSecret", "moto", first, rotate);
        await measure("RotateSecret", "front", second, rotate);
        direct.destroy();
        viaFront.destroy();
        console.log(JSON.stringify({ secrets: n, concurrency, costs }, null, 2));
    } finally {
        restore();
        await front.stop();
        await moto.stop();
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
