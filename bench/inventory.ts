// `node dist/bench/inventory.js [--secrets 10000] [--accounts 5] [--regions us-east-1,eu-west-1]`:
// the organization inventory at scale, against moto (no AWS front; nothing in the listing needs
// it). An organization with --accounts member accounts (plus the management account, which has no
// secrets), --secrets secrets spread evenly over the members and regions (one in ten carrying an
// owner tag), then one run of the real CLI (`pulumi-secret-rotation inventory --format json`)
// through a recording HTTP proxy. Reports the calls by kind, as the proxy saw them, against the
// expected counts (ListSecrets: one page per 100 secrets per account and region, at least one;
// AssumeRole and GetCallerIdentity: one per account; ListAccounts: one page per 20 accounts), and
// the wall time. Exits 1 when a call count differs from the expected one; the time is reported only.
// Not part of `npm test`: it seeds for a minute or more.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import type { InventoryReport } from "../src/review/inventory";
import { RecordingProxy } from "../test/support/http-proxy";
import { MotoServer, useAwsEnv } from "../test/support/moto";
import { repoRoot, runProcess } from "../test/support/pulumi";
import { actingAs, credentialsIn } from "../test/support/accounts";
import { mapConcurrently } from "./api-floor";


async function main(): Promise<number> {
    const { values } = parseArgs({
        options: { secrets: { type: "string", default: "10000" }, accounts: { type: "string", default: "5" }, regions: { type: "string", default: "us-east-1,eu-west-1" } },
    });
    const secrets = Number(values.secrets);
    const accountCount = Number(values.accounts);
    const regions = values.regions.split(",");
    if (!Number.isInteger(secrets) || secrets < 1 || !Number.isInteger(accountCount) || accountCount < 1) throw new Error("--secrets and --accounts must be whole numbers >= 1");

    const moto = await MotoServer.start();
    const restore = useAwsEnv(moto.awsEnv());
    const proxy = await RecordingProxy.start();
    const dir = mkdtempSync(join(tmpdir(), "psr-bench-inventory-"));
    try {
        const organizations = new OrganizationsClient({});
        await organizations.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
        const members: string[] = [];
        for (let i = 0; i < accountCount; i++) {
            const created = await organizations.send(new CreateAccountCommand({ AccountName: `member-${i}`, Email: `member-${i}@example.com` }));
            members.push(created.CreateAccountStatus!.AccountId!);
        }
        organizations.destroy();

        // Secrets spread evenly over members x regions: place p gets floor or ceil of secrets / places.
        const places = members.flatMap((account) => regions.map((region) => ({ account, region })));
        const perPlace = places.map((_, p) => Math.floor(secrets / places.length) + (p < secrets % places.length ? 1 : 0));
        const seedStart = Date.now();
        for (const [p, place] of places.entries()) {
            const session = await credentialsIn(place.account);
            await actingAs({ ...moto.awsEnv(), AWS_REGION: place.region }, session, async () => {
                const client = new SecretsManagerClient({});
                const indexes = Array.from({ length: perPlace[p]! }, (_, i) => i);
                await mapConcurrently(indexes, 16, async (i) => {
                    const owned = i % 10 === 0 ? [{ Key: "pulumi-secret-rotation:owner", Value: `organization/bench/prod/secret-${i}` }] : [];
                    await client.send(new CreateSecretCommand({ Name: `bench/${place.region}/secret-${i}`, SecretString: "x", Tags: owned }));
                });
                client.destroy();
            });
        }
        const seedSeconds = (Date.now() - seedStart) / 1000;

        const env = { PATH: process.env.PATH ?? "", ...moto.awsEnv(), HTTP_PROXY: proxy.url, NO_PROXY: "" };
        const jsonFile = join(dir, "inventory.json");
        const started = process.hrtime.bigint();
        const result = await runProcess("node", [join(repoRoot(), "dist", "src", "cli", "main.js"), "inventory", "--regions", regions.join(","), "--format", "json", "--json-file", jsonFile], dir, env, 1_800_000);
        const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (result.code !== 4 && result.code !== 0) throw new Error(`inventory exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
        const report = JSON.parse(result.stdout) as InventoryReport;

        const seen = (call: string) => proxy.calls().filter((c) => c === call).length;
        const accountsEntered = accountCount + 1; // the management account is listed by ListAccounts too
        const expected = {
            "ListAccounts pages": Math.ceil(accountsEntered / 20),
            AssumeRole: accountsEntered,
            GetCallerIdentity: accountsEntered,
            "ListSecrets pages": perPlace.reduce((n, count) => n + Math.max(1, Math.ceil(count / 100)), 0) + regions.length /* the management account's empty regions */,
        };
        const measured = {
            "ListAccounts pages": seen("AWSOrganizationsV20161128.ListAccounts"),
            AssumeRole: seen("sts.AssumeRole"),
            GetCallerIdentity: seen("sts.GetCallerIdentity"),
            "ListSecrets pages": seen("secretsmanager.ListSecrets"),
        };
        const other = proxy.calls().filter((c) => !["AWSOrganizationsV20161128.ListAccounts", "sts.AssumeRole", "sts.GetCallerIdentity", "secretsmanager.ListSecrets"].includes(c));
        const summary = {
            secrets,
            accounts: accountsEntered,
            regions: regions.length,
            listedSecrets: report.summary.secrets,
            declared: report.summary.declared,
            seedSeconds,
            wallSeconds,
            expected,
            measured,
            otherCalls: other.length,
            reportCalls: report.calls,
        };
        mkdirSync(join(repoRoot(), "bench", "results"), { recursive: true });
        writeFileSync(join(repoRoot(), "bench", "results", "inventory.json"), JSON.stringify(summary, null, 2) + "\n");
        console.log(JSON.stringify(summary, null, 2));
        const ok = JSON.stringify(expected) === JSON.stringify(measured) && other.length === 0 && report.summary.secrets === secrets;
        if (!ok) console.error("call counts or listed secrets differ from the expected ones");
        return ok ? 0 : 1;
    } finally {
        restore();
        await proxy.stop();
        await moto.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

main().then(
    (code) => process.exit(code),
    (error: Error) => {
        console.error(error.stack ?? error.message);
        process.exit(1);
    },
);
