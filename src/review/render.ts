// The report in three forms: a table for a terminal, Markdown for a pull request comment, JSON for
// machines (the report itself; schema in schemas/review-report.v1.json).
import Table from "cli-table3";

import { describeSchedule, scheduleFromInput } from "../../providers/secretsmanager/semantics/schedule";
import type { ScheduleInput } from "../../providers/secretsmanager/semantics/model";
import { InventoryEntry, LabelEntry, LiveState, PolicyReview, ReviewReport, RotationConfig, SecretReview, StackReview } from "./report";

export type ReportFormat = "table" | "markdown" | "json";
export const REPORT_FORMATS: readonly ReportFormat[] = ["table", "markdown", "json"];

/** Nothing to act on: no planned call, no drift, no finding, no error, no undeclared secret with a finding. */
export function isAllClean(report: ReviewReport): boolean {
    const s = report.summary;
    const inventoryFindings = report.inventory?.undeclared.some((u) => u.findings.length > 0) ?? false;
    const orphans = report.stacks.some((stack) => (stack.orphans?.orphaned.length ?? 0) > 0);
    return s.plannedCalls === 0 && s.drifted === 0 && s.findings === 0 && s.errors === 0 && !inventoryFindings && !orphans;
}

/** The stack's orphaned tags (with --all), each with how to reclaim it, and the tags naming stacks not reviewed. */
function orphanLines(stack: StackReview): string[] {
    const o = stack.orphans;
    if (!o) return [];
    const lines = o.orphaned.map((e) => `orphan: secret ${e.name}: ${e.tag}=${e.identity} names this stack but none of its resources; to reclaim: ${e.reclaim}`);
    for (const other of o.otherStacks) {
        lines.push(`${other.secrets} secret(s) carry tags naming the stack ${other.stack}, which was not reviewed: whether it still holds them cannot be judged from here (review that stack, or reclaim with takeOverFrom once it is gone)`);
    }
    return lines;
}

export function render(report: ReviewReport, format: ReportFormat): string {
    switch (format) {
        case "json":
            return JSON.stringify(report, null, 2);
        case "markdown":
            return markdown(report);
        case "table":
            return table(report);
    }
}

function cleanLine(report: ReviewReport): string {
    const undeclared = report.inventory ? `, ${report.inventory.undeclared.length} undeclared secret(s) of ${report.inventory.secretsListed} listed, all healthy` : "";
    return `all clean: ${report.summary.secrets} declared secret(s) reviewed; no change, no drift, no finding${undeclared}`;
}

function summaryLine(report: ReviewReport): string {
    const s = report.summary;
    return (
        `${s.secrets} secret(s): ${s.plannedCalls} call(s) planned, ${s.drifted} drifted, ${s.findings} finding(s), ${s.errors} error(s)` +
        (report.inventory ? `, ${s.undeclared} undeclared of ${report.inventory.secretsListed} listed` : "") +
        ` — exit code ${report.exitCode}`
    );
}

const schedule = (s?: ScheduleInput) => describeSchedule(scheduleFromInput(s));

const lambdaName = (arn?: string) => (arn ? arn.slice(arn.lastIndexOf(":function:") + 10) : "none");

function config(c: RotationConfig | LiveState | null, declared: boolean): string {
    if (!c) return "(no longer declared)";
    if ("exists" in c && !c.exists) return "missing";
    const lambda = declared && c.rotationLambdaArn === undefined ? "(live one)" : lambdaName(c.rotationLambdaArn);
    const sched = declared && c.schedule === undefined ? "(live one)" : schedule(c.schedule);
    const deleted = "deletedDate" in c && c.deletedDate ? `\nscheduled for deletion ${c.deletedDate}` : "";
    const owner = "owner" in c && c.owner ? `\nowner ${c.owner}` : "";
    return `${c.enabled ? "on" : "off"}\nλ ${lambda}\n${sched}${deleted}${owner}`;
}

function labels(entries: LabelEntry[]): string {
    return entries.map((l) => `${l.label} ${l.versionId.slice(0, 8)}${l.ageHours !== undefined ? ` (${l.ageHours} h)` : ""}`).join("\n") || "—";
}

function calls(r: SecretReview): string[] {
    if (r.error) return [`error: ${r.error}`];
    if (r.plan.blocked) return [`blocked: ${r.plan.blocked}`];
    return [...r.plan.calls.map((c, i) => `${i + 1}. ${c.call} — ${c.why}`), ...r.plan.notes.map((n) => `note: ${n}`)];
}

