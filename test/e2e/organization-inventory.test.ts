// End to end: `pulumi-secret-rotation inventory` (the package's bin) over an AWS Organization in
// moto, under moto's IAM enforcement. The management account (moto's 123456789012) creates an
// organization and four member accounts, one of them closed (SUSPENDED). An auditor user holds
// only the shipped policy/inventory-caller-iam-policy.json, plus an explicit Deny of one account's
// role: that account refuses AssumeRole (in AWS its role's trust policy would; moto checks no trust
// policy across accounts, see /work/shared/notes/moto-fidelity.md). Every account's
// OrganizationAccountAccessRole holds only the shipped policy/inventory-iam-policy.json
// (secretsmanager:ListSecrets and ListSecretVersionIds), except the "search" account's, which holds
// the first release's (ListSecrets only), as a role set up before would. Secrets in each account and
// two regions; one is declared by a real stack's `up` (a declaration acting in a member account
// through its `aws.assumeRoles`), one carries a policy's governs mark set out of band, and one in
// "payments" and one in "search" have a rotation pending (AWSPENDING on a version of its own). Every request goes through a recording HTTP proxy
// (HTTP_PROXY), which counts the calls by kind independently of the command's own count.
// moto is spoken to directly (no AWS front), as in accounts-iam.test.ts: the front's IAM mode reads
// one account's IAM only.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { CloseAccountCommand, CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { PutSecretValueCommand, TagResourceCommand } from "@aws-sdk/client-secrets-manager";
import Ajv from "ajv";
import addFormats from "ajv-formats";

