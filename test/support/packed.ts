// The package as a user gets it: `npm pack` of a source tree, and a fresh Pulumi project that
// installs the tarball next to @pulumi/pulumi. Shared by the end-to-end tests that work from the
// tarball (packed-package, config-only, example-program) and the benchmark's project.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { describeResult, PulumiResult, repoRoot, runProcess } from "./pulumi";

/** Runs a command; throws with its output unless it exits with `expectCode`. */
export async function runChecked(command: string, args: string[], cwd: string, env: Record<string, string>, expectCode = 0, timeoutMs = 600_000): Promise<PulumiResult> {
    const result = await runProcess(command, args, cwd, env, timeoutMs);
    if (result.code !== expectCode) throw new Error(`expected exit code ${expectCode}\n${describeResult(result)}`);
    return result;
}

/** `npm pack` of `source` (default: this repository, built) into `into`; the tarball's path. Scripts are not run: dist/ must exist. */
export async function packPackage(into: string, source = repoRoot()): Promise<string> {
    const result = await runChecked("npm", ["pack", "--silent", "--pack-destination", into, "--ignore-scripts"], source, { ...process.env } as Record<string, string>);
    return join(into, result.stdout.trim().split("\n").pop()!);
}

/** The @pulumi/pulumi version this repository tests with (its devDependency). */
export function testedPulumiVersion(): string {
    return JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")).devDependencies["@pulumi/pulumi"];
}

export interface UserProject {
    /** The project's (and its package.json's) name. */
    name: string;
    /** The tarball to install as pulumi-secret-rotation. */
    tarball: string;
    /** Pulumi.yaml's text. */
    pulumiYaml: string;
    /** Other files of the project, by name (a program, …). */
    files?: Record<string, string>;
}

/** A directory holding a user's project: package.json (the tarball and @pulumi/pulumi), Pulumi.yaml, `files`; then npm install. */
export async function installUserProject(dir: string, project: UserProject): Promise<void> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
        join(dir, "package.json"),
        JSON.stringify({ name: project.name, private: true, dependencies: { "@pulumi/pulumi": testedPulumiVersion(), "pulumi-secret-rotation": `file:${project.tarball}` } }, null, 2),
    );
    writeFileSync(join(dir, "Pulumi.yaml"), project.pulumiYaml);
    for (const [name, text] of Object.entries(project.files ?? {})) writeFileSync(join(dir, name), text);
    await runChecked("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], dir, { ...process.env } as Record<string, string>);
}
