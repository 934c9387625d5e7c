// `npm run demo`: the reconciler's main job on the embedded default — a local Secrets Manager
// (moto behind the project's AWS front) and a local Pulumi backend in a temporary directory. No
// AWS account, no Pulumi Cloud. It declares four secrets' rotation in a stack configuration, runs
// `pulumi up`, breaks three of them out of band, shows `pulumi preview` catching each, repairs
// them with plain `pulumi up`, prints the staging labels before and after, and leaves nothing
// running. The project is set up as docs/running-up.md says: Pulumi.yaml's `options: refresh: always`
// (every up and preview refreshes first) and PULUMI_CONTINUE_ON_ERROR=true.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { CancelRotateSecretCommand, RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import Table from "cli-table3";
import { stringify as toYaml } from "yaml";

import { AwsFront } from "../test/support/aws-front";
import { MotoServer, useAwsEnv } from "../test/support/moto";
import { describeResult, repoRoot, TestStack } from "../test/support/pulumi";
import { playRotation } from "../test/support/rotation-lambda";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager } from "../test/support/seed";

const SECRETS = ["app/db-password", "app/api-key", "app/reporting-token", "legacy/ldap-bind"] as const;

function heading(text: string): void {
    console.log(`\n=== ${text}`);
}

/** The lines of pulumi's output worth showing: the resource lines, property diffs and summary. */
function excerpt(stdout: string): string {
    return stdout
        .split("\n")
        .filter((line) => /RotationState .*(create|update|refresh)|=>|Resources:|to update|updated|unchanged|created|to create|^\s+secret |error/.test(line))
        .filter((line) => !/refreshing|updating \(|creating \(/.test(line))
        .map((line) => `  ${line.trimEnd()}`)
        .join("\n");
}

/** From `preview --diff`, the planned updates: each resource and its declared properties that drifted. */
function driftExcerpt(stdout: string): string {
    const lines = stdout.split("\n");
    const updates = lines.slice(Math.max(0, lines.findIndex((l) => /: \(update\)/.test(l))));
    return updates
        .filter((line) => /\(update\)|urn=|(enabled|schedule|automaticallyAfterDays|scheduleExpression|duration|rotationLambdaArn|stagingLabels)\s*:.*=>/.test(line))
        .map((line) => `  ${line.trimEnd().replace(/\[urn=.*::/, "[")}`)
        .join("\n");
}

async function labelTable(arns: Record<string, string>): Promise<string> {
    const plain = !process.stdout.isTTY;
    const table = new Table({
        head: ["secret", "rotation", "versions and their staging labels"],
        ...(plain ? { style: { head: [], border: [] } } : {}),
    });
    for (const [name, arn] of Object.entries(arns)) {
        const described = await describeSecret(arn);
        const labels = await labelsOf(arn);
        const versions = Object.entries(labels)
            .map(([id, stages]) => `${id.slice(0, 8)}… ${stages.length ? stages.join(", ") : "(no label)"}`)
            .join("\n");
        const rules = described.RotationRules;
        const schedule = rules?.ScheduleExpression ?? (rules?.AutomaticallyAfterDays ? `every ${rules.AutomaticallyAfterDays} days` : "");
        table.push([name, described.RotationEnabled ? `on, ${schedule}` : "off", versions]);
    }
    return table.toString();
}

async function main(): Promise<void> {
    const moto = await MotoServer.start();
    const front = await AwsFront.start(moto.endpoint);
    const env = { ...moto.awsEnv(), AWS_ENDPOINT_URL_SECRETS_MANAGER: front.endpoint };
    const restoreEnv = useAwsEnv(env);
    let stack: TestStack | undefined;
    try {
        heading(`Local Secrets Manager on ${front.endpoint} (moto ${moto.endpoint}); seeding a rotation Lambda and ${SECRETS.length} secrets`);
        const lambda = await createRotationLambda("rotate-app-secrets");
        const arns: Record<string, string> = {};
        for (const name of SECRETS) arns[name] = (await createSecret(name, `initial value of ${name}`)).arn;
        // legacy/ldap-bind has rotation on today; the declaration turns it off.
        await secretsManager().send(
            new RotateSecretCommand({ SecretId: arns["legacy/ldap-bind"], RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 60 }, RotateImmediately: false }),
        );

        const rotations = [
            { secretId: "app/db-password", rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 } },
            { secretId: "app/api-key", rotationLambdaArn: lambda, schedule: { scheduleExpression: "rate(12 hours)", duration: "2h" }, rotateImmediately: false },
            { secretId: arns["app/reporting-token"], rotationLambdaArn: lambda, schedule: { scheduleExpression: "cron(0 16 1,15 * ? *)", duration: "3h" }, rotateImmediately: false },
            { secretId: "legacy/ldap-bind", enabled: false },
        ];
        stack = await TestStack.create({
            program: join(repoRoot(), "dist", "src", "program.js"),
            env: { ...env, PULUMI_CONTINUE_ON_ERROR: "true" },
            stack: "demo",
            project: "secret-rotation",
            config: { "secret-rotation:rotations": rotations },
            projectOptions: { refresh: "always" },
        });
        heading(`The project (${join(stack.projectDir, "Pulumi.yaml")}) refreshes on every up and preview, and pulumi runs with PULUMI_CONTINUE_ON_ERROR=true`);
        console.log(readFileSync(join(stack.projectDir, "Pulumi.yaml"), "utf8").trimEnd().replace(/^/gm, "  "));
        heading(`The stack configuration (what a reviewer reads), ${join(stack.projectDir, "Pulumi.demo.yaml")}`);
        console.log(toYaml({ config: { "secret-rotation:rotations": rotations } }).trimEnd().replace(/^/gm, "  "));

        heading("Labels before");
        console.log(await labelTable(arns));

        heading("pulumi preview");
        console.log(excerpt((await stack.preview()).stdout));
        heading("pulumi up");
        console.log(excerpt((await stack.up()).stdout));
        // db-password was enabled with rotateImmediately (the default): its Lambda runs now.
        // moto cannot run Lambda code, so the demo plays the four steps as the function would.
        await playRotation(arns["app/db-password"]!, "rotated value of app/db-password");
        console.log("  (the rotation Lambda of app/db-password ran its four steps)");
        heading("pulumi preview --expect-no-changes (it refreshes first): nothing has drifted");
        await stack.preview(["--expect-no-changes"]);
        console.log("  exit code 0");

        heading("Out of band: rotation turned off on app/api-key, schedule changed on app/db-password, a rotation of app/reporting-token failed at setSecret");
        await secretsManager().send(new CancelRotateSecretCommand({ SecretId: arns["app/api-key"] }));
        await secretsManager().send(
            new RotateSecretCommand({ SecretId: arns["app/db-password"], RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 90 }, RotateImmediately: false }),
        );
        await secretsManager().send(new RotateSecretCommand({ SecretId: arns["app/reporting-token"], RotateImmediately: true }));
        const { pendingVersionId } = await playRotation(arns["app/reporting-token"]!, "half-rotated value", "setSecret");
        front.setVersionCreatedDate(pendingVersionId, new Date(Date.now() - 3 * 3_600_000)); // it failed three hours ago
        console.log(await labelTable(arns));

        heading("pulumi preview --expect-no-changes: drift detected (exit code 7)");
        const drift = await stack.preview(["--diff", "--expect-no-changes"], { expectCode: 7 });
        console.log(driftExcerpt(drift.stdout));

        heading("pulumi up (it refreshes first): repaired");
        console.log(excerpt((await stack.up()).stdout));
        await stack.preview(["--expect-no-changes"]);
        console.log("  pulumi preview --expect-no-changes: exit code 0");

        heading("Labels after (the stranded candidate of app/reporting-token is kept under a QUARANTINED- label)");
        console.log(await labelTable(arns));
    } catch (error) {
        if (stack) for (const result of stack.history.slice(-2)) console.error(describeResult(result));
        throw error;
    } finally {
        stack?.cleanup();
        restoreEnv();
        await front.stop();
        await moto.stop();
    }
}

main().then(
    () => console.log("\nDone: moto stopped, temporary stack removed."),
    (error) => {
        console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    },
);
