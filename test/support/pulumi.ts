// Throwaway Pulumi projects and stacks for the end-to-end tier: the real CLI, a local file backend
// in a temporary directory (or a self-managed backend the test names, e.g. moto's S3), no cloud
// login, nothing interactive.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { killAll, processesOfStack } from "./processes";

export const PACKAGE_NAME = "pulumi-secret-rotation";

/** The repository root: the directory of the package.json named PACKAGE_NAME above this file. */
export function repoRoot(): string {
    for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
        const manifest = join(dir, "package.json");
        if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === PACKAGE_NAME) return dir;
    }
    throw new Error(`no package.json named ${PACKAGE_NAME} above ${__dirname}`);
}

/**
 * Work every pulumi command of every stack waits for before it starts: the local AWS registers
 * the front's settled() here (services.ts), so that a command never meets an asynchronous AWS
 * process (a rotation's test run) that the previous command left running unless the test chose
 * to leave it running. Waiting for an event, never for a fixed time.
 */
const beforeCommand = new Set<() => Promise<void>>();

/** Registers `wait` to run before each pulumi command; returns the function that removes it. */
export function waitBeforeEachCommand(wait: () => Promise<void>): () => void {
    beforeCommand.add(wait);
    return () => beforeCommand.delete(wait);
}

async function settleBeforeCommand(): Promise<void> {
    for (const wait of beforeCommand) await wait();
}

export interface PulumiResult {
    command: string;
    code: number;
    stdout: string;
    stderr: string;
}

export interface RunOptions {
    /** Exit code the call must end with (default 0); anything else throws with the output. */
    expectCode?: number;
    timeoutMs?: number;
    /** Variables set on top of the stack's environment for this command only (e.g. another endpoint). */
    env?: Record<string, string>;
}

const tail = (text: string, max = 6000) => (text.length > max ? `…${text.slice(-max)}` : text);

export function describeResult(result: PulumiResult): string {
    // The engine's error lines come early in a long output (Diagnostics), before the tail kept here:
    // they are repeated first, so that a failure always says what failed.
    const errors = result.stdout.split("\n").filter((line) => /^\s*(error: |\* )/.test(line));
    const errorLines = result.code !== 0 && errors.length > 0 ? `--- error lines\n${tail(errors.join("\n"))}\n` : "";
    return `$ ${result.command}\nexit code ${result.code}\n${errorLines}--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`;
}

export interface ProjectOptions {
    /** Absolute path of the compiled program module the project runs. */
    program: string;
    /** Environment for every pulumi command (the AWS variables, usually). */
    env: Record<string, string>;
    stack?: string;
    /** The project's name (the namespace of its configuration keys); default "e2e". */
    project?: string;
    /** Stack configuration, written to Pulumi.<stack>.yaml as it would be in a gitops repository. */
    config?: Record<string, unknown>;
    /** The project's `options:` in Pulumi.yaml, e.g. { refresh: "always" } as docs/running-up.md's setup has it. */
    projectOptions?: Record<string, string>;
    /** A self-managed backend shared with other stacks (e.g. `s3://bucket?endpoint=…`) instead of a file backend of the stack's own. */
    backendUrl?: string;
}

/**
 * A Pulumi project in a fresh temporary directory, with one stack on a file backend beside it.
 * Its node_modules links to the repository's packages (and to this package itself), so the
 * program and the dynamic provider resolve modules as they would in a user's project.
 */
export class TestStack {
    readonly history: PulumiResult[] = [];

    private constructor(
        readonly root: string,
        readonly projectDir: string,
        readonly stack: string,
        /** The environment of every pulumi command of this stack (file backend, private home, AWS variables). */
        readonly env: Record<string, string>,
    ) {}

