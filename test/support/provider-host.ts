// Plays the pulumi engine toward a real dynamic-provider host: starts the plugin through a
// launcher, as the engine does (three pipes, the engine address as the argument), reads the port
// it prints, and calls it over gRPC with the SDK's own protocol stubs. For tests that must hold
// or break the engine's end of a pipe, or kill the process that started the plugin, on their own.
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import type { Metadata } from "@grpc/grpc-js";
import type { CheckResponse, CreateResponse } from "@pulumi/pulumi/proto/provider_pb";

// The SDK's gRPC and protobuf modules, resolved from @pulumi/pulumi itself: its stubs only accept
// messages and credentials of the copies it loads.
const fromSdk = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc: typeof import("@grpc/grpc-js") = fromSdk("@grpc/grpc-js");
const providerGrpc: typeof import("@pulumi/pulumi/proto/provider_grpc_pb") = fromSdk("./proto/provider_grpc_pb");
const providerProto: typeof import("@pulumi/pulumi/proto/provider_pb") = fromSdk("./proto/provider_pb");
const structProto: typeof import("google-protobuf/google/protobuf/struct_pb") = fromSdk("google-protobuf/google/protobuf/struct_pb");

type JsonObject = Record<string, unknown>;
/** How long one call may take; a create against moto takes well under a second. */
const CALL_DEADLINE_MS = 30_000;
type Client = InstanceType<typeof providerGrpc.ResourceProviderClient>;

/**
 * What Pulumi stores as `__provider` when this package is installed in the program's
 * node_modules: a require of the shim, which loads providers/secretsmanager/pulumi-edge/provider.ts.
 */
export const SERIALIZED_SHIM = 'exports.handler = function () { return require("pulumi-secret-rotation/shim"); };\n';

export const TYPE_TOKEN = "pulumi-nodejs:dynamic/secretsmanager:RotationState";

/**
 * The launcher Pulumi's CLI ships (pulumi/pulumi sdk/nodejs/dist/pulumi-resource-pulumi-nodejs at
 * v3.259.0, quoted exactly): unlike the one scripts/toolchain.sh writes, it does not `exec`, so the
 * provider's parent is this shell, which waits for it. Written to `dir`; returns its path.
 */
export function writePulumiShellLauncher(dir: string): string {
    const file = join(dir, "pulumi-resource-pulumi-nodejs");
    writeFileSync(
        file,
        [
            "#!/bin/sh",
            `PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")`,
            'if [ ! -z "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" ]; then',
            '    node "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" $@',
            "fi",
            "",
        ].join("\n"),
    );
    chmodSync(file, 0o755);
    return file;
}

/** The first line a child writes to stdout: the port the provider host listens on. */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        let seen = "";
        let errors = "";
        const timer = setTimeout(() => reject(new Error(`no port from the provider host within ${timeoutMs} ms; stderr: ${errors}`)), timeoutMs);
        child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
        const onData = (chunk: Buffer) => {
            seen += chunk.toString();
            const end = seen.indexOf("\n");
            if (end < 0) return;
            clearTimeout(timer);
            child.stdout!.off("data", onData);
            resolve(seen.slice(0, end).trim());
        };
        child.stdout!.on("data", onData);
        child.once("exit", (code, signal) => reject(new Error(`the provider host's starter exited (${code ?? signal}) before printing a port; stderr: ${errors}`)));
    });
}

export interface HostOptions {
    /** The launcher to run (a path), as the engine runs `pulumi-resource-pulumi-nodejs`. */
    launcher: string;
    /** The program's directory: the launcher resolves @pulumi/pulumi, the shim this package, from it. */
    cwd: string;
    env: Record<string, string>;
    /**
     * `engine`: the test is the engine (the launcher is its child, the pipes are the test's).
     * `stand-in`: a throwaway node process is the engine: it starts the launcher with its own
     * stdio, whose other ends this test holds, so killing it takes the parent away and leaves
     * every pipe open.
     */
    startedBy: "engine" | "stand-in";
}

