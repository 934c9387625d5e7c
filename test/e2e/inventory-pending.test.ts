// End to end: the organization inventory's pending findings (`pulumi-secret-rotation inventory`,
// the package's bin) against moto behind the AWS front, which dates versions as a test says
// (setVersionCreatedDate: moto has no clock to advance). A pending version's age is only in
// ListSecretVersionIds; the inventory asks it for a secret whose AWSPENDING is on a version of its
// own and for no other, so a stranded rotation (older than the 2 h grace period) and one running
// longer than the threshold are reported, as the review reports them. The account, its roles and
// IAM are organization-inventory.test.ts's subject; here one account (moto's), given by --accounts.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";
import Ajv from "ajv";
import addFormats from "ajv-formats";

import type { InventoryReport } from "../../src/review/inventory";
import { describeResult, PulumiResult, repoRoot, runProcess } from "../support/pulumi";
import { createSecret, secretsManager, versionIdFor } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const ACCOUNT = "123456789012";
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
const validateInventory = ajv.compile(JSON.parse(readFileSync(join(repoRoot(), "schemas", "organization-inventory.v1.json"), "utf8")));

let dir: string;
before(() => {
    dir = mkdtempSync(join(tmpdir(), "psr-inventory-pending-"));
});
after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

async function inventoryJson(extra: string[], expectCode: number): Promise<InventoryReport> {
    const env = { PATH: process.env.PATH ?? "", ...aws.env };
    const result: PulumiResult = await runProcess("node", [CLI, "inventory", "--accounts", ACCOUNT, "--regions", aws.env.AWS_REGION ?? "us-east-1", "--format", "json", ...extra], dir, env, 120_000);
    assert.equal(result.code, expectCode, `inventory exited ${result.code}, expected ${expectCode}\n${describeResult(result)}`);
    const report = JSON.parse(result.stdout) as InventoryReport;
    assert.ok(validateInventory(report), `the report must match schemas/organization-inventory.v1.json: ${ajv.errorsText(validateInventory.errors)}`);
    return report;
}

/** A version carrying AWSPENDING alone, as a rotation's createSecret step leaves it (the value is the test's, never printed). */
async function pendingVersion(secretId: string, token: string): Promise<string> {
    const versionId = versionIdFor(token);
    await secretsManager().send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: versionId, SecretString: `candidate-${token}`, VersionStages: ["AWSPENDING"] }));
    return versionId;
}

describe("organization inventory: a rotation stranded or running long is reported, its age asked only where AWSPENDING has a version of its own", () => {
    test("stranded (3 h), long-running (1.5 h), young, finished and plain secrets: ListSecretVersionIds for the three pending ones only; the threshold flag moves the long-running line", async () => {
        const stranded = await createSecret("inv/stranded", "v");
        const long = await createSecret("inv/long", "v");
        const young = await createSecret("inv/young", "v");
        const finished = await createSecret("inv/finished", "v");
        await createSecret("inv/plain", "v");
        aws.front.setVersionCreatedDate(await pendingVersion(stranded.arn, "stranded"), hoursAgo(3));
        aws.front.setVersionCreatedDate(await pendingVersion(long.arn, "long"), hoursAgo(1.5));
        await pendingVersion(young.arn, "young");
        // A finished rotation leaves AWSPENDING on the AWSCURRENT version: healthy, nothing to date.
        await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: finished.arn, VersionStage: "AWSPENDING", MoveToVersionId: finished.versionId }));

        aws.front.clearCalls();
        const report = await inventoryJson([], 4);
        const byName = new Map(report.secrets.map((s) => [s.name, s]));
        const pendingCodes = (name: string) => byName.get(name)!.findings.map((f) => f.code).filter((c) => c.startsWith("pending-"));
        assert.deepEqual(pendingCodes("inv/stranded"), ["pending-stranded"]);
        assert.match(byName.get("inv/stranded")!.findings.find((f) => f.code === "pending-stranded")!.message, /stranded on version .*, 3\.0 h old/);
        assert.deepEqual(pendingCodes("inv/long"), ["pending-long-running"]);
        assert.match(byName.get("inv/long")!.findings.find((f) => f.code === "pending-long-running")!.message, /in progress for 1\.5 h .*longer than 1\.0 h/);
        for (const name of ["inv/young", "inv/finished", "inv/plain"]) assert.deepEqual(pendingCodes(name), [], name);
        assert.ok(report.secrets.every((s) => s.pendingAgeError === undefined));

        const dated = aws.front.calls().filter((c) => c.operation === "ListSecretVersionIds").map((c) => c.secretId).sort();
        assert.deepEqual(dated, [long.arn, stranded.arn, young.arn].sort(), "ListSecretVersionIds for each secret whose AWSPENDING is on a version of its own, and no other");
        assert.equal(report.calls.listSecretVersionIds, 3);
        assert.equal(report.calls.listSecrets, 1);
        assert.equal(aws.front.calls().filter((c) => c.operation === "DescribeSecret").length, 0, "nothing is described: the listing has the labels");
        assert.equal(report.thresholds.pendingLongRunningMinutes, 60);

        // The same judgment with a threshold given on the command line: 1.5 h is no longer long.
        const relaxed = await inventoryJson(["--pending-long-running", "2h", "--max-days-since-rotation", "30"], 4);
        const relaxedLong = relaxed.secrets.find((s) => s.name === "inv/long")!;
        assert.deepEqual(relaxedLong.findings.map((f) => f.code).filter((c) => c.startsWith("pending-")), []);
        assert.deepEqual(relaxed.thresholds, { maxIntervalDays: 90, maxDaysSinceRotation: 30, pendingLongRunningMinutes: 120 });
        assert.deepEqual(relaxed.secrets.find((s) => s.name === "inv/stranded")!.findings.map((f) => f.code).filter((c) => c.startsWith("pending-")), ["pending-stranded"]);

        // A dating refused (as a role without secretsmanager:ListSecretVersionIds is): the secret is
        // listed, its age unknown and said so, no pending finding, and exit bit 8 on its own (bit 4:
        // the findings of the others).
        aws.front.script([{ operation: "ListSecretVersionIds", secretId: stranded.arn, fault: "access-denied" }]);
        const refused = await inventoryJson([], 12);
        const undated = refused.secrets.find((s) => s.name === "inv/stranded")!;
        assert.match(
            undated.pendingAgeError ?? "",
            /^ListSecretVersionIds on .*inv\/stranded.* was denied: the caller lacks the IAM permission secretsmanager:ListSecretVersionIds \(the policy of the role the inventory assumes is policy\/inventory-iam-policy\.json/,
        );
        assert.doesNotMatch(undated.pendingAgeError ?? "", /minimal-iam-policy/, "not the provider's policy");
        assert.deepEqual(undated.findings.map((f) => f.code).filter((c) => c.startsWith("pending-")), []);
        assert.deepEqual([refused.errors, refused.summary.undated, refused.secrets.length], [[], 1, 5]);
    });
});