    static async create(options: ProjectOptions): Promise<TestStack> {
        const root = mkdtempSync(join(tmpdir(), "psr-e2e-"));
        const projectDir = join(root, "project");
        const stateDir = join(root, "state");
        const homeDir = join(root, "pulumi-home");
        for (const dir of [projectDir, stateDir, homeDir]) mkdirSync(dir, { recursive: true });

        const repo = repoRoot();
        const modules = join(projectDir, "node_modules");
        mkdirSync(modules);
        for (const name of ["@pulumi", "@aws-sdk"]) symlinkSync(join(repo, "node_modules", name), join(modules, name));
        symlinkSync(repo, join(modules, PACKAGE_NAME));

        const project = options.project ?? "e2e";
        const projectOptions = Object.entries(options.projectOptions ?? {}).map(([key, value]) => `  ${key}: ${value}\n`);
        writeFileSync(
            join(projectDir, "Pulumi.yaml"),
            `name: ${project}\nruntime: nodejs\nmain: index.js\n${projectOptions.length > 0 ? `options:\n${projectOptions.join("")}` : ""}`,
        );
        writeFileSync(join(projectDir, "package.json"), JSON.stringify({ name: project, private: true }) + "\n");
        writeFileSync(join(projectDir, "index.js"), `module.exports = require(${JSON.stringify(resolve(options.program))});\n`);

        const env = isolatedPulumiEnv(stateDir, homeDir, options.env, options.backendUrl);
        const stack = new TestStack(root, projectDir, options.stack ?? "test", env);
        await stack.run(["stack", "init", stack.stack]);
        if (options.config) stack.writeConfig(options.config);
        return stack;
    }

    /** Replaces the stack's configuration (keeping the passphrase salt written by `stack init`). */
    writeConfig(config: Record<string, unknown>): void {
        const file = join(this.projectDir, `Pulumi.${this.stack}.yaml`);
        const kept = existsSync(file)
            ? readFileSync(file, "utf8")
                  .split("\n")
                  .filter((line) => line.startsWith("encryptionsalt:"))
            : [];
        // JSON is valid YAML (flow style): no YAML writer needed, and the file stays reviewable.
        writeFileSync(file, [...kept, `config: ${JSON.stringify(config, null, 2)}`, ""].join("\n"));
    }

    /** Runs `pulumi <args>` in the project, non-interactively, and keeps the output. */
    async run(args: string[], options: RunOptions = {}): Promise<PulumiResult> {
        const fullArgs = [...args, "--non-interactive", "--color=never"];
        if (!["stack", "config"].includes(args[0]!)) fullArgs.push("--stack", this.stack);
        await settleBeforeCommand();
        const result = await runProcess("pulumi", fullArgs, this.projectDir, { ...this.env, ...options.env }, options.timeoutMs ?? 300_000);
        this.history.push(result);
        const expected = options.expectCode ?? 0;
        if (result.code !== expected) {
            throw new Error(`pulumi exited ${result.code}, expected ${expected}\n${describeResult(result)}`);
        }
        return result;
    }

