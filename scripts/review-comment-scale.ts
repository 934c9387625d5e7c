// Proves the pull request comment at fleet scale with the real CLI (issue 23, item 1): N secrets
// (default 10,000) in moto behind the AWS front, ONE stack with ONE SecretRotationPolicy over all
// of them (`pulumi up`, the limiter at the documented quota of 50 calls/s), then 10 secrets made to
// drift and 3 given health findings out of band, then the package's bin:
//
//   pulumi-secret-rotation review --stack <s> --format markdown --json-file <f>
//
// It asserts the exit code (drift and findings bits, nothing else), a Markdown under GitHub's
// 65,536 characters that names each of the 13 in a row of its own, and a JSON report that accounts
// for all N; and, before the `up`, the same for the pull request that adds the policy (every one
// of the N secrets has calls to make and a finding, so the comment must be cut to its budget).
// Prints the sizes, the calls by kind (the front's call log) and the wall times.
//
// Not part of `npm test` (at 10,000 it took 6.5 minutes on 2 cores, 4.8 of them the `up`):
// docs/review-at-scale.md has the figures.
//   bash scripts/with-toolchain.sh bash -c 'tsc -p tsconfig.json && node dist/scripts/review-comment-scale.js --secrets 10000'
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { RotateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import type { ReviewReport, SecretReview } from "../src/review/report";
import type { AwsFront } from "../test/support/aws-front";
import { describeResult, repoRoot, runProcess, TestStack, waitBeforeEachCommand } from "../test/support/pulumi";
import { createRotationLambda, createSecretsInBatches } from "../test/support/seed";
import { startLocalAws } from "../test/support/services";

/** GitHub refuses an issue or pull request comment longer than this (REST API: 422 "body is too long"). */
const GITHUB_COMMENT_LIMIT = 65_536;
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
// package.json "bin": pulumi-secret-rotation -> dist/src/cli/main.js
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const PREFIX = "comment";
const POLICY = "rotate-all";
const DRIFTED = 10;
const WITH_FINDINGS = 3;
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue", "CreateSecret", "DeleteSecret"];
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
const log = (message: string) => console.log(`[review-comment ${new Date().toISOString().slice(11, 19)}] ${message}`);

function options(): { secrets: number; batch: number } {
    const { values } = parseArgs({ options: { secrets: { type: "string", default: "10000" }, batch: { type: "string", default: "50" } } });
    const whole = (name: string, text: string, min: number, max: number) => {
        const n = Number(text);
        if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: a whole number from ${min} to ${max}, got "${text}"`);
        return n;
    };
    return { secrets: whole("secrets", values.secrets!, 100, 100_000), batch: whole("batch", values.batch!, 1, 256) };
}

/** Every check, passed or not, is printed; the script fails if any did (so one run shows every failure). */
class Checks {
    readonly failed: string[] = [];
    check(ok: boolean, what: string, detail = ""): void {
        console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
        if (!ok) this.failed.push(what);
    }
}

/** The out-of-band changes after `up`: which secret gets which, spread over the fleet. */
interface Plan {
    lambdaDrift: string[];
    scheduleDrift: string[];
    /** name → the finding codes the review must give it. */
    findings: Map<string, string[]>;
}

function pickSecrets(names: string[]): Plan {
    const picked = Array.from({ length: DRIFTED + WITH_FINDINGS }, (_, k) => names[Math.floor(((k + 0.5) * names.length) / (DRIFTED + WITH_FINDINGS))]!);
    const [a, b, c] = picked.slice(DRIFTED);
    return {
        lambdaDrift: picked.slice(0, DRIFTED / 2),
        scheduleDrift: picked.slice(DRIFTED / 2, DRIFTED),
        findings: new Map([
            [a!, ["not-rotated-recently"]],
            [b!, ["missed-scheduled-rotation"]],
            [c!, ["missed-scheduled-rotation", "not-rotated-recently"]],
        ]),
    };
}

/**
 * Drift without a finding (another Lambda; a 45-day schedule, under the 90-day threshold) on 10
 * secrets, and findings without drift on 3 (the front's stand-in for elapsed time: a last rotation
 * 200 days ago, a scheduled rotation 3 days past), so that the 13 are 13 different entries.
 */
async function goOutOfBand(front: AwsFront, plan: Plan, arns: Map<string, string>, otherLambda: string, lambda: string): Promise<void> {
    const sm = new SecretsManagerClient({});
    for (const name of plan.lambdaDrift) {
        await sm.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: otherLambda, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
    }
    for (const name of plan.scheduleDrift) {
        await sm.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 45 }, RotateImmediately: false }));
    }
    sm.destroy();
    const [a, b, c] = [...plan.findings.keys()];
    front.setSecretDates(arns.get(a!)!, { lastRotatedDate: daysAgo(200), nextRotationDate: daysAgo(-10) });
    front.setSecretDates(arns.get(b!)!, { lastRotatedDate: daysAgo(20), nextRotationDate: daysAgo(3) });
    front.setSecretDates(arns.get(c!)!, { lastRotatedDate: daysAgo(200), nextRotationDate: daysAgo(3) });
    await front.settled();
}

interface ReviewRun {
    code: number;
    markdown: string;
    json: ReviewReport;
    jsonBytes: number;
    seconds: number;
    calls: Record<string, number>;
}

async function review(stack: TestStack, front: AwsFront, scratch: string, label: string): Promise<ReviewRun> {
    await front.settled();
    front.clearCalls();
    const jsonFile = join(scratch, `${label}.json`);
    const started = performance.now();
    const result = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "markdown", "--json-file", jsonFile, "--no-progress"], stack.projectDir, stack.env, 3_600_000);
    const seconds = (performance.now() - started) / 1000;
    stack.history.push(result);
    if (result.code === 1) throw new Error(`the review could not run (exit code 1)\n${describeResult(result)}`);
    const text = readFileSync(jsonFile, "utf8");
    return { code: result.code, markdown: result.stdout, json: JSON.parse(text) as ReviewReport, jsonBytes: Buffer.byteLength(text), seconds, calls: front.callCounts() };
}

/** The Markdown table row of a secret, if the comment has one (a policy's entry names the policy and the secret). */
const rowOf = (markdown: string, name: string) => markdown.split("\n").find((line) => line.startsWith("| ") && line.includes(`<br>${name} |`));

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const callsText = (calls: Record<string, number>) => `${total(calls)} calls ${JSON.stringify(calls)}`;

async function main(): Promise<void> {
    const { secrets: n, batch } = options();
    const checks = new Checks();
    const aws = await startLocalAws();
    const { front, env } = aws;
    // Every pulumi command of the stack first waits for the test runs AWS starts after RotateSecret.
    const stopWaiting = waitBeforeEachCommand(() => front.settled());
    const scratch = mkdtempSync(join(tmpdir(), "psr-review-comment-"));
    let stack: TestStack | undefined;
    try {
        const lambda = await createRotationLambda("review-comment-rotator");
        const otherLambda = await createRotationLambda("review-comment-other");
        const names = Array.from({ length: n }, (_, i) => `${PREFIX}/secret-${String(i).padStart(5, "0")}`);
        let started = performance.now();
        const seeded = await createSecretsInBatches(names, (name) => `value-of-${name}-never-printed`, batch);
        const arns = new Map(seeded.map((s) => [s.name, s.arn]));
        const seedSeconds = (performance.now() - started) / 1000;
        log(`seeded ${n} secrets (${batch} at a time) in ${seedSeconds.toFixed(1)} s`);

        stack = await TestStack.create({
            program: PROGRAM,
            env: { ...env, PULUMI_SECRET_ROTATION_CALLS_PER_SECOND: "50" },
            config: {
                "e2e:policies": [{ name: POLICY, selector: { namePrefixes: [`${PREFIX}/`] }, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }],
            },
        });

        // 1. The pull request that adds the policy: every secret has calls to make (and its rotation
        //    is off: a finding), so the comment can list only some of them and counts the rest.
        log(`review of the pull request that adds the policy over ${n} secrets`);
        const before = await review(stack, front, scratch, "before-up");
        log(`  exit code ${before.code}, ${before.seconds.toFixed(1)} s, Markdown ${before.markdown.length} characters, JSON ${before.jsonBytes} bytes, ${callsText(before.calls)}`);
        checks.check(before.code === 4, "before up: exit code 4 (findings: every secret's rotation is off; calls planned are no failure)", `got ${before.code}`);
        checks.check(before.markdown.length < GITHUB_COMMENT_LIMIT, `before up: the Markdown is under ${GITHUB_COMMENT_LIMIT} characters`, `${before.markdown.length}`);
        const listedBefore = before.json.stacks[0]?.secrets.filter((s) => s.policy === POLICY).length ?? 0;
        checks.check(listedBefore === n && before.json.summary.secrets === n, `before up: the JSON lists all ${n} secrets, each with its calls`, `${listedBefore} listed, summary.secrets ${before.json.summary.secrets}`);
        const rowsBefore = before.markdown.split("\n").filter((line) => line.startsWith(`| \`${POLICY}\`<br>`)).length;
        const cutLine = /\*\*(\d+) more to act on are not shown here\*\*/.exec(before.markdown);
        checks.check(
            cutLine !== null && rowsBefore + Number(cutLine[1]) === n,
            "before up: the rows the comment shows and the count of those it leaves out add up to every secret",
            `${rowsBefore} rows + ${cutLine?.[1] ?? "no count"}`,
        );
        checks.check(before.calls.DescribeSecret === n && total(before.calls) === n + (before.calls.ListSecrets ?? 0) + (before.calls.ListSecretVersionIds ?? 0), "before up: one DescribeSecret per secret, listing pages, nothing else", callsText(before.calls));

        // 2. `up`: the policy turns rotation on everywhere.
        front.clearCalls();
        started = performance.now();
        await stack.up([], { timeoutMs: 4 * 3_600_000 });
        const upSeconds = (performance.now() - started) / 1000;
        const upCalls = front.callCounts();
        log(`pulumi up of one policy over ${n} secrets: ${upSeconds.toFixed(1)} s, ${callsText(upCalls)}`);

        // 3. Out of band: 10 drift, 3 findings.
        const plan = pickSecrets(names);
        await goOutOfBand(front, plan, arns, otherLambda, lambda);
        const drifted = [...plan.lambdaDrift, ...plan.scheduleDrift];
        log(`out of band: another Lambda on ${plan.lambdaDrift.join(", ")}; 45 days on ${plan.scheduleDrift.join(", ")}; dates on ${[...plan.findings.keys()].join(", ")}`);

        // 4. The review, as the CI recipe runs it.
        const after = await review(stack, front, scratch, "after-up");
        log(`review after the drift: exit code ${after.code}, ${after.seconds.toFixed(1)} s, Markdown ${after.markdown.length} characters, JSON ${after.jsonBytes} bytes, ${callsText(after.calls)}`);
        checks.check(after.code === 6, "exit code 6: the drift bit (2) and the findings bit (4), no unread entry (8)", `got ${after.code}`);
        checks.check(after.markdown.length < GITHUB_COMMENT_LIMIT, `the Markdown is under ${GITHUB_COMMENT_LIMIT} characters`, `${after.markdown.length}`);
        let named = 0;
        for (const name of drifted) {
            const row = rowOf(after.markdown, name);
            const property = plan.lambdaDrift.includes(name) ? "rotationLambdaArn" : "schedule";
            const ok = row !== undefined && row.includes(`${property}:`) && row.endsWith("| none |");
            if (ok) named++;
            checks.check(ok, `the Markdown has a row for ${name}, drifted (${property}), no finding`, row === undefined ? "no row" : "");
        }
        for (const [name, codes] of plan.findings) {
            const row = rowOf(after.markdown, name);
            const ok = row !== undefined && codes.every((code) => row.includes(`${code}:`)) && row.includes("| none | ");
            if (ok) named++;
            checks.check(ok, `the Markdown has a row for ${name}, with ${codes.join(" and ")}, no drift`, row === undefined ? "no row" : "");
        }
        checks.check(after.markdown.trimEnd().endsWith(`<!-- pulumi-secret-rotation:review stack=${stack.stack} -->`), "the Markdown ends with the marker the CI recipe finds its comment by");
        const policy = after.json.stacks[0]?.policies?.find((p) => p.resource === POLICY);
        const entries: SecretReview[] = after.json.stacks[0]?.secrets ?? [];
        const expected = [...drifted, ...plan.findings.keys()].sort();
        checks.check(
            after.json.summary.secrets === n && policy?.governed === n && policy.inLine === n - expected.length,
            `the JSON accounts for all ${n}: the policy governs ${n}, lists the 13, counts the other ${n - expected.length} as in line`,
            `summary.secrets ${after.json.summary.secrets}, governed ${policy?.governed}, inLine ${policy?.inLine}`,
        );
        checks.check(JSON.stringify(entries.map((e) => e.secretId).sort()) === JSON.stringify(expected), "the JSON's entries are exactly the 13", `${entries.length} entries`);
        checks.check(after.json.summary.drifted === DRIFTED, `the JSON counts ${DRIFTED} drifted`, `${after.json.summary.drifted}`);
        const mutating = Object.entries(after.calls).filter(([op]) => MUTATING.includes(op));
        checks.check(mutating.length === 0, "the review made no mutating call", JSON.stringify(mutating));

        console.log("");
        console.log(`N = ${n} secrets, one stack, one SecretRotationPolicy, PULUMI_SECRET_ROTATION_CALLS_PER_SECOND=50`);
        console.log(`seed            ${seedSeconds.toFixed(1)} s (${batch} CreateSecret at a time)`);
        console.log(`review, PR      ${before.seconds.toFixed(1)} s  exit ${before.code}  Markdown ${before.markdown.length} chars (${rowsBefore} rows, ${cutLine?.[1] ?? 0} counted)  JSON ${before.jsonBytes} bytes  ${callsText(before.calls)}`);
        console.log(`pulumi up       ${upSeconds.toFixed(1)} s  ${callsText(upCalls)}`);
        console.log(`review, drift   ${after.seconds.toFixed(1)} s  exit ${after.code}  Markdown ${after.markdown.length} chars  names found ${named} of ${DRIFTED + WITH_FINDINGS}  JSON ${after.jsonBytes} bytes  ${callsText(after.calls)}`);
        if (checks.failed.length > 0) {
            console.log(`\n${checks.failed.length} check(s) failed; the comment after the drift began:\n${after.markdown.slice(0, 4000)}`);
            process.exitCode = 1;
        } else console.log("\nall checks passed");
    } finally {
        stopWaiting();
        stack?.cleanup();
        rmSync(scratch, { recursive: true, force: true });
        await aws.stop();
    }
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
});
