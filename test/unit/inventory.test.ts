// The organization inventory's pure parts: the CSV writer's quoting (RFC 4180), who declares a
// secret from our tags, the role ARN pattern's rules, and one secret's entry with its findings.
import assert from "node:assert/strict";
import { test } from "node:test";

import { csvField, toCsv } from "../../src/review/csv";
import { declaredByOf, inventoryEntry, needsPendingDate, roleArnPatternFor, roleArnPatternProblem } from "../../src/review/inventory";
import { effectiveThresholds } from "../../providers/secretsmanager/semantics/health";
import type { ObservedSecret } from "../../providers/secretsmanager/semantics/model";

test("csvField: plain fields as is; a comma, a double quote, CR or LF makes a quoted field with quotes doubled (RFC 4180 section 2, rules 6 and 7)", () => {
    assert.equal(csvField("app/db"), "app/db");
    assert.equal(csvField(""), "");
    assert.equal(csvField(undefined), "");
    assert.equal(csvField(true), "true");
    assert.equal(csvField(30), "30");
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("line1\nline2"), '"line1\nline2"');
    assert.equal(csvField("cr\r"), '"cr\r"');
    assert.equal(csvField(" spaced "), " spaced ", "spaces are part of a field (rule 4): kept, unquoted");
    assert.equal(csvField("=SUM(A1)"), "=SUM(A1)", "never altered");
});

test("toCsv: a header, then one record per row, every record ending with CRLF", () => {
    assert.equal(toCsv(["a", "b"], [["1", "x,y"], ["", 'q"']]), 'a,b\r\n1,"x,y"\r\n,"q"""\r\n');
    assert.equal(toCsv(["only"], []), "only\r\n");
});

test("declaredByOf: the owner tag names a declaration and wins over a policy mark; a policy mark alone names the policy; no tag, undeclared", () => {
    const owner = "pulumi-secret-rotation:owner";
    const policy = "pulumi-secret-rotation:policy";
    assert.deepEqual(declaredByOf({ [owner]: "org/proj/prod/my:index:Db$db-password", [policy]: "org/proj/prod/fleet" }), {
        kind: "declaration",
        stack: "org/proj/prod",
        resource: "my:index:Db$db-password",
        identity: "org/proj/prod/my:index:Db$db-password",
    });
    assert.deepEqual(declaredByOf({ [policy]: "team/fleet/dev/all" }), { kind: "policy", stack: "team/fleet/dev", resource: "all", identity: "team/fleet/dev/all" });
    assert.equal(declaredByOf({ env: "prod" }), undefined);
    assert.equal(declaredByOf(undefined), undefined);
});

test("roleArnPatternProblem: a role ARN with {account} as its account; --role-name makes one", () => {
    assert.equal(roleArnPatternFor("audit"), "arn:aws:iam::{account}:role/audit");
    assert.equal(roleArnPatternProblem(roleArnPatternFor("OrganizationAccountAccessRole")), undefined);
    assert.equal(roleArnPatternProblem("arn:aws-us-gov:iam::{account}:role/path/audit"), undefined);
    assert.match(roleArnPatternProblem("arn:aws:iam::111111111111:role/audit")!, /must contain \{account\}/);
    assert.match(roleArnPatternProblem("arn:aws:iam::{account}:user/audit")!, /must be a role ARN/);
});

/** A listed secret of app/db, observed at `observedAt`, with what a test sets over it. */
const listed = (over: Partial<ObservedSecret> = {}, observedAt = "2026-12-02T00:00:00.000Z"): ObservedSecret => ({
    arn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/db-AbCdEf",
    name: "app/db",
    region: "eu-west-1",
    observedAt,
    rotationEnabled: true,
    versions: [{ versionId: "v1", labels: ["AWSCURRENT"] }],
    ...over,
});

test("inventoryEntry: the listing's facts, who declares it, and the review's findings (default thresholds)", () => {
    const secret = listed({
        rotationLambdaArn: "arn:aws:lambda:eu-west-1:111111111111:function:rotate",
        schedule: { kind: "days", days: 180 },
        lastRotatedDate: "2026-01-01T00:00:00.000Z",
        createdDate: "2025-01-01T00:00:00.000Z",
        tags: { "pulumi-secret-rotation:owner": "org/proj/prod/db" },
    });
    const entry = inventoryEntry("111111111111", secret, new Date("2026-12-02T00:00:00.000Z"));
    assert.equal(entry.declaredBy?.resource, "db");
    assert.deepEqual(entry.schedule, { automaticallyAfterDays: 180 });
    assert.deepEqual(entry.findings.map((f) => f.code).sort(), ["interval-too-long", "not-rotated-recently"]);
});

test("needsPendingDate: only AWSPENDING on a version of its own, and not on a secret another service rotates", () => {
    const base = listed();
    assert.equal(needsPendingDate(base), false, "no rotation pending");
    assert.equal(needsPendingDate({ ...base, versions: [{ versionId: "v1", labels: ["AWSCURRENT", "AWSPENDING"] }] }), false, "a finished rotation");
    const pending = { ...base, versions: [{ versionId: "v1", labels: ["AWSCURRENT"] }, { versionId: "v2", labels: ["AWSPENDING"] }] };
    assert.equal(needsPendingDate(pending), true, "in progress or stranded: only its age tells");
    assert.equal(needsPendingDate({ ...pending, owningService: "rds" }), false, "another service's rotation: its labels are not judged");
    assert.equal(needsPendingDate({ ...pending, deletedDate: "2026-12-09T00:00:00.000Z" }), false, "scheduled for deletion: that is its only finding");
});

test("inventoryEntry: a dated pending version is judged stranded past the grace period, long-running past the threshold given", () => {
    const secret = (hoursOld: number): ObservedSecret =>
        listed(
            {
                schedule: { kind: "days", days: 30 },
                lastRotatedDate: "2026-12-01T00:00:00.000Z",
                versions: [
                    { versionId: "v1", labels: ["AWSCURRENT"] },
                    { versionId: "v2", labels: ["AWSPENDING"], createdDate: new Date(Date.parse("2026-12-02T12:00:00.000Z") - hoursOld * 3_600_000).toISOString() },
                ],
            },
            "2026-12-02T12:00:00.000Z",
        );
    const now = new Date("2026-12-02T12:00:00.000Z");
    const codes = (hoursOld: number, thresholds = effectiveThresholds({})) => inventoryEntry("111111111111", secret(hoursOld), now, thresholds).findings.map((f) => f.code);
    assert.deepEqual(codes(3), ["pending-stranded"]);
    assert.deepEqual(codes(1.5), ["pending-long-running"]);
    assert.deepEqual(codes(0.5), []);
    assert.deepEqual(codes(1.5, effectiveThresholds({ explicit: { pendingLongRunningMs: 2 * 3_600_000 } })), []);
});
