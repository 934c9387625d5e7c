// End to end, as a user gets it: `npm pack` of this package, installed into a fresh temporary
// Pulumi project next to @pulumi/pulumi, used from a plain program; then an upgrade of the
// package reaches refresh and destroy of resources created by the older version, because the
// state stores only a shim that loads the implementation at call time. And a stack created by the
// package as it was before the layers (the flat providers/secretsmanager/ of commit
// FLAT_LAYOUT_COMMIT) is refreshed, updated and destroyed by today's: the stored shims require the
// package's export names, which the exports map keeps pointing at wherever the files now live.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { installUserProject, packPackage, runChecked } from "../support/packed";
import { describeResult, isolatedPulumiEnv, repoRoot, runProcess } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();

const run = runChecked;

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
    return packPackage(into, source);
}

/** The last commit whose providers/secretsmanager/ was flat, before the layers (issue 20). */
const FLAT_LAYOUT_COMMIT = "fc4cd928d926a47e8861b29f20c526968e5774a1";

/** npm pack of the package as it was at `commit`, built from the repository's history. */
async function packFromHistory(into: string, commit: string): Promise<string> {
    const source = join(into, `source-${commit.slice(0, 7)}`);
    mkdirSync(source);
    const env = { ...process.env } as Record<string, string>;
    const known = await runProcess("git", ["-C", repoRoot(), "cat-file", "-e", `${commit}^{commit}`], repoRoot(), env, 60_000);
    if (known.code !== 0) throw new Error(`commit ${commit} is not in this clone's history (a shallow clone?): this test builds the package as it was then\n${describeResult(known)}`);
    await run("bash", ["-c", `git -C "$0" archive --format=tar "$1" | tar -x -C "$2"`, repoRoot(), commit, source], repoRoot(), env);
    // Its own sources, compiled with this checkout's compiler and dependencies (the runtime ones are unchanged since).
    symlinkSync(join(repoRoot(), "node_modules"), join(source, "node_modules"), "dir");
    writeFileSync(join(source, "tsconfig.pack.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["src/**/*.ts", "providers/**/*.ts"] }));
    await run(process.execPath, [join(repoRoot(), "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.pack.json"], source, env);
    rmSync(join(source, "node_modules"));
    return packPackage(into, source);
}

test("the packed package works from a fresh project, and an upgrade reaches refresh and destroy", async (t) => {
    const root = mkdtempSync(join(tmpdir(), "psr-pack-"));
    t.after(() => {
        if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
    });
    const v1 = await pack(root);
    // What a user gets: the licence, the changelog and the compiled package with its types.
    const listed = (await run("tar", ["-tzf", v1], root, { ...process.env } as Record<string, string>)).stdout.split("\n");
    for (const file of ["LICENSE", "CHANGELOG.md", "README.md", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/review/api.js", "dist/src/cli/main.js"]) {
        assert.ok(listed.includes(`package/${file}`), `the tarball holds ${file}`);
    }
    const project = join(root, "project");
    const base = { ...process.env } as Record<string, string>;
    await installUserProject(project, {
        name: "user-project",
        tarball: v1,
        pulumiYaml: "name: user-project\nruntime: nodejs\nmain: index.js\n",
        files: {
            "index.js": [
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
        },
    });
    // Errors name this file; the package must carry it (and the review policy beside it).
    for (const name of ["minimal-iam-policy.json", "review-iam-policy.json"]) {
        const shipped = join(project, "node_modules", "pulumi-secret-rotation", "policy", name);
        assert.deepEqual(JSON.parse(readFileSync(shipped, "utf8")), JSON.parse(readFileSync(join(repoRoot(), "policy", name), "utf8")), `${name} is in the package`);
    }

    // review() and its types, from the package's main entry as installed.
    const reviewExport = await run(process.execPath, ["-p", `typeof require("pulumi-secret-rotation").review`], project, base);
    assert.equal(reviewExport.stdout.trim(), "function");
    const types = readFileSync(join(project, "node_modules", "pulumi-secret-rotation", "dist", "src", "index.d.ts"), "utf8");
    assert.match(types, /export \{ review \} from "\.\/review\/api"/);
    assert.match(types, /ReviewReport/);

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

test("a stack created by the package before the layers is refreshed, updated and destroyed by today's", async (t) => {
    const root = mkdtempSync(join(tmpdir(), "psr-layers-upgrade-"));
    t.after(() => {
        if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
    });
    const flat = await packFromHistory(root, FLAT_LAYOUT_COMMIT);
    const project = join(root, "project");
    const base = { ...process.env } as Record<string, string>;
    const installed = join(project, "node_modules", "pulumi-secret-rotation", "dist", "providers", "secretsmanager");
    // One single declaration and one policy: both shims (shim, policy-shim) are stored in state.
    await installUserProject(project, {
        name: "layers-upgrade",
        tarball: flat,
        pulumiYaml: "name: layers-upgrade\nruntime: nodejs\nmain: index.js\n",
        files: {
            "index.js": [
                `const pulumi = require("@pulumi/pulumi");`,
                `const { SecretRotationState, SecretRotationPolicy } = require("pulumi-secret-rotation");`,
                `const config = new pulumi.Config();`,
                `const days = Number(config.require("days"));`,
                `new SecretRotationState("db", {`,
                `    secretId: config.require("secretId"),`,
                `    rotationLambdaArn: config.require("lambda"),`,
                `    schedule: { automaticallyAfterDays: days },`,
                `    rotateImmediately: false,`,
                `});`,
                `new SecretRotationPolicy("fleet", {`,
                `    selector: { namePrefixes: ["layers-upgrade/fleet/"] },`,
                `    rotationLambdaArn: config.require("lambda"),`,
                `    schedule: { automaticallyAfterDays: days },`,
                `    rotateImmediately: false,`,
                `});`,
                ``,
            ].join("\n"),
        },
    });
    assert.ok(existsSync(join(installed, "shim.js")) && existsSync(join(installed, "policy-shim.js")), "the flat layout is installed");

    const lambda = await createRotationLambda("rotate-layers-upgrade");
    const declared = await createSecret("layers-upgrade/db", "value-declared");
    const fleet = [await createSecret("layers-upgrade/fleet/a", "value-a"), await createSecret("layers-upgrade/fleet/b", "value-b")];
    const env = isolatedPulumiEnv(join(root, "state"), join(root, "pulumi-home"), aws.env);
    mkdirSync(join(root, "state"));
    const pulumi = (args: string[], expectCode = 0) => run("pulumi", [...args, "--non-interactive", "--color=never"], project, env, expectCode);
    await pulumi(["stack", "init", "dev"]);
    await pulumi(["config", "set", "--plaintext", "secretId", declared.name]);
    await pulumi(["config", "set", "--plaintext", "lambda", lambda]);
    await pulumi(["config", "set", "--plaintext", "days", "30"]);
    await pulumi(["up", "--yes", "--skip-preview"]);
    for (const secret of [declared, ...fleet]) {
        const live = await describeSecret(secret.arn);
        assert.deepEqual([live.RotationEnabled, live.RotationRules?.AutomaticallyAfterDays], [true, 30], `${secret.name} rotates every 30 days`);
    }
    // What the flat version stored: a require of each shim by its export name.
    const exported = JSON.parse((await pulumi(["stack", "export"])).stdout);
    const providers = exported.deployment.resources.filter((r: { type: string }) => r.type.startsWith("pulumi-nodejs:dynamic/secretsmanager:")).map((r: { inputs: { __provider: string } }) => String(r.inputs.__provider));
    assert.equal(providers.length, 2);
    assert.ok(providers.some((p: string) => /require\("pulumi-secret-rotation\/shim"\)/.test(p)), "the rotation state's shim is stored as a require");
    assert.ok(providers.some((p: string) => /require\("pulumi-secret-rotation\/policy-shim"\)/.test(p)), "the policy's shim is stored as a require");

    // Today's package, with the layers (and a read() that announces itself).
    const layered = await pack(root, { version: "0.2.0-layers", readMarker: "rotation-state provider: layered implementation" });
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", `pulumi-secret-rotation@file:${layered}`], project, base);
    assert.ok(!existsSync(join(installed, "shim.js")) && existsSync(join(installed, "pulumi-edge", "shim.js")), "the layered layout replaced the flat one");

    const refreshed = await pulumi(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
    assert.match(refreshed.stdout + refreshed.stderr, /layered implementation/, "refresh ran the layered package's code through the stored shim");
    await pulumi(["config", "set", "--plaintext", "days", "45"]);
    await pulumi(["up", "--yes", "--skip-preview"]);
    for (const secret of [declared, ...fleet]) {
        assert.equal((await describeSecret(secret.arn)).RotationRules?.AutomaticallyAfterDays, 45, `${secret.name}: the update reached AWS`);
    }
    await pulumi(["destroy", "--yes", "--skip-preview"]);
    for (const secret of [declared, ...fleet]) {
        assert.equal((await describeSecret(secret.arn)).RotationEnabled, false, `${secret.name}: destroy cancelled the rotation it turned on`);
    }
});
