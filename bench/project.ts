// The benchmark's Pulumi project, as a user has it: this package packed (`npm pack`) and installed
// into a fresh project beside @pulumi/pulumi, so the provider is stored in state the way a user's
// is (as a require of the installed shim, not as code). One program serves both stacks of a size:
// the real one (SecretRotationState) and the engine floor (the same resources through a no-op
// dynamic provider: same engine, same property shapes, no AWS calls).
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { installUserProject, packPackage, runChecked } from "../test/support/packed";
import { isolatedPulumiEnv, PulumiResult } from "../test/support/pulumi";

export const ROTATION_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";
export const FLOOR_TYPE = "pulumi-nodejs:dynamic/bench:NoOp";
export const POLICY_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationPolicy";

// The engine floor's provider: answers every call from its inputs. Installed as a package in the
// project's node_modules so Pulumi stores it as a require, like the real provider.
const NOOP_PROVIDER = `// No AWS calls: the engine's own cost of N dynamic resources.
module.exports = {
    async create(inputs) { return { id: inputs.secretId, outs: inputs }; },
    async diff() { return { changes: false }; },
    async read(id, props) { return { id, props }; },
    async update(_id, _olds, news) { return { outs: news }; },
    async delete() {},
};
`;

const PROGRAM = `const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config("bench");
const count = config.requireNumber("count");
const prefix = config.require("prefix");
const floor = config.require("mode") === "floor";
const declaration = (i) => ({
    secretId: prefix + "/secret-" + i,
    rotationLambdaArn: config.require("lambda"),
    schedule: { automaticallyAfterDays: 30 },
    rotateImmediately: false,
});
if (floor) {
    const noop = require("bench-noop-provider");
    class NoOp extends pulumi.dynamic.Resource {
        constructor(name, args) { super(noop, name, args, undefined, "bench", "NoOp"); }
    }
    for (let i = 0; i < count; i++) new NoOp("secret-" + i, declaration(i));
} else if (config.require("mode") === "policy") {
    // One declaration for every secret under the prefix (each size seeds its own region's secrets).
    const { SecretRotationPolicy } = require("pulumi-secret-rotation");
    new SecretRotationPolicy("fleet", {
        selector: { namePrefixes: [prefix + "/"] },
        rotationLambdaArn: config.require("lambda"),
        schedule: { automaticallyAfterDays: 30 },
        rotateImmediately: false,
    });
} else {
    const { SecretRotationState } = require("pulumi-secret-rotation");
    for (let i = 0; i < count; i++) new SecretRotationState("secret-" + i, declaration(i));
}
`;

export interface BenchProject {
    dir: string;
    env: Record<string, string>;
    /** The pulumi CLI's default --parallel on this machine (what the API floor's concurrency matches). */
    parallelism: number;
}

export async function createBenchProject(root: string, awsEnv: Record<string, string>): Promise<BenchProject> {
    const tarball = await packPackage(root);
    const dir = join(root, "project");
    await installUserProject(dir, { name: "bench", tarball, pulumiYaml: "name: bench\nruntime: nodejs\nmain: index.js\n", files: { "index.js": PROGRAM } });
    const noop = join(dir, "node_modules", "bench-noop-provider");
    mkdirSync(noop);
    writeFileSync(join(noop, "package.json"), JSON.stringify({ name: "bench-noop-provider", version: "1.0.0", main: "index.js" }));
    writeFileSync(join(noop, "index.js"), NOOP_PROVIDER);

    const stateDir = join(root, "state");
    mkdirSync(stateDir);
    const env = isolatedPulumiEnv(stateDir, join(root, "pulumi-home"), awsEnv);
    const help = await runChecked("pulumi", ["up", "--help"], dir, env);
    const parallelism = Number(/--parallel int32 .*\(default (\d+)\)/.exec(help.stdout)?.[1] ?? "8");
    return { dir, env, parallelism };
}

/**
 * The same project with the package reached through a symlink to a directory outside any
 * node_modules, as when a program uses the package from a checkout: Pulumi then stores the
 * provider in state as code instead of as a require of the installed module. This is how state
 * looked before the shim became the module's whole export; the profile compares the two.
 */
export function createByValueVariant(project: BenchProject, root: string): BenchProject {
    const dir = join(root, "project-by-value");
    const outside = join(root, "package-outside-node_modules");
    const installed = join(project.dir, "node_modules");
    cpSync(join(installed, "pulumi-secret-rotation"), outside, { recursive: true });
    symlinkSync(installed, join(outside, "node_modules"));
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    for (const entry of readdirSync(installed)) {
        if (entry.startsWith(".")) continue;
        symlinkSync(entry === "pulumi-secret-rotation" ? outside : join(installed, entry), join(dir, "node_modules", entry));
    }
    for (const file of ["Pulumi.yaml", "index.js", "package.json"]) cpSync(join(project.dir, file), join(dir, file));
    return { ...project, dir };
}

/** Runs one pulumi command in the project; failures throw with the command's output. */
export async function pulumi(project: BenchProject, args: string[]): Promise<PulumiResult> {
    return runChecked("pulumi", [...args, "--non-interactive", "--color=never"], project.dir, project.env, 0, 3_600_000);
}

export async function initStack(project: BenchProject, stack: string, config: Record<string, string>): Promise<void> {
    await pulumi(project, ["stack", "init", stack]);
    const pairs = Object.entries(config).flatMap(([key, value]) => ["--plaintext", `bench:${key}=${value}`]);
    await pulumi(project, ["config", "set-all", "--stack", stack, ...pairs]);
}