import type { InventoryReport } from "../../src/review/inventory";
import { CSV_COLUMNS } from "../../src/review/inventory-render";
import { actingAs, credentialsIn } from "../support/accounts";
import { RecordingProxy } from "../support/http-proxy";
import { Credentials } from "../support/iam";
import { ADMIN_POLICY, createUser, shippedPolicy } from "../support/least-privilege";
import { AwsTestEnv, MotoServer, useAwsEnv } from "../support/moto";
import { describeResult, PulumiResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { createRotationLambda, createSecret, secretsManager } from "../support/seed";

const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const MANAGEMENT = "123456789012";
const REGIONS = ["us-east-1", "eu-west-1"] as const;
const ROLE = "OrganizationAccountAccessRole";
const MEMBERS = ["payments", "search", "legacy"] as const;
/** Secrets with a rotation pending: in "payments" (its role may date it) and in "search" (its role may not). */
const PENDING = ["app/payments-eu-west-1-2", "app/search-us-east-1-2"];
/** The role policy the inventory shipped first: ListSecrets only, no ListSecretVersionIds. */
const FIRST_RELEASE_ROLE_POLICY = {
    Version: "2012-10-17",
    Statement: [{ Sid: "ListSecretsForTheInventory", Effect: "Allow", Action: "secretsmanager:ListSecrets", Resource: "*" }],
};
type Member = (typeof MEMBERS)[number];

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
const validateInventory = ajv.compile(JSON.parse(readFileSync(join(repoRoot(), "schemas", "organization-inventory.v1.json"), "utf8")));

let moto: MotoServer;
let homeEnv: AwsTestEnv;
let auditor: Credentials;
let deployer: Credentials;
let proxy: RecordingProxy;
let dir: string;
const ids = new Map<Member | "closed", string>();
/** Every seeded secret: account, region, name. */
const seeded: { account: string; region: string; name: string }[] = [];
let lambda: string;
let deployRole: string;
const restores: (() => void)[] = [];

const id = (member: Member | "closed") => ids.get(member)!;

before(async () => {
    moto = await MotoServer.start();
    restores.push(useAwsEnv(moto.awsEnv()));
    const homeAdmin = await createUser("admin", ADMIN_POLICY);
    homeEnv = { ...moto.awsEnv(), AWS_ACCESS_KEY_ID: homeAdmin.accessKeyId, AWS_SECRET_ACCESS_KEY: homeAdmin.secretAccessKey };
    restores.push(useAwsEnv(homeEnv));
    const organizations = new OrganizationsClient({});
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    for (const member of [...MEMBERS, "closed"] as const) {
        const created = await organizations.send(new CreateAccountCommand({ AccountName: member, Email: `${member}@example.com` }));
        ids.set(member, created.CreateAccountStatus!.AccountId!);
    }
    await organizations.send(new CloseAccountCommand({ AccountId: id("closed") }));
    organizations.destroy();

    auditor = await createUser("auditor", {
        Version: "2012-10-17",
        Statement: [
            ...(shippedPolicy("inventory-caller-iam-policy").Statement as object[]),
            { Sid: "LegacyRefuses", Effect: "Deny", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${id("legacy")}:role/*` },
        ] as never,
    });
    deployer = await createUser("deployer", shippedPolicy("assume-role-policy"));
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:user/auditor` }, Action: "sts:AssumeRole" }] };
    for (const [label, account] of [["management", MANAGEMENT] as const, ...MEMBERS.map((m) => [m, id(m)] as const)]) {
        // Seeded as each account's administrator would, before IAM is enforced.
        const session = account === MANAGEMENT ? { accessKeyId: homeAdmin.accessKeyId, secretAccessKey: homeAdmin.secretAccessKey } : await credentialsIn(account);
        await actingAs(homeEnv, session, async () => {
            const iam = new IAMClient({});
            // moto's CreateAccount creates the member's OrganizationAccountAccessRole (with no permissions policy), as AWS does (with AdministratorAccess).
            if (account === MANAGEMENT) await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: JSON.stringify(trust) }));
            const rolePolicy = label === "search" ? FIRST_RELEASE_ROLE_POLICY : shippedPolicy("inventory-iam-policy");
            await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: "inventory", PolicyDocument: JSON.stringify(rolePolicy) }));
            if (label === "payments") {
                const deployTrust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:user/deployer` }, Action: "sts:AssumeRole" }] };
                deployRole = (await iam.send(new CreateRoleCommand({ RoleName: "secret-rotation", AssumeRolePolicyDocument: JSON.stringify(deployTrust) }))).Role!.Arn!;
                await iam.send(new PutRolePolicyCommand({ RoleName: "secret-rotation", PolicyName: "minimal", PolicyDocument: JSON.stringify(shippedPolicy("minimal-iam-policy")) }));
                lambda = await createRotationLambda();
            }
            iam.destroy();
        });
        for (const region of REGIONS) {
            await actingAs({ ...homeEnv, AWS_REGION: region }, session, async () => {
                for (const n of [1, 2]) {
                    const name = `app/${label}-${region}-${n}`;
                    const secret = await createSecret(name, "value");
                    seeded.push({ account, region, name });
                    // A policy's governs mark, as a SecretRotationPolicy of another stack would have set it.
                    if (label === "search" && region === "eu-west-1" && n === 1) {
                        await secretsManager().send(new TagResourceCommand({ SecretId: secret.arn, Tags: [{ Key: "pulumi-secret-rotation:policy", Value: "organization/fleet/prod/all-databases" }] }));
                    }
                    // A rotation pending (AWSPENDING on a version of its own): its age is asked with ListSecretVersionIds.
                    if (PENDING.includes(name)) {
                        await secretsManager().send(
                            new PutSecretValueCommand({ SecretId: secret.arn, ClientRequestToken: randomUUID(), SecretString: "candidate", VersionStages: ["AWSPENDING"] }),
                        );
                    }
                }
            });
        }
    }
    proxy = await RecordingProxy.start();
    dir = mkdtempSync(join(tmpdir(), "psr-inventory-"));
    await moto.enforceIam(true);
});
after(async () => {
    while (restores.length > 0) restores.pop()!();
    await proxy?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await moto?.stop();
});

const auditorEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? "",
    ...moto.awsEnv(),
    AWS_ACCESS_KEY_ID: auditor.accessKeyId,
    AWS_SECRET_ACCESS_KEY: auditor.secretAccessKey,
    HTTP_PROXY: proxy.url,
    NO_PROXY: "",
});

async function inventoryCli(args: string[], expectCode: number): Promise<PulumiResult> {
    const result = await runProcess("node", [CLI, "inventory", ...args], dir, auditorEnv(), 120_000);
    assert.equal(result.code, expectCode, `inventory exited ${result.code}, expected ${expectCode}\n${describeResult(result)}`);
    return result;
}

/** RFC 4180 records (quoted fields with doubled quotes, CRLF between records), for reading the CSV back. */
function parseCsv(text: string): string[][] {
    const records: string[][] = [];
    let field = "";
    let record: string[] = [];
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
            else if (c === '"') quoted = false;
            else field += c;
        } else if (c === '"' && field === "") quoted = true;
        else if (c === ",") record.push(field), (field = "");
        else if (c === "\r" && text[i + 1] === "\n") record.push(field), records.push(record), (field = ""), (record = []), i++;
        else field += c;
    }
    assert.equal(field + record.join(""), "", "the CSV ends with CRLF");
    return records;
}

const placeKey = (s: { account: string; region?: string; name?: string }) => `${s.account} ${s.region ?? ""} ${s.name ?? ""}`;

describe("organization inventory: every account of the organization, table, JSON and CSV", () => {
    test("3 member accounts and the management account x 2 regions: declared and undeclared secrets, a suspended account skipped, a refusing account reported (exit 12), ListSecrets pages only", async (t) => {
        const stack = await TestStack.create({
            program: PROGRAM,
            env: { ...moto.awsEnv(), AWS_ACCESS_KEY_ID: deployer.accessKeyId, AWS_SECRET_ACCESS_KEY: deployer.secretAccessKey },
            config: {
                "e2e:rotations": [
                    {
                        name: "db-payments",
                        secretId: "app/payments-us-east-1-1",
                        rotationLambdaArn: lambda,
                        schedule: { automaticallyAfterDays: 30 },
                        rotateImmediately: false,
                        aws: { region: "us-east-1", assumeRoles: [{ roleArn: deployRole, sessionName: "secret-rotation" }] },
                    },
                ],
            },
        });
        t.after(() => stack.cleanup());
        await withTranscript(t, stack, async () => {
            await stack.up();
            const [state] = await stack.resourcesOfType("pulumi-nodejs:dynamic/secretsmanager:RotationState");
            assert.match(String(state!.id), new RegExp(`:${id("payments")}:secret:app/payments-us-east-1-1`));

            proxy.requests.length = 0;
            const jsonFile = join(dir, "inventory.json");
            const csvFile = join(dir, "inventory.csv");
            const tableRun = await inventoryCli(["--regions", REGIONS.join(","), "--json-file", jsonFile, "--csv-file", csvFile], 12);
            const report = JSON.parse(readFileSync(jsonFile, "utf8")) as InventoryReport;
            assert.ok(validateInventory(report), `the report must match schemas/organization-inventory.v1.json: ${ajv.errorsText(validateInventory.errors)}`);

            // The calls, counted by the proxy: one ListAccounts page; one AssumeRole per active account
            // (the refusing one included), GetCallerIdentity where it was entered; one ListSecrets page per
            // account and region (under 100 secrets each); ListSecretVersionIds for the secrets with a
            // rotation pending — the two made so, one refused by its role, and the declared one, which moto
            // leaves with AWSPENDING on a version of its own after RotateSecret (moto-fidelity notes: "moto
            // leaves every rotation looking stranded"); nothing else per secret.
            const counted = new Map<string, number>();
            for (const call of proxy.calls()) counted.set(call, (counted.get(call) ?? 0) + 1);
            assert.deepEqual(Object.fromEntries(counted), {
                "AWSOrganizationsV20161128.ListAccounts": 1,
                "sts.AssumeRole": 4,
                "sts.GetCallerIdentity": 3,
                "secretsmanager.ListSecrets": 6,
                "secretsmanager.ListSecretVersionIds": 3,
            });
            assert.deepEqual(report.calls, { listAccounts: 1, assumeRole: 4, getCallerIdentity: 3, listSecrets: 6, listSecretVersionIds: 3 }, "the report counts the same calls");
            // Dated where the role allows it (moments old: in progress, no finding); where it does not, the
            // secret is listed all the same, its pending age unknown, said in the report (and bit 8). moto
            // denies with an XML 403 the JSON protocol cannot read (AWS: a JSON AccessDeniedException; the
            // front's rule auth-errors translates it, but this file speaks to moto directly), so the message
            // is matched only up to the call and the secret.
            const payingPending = report.secrets.find((s) => s.name === "app/payments-eu-west-1-2")!;
            assert.equal(payingPending.pendingAgeError, undefined);
            const searchPending = report.secrets.find((s) => s.name === "app/search-us-east-1-2")!;
            assert.match(searchPending.pendingAgeError ?? "", /ListSecretVersionIds on arn:aws:secretsmanager:us-east-1:\d{12}:secret:app\/search-us-east-1-2-\w+ failed/);
            assert.equal(report.secrets.filter((s) => s.pendingAgeError !== undefined).length, 1);

            assert.equal(report.scope.accounts, "organization");
            assert.deepEqual(report.scope.skipped, [{ account: id("closed"), name: "closed", status: "SUSPENDED" }]);
            assert.equal(report.errors.length, 1, JSON.stringify(report.errors));
            assert.equal(report.errors[0]!.account, id("legacy"));
            assert.equal(report.errors[0]!.stage, "assume-role");
            assert.match(report.errors[0]!.error, new RegExp(`could not assume arn:aws:iam::${id("legacy")}:role/${ROLE}: AccessDenied`));

            const reached = [MANAGEMENT, id("payments"), id("search")];
            assert.deepEqual(report.places.map(placeKey).sort(), reached.flatMap((a) => REGIONS.map((r) => placeKey({ account: a, region: r }))).sort());
            assert.ok(report.places.every((p) => p.secretsListed === 2));
            const expected = seeded.filter((s) => reached.includes(s.account));
            assert.deepEqual(report.secrets.map(placeKey).sort(), expected.map(placeKey).sort(), "every secret of every reached account and region, and only those");

            const declared = report.secrets.find((s) => s.name === "app/payments-us-east-1-1")!;
            assert.equal(declared.account, id("payments"));
            assert.equal(declared.declaredBy?.kind, "declaration");
            assert.equal(declared.declaredBy?.stack, `organization/e2e/${stack.stack}`);
            assert.equal(declared.declaredBy?.resource, "db-payments");
            assert.equal(declared.rotationEnabled, true);
            assert.deepEqual(declared.schedule, { automaticallyAfterDays: 30 });
            assert.ok(declared.nextRotationDate && declared.lastRotatedDate, JSON.stringify(declared));
            assert.deepEqual(declared.findings, []);
            const marked = report.secrets.find((s) => s.name === "app/search-eu-west-1-1")!;
            assert.deepEqual(marked.declaredBy, { kind: "policy", stack: "organization/fleet/prod", resource: "all-databases", identity: "organization/fleet/prod/all-databases" });
            const undeclared = report.secrets.filter((s) => s.declaredBy === undefined);
            assert.equal(undeclared.length, expected.length - 2);
            assert.ok(undeclared.every((s) => !s.rotationEnabled && s.findings.map((f) => f.code).join() === "rotation-disabled"));
            assert.deepEqual(report.summary, { accounts: 4, regions: 2, secrets: 12, declared: 2, undeclared: 10, findings: 11, errors: 1, undated: 1 });
            assert.match(report.listing, /eventually consistent/);

            // The table: a row per secret, who declares it, the skipped and the refusing account.
            const table = tableRun.stdout;
            assert.match(table, /12 secret\(s\) in 4 account\(s\) x 2 region\(s\)/);
            assert.match(table, new RegExp(`${id("payments")}.*us-east-1.*app/payments-us-east-1-1.*declaration organization/e2e/${stack.stack} db-payments.*on.*every 30 days`));
            assert.match(table, /app\/search-eu-west-1-1.*policy organization\/fleet\/prod all-databases/);
            assert.match(table, new RegExp(`skipped: account ${id("closed")} \\(closed\\) is SUSPENDED`));
            assert.match(table, new RegExp(`error: account ${id("legacy")} \\(assume-role\\): could not assume`));
            assert.match(table, /up to minutes old/);
            assert.match(table, /error: account \d{12} region us-east-1 secret app\/search-us-east-1-2 \(list-secret-version-ids\): its pending version's age is unknown/);

            // The CSV: RFC 4180, read back field by field; a row per secret, then the refusing account's.
            const records = parseCsv(readFileSync(csvFile, "utf8"));
            assert.deepEqual(records[0], [...CSV_COLUMNS]);
            assert.equal(records.length, 1 + 12 + 1);
            const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
            const row = records.find((r) => r[column("name")] === "app/payments-us-east-1-1")!;
            assert.deepEqual([row[column("declared_by_kind")], row[column("declared_by_resource")], row[column("rotation_enabled")], row[column("schedule")]], ["declaration", "db-payments", "true", "every 30 days"]);
            const undatedRow = records.find((r) => r[column("name")] === "app/search-us-east-1-2")!;
            assert.match(undatedRow[column("error")]!, /^list-secret-version-ids: ListSecretVersionIds on .* failed/s);
            const last = records.at(-1)!;
            assert.equal(last[column("account")], id("legacy"));
            assert.match(last[column("error")]!, /^assume-role: could not assume .*AccessDenied/);
            assert.ok(records.slice(1).every((r) => r.length === CSV_COLUMNS.length), "every record has every column");

            // Explicit accounts instead of the organization: no ListAccounts. A region that fails (one moto
            // does not serve: an HTML 500, as a region not enabled fails in AWS) is an entry per account,
            // beside the other region's secrets (exit 4 | 8). CSV on stdout is the same format.
            proxy.requests.length = 0;
            const listed = await inventoryCli(["--accounts", `${id("search")},${id("payments")}`, "--regions", "eu-west-1,zz-west-9", "--format", "csv"], 12);
            assert.deepEqual([...new Set(proxy.calls())].sort(), ["secretsmanager.ListSecretVersionIds", "secretsmanager.ListSecrets", "sts.AssumeRole", "sts.GetCallerIdentity"]);
            assert.equal(proxy.calls().filter((c) => c === "sts.AssumeRole").length, 2, "one AssumeRole per account");
            const listedRecords = parseCsv(listed.stdout);
            assert.equal(listedRecords.length, 1 + 4 + 2);
            assert.deepEqual(
                listedRecords.slice(1).filter((r) => r[column("error")] !== "").map((r) => [r[column("account")], r[column("region")], r[column("error")]!.replace(/:.*/s, "")]),
                [id("payments"), id("search")].sort().map((a) => [a, "zz-west-9", "list-secrets"]),
            );
        });
    });

    test("bad input is refused before any call, naming the flag and the rule", async () => {
        proxy.requests.length = 0;
        const badAccount = await inventoryCli(["--accounts", "12345", "--regions", "us-east-1"], 1);
        assert.match(badAccount.stderr, /--accounts must be comma-separated 12-digit AWS account ids \(got "12345"\)/);
        const badPattern = await inventoryCli(["--role-arn-pattern", "arn:aws:iam::111111111111:role/audit", "--regions", "us-east-1"], 1);
        assert.match(badPattern.stderr, /--role-arn-pattern must contain \{account\}/);
        assert.deepEqual(proxy.calls(), []);
    });
});