/** A provider host started the engine's way, with a gRPC client to it. */
export class ProviderHost {
    private constructor(
        /** The launcher (startedBy "engine") or the stand-in engine (startedBy "stand-in"). */
        readonly child: ChildProcess,
        private readonly client: Client,
        /** startedBy "stand-in": this test's write end of the provider's stdin (a FIFO). */
        private readonly stdinWriter?: number,
    ) {}

    static async start(options: HostOptions): Promise<ProviderHost> {
        // The engine address is only passed through; nothing in the host dials it.
        const engineAddress = "127.0.0.1:1";
        let child: ChildProcess;
        let stdinWriter: number | undefined;
        if (options.startedBy === "engine") {
            child = spawn(options.launcher, [engineAddress], { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
        } else {
            // stdin: a FIFO whose only write end this test holds. Node ends a child's stdin pipe
            // when the child exits, which would end the provider's stdin with the stand-in.
            const fifo = join(mkdtempSync(join(tmpdir(), "psr-stdin-")), "stdin");
            const made = spawnSync("mkfifo", [fifo]);
            if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
            const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
            stdinWriter = openSync(fifo, constants.O_WRONLY);
            rmSync(dirname(fifo), { recursive: true });
            child = spawn(
                process.execPath,
                ["-e", `require("child_process").spawn(${JSON.stringify(options.launcher)}, [${JSON.stringify(engineAddress)}], { stdio: "inherit" }); setInterval(() => {}, 1 << 30);`],
                { cwd: options.cwd, env: options.env, stdio: [reader, "pipe", "pipe"] },
            );
            closeSync(reader);
        }
        const port = await firstLine(child, 60_000);
        const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new ProviderHost(child, client, stdinWriter);
    }

    /**
     * One unary call, given up after CALL_DEADLINE_MS: a host that spins never answers (its loop
     * runs in process.nextTick, so no I/O is served).
     */
    private call<Res>(send: (metadata: Metadata, options: { deadline: number }, callback: (error: Error | null, response: Res) => void) => unknown): Promise<Res> {
        return new Promise((resolve, reject) =>
            send(new grpc.Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) => (error ? reject(error) : resolve(response))),
        );
    }

    /** Configure (the stack configuration, as the engine sends it once). */
    async configure(config: JsonObject = {}): Promise<void> {
        const request = new providerProto.ConfigureRequest();
        request.setArgs(structProto.Struct.fromJavaScript(config as never));
        await this.call((metadata, options, done) => this.client.configure(request, metadata, options, done));
    }

    /** Check: loads the serialized provider (and with it providers/secretsmanager/pulumi-edge/provider.ts); returns the checked inputs. */
    async check(name: string, news: JsonObject): Promise<JsonObject> {
        const request = new providerProto.CheckRequest();
        request.setUrn(`urn:pulumi:test::e2e::${TYPE_TOKEN}::${name}`);
        request.setOlds(structProto.Struct.fromJavaScript({}));
        request.setNews(structProto.Struct.fromJavaScript({ ...news, __provider: SERIALIZED_SHIM } as never));
        const response = await this.call<CheckResponse>((metadata, options, done) => this.client.check(request, metadata, options, done));
        return response.getInputs()!.toJavaScript() as JsonObject;
    }

    /** Create with checked inputs; resolves to the outputs. */
    async create(name: string, inputs: JsonObject): Promise<JsonObject> {
        const request = new providerProto.CreateRequest();
        request.setUrn(`urn:pulumi:test::e2e::${TYPE_TOKEN}::${name}`);
        request.setProperties(structProto.Struct.fromJavaScript(inputs as never));
        const response = await this.call<CreateResponse>((metadata, options, done) => this.client.create(request, metadata, options, done));
        return response.getProperties()!.toJavaScript() as JsonObject;
    }

    close(): void {
        this.client.close();
        if (this.stdinWriter !== undefined) closeSync(this.stdinWriter);
    }
}
