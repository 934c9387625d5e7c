#!/usr/bin/env node
// `pulumi-secret-rotation review`: what `pulumi up` will do to each declared secret, the drift
// since the last `up`, and rotation health — read-only, for pull requests and scheduled CI jobs.
// Exit codes (docs/review-at-scale.md): bits 2 drift, 4 findings, 8 an entry that could not be
// reviewed (its error is in the report, beside every other entry); 0 clean; 1 only when the review
// could not run at all (no report).
// `pulumi-secret-rotation migrate`: declarations and steps to move rotations from
// aws.secretsmanager.SecretRotation or Terraform's aws_secretsmanager_secret_rotation
// (docs/migration.md).
// `pulumi-secret-rotation inventory`: every secret of an AWS Organization's accounts (or the listed
// ones) in the listed regions, who declares it, its rotation and its findings; table, JSON or CSV
// (docs/organization-inventory.md). Same exit bits as review: 4 findings, 8 an account or region
// not listed; 1 when it could not run at all (e.g. ListAccounts refused).
import { readFileSync, writeFileSync } from "node:fs";

import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";

import { DEFAULT_THRESHOLDS, HealthThresholds, THRESHOLD_RANGES } from "../../providers/secretsmanager/semantics/health";
import { parseDurationMs } from "../../providers/secretsmanager/semantics/inputs";
import { planMigration, renderSteps, renderTypeScript, renderYaml } from "../migrate/migration";
import { OldEstate, readPulumiExport, readTerraformState } from "../migrate/sources";
import { EXIT_CODES } from "../review/report";
import { render, REPORT_FORMATS, ReportFormat } from "../review/render";
import { review } from "../review/api";
import {
    DEFAULT_ROLE_NAME,
    DEFAULT_SESSION_NAME,
    inventory,
    roleArnPatternFor,
    roleArnPatternProblem,
} from "../review/inventory";
import { INVENTORY_FORMATS, InventoryFormat, renderInventory } from "../review/inventory-render";

function wholeNumber(option: string, min: number, max: number) {
    return (text: string): number => {
        const value = Number(text);
        if (!/^\d+$/.test(text) || value < min || value > max) {
            throw new InvalidArgumentError(`${option} must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`);
        }
        return value;
    };
}

