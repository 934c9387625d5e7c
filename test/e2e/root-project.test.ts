// End to end: this repository's own stack — Pulumi.yaml at the root, running dist/src/program.js —
// with the rotation states listed in the stack configuration file, as a user would run it here.
// The provider finds its implementation through the package's self-reference.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { describeResult, isolatedPulumiEnv, PulumiResult, repoRoot, runProcess } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();

test("the root Pulumi.yaml runs the stack program from the stack configuration: up, then destroy", async (t) => {
    const stack = `e2e-root-${process.pid}`;
    const stackFile = join(repoRoot(), `Pulumi.${stack}.yaml`);
    const home = mkdtempSync(join(tmpdir(), "psr-root-"));
    t.after(() => {
        rmSync(stackFile, { force: true });
        rmSync(home, { recursive: true, force: true });
    });
    const env = isolatedPulumiEnv(home, join(home, ".pulumi"), aws.env);
    const history: PulumiResult[] = [];
    const pulumi = async (...args: string[]) => {
        const result = await runProcess("pulumi", [...args, "--stack", stack, "--non-interactive", "--color=never"], repoRoot(), env, 300_000);
        history.push(result);
        assert.equal(result.code, 0, history.map(describeResult).join("\n\n"));
        return result;
    };

    const lambda = await createRotationLambda();
    const secret = await createSecret("root/db-password", "root-value");
    writeFileSync(stackFile, "");
    await runProcess("pulumi", ["stack", "init", stack, "--non-interactive"], repoRoot(), env, 60_000);
    appendFileSync(
        stackFile,
        [
            "config:",
            "  secret-rotation:rotations:",
            `    - secretId: ${secret.name}`,
            `      rotationLambdaArn: ${lambda}`,
            "      schedule: { automaticallyAfterDays: 30 }",
            "      rotateImmediately: false",
            "",
        ].join("\n"),
    );
    await pulumi("up", "--yes", "--skip-preview");
    assert.equal((await describeSecret(secret.arn)).RotationEnabled, true);
    await pulumi("preview", "--refresh", "--expect-no-changes");
    await pulumi("destroy", "--yes", "--skip-preview");
    assert.equal((await describeSecret(secret.arn)).RotationEnabled, false);
});