    /**
     * Runs `pulumi <args>` in a process group of its own and SIGKILLs that group after `delayMs`,
     * as a CI job's timeout or the OOM killer ends the CLI. The group holds the CLI (the engine)
     * only: the engine starts the language host (with the program under it) and the dynamic
     * provider each in a process group of its own, so they outlive the kill and have to notice
     * that their engine is gone (test/support/processes.ts finds them). `killed` is false when the
     * command ended first.
     */
    async runKilledAfter(args: string[], delayMs: number, startWhen: () => boolean = () => true): Promise<PulumiResult & { killed: boolean }> {
        const fullArgs = [...args, "--non-interactive", "--color=never", "--stack", this.stack];
        await settleBeforeCommand();
        const child = spawn("pulumi", fullArgs, { cwd: this.projectDir, env: this.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        let killed = false;
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        // The delay counts from when `startWhen` first holds (polled), e.g. the first AWS call.
        let timer: NodeJS.Timeout | undefined;
        const poll = setInterval(() => {
            if (timer || !startWhen()) return;
            clearInterval(poll);
            timer = setTimeout(() => {
                try {
                    process.kill(-child.pid!, "SIGKILL");
                    killed = true;
                } catch {
                    // the group is already gone
                }
            }, delayMs);
        }, 10);
        const code = await new Promise<number>((resolvePromise, reject) => {
            child.on("error", reject);
            child.on("close", (exitCode) => resolvePromise(exitCode ?? 137));
        });
        clearInterval(poll);
        clearTimeout(timer);
        const result = { command: ["pulumi", ...fullArgs].join(" "), code, stdout, stderr: killed ? `${stderr}\n(SIGKILL to the process group ${delayMs} ms after the start condition)` : stderr, killed };
        this.history.push(result);
        return result;
    }

    preview(extra: string[] = [], options?: RunOptions) {
        return this.run(["preview", ...extra], options);
    }
    up(extra: string[] = [], options?: RunOptions) {
        return this.run(["up", "--yes", "--skip-preview", ...extra], options);
    }
    refresh(extra: string[] = [], options?: RunOptions) {
        return this.run(["refresh", "--yes", "--skip-preview", ...extra], options);
    }
    destroy(extra: string[] = [], options?: RunOptions) {
        return this.run(["destroy", "--yes", "--skip-preview", ...extra], options);
    }

    /** `pulumi stack export`: the deployment as the backend stores it. */
    async exportState(): Promise<StackDeployment> {
        const result = await this.run(["stack", "export", "--stack", this.stack]);
        return JSON.parse(result.stdout) as StackDeployment;
    }

    /** The stack's resources of one type token, from the exported state. */
    async resourcesOfType(type: string): Promise<StateResource[]> {
        const state = await this.exportState();
        return (state.deployment.resources ?? []).filter((r) => r.type === type);
    }

    /** All output of every command so far, for failure messages. */
    transcript(): string {
        return this.history.map(describeResult).join("\n\n");
    }

    /**
     * Removes the directories, and ends any process of this stack still running: after a run a
     * test killed, Pulumi's language host lingers until its own health check (up to 5 minutes).
     */
    cleanup(): void {
        killAll(processesOfStack(this));
        if (!process.env.KEEP_TEST_DIRS) rmSync(this.root, { recursive: true, force: true });
    }
}

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

export interface StackDeployment {
    version: number;
    deployment: { resources?: StateResource[]; pending_operations?: unknown[] };
}

/**
 * The environment for a pulumi command in a test: this process's, minus anything that would point
 * pulumi or the AWS SDK somewhere else, plus `extra` (the AWS variables, usually), a file backend
 * in `stateDir` (or `backendUrl`), a private PULUMI_HOME, an empty passphrase, and no plugin
 * downloads (everything a test needs is local).
 */
export function isolatedPulumiEnv(stateDir: string, homeDir: string, extra: Record<string, string> = {}, backendUrl = `file://${stateDir}`): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
        if (value !== undefined && !/^(PULUMI_|AWS_)/.test(name)) env[name] = value;
    }
    return {
        ...env,
        ...extra,
        PULUMI_HOME: homeDir,
        PULUMI_BACKEND_URL: backendUrl,
        PULUMI_CONFIG_PASSPHRASE: "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
}

export function runProcess(
    command: string,
    args: string[],
    cwd: string,
    env: Record<string, string>,
    timeoutMs: number,
): Promise<PulumiResult> {
    return new Promise((resolvePromise, reject) => {
        const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", (error) => {
            clearTimeout(timer);
            reject(error);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolvePromise({
                command: [command, ...args].join(" "),
                code: code ?? (signal ? 128 : 1),
                stdout,
                stderr: signal ? `${stderr}\n(killed by ${signal}${signal === "SIGKILL" ? `, timeout ${timeoutMs} ms` : ""})` : stderr,
            });
        });
    });
}

/** Runs a test's body; on failure, prints every pulumi command the stack ran, with its output. */
export async function withTranscript(t: { diagnostic(message: string): void }, stack: TestStack, body: () => Promise<void>): Promise<void> {
    try {
        await body();
    } catch (error) {
        t.diagnostic(stack.transcript());
        throw error;
    }
}
