// End to end: `pulumi-secret-rotation review` (the package's bin, run with node on the built file)
// against a real stack on a file backend, the real pulumi CLI through the Automation API, and moto
// behind the AWS front. Every drift and finding is produced by out-of-band API calls; the report
// is asserted in its three formats, the JSON against its schema, and the exit codes.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import { CancelRotateSecretCommand, DeleteSecretCommand, RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import Ajv from "ajv";
import addFormats from "ajv-formats";

import type { ReviewReport, SecretReview } from "../../src/review/report";
import { describeResult, PulumiResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { playRotation } from "../support/rotation-lambda";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue", "CreateSecret", "DeleteSecret"];
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
const daysAgo = (d: number) => hoursAgo(d * 24);

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync(join(repoRoot(), "schemas", "review-report.v1.json"), "utf8")));

async function newStack(t: TestContext, rotations: unknown[]): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config: { "e2e:rotations": rotations } });
    t.after(() => stack.cleanup());
    return stack;
}

/** Runs the CLI as a user would in the project's directory, with the stack's environment. */
async function reviewCli(stack: TestStack, args: string[], expectCode: number): Promise<PulumiResult> {
    const result = await runProcess("node", [CLI, "review", ...args], stack.projectDir, stack.env, 300_000);
    stack.history.push(result);
    assert.equal(result.code, expectCode, `review exited ${result.code}, expected ${expectCode}\n${describeResult(result)}`);
    return result;
}

function parseReport(result: PulumiResult): ReviewReport {
    const report = JSON.parse(result.stdout) as ReviewReport;
    assert.ok(validateReport(report), `the report must match schemas/review-report.v1.json: ${ajv.errorsText(validateReport.errors)}`);
    return report;
}


const mutatingCalls = () => aws.front.calls().filter((c) => MUTATING.includes(c.operation));
const codes = (r: SecretReview) => r.findings.map((f) => f.code).sort();
const driftedProperties = (r: SecretReview) => r.drift.map((d) => d.property).sort();
const apis = (r: SecretReview) => r.plan.calls.map((c) => c.api);

