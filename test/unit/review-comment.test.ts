// The review's pull request comment at fleet scale (src/review/render.ts): within GitHub's comment
// limit whatever the number of secrets, what to act on first, a marker the CI recipe finds its own
// comment by; the exit code's bits (src/review/report.ts); and the recipe
// examples/ci/review-pull-request.yml, whose comment step is run here with a stand-in `gh`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { ARTIFACT_LINE, MARKDOWN_BUDGET, render, reviewMarker } from "../../src/review/render";
import { EXIT_CODES, exitCodeFor, ReviewReport, SecretReview } from "../../src/review/report";

const GITHUB_COMMENT_LIMIT = 65_536;
const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate";
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

/** A reviewed secret in line: rotation on every 30 days, nothing to act on. */
function inLine(index: number): SecretReview {
    const name = `fleet/app-${String(index).padStart(5, "0")}`;
    return {
        resource: `app-${String(index).padStart(5, "0")}`,
        urn: `urn:pulumi:prod::fleet::pulumi-secret-rotation:index:SecretRotationState::app-${index}`,
        secretId: name,
        region: "us-east-1",
        step: "same",
        declared: { enabled: true, rotationLambdaArn: LAMBDA, schedule: { automaticallyAfterDays: 30 } },
        live: { exists: true, arn: arnOf(name), enabled: true, rotationLambdaArn: LAMBDA, schedule: { automaticallyAfterDays: 30 }, lastRotatedDate: "2026-11-20T00:00:00.000Z" },
        labels: [{ label: "AWSCURRENT", versionId: `v-${index}-0000-0000` }],
        // As the plan says of every secret in line.
        plan: { calls: [], notes: ["the live rotation already matches the declaration: no call"] },
        drift: [],
        findings: [],
    };
}

function drifted(index: number): SecretReview {
    const r = inLine(index);
    return {
        ...r,
        live: { ...r.live, enabled: false },
        drift: [{ property: "enabled", recorded: true, live: false }],
        plan: { calls: [{ api: "RotateSecret", call: `RotateSecret(lambda=${LAMBDA}, rules={"AutomaticallyAfterDays":30}, rotateImmediately=false)`, why: "rotation was turned off out of band; restoring it without rotating" }], notes: [] },
    };
}

function withFinding(index: number): SecretReview {
    const r = inLine(index);
    return { ...r, findings: [{ code: "not-rotated-recently", message: `${r.secretId} was last rotated on 2026-01-01 (335 days ago)` }] };
}

function reportOf(secrets: SecretReview[], stack = "prod"): ReviewReport {
    const summary = {
        secrets: secrets.length,
        plannedCalls: secrets.reduce((n, s) => n + s.plan.calls.length, 0),
        drifted: secrets.filter((s) => s.drift.length > 0).length,
        findings: secrets.reduce((n, s) => n + s.findings.length, 0),
        errors: secrets.filter((s) => s.error !== undefined).length,
        undeclared: 0,
    };
    return {
        schemaVersion: 1,
        generatedAt: "2026-12-02T12:00:00.000Z",
        thresholds: { maxIntervalDays: 90, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 },
        stacks: [{ stack, secrets }],
        summary,
        exitCode: exitCodeFor(summary),
    };
}

/** 10,000 reviewed secrets: 10 drifted and 3 with findings spread through them, the rest in line. */
function fleetOf10000(): { report: ReviewReport; toActOn: string[] } {
    const driftedAt = new Set([17, 1_003, 2_500, 3_999, 4_001, 5_555, 6_000, 7_777, 8_888, 9_998]);
    const findingsAt = new Set([42, 5_000, 9_999]);
    const secrets = Array.from({ length: 10_000 }, (_, i) => (driftedAt.has(i) ? drifted(i) : findingsAt.has(i) ? withFinding(i) : inLine(i)));
    const toActOn = secrets.filter((_, i) => driftedAt.has(i) || findingsAt.has(i)).map((s) => s.resource);
    return { report: reportOf(secrets), toActOn };
}