/** One line per rotation policy: what it governs, how many are in line (not listed), what it passes over. */
function policyLine(p: PolicyReview): string {
    if (p.error) return `policy ${p.resource} (${p.step}): error: ${p.error}`;
    const passed = Object.entries(p.passedOver).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`).join(", ") || "none";
    return `policy ${p.resource} (${p.step}, ${p.mode ?? "?"}, ${p.account ?? "?"}/${p.region ?? "?"}): governs ${p.governed} of ${p.secretsListed} listed secret(s), ${p.inLine} in line and not listed; passed over: ${passed}${p.managedSecrets ? `; managed secrets: ${p.managedSecrets}` : ""}`;
}

const drift = (r: SecretReview) => r.drift.map((d) => `${d.property}: ${JSON.stringify(d.recorded)} → ${JSON.stringify(d.live)}`);
const findings = (f: { code: string; message: string }[]) => f.map((x) => `${x.code}: ${x.message}`);

function table(report: ReviewReport): string {
    if (isAllClean(report)) return cleanLine(report);
    const out: string[] = [];
    for (const stack of report.stacks) {
        const t = new Table({
            head: ["secret", "step", "declared", "live", "labels", "calls `up` will make, and why", "drift", "findings"],
            wordWrap: true,
            colWidths: [22, 9, 20, 20, 22, 46, 28, 34],
            style: { head: [], border: [] },
        });
        for (const r of stack.secrets) {
            t.push([r.policy ? `policy ${r.resource}\n${r.secretId}` : `${r.resource}\n${r.secretId}`, r.step, config(r.declared, true), config(r.live, false), labels(r.labels), calls(r).join("\n") || "none", drift(r).join("\n") || "none", findings(r.findings).join("\n") || "none"]);
        }
        out.push(`stack ${stack.stack}`, t.toString(), ...(stack.policies ?? []).map(policyLine), ...orphanLines(stack));
    }
    if (report.inventory) out.push(...inventoryTable(report.inventory.undeclared, report.inventory.region));
    out.push(summaryLine(report));
    return out.join("\n");
}

function inventoryTable(undeclared: InventoryEntry[], region: string): string[] {
    if (undeclared.length === 0) return [`no secret of ${region} is left undeclared`];
    const t = new Table({ head: ["undeclared secret", "live", "labels", "findings"], wordWrap: true, colWidths: [40, 24, 26, 60], style: { head: [], border: [] } });
    for (const u of undeclared) t.push([u.arn, config(u.live, false), labels(u.labels), findings(u.findings).join("\n") || "none"]);
    return [`secrets of ${region} whose rotation no reviewed stack declares`, t.toString()];
}

// Markdown: escape what would break a table cell.
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, "<br>");

function markdown(report: ReviewReport): string {
    if (isAllClean(report)) return `### Secret rotation review\n\n✅ ${cleanLine(report)}\n`;
    const out = ["### Secret rotation review", "", summaryLine(report), ""];
    for (const stack of report.stacks) {
        out.push(`#### Stack \`${stack.stack}\``, "", "| secret | step | declared | live | labels | drift | findings |", "| --- | --- | --- | --- | --- | --- | --- |");
        for (const r of stack.secrets) {
            out.push(
                `| ${cell(`\`${r.resource}\``)} | ${r.step} | ${cell(config(r.declared, true))} | ${cell(config(r.live, false))} | ${cell(labels(r.labels))} | ${cell(drift(r).join("\n") || "none")} | ${cell(findings(r.findings).join("\n") || "none")} |`,
            );
        }
        out.push("", ...[...(stack.policies ?? []).map(policyLine), ...orphanLines(stack)].map((line) => `- ${line}`), "");
        for (const r of stack.secrets) {
            const lines = calls(r);
            out.push(`<details${lines.length > 0 && r.plan.calls.length > 0 ? " open" : ""}><summary><code>${r.resource}</code>: ${r.plan.calls.length} call(s) <code>pulumi up</code> will make</summary>`, "");
            out.push(...(lines.length > 0 ? lines.map((l) => (/^\d+\./.test(l) ? l : `- ${l}`)) : ["- none"]), "", "</details>", "");
        }
    }
    if (report.inventory) {
        out.push(`#### Secrets of ${report.inventory.region} that no stack declares (${report.inventory.undeclared.length} of ${report.inventory.secretsListed})`, "");
        if (report.inventory.undeclared.length > 0) {
            out.push("| secret | live | findings |", "| --- | --- | --- |");
            for (const u of report.inventory.undeclared) out.push(`| ${cell(u.arn)} | ${cell(config(u.live, false))} | ${cell(findings(u.findings).join("\n") || "none")} |`);
        }
        out.push("");
    }
    return out.join("\n");
}
