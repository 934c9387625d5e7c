// End to end, as a user gets it: `npm pack` of this package, installed into a fresh temporary
// Pulumi project next to @pulumi/pulumi, used from a plain program; then an upgrade of the
// package reaches refresh and destroy of resources created by the older version, because the
// state stores only a shim that loads the implementation at call time.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { describeResult, isolatedPulumiEnv, PulumiResult, repoRoot, runProcess } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();

async function run(command: string, args: string[], cwd: string, env: Record<string, string>, expectCode = 0): Promise<PulumiResult> {
    const result = await runProcess(command, args, cwd, env, 600_000);
    if (result.code !== expectCode) throw new Error(`expected exit code ${expectCode}\n${describeResult(result)}`);
    return result;
}

/** npm pack of the repository, or of a copy of it with a different version and a marked read(). */
async function pack(into: string, variant?: { version: string; readMarker: string }): Promise<string> {
    let source = repoRoot();
    if (variant) {
        source = join(into, "upgraded-source");
        mkdirSync(source);
        cpSync(join(repoRoot(), "package.json"), join(source, "package.json"));
        cpSync(join(repoRoot(), "README.md"), join(source, "README.md"));
        cpSync(join(repoRoot(), "dist"), join(source, "dist"), { recursive: true });
        const manifest = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
        manifest.version = variant.version;
        writeFileSync(join(source, "package.json"), JSON.stringify(manifest, null, 2));
        const provider = join(source, "dist", "providers", "secretsmanager", "pulumi-edge", "provider.js");
        const code = readFileSync(provider, "utf8");
        const patched = code.replace(/async function read\(([^)]*)\) \{/, (m) => `${m}\n    console.log(${JSON.stringify(variant.readMarker)});`);
        assert.notEqual(patched, code, "the upgrade marker was inserted into read()");
        writeFileSync(provider, patched);
    }
    const result = await run("npm", ["pack", "--silent", "--pack-destination", into, "--ignore-scripts"], source, { ...process.env } as Record<string, string>);
    return join(into, result.stdout.trim().split("\n").pop()!);
}

test("the packed package works from a fresh project, and an upgrade reaches refresh and destroy", async (t) => {
    const root = mkdtempSync(join(tmpdir(), "psr-pack-"));
    t.after(() => {
        if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
    });
    const v1 = await pack(root);
    const project = join(root, "project");
    mkdirSync(project);
    const pulumiVersion = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")).devDependencies["@pulumi/pulumi"];
    writeFileSync(
        join(project, "package.json"),
        JSON.stringify({ name: "user-project", private: true, dependencies: { "@pulumi/pulumi": pulumiVersion, "pulumi-secret-rotation": `file:${v1}` } }),
    );
    writeFileSync(join(project, "Pulumi.yaml"), "name: user-project\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(
        join(project, "index.js"),
        [
            `const pulumi = require("@pulumi/pulumi");`,
            `const { SecretRotationState } = require("pulumi-secret-rotation");`,
            `const config = new pulumi.Config();`,
            `const state = new SecretRotationState("db", {`,
            `    secretId: config.require("secretId"),`,
            `    rotationLambdaArn: config.require("lambda"),`,
            `    schedule: { automaticallyAfterDays: 30 },`,
            `    rotateImmediately: false,`,
            `});`,
            `exports.rotationEnabled = state.rotationEnabled;`,
            ``,
        ].join("\n"),
    );
    const base = { ...process.env } as Record<string, string>;
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], project, base);
    // Errors name this file; the package must carry it (and the review policy beside it).
    for (const name of ["minimal-iam-policy.json", "review-iam-policy.json"]) {
        const shipped = join(project, "node_modules", "pulumi-secret-rotation", "policy", name);
        assert.deepEqual(JSON.parse(readFileSync(shipped, "utf8")), JSON.parse(readFileSync(join(repoRoot(), "policy", name), "utf8")), `${name} is in the package`);
    }

    const lambda = await createRotationLambda();
    const secret = await createSecret("packed/db-password", "value-packed");
    const env = isolatedPulumiEnv(join(root, "state"), join(root, "pulumi-home"), aws.env);
    mkdirSync(join(root, "state"));
    const pulumi = (args: string[], expectCode = 0) => run("pulumi", [...args, "--non-interactive", "--color=never"], project, env, expectCode);
    await pulumi(["stack", "init", "dev"]);
    await pulumi(["config", "set", "--plaintext", "secretId", secret.name]);
    await pulumi(["config", "set", "--plaintext", "lambda", lambda]);
    await pulumi(["up", "--yes", "--skip-preview"]);
    assert.equal((await describeSecret(secret.arn)).RotationEnabled, true);

    // The package's bin, as installed: the review of this stack (read-only) finds the one secret.
    const review = await run(join(project, "node_modules", ".bin", "pulumi-secret-rotation"), ["review", "--stack", "dev", "--format", "json"], project, env, 0);
    const report = JSON.parse(review.stdout);
    assert.deepEqual(
        report.stacks[0].secrets.map((s: { secretId: string; step: string; live: { arn: string } }) => [s.secretId, s.step, s.live.arn]),
        [[secret.name, "same", secret.arn]],
    );
    const exported = JSON.parse((await pulumi(["stack", "export"])).stdout);
    const resource = exported.deployment.resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/secretsmanager:RotationState");
    const serializedProvider = String(resource.inputs.__provider);
    t.diagnostic(`state bytes for one resource: ${Buffer.byteLength(JSON.stringify(resource))} (serialized provider: ${serializedProvider.length} chars, stored twice)`);
    t.diagnostic(`serialized provider: ${serializedProvider}`);
    // The serialized provider is code only: nothing from the environment or the configuration.
    for (const captured of [aws.env.AWS_ENDPOINT_URL, aws.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, aws.env.AWS_ACCESS_KEY_ID, lambda, root]) {
        assert.ok(!serializedProvider.includes(captured!), `the serialized provider contains ${captured}`);
    }
    assert.equal(resource.outputs.__provider, serializedProvider);
    // Installed, the provider is stored as a require of the package, not as code: state stays small.
    assert.match(serializedProvider, /require\("pulumi-secret-rotation\/shim"\)/);
    const stateBytes = Buffer.byteLength(JSON.stringify(resource));
    assert.ok(stateBytes <= 3_328, `at most 3.25 KB of state per resource, got ${stateBytes} bytes`);

    // Upgrade: install a newer version whose read() announces itself.
    const v2 = await pack(root, { version: "0.1.1-upgrade", readMarker: "rotation-state provider: upgraded implementation" });
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", `pulumi-secret-rotation@file:${v2}`], project, base);
    const refreshed = await pulumi(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
    assert.match(refreshed.stdout + refreshed.stderr, /upgraded implementation/, "refresh ran the upgraded package's code");
    await pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.equal((await describeSecret(secret.arn)).RotationEnabled, false, "destroy (through the stored shim) cancelled rotation");
});
