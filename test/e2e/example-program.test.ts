// The example under examples/aws-program declares SecretRotationState beside @pulumi/aws
// resources (`secretId: secret.arn`). It is copied out of the repository, as a user copies it, and
// built there with nothing of the repository's: the packed package installed from its tarball,
// @pulumi/aws and the compiler from the registry, the example's own tsconfig (strict).
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { packPackage } from "../support/packed";
import { describeResult, repoRoot, runProcess } from "../support/pulumi";

test("examples/aws-program builds when copied out of the repository, against the packed package and @pulumi/aws", async (t) => {
    const root = mkdtempSync(join(tmpdir(), "psr-example-"));
    t.after(() => {
        if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
    });
    const env = { ...process.env } as Record<string, string>;
    const tarball = await packPackage(root);

    const example = join(root, "aws-program");
    cpSync(join(repoRoot(), "examples", "aws-program"), example, { recursive: true, filter: (source) => !source.includes("node_modules") });
    // Nothing in the copy may reach back into the repository.
    for (const file of ["package.json", "tsconfig.json"]) {
        assert.doesNotMatch(readFileSync(join(example, file), "utf8"), /\.\.\//, `${file} refers to nothing outside the example`);
    }
    const install = await runProcess("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", tarball], example, env, 600_000);
    assert.equal(install.code, 0, describeResult(install));
    const build = await runProcess("npm", ["run", "build"], example, env, 300_000);
    assert.equal(build.code, 0, describeResult(build));
});