function duration(option: string) {
    return (text: string): number => {
        const ms = parseDurationMs(text);
        if (ms === undefined || ms === 0) throw new InvalidArgumentError(`${option} must be Nm, Nh or Nd with N > 0, e.g. 1h (got ${JSON.stringify(text)})`);
        return ms;
    };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface ReviewFlags extends ThresholdFlags {
    stack: string[];
    cwd: string;
    format: ReportFormat;
    all?: boolean;
    region?: string;
    concurrency: number;
    progress: boolean;
    fromState?: boolean;
    jsonFile?: string;
}

export function program(): Command {
    const cli = new Command("pulumi-secret-rotation").description("Review, drift and health of AWS Secrets Manager rotation declared with pulumi-secret-rotation");
    // No default values for the thresholds: a flag given overrides every other source for this run;
    // one left out leaves each secret to its stack's, declaration's or policy's thresholds, else the
    // default (docs/health-thresholds.md).
    withThresholdOptions(cli.command("review"), "as configured, else ")
        .description(
            "per declared secret: declared vs live, staging labels, the calls `pulumi up` will make and why, drift since the last up, and health findings. Read-only.",
        )
        .requiredOption("-s, --stack <name>", "stack to review (repeat for several stacks of the project)", collect)
        .option("-C, --cwd <dir>", "the Pulumi project's directory", process.cwd())
        .addOption(new Option("-f, --format <format>", "output format").choices(REPORT_FORMATS as string[]).default("table"))
        .option("--all", "also list every secret of the region (ListSecrets) and report those whose rotation no reviewed stack declares")
        .option("--region <region>", "region for --all (default: the stack's aws:region, else AWS_REGION)")
        .option("--concurrency <n>", "secrets observed at once (DescribeSecret's quota is 10,000/s)", wholeNumber("--concurrency", 1, 256), 16)
        .option("--from-state", "skip the preview: review the declarations the last `up` recorded (faster, no program run; a pull request's changes are not seen)")
        .option("--json-file <path>", "also write the full JSON report to this file (e.g. the CI artifact beside a Markdown comment)")
        .option("--no-progress", "no progress bar, even on a terminal")
        .action(async (flags: ReviewFlags) => {
            process.exitCode = await runReview(flags);
        });
    // The inventory reads no stack's configuration: a flag left out is the default.
    withThresholdOptions(cli.command("inventory"), "")
        .description(
            "every secret of every account of an AWS Organization (or --accounts) in --regions: who declares it (our owner tag and policy marks), " +
                "rotation on/off, schedule, last and next rotation, health findings. Read-only: one AssumeRole per account, ListSecrets pages per account and region, ListSecretVersionIds only for a secret with a rotation pending.",
        )
        .option("--accounts <ids>", "these accounts (comma-separated 12-digit ids) instead of the organization's (Organizations ListAccounts)", accountList)
        .option("--role-name <name>", "the role assumed in each account", DEFAULT_ROLE_NAME)
        .addOption(
            new Option("--role-arn-pattern <arn>", "the role assumed in each account as an ARN with {account} for the account id (instead of --role-name), e.g. arn:aws:iam::{account}:role/audit").conflicts(
                "roleName",
            ),
        )
        .option("--session-name <name>", "the AssumeRole session name (CloudTrail shows it)", DEFAULT_SESSION_NAME)
        .option("--regions <regions>", "the regions to list (comma-separated; default: the SDK's region, AWS_REGION)", regionList)
        .addOption(new Option("-f, --format <format>", "output format").choices(INVENTORY_FORMATS as string[]).default("table"))
        .option("--json-file <path>", "also write the JSON report to this file")
        .option("--csv-file <path>", "also write the CSV to this file")
        .option("--concurrency <n>", "account-regions listed at once", wholeNumber("--concurrency", 1, 64), 8)
        .action(async (flags: InventoryFlags) => {
            process.exitCode = await runInventory(flags);
        });
    cli.command("migrate")
        .description(
            "from a `pulumi stack export` (aws.secretsmanager.SecretRotation) or a Terraform state file (aws_secretsmanager_secret_rotation): " +
                "the equivalent declarations on stdout, and on stderr the steps that move each secret with no gap and no rotation. Reads only the file.",
        )
        .option("--from-pulumi <file>", "the output of `pulumi stack export` of the stack that declares the rotations")
        .option("--from-terraform <file>", "a Terraform state file (format version 4; `terraform state pull > file` for a remote backend)")
        .addOption(new Option("-f, --format <format>", "declarations as stack configuration (yaml) or program code (ts)").choices(["yaml", "ts"]).default("yaml"))
        .option("--namespace <project>", "yaml: the configuration namespace, i.e. the name of the Pulumi project that runs the stack program", "secret-rotation")
        .action((flags: MigrateFlags) => {
            process.exitCode = runMigrate(flags);
        });
    return cli;
}

/** The three health-threshold flags, alike for review and inventory (docs/health-thresholds.md). */
function withThresholdOptions(command: Command, unsetMeans: string): Command {
    return command
        .option(
            "--max-interval-days <days>",
            `interval-too-long: the longest allowed rotation interval, over every other source (default: ${unsetMeans}${DEFAULT_THRESHOLDS.maxIntervalDays})`,
            wholeNumber("--max-interval-days", THRESHOLD_RANGES.maxIntervalDays.min, THRESHOLD_RANGES.maxIntervalDays.max),
        )
        .option(
            "--max-days-since-rotation <days>",
            `not-rotated-recently: a secret must have rotated within this many days, over every other source (default: ${unsetMeans}${DEFAULT_THRESHOLDS.maxDaysSinceRotation})`,
            wholeNumber("--max-days-since-rotation", THRESHOLD_RANGES.maxDaysSinceRotation.min, THRESHOLD_RANGES.maxDaysSinceRotation.max),
        )
        .option(
            "--pending-long-running <duration>",
            `pending-long-running: report a rotation in progress for longer than this (Nm, Nh, Nd), over every other source (default: ${unsetMeans}1h)`,
            duration("--pending-long-running"),
        );
}

interface ThresholdFlags {
    maxIntervalDays?: number;
    maxDaysSinceRotation?: number;
    pendingLongRunning?: number;
}

/** The thresholds of withThresholdOptions's flags; one left out is undefined, which overrides nothing. */
function thresholdsGiven(flags: ThresholdFlags): Partial<HealthThresholds> {
    return { maxIntervalDays: flags.maxIntervalDays, maxDaysSinceRotation: flags.maxDaysSinceRotation, pendingLongRunningMs: flags.pendingLongRunning };
}

interface MigrateFlags {
    fromPulumi?: string;
    fromTerraform?: string;
    format: "yaml" | "ts";
    namespace: string;
}

/** Exit 0 when every rotation found is migrated; 1 when the file cannot be read, or some rotation is not migrated (listed on stderr). */
function runMigrate(flags: MigrateFlags): number {
    if ((flags.fromPulumi === undefined) === (flags.fromTerraform === undefined)) {
        process.stderr.write("error: give exactly one of --from-pulumi <stack-export.json> and --from-terraform <terraform.tfstate>\n");
        return EXIT_CODES.error;
    }
    const file = (flags.fromPulumi ?? flags.fromTerraform)!;
    let estate: OldEstate;
    try {
        const document: unknown = JSON.parse(readFileSync(file, "utf8"));
        estate = flags.fromPulumi !== undefined ? readPulumiExport(document) : readTerraformState(document);
    } catch (error) {
        process.stderr.write(`error: ${file}: ${(error as Error).message}\n`);
        return EXIT_CODES.error;
    }
    const migration = planMigration(estate);
    process.stdout.write(flags.format === "ts" ? renderTypeScript(migration, file) : renderYaml(migration, flags.namespace, file));
    process.stderr.write(renderSteps(migration));
    return migration.skipped.length > 0 ? EXIT_CODES.error : EXIT_CODES.clean;
}

function accountList(text: string): string[] {
    const ids = text.split(",").map((id) => id.trim()).filter((id) => id !== "");
    const bad = ids.find((id) => !/^\d{12}$/.test(id));
    if (ids.length === 0 || bad !== undefined) throw new InvalidArgumentError(`--accounts must be comma-separated 12-digit AWS account ids (got ${JSON.stringify(bad ?? text)})`);
    return [...new Set(ids)];
}

function regionList(text: string): string[] {
    const regions = text.split(",").map((r) => r.trim()).filter((r) => r !== "");
    const bad = regions.find((r) => !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r));
    if (regions.length === 0 || bad !== undefined) throw new InvalidArgumentError(`--regions must be comma-separated AWS region names such as us-east-1 (got ${JSON.stringify(bad ?? text)})`);
    return [...new Set(regions)];
}