describe("review: what up will do, drift and health", () => {
    test("every kind of drift and finding, made out of band, in table, Markdown and JSON; exit code 6; read-only; warnings in preview --refresh; one secret denied is an entry beside the drift (exit 14)", async (t) => {
        const lambda = await createRotationLambda("rotate-a");
        const otherLambda = await createRotationLambda("rotate-b");
        const names = ["clean", "off", "reconf", "stranded", "overdue", "deleted", "long", "pr"] as const;
        const secrets = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await createSecret(`app/${n}`, `value-${n}`)] as const)));
        const declare = (name: string, extra: Record<string, unknown> = {}) => ({
            name: `app-${name}`,
            secretId: secrets[name]!.name,
            rotationLambdaArn: lambda,
            schedule: { automaticallyAfterDays: 30 },
            rotateImmediately: false,
            ...extra,
        });
        // "stranded" and "long" rotate at once: the test then plays (part of) the rotation Lambda.
        const rotations = names.map((n) => declare(n, n === "stranded" || n === "long" ? { rotateImmediately: true } : {}));
        const stack = await newStack(t, rotations);
        await withTranscript(t, stack, async () => {
            await stack.up();

            // Out of band, after the last up:
            const sm = secretsManager();
            await sm.send(new CancelRotateSecretCommand({ SecretId: secrets.off!.arn }));
            await sm.send(
                new RotateSecretCommand({ SecretId: secrets.reconf!.arn, RotationLambdaARN: otherLambda, RotationRules: { AutomaticallyAfterDays: 200 }, RotateImmediately: false }),
            );
            const stranded = await playRotation(secrets.stranded!.arn, "candidate-s", "testSecret");
            aws.front.setVersionCreatedDate(stranded.pendingVersionId, hoursAgo(3));
            aws.front.setSecretDates(secrets.overdue!.arn, { lastRotatedDate: daysAgo(200), nextRotationDate: daysAgo(3) });
            await sm.send(new DeleteSecretCommand({ SecretId: secrets.deleted!.arn, RecoveryWindowInDays: 7 }));
            const long = await playRotation(secrets.long!.arn, "candidate-l", "setSecret");
            aws.front.setVersionCreatedDate(long.pendingVersionId, hoursAgo(1.5));
            // The pull request: a schedule change, and a declaration of a secret that does not exist.
            stack.writeConfig({
                "e2e:rotations": [
                    ...rotations.filter((r) => r.name !== "app-pr"),
                    declare("pr", { schedule: { automaticallyAfterDays: 60 } }),
                    { name: "app-missing", secretId: "app/does-not-exist", rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 } },
                ],
            });

            const stateBefore = await stack.exportState();
            aws.front.clearCalls();
            const json = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json"], 6));

            // Speed and read-only: one DescribeSecret per secret, ListSecretVersionIds only for the
            // two pending versions of their own, no mutating call, state untouched.
            assert.equal(aws.front.callCount("DescribeSecret"), 9);
            assert.equal(aws.front.callCount("ListSecretVersionIds"), 2);
            assert.deepEqual(mutatingCalls(), []);
            assert.deepEqual((await stack.exportState()).deployment.resources, stateBefore.deployment.resources);

            const byName = Object.fromEntries(json.stacks[0]!.secrets.map((s) => [s.resource, s]));
            assert.deepEqual(Object.keys(byName).sort(), [...names.map((n) => `app-${n}`), "app-missing"].sort());
            assert.equal(json.exitCode, 6);
            assert.deepEqual(
                { drifted: json.summary.drifted, findings: json.summary.findings, errors: json.summary.errors, secrets: json.summary.secrets, plannedCalls: json.summary.plannedCalls },
                { drifted: 4, findings: 8, errors: 0, secrets: 9, plannedCalls: 5 },
            );

            const clean = byName["app-clean"]!;
            assert.deepEqual([clean.step, clean.drift, clean.findings, clean.plan.calls], ["same", [], [], []]);
            assert.deepEqual(clean.labels.map((l) => l.label), ["AWSCURRENT"]);

            const off = byName["app-off"]!;
            assert.ok(off.drift.some((d) => d.property === "enabled" && d.recorded === true && d.live === false), JSON.stringify(off.drift));
            assert.deepEqual(codes(off), ["rotation-disabled"]);
            assert.deepEqual(apis(off), ["RotateSecret"]);
            assert.match(off.plan.calls[0]!.why, /rotation was turned off out of band; restoring it without rotating/);
            assert.ok(off.plan.notes.some((n) => /`pulumi up --refresh` makes them/.test(n)), "plain up does not see drift: said so");

            const reconf = byName["app-reconf"]!;
            assert.deepEqual(driftedProperties(reconf), ["rotationLambdaArn", "schedule"]);
            assert.deepEqual(reconf.drift.find((d) => d.property === "schedule"), { property: "schedule", recorded: { automaticallyAfterDays: 30 }, live: { automaticallyAfterDays: 200 } });
            assert.deepEqual(codes(reconf), ["interval-too-long"]);
            assert.deepEqual(apis(reconf), ["RotateSecret"]);
            assert.match(reconf.plan.calls[0]!.why, /rotation function \S+rotate-b -> \S+rotate-a; schedule every 200 days -> every 30 days/);

            const str = byName["app-stranded"]!;
            assert.deepEqual(driftedProperties(str), ["stagingLabels"]);
            assert.deepEqual(codes(str), ["pending-stranded"]);
            assert.deepEqual(apis(str), ["UpdateSecretVersionStage", "UpdateSecretVersionStage"]);
            assert.match(str.plan.calls[0]!.call, new RegExp(`stage=QUARANTINED-\\d{8}T\\d{4}Z-${stranded.pendingVersionId}, moveTo=${stranded.pendingVersionId}`));
            const pendingLabel = str.labels.find((l) => l.label === "AWSPENDING");
            assert.equal(pendingLabel?.versionId, stranded.pendingVersionId);
            assert.ok(pendingLabel!.ageHours! >= 3 && pendingLabel!.ageHours! < 3.5, `pending age ${pendingLabel?.ageHours}`);

            const overdue = byName["app-overdue"]!;
            assert.deepEqual(overdue.drift, [], "dates moving is not drift");
            assert.deepEqual(codes(overdue), ["missed-scheduled-rotation", "not-rotated-recently"]);

            const deleted = byName["app-deleted"]!;
            assert.deepEqual(driftedProperties(deleted), ["secret"]);
            assert.deepEqual(codes(deleted), ["scheduled-for-deletion"]);
            assert.match(deleted.plan.blocked ?? "", /is scheduled for deletion on \d{4}-/);

            const longRunning = byName["app-long"]!;
            assert.deepEqual([longRunning.drift, codes(longRunning), apis(longRunning)], [[], ["pending-long-running"], []]);

            const pr = byName["app-pr"]!;
            assert.equal(pr.step, "update");
            assert.deepEqual(pr.declared?.schedule, { automaticallyAfterDays: 60 });
            assert.deepEqual([pr.drift, pr.findings], [[], []]);
            assert.deepEqual(pr.plan.calls.map((c) => c.call), [`RotateSecret(lambda=${lambda}, rules={"AutomaticallyAfterDays":60}, rotateImmediately=false)`]);
            assert.match(pr.plan.calls[0]!.why, /schedule every 30 days -> every 60 days \(no rotation now\)/);

            const missing = byName["app-missing"]!;
            assert.deepEqual([missing.step, missing.live.exists, codes(missing)], ["create", false, ["secret-missing"]]);
            assert.match(missing.plan.blocked ?? "", /does not exist/);

            // --from-state: no preview, the declarations of the last up: the pull request's change
            // and new declaration are not seen; drift and findings are.
            const fromState = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json", "--from-state"], 6));
            const prFromState = fromState.stacks[0]!.secrets.find((s) => s.resource === "app-pr")!;
            assert.deepEqual([prFromState.step, prFromState.declared?.schedule, prFromState.plan.calls], ["same", { automaticallyAfterDays: 30 }, []]);
            assert.equal(fromState.stacks[0]!.secrets.some((s) => s.resource === "app-missing"), false);
            assert.deepEqual([fromState.summary.drifted, fromState.summary.findings], [4, 7]);

            // Markdown, for a pull request comment.
            const md = (await reviewCli(stack, ["--stack", stack.stack, "--format", "markdown"], 6)).stdout;
            assert.match(md, /^### Secret rotation review/);
            assert.match(md, /9 secret\(s\): 5 call\(s\) planned, 4 drifted, 8 finding\(s\), 0 error\(s\) — exit code 6/);
            assert.match(md, /\| `app-off` \| same \|.*\| enabled: true → false.*\| rotation-disabled: rotation of app\/off is off \|/);
            assert.match(md, /\| `app-overdue` \|.*not-rotated-recently: .*<br>missed-scheduled-rotation: /);
            assert.match(md, /<details open><summary><code>app-pr<\/code>: 1 call\(s\) <code>pulumi up<\/code> will make<\/summary>\n\n1\. RotateSecret\(/);

            // The table, for a terminal.
            const table = (await reviewCli(stack, ["--stack", stack.stack], 6)).stdout;
            assert.match(table, /^stack test/);
            for (const code of ["rotation-disabled", "interval-too-long", "pending-stranded", "missed-scheduled-rotation", "not-rotated-recently", "scheduled-for-deletion", "pending-long-running", "secret-missing"]) {
                assert.ok(table.includes(code), `the table names ${code}`);
            }
            assert.match(table, /9 secret\(s\): 5 call\(s\) planned, 4 drifted, 8 finding\(s\), 0 error\(s\) — exit code 6\s*$/);

            // Where users already look: warnings on the resources in preview. Plain preview judges
            // the recorded outputs (fresh at the last up); --refresh judges the live state.
            const plain = await stack.preview();
            assert.doesNotMatch(plain.stdout, /\[missed-scheduled-rotation\]/);
            const refreshed = await stack.preview(["--refresh"]);
            const warningsOf = (resource: string) => new RegExp(`RotationState \\(${resource}\\):\\n((?:\\s+warning: .*\\n)+)`).exec(refreshed.stdout)?.[1] ?? "";
            assert.match(warningsOf("app-overdue"), /warning: \[not-rotated-recently\] app\/overdue was last rotated on .* \(200 days ago\)/);
            assert.match(warningsOf("app-overdue"), /warning: \[missed-scheduled-rotation\] app\/overdue's scheduled rotation of /);
            assert.match(warningsOf("app-long"), /warning: \[pending-long-running\] a rotation of app\/long has been in progress for 1\.5 h/);
            assert.equal(warningsOf("app-clean"), "", "a healthy secret has no warning");

            // One secret the review cannot read, beside the others' drift and findings: an entry
            // with its error and exit bit 8 (14 = 2 drift | 4 findings | 8), not a veto (exit 1
            // with the drift hidden, before). The front denies DescribeSecret of app-clean, once
            // per run; the review keys on the error's name, AccessDeniedException (the fault's
            // message is the front's Lambda-permission text, not IAM's).
            aws.front.clearCalls();
            const denyClean = { operation: "DescribeSecret", secretId: secrets.clean!.arn, fault: "access-denied" as const };
            aws.front.script([denyClean, denyClean]);
            const withDenied = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json"], 14));
            assert.equal(aws.front.calls().filter((c) => c.injected === "access-denied" && c.operation === "DescribeSecret").length, 1, "the fault was met");
            const denied = withDenied.stacks[0]!.secrets.find((s) => s.resource === "app-clean")!;
            assert.match(denied.error ?? "", /^DescribeSecret on \S+app\/clean\S* was denied: the caller lacks the IAM permission secretsmanager:DescribeSecret /);
            assert.match(denied.error ?? "", /\(the review's policy is policy\/review-iam-policy\.json in the pulumi-secret-rotation package\)/, "the review's own policy, not the provider's");
            assert.deepEqual(
                { drifted: withDenied.summary.drifted, findings: withDenied.summary.findings, errors: withDenied.summary.errors, exitCode: withDenied.exitCode },
                { drifted: 4, findings: 8, errors: 1, exitCode: 14 },
            );
            assert.deepEqual(driftedProperties(withDenied.stacks[0]!.secrets.find((s) => s.resource === "app-reconf")!), ["rotationLambdaArn", "schedule"]);
            // The same in the pull request comment, with the full JSON beside it (--json-file) and the marker.
            const jsonFile = join(stack.projectDir, "review.json");
            const deniedMd = (await reviewCli(stack, ["--stack", stack.stack, "--format", "markdown", "--json-file", jsonFile], 14)).stdout;
            assert.match(deniedMd, /^9 secret\(s\): 5 call\(s\) planned, 4 drifted, 8 finding\(s\), 1 error\(s\) — exit code 14$/m);
            assert.match(deniedMd, /^\| `app-clean` \| same \|.*\| not read \|.*\| error: DescribeSecret on \S+ was denied: /m);
            assert.match(deniedMd, /^\| `app-off` \| same \|.*\| enabled: true → false/m);
            assert.ok(deniedMd.trimEnd().endsWith(`<!-- pulumi-secret-rotation:review stack=${stack.stack} -->`), "the marker ends the comment");
            const artifact = JSON.parse(readFileSync(jsonFile, "utf8")) as ReviewReport;
            assert.ok(validateReport(artifact), ajv.errorsText(validateReport.errors));
            assert.deepEqual([artifact.exitCode, artifact.stacks[0]!.secrets.find((s) => s.resource === "app-clean")!.error !== undefined], [14, true]);
            assert.deepEqual(mutatingCalls(), []);
        });
    });

    test("drift is what preview --refresh sees: a change to a Lambda or schedule the declaration leaves open is not drift", async (t) => {
        const lambda = await createRotationLambda("rotate-open-a");
        const otherLambda = await createRotationLambda("rotate-open-b");
        const secret = await createSecret("app/open", "value-open");
        const sm = secretsManager();
        const configure = (lambdaArn: string, days: number) =>
            sm.send(new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: days }, RotateImmediately: false }));
        await configure(lambda, 30);
        // Rotation on, "whatever the Lambda and the schedule are".
        const stack = await newStack(t, [{ name: "app-open", secretId: secret.name }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            await configure(otherLambda, 45); // out of band
            await stack.preview(["--refresh", "--expect-no-changes"]);
            const report = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json"], 0));
            assert.deepEqual(report.stacks[0]!.secrets.map((r) => [r.resource, r.drift]), [["app-open", []]]);

            await sm.send(new CancelRotateSecretCommand({ SecretId: secret.arn })); // what it does declare: rotation on
            await stack.preview(["--refresh", "--expect-no-changes"], { expectCode: 7 });
            // Exit 6: drift, and the finding rotation-disabled.
            const drifted = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json"], 6));
            assert.deepEqual(driftedProperties(drifted.stacks[0]!.secrets[0]!), ["enabled"]);
        });
    });

    test("all clean prints one line and exits 0; --all reports undeclared secrets and their health (exit 4); errors exit 1", async (t) => {
        const lambda = await createRotationLambda();
        const declared = await createSecret("inv/declared", "value-d");
        const stack = await newStack(t, [{ secretId: declared.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }]);
        await withTranscript(t, stack, async () => {
            await stack.up();
            const clean = await reviewCli(stack, ["--stack", stack.stack], 0);
            assert.equal(clean.stdout, "all clean: 1 declared secret(s) reviewed; no change, no drift, no finding\n");
            const cleanJson = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json"], 0));
            assert.equal(cleanJson.exitCode, 0);

            const off = await createSecret("inv/undeclared-off", "value-o");
            const on = await createSecret("inv/undeclared-on", "value-n");
            await secretsManager().send(new RotateSecretCommand({ SecretId: on.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));

            aws.front.clearCalls();
            const report = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--all", "--format", "json"], 4));
            assert.equal(aws.front.callCount("ListSecrets"), 1);
            assert.equal(aws.front.callCount("DescribeSecret"), 1, "the declared secret only; listed ones need no DescribeSecret");
            assert.deepEqual(mutatingCalls(), []);
            assert.equal(report.inventory?.secretsListed, 3);
            const undeclared = Object.fromEntries(report.inventory!.undeclared.map((u) => [u.name, u.findings.map((f) => f.code)]));
            assert.deepEqual(undeclared, { [off.name]: ["rotation-disabled"], [on.name]: [] });
            assert.deepEqual([report.summary.undeclared, report.summary.findings, report.exitCode], [2, 1, 4]);

            const md = (await reviewCli(stack, ["--stack", stack.stack, "--all", "--format", "markdown"], 4)).stdout;
            assert.match(md, /#### Secrets of us-east-1 that no stack declares \(2 of 3\)/);
            assert.match(md, new RegExp(`\\| ${off.arn} \\| off.*\\| rotation-disabled: rotation of inv/undeclared-off is off \\|`));

            const noStack = await reviewCli(stack, ["--stack", "no-such-stack"], 1);
            assert.match(noStack.stderr, /^error: .*no-such-stack/m);
            const badOption = await reviewCli(stack, ["--stack", stack.stack, "--max-interval-days", "0"], 1);
            assert.match(badOption.stderr, /--max-interval-days must be a whole number from 1 to 1000 \(got "0"\)/);
            const regionAlone = await reviewCli(stack, ["--stack", stack.stack, "--region", "eu-west-1"], 1);
            assert.match(regionAlone.stderr, /^error: --region only applies with --all/m);
        });
    });
    test("migrate: an estate's rotations (Terraform state, pulumi stack export) move with 0 RotateSecret and 0 CancelRotateSecret; the review finds the SecretRotation beside the declaration until it is let go", async (t) => {
        const region = aws.env.AWS_REGION;
        const lambda = await createRotationLambda("rotate-migrated");
        const fromTerraform = await createSecret("migrated/orders-db", "value-t");
        const fromPulumi = await createSecret("migrated/partner-api", "value-p");
        // As the old tools left them: rotation on, by their own RotateSecret, long ago.
        const sm = secretsManager();
        await sm.send(new RotateSecretCommand({ SecretId: fromTerraform.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 14, Duration: "3h" }, RotateImmediately: false }));
        await sm.send(
            new RotateSecretCommand({ SecretId: fromPulumi.arn, RotationLambdaARN: lambda, RotationRules: { ScheduleExpression: "cron(0 4 ? * MON *)", Duration: "2h" }, RotateImmediately: false }),
        );

        // The old tools' state files, from the fixtures (shaped as the tools write them), pointed at these secrets.
        const fixture = (name: string) => JSON.parse(readFileSync(join(repoRoot(), "test", "fixtures", "migrate", name), "utf8"));
        const tfstate = fixture("terraform.tfstate");
        tfstate.resources = tfstate.resources.filter((r: { type: string; module?: string }) => r.type === "aws_secretsmanager_secret_rotation" && r.module === undefined);
        Object.assign(tfstate.resources[0].instances[0].attributes, {
            id: fromTerraform.arn,
            secret_id: fromTerraform.arn,
            region,
            rotation_lambda_arn: lambda,
            rotation_rules: [{ automatically_after_days: 14, duration: "3h", schedule_expression: "" }],
        });
        const exported = fixture("pulumi-stack-export.json");
        exported.deployment.resources = exported.deployment.resources.filter((r: { type: string; urn: string }) => r.type !== "aws:secretsmanager/secretRotation:SecretRotation" || r.urn.endsWith("::partner-api-rotation"));
        const oldRotation = exported.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::partner-api-rotation"));
        Object.assign(oldRotation.inputs, { secretId: fromPulumi.name, rotationLambdaArn: lambda });
        Object.assign(oldRotation.outputs, { id: fromPulumi.arn, secretId: fromPulumi.arn, region, rotationLambdaArn: lambda });
        oldRotation.id = fromPulumi.arn;

        const stack = await newStack(t, []);
        await withTranscript(t, stack, async () => {
            const files = { tf: join(stack.root, "terraform.tfstate"), pulumi: join(stack.root, "old-stack.json") };
            writeFileSync(files.tf, JSON.stringify(tfstate, null, 2));
            writeFileSync(files.pulumi, JSON.stringify(exported, null, 4));
            const migrate = async (args: string[]) => {
                const result = await runProcess("node", [CLI, "migrate", ...args, "--namespace", "e2e"], stack.projectDir, stack.env, 60_000);
                stack.history.push(result);
                assert.equal(result.code, 0, describeResult(result));
                return result;
            };
            const terraform = await migrate(["--from-terraform", files.tf]);
            const pulumi = await migrate(["--from-pulumi", files.pulumi]);
            assert.match(terraform.stderr, /terraform state rm 'aws_secretsmanager_secret_rotation\.orders_db'/);
            assert.match(pulumi.stderr, /pulumi state unprotect '[^']*partner-api-rotation' --stack 'prod' && pulumi state delete/);

            // The stack configuration as a user would write it: the two outputs' entries under one key.
            const configFile = join(stack.projectDir, `Pulumi.${stack.stack}.yaml`);
            const salt = readFileSync(configFile, "utf8").split("\n").filter((line) => line.startsWith("encryptionsalt:"));
            const entries = (yaml: string) => yaml.slice(yaml.indexOf("e2e:rotations:\n") + "e2e:rotations:\n".length);
            writeFileSync(configFile, [...salt, terraform.stdout.trimEnd(), entries(pulumi.stdout)].join("\n"));

            const before = async () => Promise.all([fromTerraform, fromPulumi].map(async (s) => [(await describeSecret(s.arn)).LastRotatedDate, await labelsOf(s.arn, true)]));
            const versionsBefore = await before();
            aws.front.clearCalls();
            await stack.up();
            // Each secret only gets its owner tag: no rotation (no new version, no label moved), and rotation never off.
            assert.deepEqual(mutatingCalls().map((c) => c.operation), ["TagResource", "TagResource"]);
            assert.deepEqual(await before(), versionsBefore);
            for (const secret of [fromTerraform, fromPulumi]) assert.equal((await describeSecret(secret.arn)).RotationEnabled, true);
            const rules = (await describeSecret(fromPulumi.arn)).RotationRules;
            assert.deepEqual([rules?.ScheduleExpression, rules?.Duration], ["cron(0 4 ? * MON *)", "2h"]);

            // The Pulumi case before its step 2: the SecretRotation still in the same stack as the declaration.
            const state = await stack.exportState();
            const urn = (type: string, name: string) => `urn:pulumi:${stack.stack}::e2e::${type}::${name}`;
            const providerUrn = urn("pulumi:providers:aws", "default_7_12_0");
            const provider = exported.deployment.resources.find((r: { type: string }) => r.type === "pulumi:providers:aws");
            const rotationUrn = urn("aws:secretsmanager/secretRotation:SecretRotation", "partner-api-rotation");
            const stackUrn = state.deployment.resources!.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
            state.deployment.resources!.push(
                { ...provider, urn: providerUrn, parent: undefined },
                { ...oldRotation, urn: rotationUrn, parent: stackUrn, protect: undefined, provider: `${providerUrn}::${provider.id}` },
            );
            const importFile = join(stack.root, "with-secret-rotation.json");
            writeFileSync(importFile, JSON.stringify(state));
            await stack.run(["stack", "import", "--file", importFile, "--stack", stack.stack]);

            const conflict = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--from-state", "--format", "json"], 4));
            const findings = Object.fromEntries(conflict.stacks[0]!.secrets.map((s) => [s.secretId, s.findings]));
            assert.deepEqual(findings[fromTerraform.arn], []);
            assert.deepEqual(findings[fromPulumi.name]!.map((f) => f.code), ["rotation-declared-twice"]);
            assert.match(findings[fromPulumi.name]![0]!.message, new RegExp(`SecretRotation ${rotationUrn.replace(/[$()*+.?[\\\]^{|}]/g, "\\$&")} also manages this secret's rotation in this stack.*pulumi state delete '`));

            // Step 2, as migrate printed it: the old resource let go of without its delete; the review is clean.
            await stack.run(["state", "delete", rotationUrn, "--yes"]);
            const clean = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--from-state", "--format", "json"], 0));
            assert.deepEqual(clean.stacks[0]!.secrets.flatMap((s) => s.findings), []);
        });
    });
    test("health thresholds from configuration, alike in preview warnings and the review: a stack-wide 180 days silences a 120-day declaration, a declaration's own 30 days makes a warning, a policy on rate(180 days) gives its secrets none; a changed threshold is no update; explicit flags override all", async (t) => {
        const lambda = await createRotationLambda("rotate-thresholds");
        const long = await createSecret("thr/long", "value-l");
        const strict = await createSecret("thr/strict", "value-s");
        const governed = await createSecret("thr-fleet/a", "value-f");
        const rotations = [
            { name: "thr-long", secretId: long.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 120 }, rotateImmediately: false },
            // 60 days passes the default 90; its own 30 does not.
            { name: "thr-strict", secretId: strict.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 60 }, rotateImmediately: false, healthThresholds: { maxIntervalDays: 30 } },
        ];
        const policies = [{ name: "thr-fleet", selector: { namePrefixes: ["thr-fleet/"] }, rotationLambdaArn: lambda, schedule: { scheduleExpression: "rate(180 days)" }, rotateImmediately: false }];
        const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config: { "e2e:rotations": rotations, "e2e:policies": policies } });
        t.after(() => stack.cleanup());
        await withTranscript(t, stack, async () => {
            await stack.up();
            // The governed secret last rotated 120 days ago, next due in 60: on time for its policy's 180 days.
            aws.front.setSecretDates(governed.arn, { lastRotatedDate: daysAgo(120), nextRotationDate: daysAgo(-60) });
            const warningsOf = (output: string, resource: string) => new RegExp(`RotationState \\(${resource}\\):\\n((?:\\s+warning: .*\\n)+)`).exec(output)?.[1] ?? "";
            const byResource = (report: ReviewReport) => Object.fromEntries(report.stacks[0]!.secrets.map((s) => [s.resource, s]));

            // No threshold configured but the declaration's own: the defaults, 30 for thr-strict, 180/182 days for the policy's secrets.
            const before = await stack.preview();
            assert.match(warningsOf(before.stdout, "thr-long"), /warning: \[interval-too-long\] thr\/long rotates every 120 days, less often than every 90 days/);
            assert.match(warningsOf(before.stdout, "thr-strict"), /warning: \[interval-too-long\] thr\/strict rotates every 60 days, less often than every 30 days/);
            const first = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json"], 4));
            assert.deepEqual(first.thresholds, { maxIntervalDays: 90, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 });
            let secrets = byResource(first);
            assert.deepEqual(Object.keys(secrets).sort(), ["thr-long", "thr-strict"], "the governed secret is in line: counted, not listed");
            assert.deepEqual([codes(secrets["thr-long"]!), secrets["thr-long"]!.thresholds], [["interval-too-long"], undefined]);
            assert.deepEqual([codes(secrets["thr-strict"]!), secrets["thr-strict"]!.thresholds], [["interval-too-long"], { maxIntervalDays: 30, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 }]);
            const policy = first.stacks[0]!.policies![0]!;
            assert.deepEqual([policy.governed, policy.inLine, policy.thresholds], [1, 1, { maxIntervalDays: 180, maxDaysSinceRotation: 182, pendingLongRunningMinutes: 60 }]);

            // Stack-wide 180 days: no update (thresholds change nothing in AWS), and thr-long is quiet in both.
            stack.writeConfig({ "e2e:rotations": rotations, "e2e:policies": policies, "e2e:healthThresholds": { maxIntervalDays: 180 } });
            const after = await stack.preview(["--expect-no-changes"]);
            assert.equal(warningsOf(after.stdout, "thr-long"), "", "the stack-wide 180 days silences the 120-day schedule's warning");
            assert.match(warningsOf(after.stdout, "thr-strict"), /less often than every 30 days/, "a declaration's own threshold wins over the stack's");
            const second = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--format", "json"], 4));
            secrets = byResource(second);
            assert.deepEqual([codes(secrets["thr-long"]!), secrets["thr-long"]!.thresholds], [[], { maxIntervalDays: 180, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 }]);
            assert.deepEqual(codes(secrets["thr-strict"]!), ["interval-too-long"]);
            assert.equal(second.summary.findings, 1);

            // --all: a secret no stack declares, rotating every 120 days, is judged by the stack-wide
            // thresholds of the (only) stack reviewed, and the entry says which.
            const loose = await createSecret("thr-undeclared/loose", "value-u");
            await secretsManager().send(new RotateSecretCommand({ SecretId: loose.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 120 }, RotateImmediately: false }));
            const withAll = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--all", "--format", "json"], 4));
            const looseEntry = withAll.inventory!.undeclared.find((u) => u.name === loose.name)!;
            assert.deepEqual([looseEntry.findings.map((f) => f.code), looseEntry.thresholds], [[], { maxIntervalDays: 180, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 }]);

            // An up with nothing to change records them in the resource's inputs, with no AWS change.
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(mutatingCalls(), []);
            const recorded = (await stack.exportState()).deployment.resources!.find((r) => r.urn.endsWith("::thr-long"))!;
            assert.deepEqual((recorded.inputs as { healthThresholds?: unknown }).healthThresholds, { maxIntervalDays: 180 });

            // Flags given on the command line override every other source, for that run (here from
            // the state, no preview: the thresholds recorded in the resources' inputs).
            const flagged = parseReport(await reviewCli(stack, ["--stack", stack.stack, "--from-state", "--format", "json", "--max-interval-days", "100"], 4));
            assert.deepEqual(flagged.thresholds, { maxIntervalDays: 100, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 });
            secrets = byResource(flagged);
            // The flag over the stack's 180 recorded in thr-long's inputs and thr-strict's own 30: both judged by the top-level ones.
            assert.deepEqual([codes(secrets["thr-long"]!), secrets["thr-long"]!.thresholds], [["interval-too-long"], undefined]);
            assert.deepEqual([codes(secrets["thr-strict"]!), secrets["thr-strict"]!.thresholds], [[], undefined]);
            const governedEntry = flagged.stacks[0]!.secrets.find((s) => s.secretId === governed.name)!;
            assert.deepEqual([codes(governedEntry), governedEntry.thresholds], [["interval-too-long"], { maxIntervalDays: 100, maxDaysSinceRotation: 182, pendingLongRunningMinutes: 60 }]);

            // A bad stack-wide value (the YAML slip of a quoted number) stops the program before it declares anything, naming the key, the field and the rule.
            stack.writeConfig({ "e2e:rotations": rotations, "e2e:policies": policies, "e2e:healthThresholds": { maxIntervalDays: "180" } });
            aws.front.clearCalls();
            const refused = await stack.preview([], { expectCode: 1 });
            assert.match(refused.stdout + refused.stderr, /e2e:healthThresholds\.maxIntervalDays: must be a whole number from 1 to 1000 \(got string "180"\)/);
            assert.deepEqual(mutatingCalls(), []);
        });
    });
});
