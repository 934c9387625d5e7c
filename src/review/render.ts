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

export interface RenderOptions {
    /** Markdown only: the most characters the comment may have (default MARKDOWN_BUDGET). */
    budget?: number;
}

export function render(report: ReviewReport, format: ReportFormat, options: RenderOptions = {}): string {
    switch (format) {
        case "json":
            return JSON.stringify(report, null, 2);
        case "markdown":
            return markdown(report, options.budget ?? MARKDOWN_BUDGET);
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

/**
 * GitHub refuses an issue or pull request comment over 65,536 characters (its REST API answers 422
 * "body is too long"); the Markdown stays within this budget, a margin below it, whatever the fleet.
 */
export const MARKDOWN_BUDGET = 60_000;

/** The hidden line that marks a comment as this review's, for the stacks reviewed: how a CI recipe finds its own comment to edit. */
export function reviewMarker(report: Pick<ReviewReport, "stacks">): string {
    return `<!-- pulumi-secret-rotation:review stack=${report.stacks.map((s) => s.stack).join(",")} -->`;
}

export const ARTIFACT_LINE = "The full report, every secret with every field, is the JSON (`--format json`, or `--json-file <path>` beside this format), kept as the CI run's artifact.";

/**
 * Something a reviewer acts on: an error, drift, a finding, a call, a refusal, or a change the pull
 * request makes. Notes alone are not (every secret in line has one: "the live rotation already
 * matches the declaration: no call"); they are shown with the calls of an entry that is listed.
 */
export function isActionable(r: SecretReview): boolean {
    return r.error !== undefined || r.drift.length > 0 || r.findings.length > 0 || r.plan.calls.length > 0 || r.plan.blocked !== undefined || r.step !== "same";
}

/** Errors first, then drift, then findings, then the rest (calls, notes, changes): what is cut when over budget is the least urgent. */
const urgency = (r: SecretReview) => (r.error !== undefined ? 0 : r.drift.length > 0 ? 1 : r.findings.length > 0 ? 2 : 3);

/** Lines added while they fit in the budget; what does not fit is counted by the caller. */
class BudgetedLines {
    readonly lines: string[] = [];
    private used = 0;
    constructor(private readonly limit: number) {}
    /** Adds the lines (one block, all or nothing) if they fit, keeping `reserve` characters free. */
    add(block: string[], reserve = 0): boolean {
        const size = block.reduce((n, line) => n + line.length + 1, 0);
        if (this.used + size + reserve > this.limit) return false;
        this.lines.push(...block);
        this.used += size;
        return true;
    }
    /** Adds the lines whatever the budget: short lines the rest were reserved for. */
    force(block: string[]): void {
        this.lines.push(...block);
        this.used += block.reduce((n, line) => n + line.length + 1, 0);
    }
}

// Room kept for what is always written after the entries: the counts of what was cut, the
// artifact line and the marker (one short line per stack and section at most).
const reserveFor = (report: ReviewReport) => 1_000 + 400 * report.stacks.length;

/** A single declaration by its resource name; a policy's entry by the policy and the secret, since one policy has many. */
const nameOf = (r: SecretReview) => (r.policy !== undefined ? `\`${r.resource}\`\n${r.secretId}` : `\`${r.resource}\``);

function secretRow(r: SecretReview): string {
    const live = r.error !== undefined ? "not read" : config(r.live, false);
    const found = [...(r.error !== undefined ? [`error: ${r.error}`] : []), ...findings(r.findings)];
    return `| ${cell(nameOf(r))} | ${r.step} | ${cell(config(r.declared, true))} | ${cell(live)} | ${cell(labels(r.labels))} | ${cell(drift(r).join("\n") || "none")} | ${cell(found.join("\n") || "none")} |`;
}

function callsBlock(r: SecretReview): string[] {
    const lines = calls(r);
    return [
        `<details${r.plan.calls.length > 0 ? " open" : ""}><summary><code>${r.resource}</code>${r.policy !== undefined ? ` ${r.secretId}` : ""}: ${r.plan.calls.length} call(s) <code>pulumi up</code> will make</summary>`,
        "",
        ...(lines.length > 0 ? lines.map((l) => (/^\d+\./.test(l) ? l : `- ${l}`)) : ["- none"]),
        "",
        "</details>",
        "",
    ];
}

function countOf(entries: SecretReview[]): string {
    const n = (f: (r: SecretReview) => boolean) => entries.filter(f).length;
    return `${n((r) => r.error !== undefined)} error(s), ${n((r) => r.drift.length > 0)} drifted, ${n((r) => r.findings.length > 0)} with findings, ${n((r) => r.plan.calls.length > 0)} with calls`;
}

/**
 * The pull request comment: the summary, then per stack the entries to act on (errors, drift,
 * findings, calls `up` will make, changes) with their calls, then what has nothing to act on,
 * collapsed — each part only while it fits in `budget`; what does not fit is counted, naming the
 * JSON artifact that has it all. The marker is the last line.
 */
function markdown(report: ReviewReport, budget: number): string {
    const out = new BudgetedLines(budget);
    const reserve = reserveFor(report);
    out.force(["### Secret rotation review", ""]);
    if (isAllClean(report)) {
        out.force([`✅ ${cleanLine(report)}`, "", reviewMarker(report), ""]);
        return out.lines.join("\n");
    }
    out.force([summaryLine(report), ""]);
    const quiet: { stack: string; entries: SecretReview[] }[] = [];
    for (const stack of report.stacks) {
        const actionable = stack.secrets.filter(isActionable).sort((a, b) => urgency(a) - urgency(b));
        quiet.push({ stack: stack.stack, entries: stack.secrets.filter((r) => !isActionable(r)) });
        out.force([`#### Stack \`${stack.stack}\`: ${actionable.length} of ${stack.secrets.length} listed entr${stack.secrets.length === 1 ? "y" : "ies"} to act on`, ""]);
        if (actionable.length > 0) {
            out.force(["| secret | step | declared | live | labels | drift | findings |", "| --- | --- | --- | --- | --- | --- | --- |"]);
            let shown = 0;
            while (shown < actionable.length && out.add([secretRow(actionable[shown]!)], reserve)) shown++;
            const cut = actionable.slice(shown);
            out.force([...(cut.length > 0 ? ["", `**${cut.length} more to act on are not shown here** (${countOf(cut)}): see the JSON artifact.`] : []), ""]);
            for (const line of [...(stack.policies ?? []).map(policyLine), ...orphanLines(stack)]) out.add([`- ${line}`], reserve);
            out.add([""], reserve);
            let detailed = 0;
            const withCalls = actionable.slice(0, shown).filter((r) => calls(r).length > 0);
            while (detailed < withCalls.length && out.add(callsBlock(withCalls[detailed]!), reserve)) detailed++;
            if (detailed < withCalls.length) out.force([`The calls of ${withCalls.length - detailed} more listed entr${withCalls.length - detailed === 1 ? "y" : "ies"} are in the JSON artifact.`, ""]);
        } else {
            for (const line of [...(stack.policies ?? []).map(policyLine), ...orphanLines(stack)]) out.add([`- ${line}`], reserve);
            out.add([""], reserve);
        }
    }
    if (report.inventory) {
        const { region, undeclared, secretsListed } = report.inventory;
        const withFindings = undeclared.filter((u) => u.findings.length > 0);
        out.force([`#### Secrets of ${region} that no stack declares (${undeclared.length} of ${secretsListed})`, ""]);
        if (withFindings.length > 0) {
            out.force(["| secret | live | findings |", "| --- | --- | --- |"]);
            let shown = 0;
            while (shown < withFindings.length && out.add([`| ${cell(withFindings[shown]!.arn)} | ${cell(config(withFindings[shown]!.live, false))} | ${cell(findings(withFindings[shown]!.findings).join("\n"))} |`], reserve)) shown++;
            if (shown < withFindings.length) out.force(["", `**${withFindings.length - shown} more undeclared secret(s) with findings are not shown here**: see the JSON artifact.`]);
            out.force([""]);
        }
        const healthy = undeclared.filter((u) => u.findings.length === 0);
        if (healthy.length > 0) quietBlock(out, reserve, `${healthy.length} undeclared secret(s) with no finding`, healthy.map((u) => `- ${u.arn}`));
    }
    for (const { stack, entries } of quiet) {
        if (entries.length > 0) quietBlock(out, reserve, `Stack <code>${stack}</code>: ${entries.length} entr${entries.length === 1 ? "y" : "ies"} with nothing to act on`, entries.map((r) => `- \`${r.resource}\` (${r.secretId})`));
    }
    out.force([ARTIFACT_LINE, "", reviewMarker(report), ""]);
    return out.lines.join("\n");
}

/** A collapsed list when it fits, else its count alone. */
function quietBlock(out: BudgetedLines, reserve: number, title: string, items: string[]): void {
    if (!out.add([`<details><summary>${title}</summary>`, "", ...items, "", "</details>", ""], reserve)) out.force([`${title}: not listed here (over the comment's size budget); see the JSON artifact.`, ""]);
}