interface InventoryFlags extends ThresholdFlags {
    accounts?: string[];
    roleName: string;
    roleArnPattern?: string;
    sessionName: string;
    regions?: string[];
    format: InventoryFormat;
    jsonFile?: string;
    csvFile?: string;
    concurrency: number;
}

async function runInventory(flags: InventoryFlags): Promise<number> {
    const pattern = flags.roleArnPattern ?? roleArnPatternFor(flags.roleName);
    const problem = roleArnPatternProblem(pattern);
    if (problem) {
        process.stderr.write(`error: ${problem}\n`);
        return EXIT_CODES.error;
    }
    if (!/^[\w+=,.@-]{2,64}$/.test(flags.sessionName)) {
        // AssumeRole's RoleSessionName: 2-64 characters of [\w+=,.@-] (STS API reference).
        process.stderr.write(`error: --session-name must be 2 to 64 characters of letters, digits and _+=,.@- (got ${JSON.stringify(flags.sessionName)})\n`);
        return EXIT_CODES.error;
    }
    const regions = flags.regions ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION ? [(process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION)!] : undefined);
    if (!regions) {
        process.stderr.write("error: --regions: name the regions to list (no AWS_REGION is set)\n");
        return EXIT_CODES.error;
    }
    try {
        const report = await inventory({
            ...(flags.accounts ? { accounts: flags.accounts } : {}),
            roleArnPattern: pattern,
            sessionName: flags.sessionName,
            regions,
            concurrency: flags.concurrency,
            thresholds: thresholdsGiven(flags),
        });
        if (flags.jsonFile !== undefined) writeFileSync(flags.jsonFile, renderInventory(report, "json") + "\n");
        if (flags.csvFile !== undefined) writeFileSync(flags.csvFile, renderInventory(report, "csv"));
        const out = renderInventory(report, flags.format);
        process.stdout.write(flags.format === "csv" ? out : out + "\n");
        return report.exitCode;
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        return EXIT_CODES.error;
    }
}

async function runReview(flags: ReviewFlags): Promise<number> {
    if (flags.region !== undefined && !flags.all) {
        // The stacks' secrets are observed in their own regions; silently ignoring it would mislead.
        process.stderr.write("error: --region only applies with --all (the region whose secrets are listed)\n");
        return EXIT_CODES.error;
    }
    const interactive = process.stderr.isTTY === true && flags.progress;
    try {
        const bar = interactive ? new SingleBar({ format: "observing secrets [{bar}] {value}/{total}", stream: process.stderr, clearOnComplete: true }) : undefined;
        let barStarted = false;
        const report = await review({
            stacks: flags.stack,
            cwd: flags.cwd,
            fromState: flags.fromState === true,
            // Only the flags given (api.ts drops the undefined ones): they override every other source.
            thresholds: thresholdsGiven(flags),
            concurrency: flags.concurrency,
            ...(flags.all ? { all: flags.region ?? true } : {}),
            ...(interactive ? { onStack: (stack: string) => process.stderr.write(flags.fromState ? `reading stack ${stack}…\n` : `previewing stack ${stack} (no refresh, no change)…\n`) } : {}),
            ...(bar
                ? {
                      onProgress: (done: number, total: number) => {
                          if (!barStarted) bar.start(total, 0);
                          barStarted = true;
                          bar.update(done);
                      },
                  }
                : {}),
        });
        bar?.stop();
        // The file first: the comment's "see the JSON artifact" must hold whenever a comment is posted.
        if (flags.jsonFile !== undefined) writeFileSync(flags.jsonFile, render(report, "json") + "\n");
        process.stdout.write(render(report, flags.format) + "\n");
        return report.exitCode;
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        return EXIT_CODES.error;
    }
}

if (require.main === module) {
    program()
        .exitOverride((error) => {
            // Usage errors (bad or missing options) are errors too: exit code 1, documented.
            process.exit(error.exitCode === 0 ? 0 : EXIT_CODES.error);
        })
        .parseAsync(process.argv)
        .catch((error: Error) => {
            process.stderr.write(`error: ${error.message}\n`);
            process.exit(EXIT_CODES.error);
        });
}
