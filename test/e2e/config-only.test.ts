// End to end, as a platform team's gitops repository holds it: a directory with only Pulumi.yaml,
// Pulumi.<stack>.yaml and a package.json that installs the packed package, no program of its own.
// Pulumi.yaml's `main` points at the stack program the package ships; the declarations are the
// stack configuration under the package's own namespace (`secret-rotation:`), whatever the
// project is called. preview, up, the review and destroy, for a single declaration and a policy.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { installUserProject, packPackage, runChecked } from "../support/packed";
import { isolatedPulumiEnv } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();

/** The stack program's path inside the installed package: what a config-only Pulumi.yaml's `main` names. */
const PROGRAM = "node_modules/pulumi-secret-rotation/dist/src/program.js";

test("a config-only repository runs preview, up, review and destroy from the packed package", async (t) => {
    const root = mkdtempSync(join(tmpdir(), "psr-config-only-"));
    t.after(() => {
        if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
    });
    const tarball = await packPackage(root);

    // The repository: three files, none of them code. The project's name is the team's own.
    const repo = join(root, "platform-secrets");
    await installUserProject(repo, {
        name: "platform-secrets",
        tarball,
        pulumiYaml: ["name: platform-secrets", "runtime: nodejs", `main: ${PROGRAM}`, "options:", "  refresh: always", ""].join("\n"),
    });

    const lambda = await createRotationLambda("rotate-config-only");
    const declared = await createSecret("config-only/db", "value-db");
    const fleet = [await createSecret("config-only/fleet/a", "value-a"), await createSecret("config-only/fleet/b", "value-b")];
    const env = isolatedPulumiEnv(join(root, "state"), join(root, "pulumi-home"), aws.env);
    mkdirSync(join(root, "state"));
    const pulumi = (args: string[], expectCode = 0) => runChecked("pulumi", [...args, "--non-interactive", "--color=never"], repo, env, expectCode);
    /** Pulumi.<stack>.yaml as the repository holds it, keeping the salt `stack init` wrote. */
    const writeStackConfig = (stack: string, text: string) => {
        const file = join(repo, `Pulumi.${stack}.yaml`);
        const salt = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((line) => line.startsWith("encryptionsalt:")) : [];
        writeFileSync(file, [...salt, text].join("\n"));
    };

    // The project's own namespace is read too (what the program read before); the same key in both is refused, naming both.
    await pulumi(["stack", "init", "both"]);
    writeStackConfig(
        "both",
        ["config:", "  platform-secrets:rotations:", `    - secretId: ${declared.name}`, "      enabled: false", "  secret-rotation:rotations: []", ""].join("\n"),
    );
    const refused = await pulumi(["preview", "--stack", "both"], 1);
    assert.match(refused.stdout + refused.stderr, /secret-rotation:rotations and platform-secrets:rotations are both set/);

    // The stack's configuration, as a reviewer reads it in a pull request.
    await pulumi(["stack", "init", "dev"]);
    writeStackConfig(
        "dev",
        [
            "config:",
            "  secret-rotation:rotations:",
            `    - secretId: ${declared.name}`,
            `      rotationLambdaArn: ${lambda}`,
            "      schedule: { automaticallyAfterDays: 30 }",
            "      rotateImmediately: false",
            "  secret-rotation:policies:",
            "    - name: fleet",
            '      selector: { namePrefixes: ["config-only/fleet/"] }',
            `      rotationLambdaArn: ${lambda}`,
            "      schedule: { automaticallyAfterDays: 30 }",
            "      rotateImmediately: false",
            "",
        ].join("\n"),
    );
    const preview = await pulumi(["preview", "--stack", "dev"]);
    assert.match(preview.stdout, /\+\s+3 to create/, `the preview creates the stack, the declaration and the policy\n${preview.stdout}`);
    for (const secret of [declared, ...fleet]) assert.equal((await describeSecret(secret.arn)).RotationEnabled ?? false, false, `preview changed nothing: ${secret.name}`);

    await pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    for (const secret of [declared, ...fleet]) {
        const live = await describeSecret(secret.arn);
        assert.deepEqual([live.RotationEnabled, live.RotationRules?.AutomaticallyAfterDays], [true, 30], `${secret.name} rotates every 30 days`);
    }

    // The package's bin reviews the config-only stack: the declared secret and the policy.
    const review = await runChecked(join(repo, "node_modules", ".bin", "pulumi-secret-rotation"), ["review", "--stack", "dev", "--format", "json"], repo, env, 0);
    const report = JSON.parse(review.stdout);
    const reviewed = report.stacks[0].secrets.map((s: { secretId: string; step: string }) => [s.secretId, s.step]);
    assert.deepEqual(reviewed.find(([id]: [string]) => id === declared.name), [declared.name, "same"], JSON.stringify(reviewed));
    // The policy's secrets are in line: counted, not listed one by one.
    const [policy] = report.stacks[0].policies;
    assert.deepEqual([policy.resource, policy.step, policy.governed, policy.inLine], ["fleet", "same", 2, 2], JSON.stringify(policy));

    await pulumi(["destroy", "--yes", "--skip-preview", "--stack", "dev"]);
    for (const secret of [declared, ...fleet]) assert.equal((await describeSecret(secret.arn)).RotationEnabled, false, `${secret.name}: destroy cancelled the rotation it turned on`);
});
