// The example under examples/aws-program declares SecretRotationState beside @pulumi/aws
// resources (`secretId: secret.arn`). It is installed as a user would (the package by path,
// @pulumi/aws from the registry) and type-checked with the strict compiler.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { describeResult, repoRoot, runProcess } from "../support/pulumi";

test("examples/aws-program type-checks against the package and @pulumi/aws", async () => {
    const example = join(repoRoot(), "examples", "aws-program");
    const env = { ...process.env } as Record<string, string>;
    const install = await runProcess("npm", ["ci", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], example, env, 600_000);
    assert.equal(install.code, 0, describeResult(install));
    const tsc = await runProcess(join(repoRoot(), "node_modules", ".bin", "tsc"), ["-p", join(example, "tsconfig.json")], example, env, 300_000);
    assert.equal(tsc.code, 0, describeResult(tsc));
});