describe("the review's pull request comment", () => {
    test("10,000 reviewed secrets, 10 drifted and 3 with findings: under GitHub's 65,536 characters, all 13 named with their drift, findings and calls, the rest counted", () => {
        const { report, toActOn } = fleetOf10000();
        const md = render(report, "markdown");
        assert.ok(md.length <= MARKDOWN_BUDGET && MARKDOWN_BUDGET < GITHUB_COMMENT_LIMIT, `the comment has ${md.length} characters`);
        assert.equal(toActOn.length, 13);
        for (const resource of toActOn) assert.match(md, new RegExp(`^\\| \`${resource}\` \\| same \\|`, "m"), `${resource} has its row`);
        assert.equal((md.match(/^\| `app-\d{5}` \|/gm) ?? []).length, 13, "only those 13 have a row");
        assert.equal((md.match(/\| enabled: true → false \|/g) ?? []).length, 10);
        assert.equal((md.match(/not-rotated-recently: fleet\/app-\d{5} was last rotated/g) ?? []).length, 3);
        // The drifted ones come first (most urgent first), and their calls are open.
        assert.ok(md.indexOf("`app-00017`") < md.indexOf("`app-00042`"), "drift before findings");
        assert.equal((md.match(/<details open><summary><code>app-\d{5}<\/code>: 1 call\(s\) <code>pulumi up<\/code> will make<\/summary>\n\n1\. RotateSecret\(/g) ?? []).length, 10);
        assert.match(md, /^10000 secret\(s\): 10 call\(s\) planned, 10 drifted, 3 finding\(s\), 0 error\(s\) — exit code 6$/m);
        assert.match(md, /^#### Stack `prod`: 13 of 10000 listed entries to act on$/m);
        // The 9,987 in line: too many to list within the budget, so counted.
        assert.match(md, /^Stack <code>prod<\/code>: 9987 entries with nothing to act on: not listed here \(over the comment's size budget\); see the JSON artifact\.$/m);
        assert.ok(md.includes(ARTIFACT_LINE));
        assert.ok(md.trimEnd().endsWith("<!-- pulumi-secret-rotation:review stack=prod -->"), "the marker is the last line");
    });

    test("when the entries to act on themselves overflow, the most urgent are shown and the rest counted by kind", () => {
        const secrets = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? drifted(i) : i % 1000 === 1 ? { ...inLine(i), error: `DescribeSecret on fleet/app-${i} was denied` } : inLine(i)));
        const md = render(reportOf(secrets), "markdown");
        assert.ok(md.length <= MARKDOWN_BUDGET, `the comment has ${md.length} characters`);
        // The 10 errors come first, then as many drifted rows as fit.
        assert.equal((md.match(/\| not read \|.*\| error: DescribeSecret on fleet\/app-\d+ was denied \|$/gm) ?? []).length, 10);
        const rows = (md.match(/^\| `app-\d{5}` \|/gm) ?? []).length;
        assert.ok(rows > 10 && rows < 5_010, `${rows} rows`);
        assert.match(md, new RegExp(`^\\*\\*${5_010 - rows} more to act on are not shown here\\*\\* \\(0 error\\(s\\), ${5_010 - rows} drifted, 0 with findings, ${5_010 - rows} with calls\\): see the JSON artifact\\.$`, "m"));
        assert.match(md, /exit code 10$/m, "drift and an entry not reviewed");
    });

    test("a small review lists everything: what to act on in the table, the rest collapsed by name", () => {
        const md = render(reportOf([inLine(1), drifted(2)]), "markdown");
        assert.match(md, /^\| `app-00002` \| same \|/m);
        assert.doesNotMatch(md, /^\| `app-00001` \|/m);
        assert.match(md, /<details><summary>Stack <code>prod<\/code>: 1 entry with nothing to act on<\/summary>\n\n- `app-00001` \(fleet\/app-00001\)\n/);
    });

    test("a policy's entries name the secret beside the policy, in the row and in its calls", () => {
        const governed = { ...drifted(3), resource: "fleet-policy", policy: "fleet-policy" };
        const md = render(reportOf([governed]), "markdown");
        assert.match(md, /^\| `fleet-policy`<br>fleet\/app-00003 \| same \|/m);
        assert.match(md, /<summary><code>fleet-policy<\/code> fleet\/app-00003: 1 call\(s\)/);
    });

    test("the marker names every stack reviewed, also on an all-clean review", () => {
        const clean = reportOf([inLine(1)], "dev");
        assert.equal(reviewMarker({ stacks: [{ stack: "org/proj/a", secrets: [] }, { stack: "b", secrets: [] }] }), "<!-- pulumi-secret-rotation:review stack=org/proj/a,b -->");
        const md = render(clean, "markdown");
        assert.match(md, /^### Secret rotation review\n\n✅ all clean: 1 declared secret\(s\) reviewed/);
        assert.ok(md.includes("<!-- pulumi-secret-rotation:review stack=dev -->"));
    });
});

describe("the review's exit code", () => {
    const summary = (s: Partial<ReviewReport["summary"]>): ReviewReport["summary"] => ({ secrets: 5, plannedCalls: 0, drifted: 0, findings: 0, errors: 0, undeclared: 0, ...s });
    test("drift, findings and entries not reviewed are bits 2, 4 and 8; 0, 2, 4 and 6 keep their meaning; 1 is never a report's", () => {
        assert.deepEqual(
            [summary({}), summary({ drifted: 1 }), summary({ findings: 3 }), summary({ drifted: 1, findings: 1 }), summary({ errors: 1 }), summary({ errors: 2, drifted: 1 }), summary({ errors: 1, drifted: 1, findings: 1 })].map(exitCodeFor),
            [0, 2, 4, 6, 8, 10, 14],
        );
        assert.deepEqual([EXIT_CODES.clean, EXIT_CODES.error, EXIT_CODES.drift, EXIT_CODES.findings, EXIT_CODES.driftAndFindings, EXIT_CODES.unreviewable], [0, 1, 2, 4, 6, 8]);
    });
});

describe("examples/ci/review-pull-request.yml", () => {
    const repo = join(__dirname, "..", "..", "..");
    // js-yaml is in node_modules (a dependency of the toolchain's packages), untyped here: load() only.
    const yaml = createRequire(__filename)("js-yaml") as { load(text: string): unknown };
    type Step = { name?: string; uses?: string; if?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> };
    const workflow = yaml.load(readFileSync(join(repo, "examples", "ci", "review-pull-request.yml"), "utf8")) as { env: Record<string, string>; jobs: { review: { steps: Step[] } } };
    const steps = workflow.jobs.review.steps;
    const step = (name: string) => steps.find((s) => s.name === name)!;

    test("reviews once, uploads the JSON as an artifact and comments unless the review could not run (exit 1)", () => {
        assert.match(step("Review").run!, /review --stack "\$STACK" --format markdown --json-file review\.json > review\.md/);
        assert.match(step("Review").run!, /\[ "\$code" -ne 1 \]/);
        const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
        assert.equal(upload.with?.path, "review.json");
        assert.equal(upload.if, "always() && steps.review.outputs.code != '1'");
        assert.equal(step("Comment").if, "always() && steps.review.outputs.code != '1'");
        assert.doesNotMatch(step("Comment").run!, /--edit-last/);
    });

    /** Runs the Comment step's script with a stand-in `gh` that answers the comment listing with `existing` and logs every call. */
    function runCommentStep(existing: string, body: string): string[] {
        const dir = mkdtempSync(join(tmpdir(), "psr-comment-"));
        try {
            writeFileSync(join(dir, "review.md"), body);
            const log = join(dir, "gh.log");
            writeFileSync(join(dir, "gh"), `#!/bin/bash\nprintf '%s\\n' "$*" >> "${log}"\nif [ "$2" = "--paginate" ]; then printf '%s' "$FAKE_EXISTING"; fi\n`);
            chmodSync(join(dir, "gh"), 0o755);
            execFileSync("bash", ["-e", "-c", step("Comment").run!], {
                cwd: dir,
                env: { PATH: `${dir}:${process.env.PATH}`, STACK: workflow.env.STACK!, PR: "7", GITHUB_REPOSITORY: "acme/infra", FAKE_EXISTING: existing },
                stdio: ["ignore", "pipe", "pipe"],
            });
            return readFileSync(log, "utf8").trim().split("\n");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    }

    test("the Comment step finds its own comment by the review's marker and edits it, else posts one", () => {
        const body = render(reportOf([drifted(1)], workflow.env.STACK!), "markdown");
        const marker = reviewMarker({ stacks: [{ stack: workflow.env.STACK!, secrets: [] }] });
        const edit = runCommentStep("4242\n", body);
        assert.equal(edit.length, 2);
        assert.ok(edit[0]!.startsWith("api --paginate repos/acme/infra/issues/7/comments --jq "), edit[0]);
        assert.ok(edit[0]!.includes(`select(.body | contains("${marker}"))`), `the listing is filtered by the marker the Markdown carries: ${edit[0]}`);
        assert.equal(edit[1], "api --method PATCH repos/acme/infra/issues/comments/4242 -F body=@review.md");
        const post = runCommentStep("", body);
        assert.equal(post[1], "api --method POST repos/acme/infra/issues/7/comments -F body=@review.md");
        assert.throws(() => runCommentStep("", "### Secret rotation review\n\nno marker\n"), "a body without the marker is not posted");
    });
});
