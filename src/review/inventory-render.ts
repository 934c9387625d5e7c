// The organization inventory in three forms: a table for a terminal, JSON (the report itself;
// schema in schemas/organization-inventory.v1.json) and CSV for an auditor's spreadsheet (one row
// per secret, then one row per account or region that could not be listed).
import Table from "cli-table3";

import { describeSchedule, scheduleFromInput } from "../../providers/secretsmanager/semantics/schedule";
import { toCsv } from "./csv";
import type { InventoryReport, InventorySecret } from "./inventory";

export type InventoryFormat = "table" | "json" | "csv";
export const INVENTORY_FORMATS: readonly InventoryFormat[] = ["table", "json", "csv"];

/** The CSV's columns, in order (docs/organization-inventory.md lists their meaning). */
export const CSV_COLUMNS = [
    "account",
    "region",
    "name",
    "arn",
    "declared_by_kind",
    "declared_by_stack",
    "declared_by_resource",
    "rotation_enabled",
    "schedule",
    "last_rotated",
    "next_rotation",
    "owning_service",
    "finding_codes",
    "findings",
    "error",
] as const;

const schedule = (s: InventorySecret) => (s.schedule ? describeSchedule(scheduleFromInput(s.schedule)) : "");
const declaredBy = (s: InventorySecret) => (s.declaredBy ? `${s.declaredBy.kind} ${s.declaredBy.stack} ${s.declaredBy.resource}` : "undeclared");

export function renderInventory(report: InventoryReport, format: InventoryFormat): string {
    if (format === "json") return JSON.stringify(report, null, 2);
    if (format === "csv") return csv(report);
    return table(report);
}

function csv(report: InventoryReport): string {
    const rows = report.secrets.map((s) => [
        s.account,
        s.region,
        s.name,
        s.arn,
        s.declaredBy?.kind ?? "",
        s.declaredBy?.stack ?? "",
        s.declaredBy?.resource ?? "",
        s.rotationEnabled,
        schedule(s),
        s.lastRotatedDate,
        s.nextRotationDate,
        s.owningService,
        s.findings.map((f) => f.code).join(" "),
        s.findings.map((f) => f.message).join("\n"),
        s.pendingAgeError !== undefined ? `list-secret-version-ids: ${s.pendingAgeError}` : "",
    ]);
    // An account or region that could not be listed is a row too: an auditor must see the gap in the file itself.
    for (const e of report.errors) rows.push([e.account, e.region ?? "", "", "", "", "", "", "", "", "", "", "", "", "", `${e.stage}: ${e.error}`]);
    return toCsv(CSV_COLUMNS, rows);
}

function table(report: InventoryReport): string {
    const lines: string[] = [];
    const s = report.summary;
    const source = report.scope.accounts === "organization" ? "the organization's accounts" : "the listed accounts";
    lines.push(
        `Organization inventory: ${s.secrets} secret(s) in ${s.accounts} account(s) x ${s.regions} region(s) (${source}, role ${report.scope.roleArnPattern}); ` +
            `${s.declared} declared, ${s.undeclared} undeclared, ${s.findings} finding(s), ${s.errors} account(s)/region(s) not listed` +
            (s.undated > 0 ? `, ${s.undated} pending version(s) not dated.` : "."),
    );
    lines.push(report.listing);
    for (const skipped of report.scope.skipped) lines.push(`skipped: account ${skipped.account}${skipped.name ? ` (${skipped.name})` : ""} is ${skipped.status}`);
    if (report.secrets.length > 0) {
        const t = new Table({ head: ["account", "region", "secret", "declared by", "rotation", "schedule", "last rotated", "next rotation", "findings"], style: { head: [], border: [] } });
        for (const secret of report.secrets) {
            t.push([
                secret.account,
                secret.region,
                secret.name,
                declaredBy(secret),
                secret.rotationEnabled ? "on" : "off",
                schedule(secret),
                secret.lastRotatedDate ?? "",
                secret.nextRotationDate ?? "",
                secret.findings.map((f) => f.code).join(", "),
            ]);
        }
        lines.push(t.toString());
    }
    for (const e of report.errors) lines.push(`error: account ${e.account}${e.region ? ` region ${e.region}` : ""} (${e.stage}): ${e.error}`);
    for (const s of report.secrets.filter((s) => s.pendingAgeError !== undefined)) {
        lines.push(`error: account ${s.account} region ${s.region} secret ${s.name} (list-secret-version-ids): its pending version's age is unknown, no pending finding made: ${s.pendingAgeError}`);
    }
    const c = report.calls;
    lines.push(
        `AWS calls: ${c.listAccounts} ListAccounts page(s), ${c.assumeRole} AssumeRole, ${c.getCallerIdentity} GetCallerIdentity, ${c.listSecrets} ListSecrets page(s), ` +
            `${c.listSecretVersionIds} ListSecretVersionIds page(s) (pending versions only).`,
    );
    return lines.join("\n");
}
