// Layer: the Pulumi edge, a thin adapter over the semantics and the AWS edge (.dependency-cruiser.cjs).
// Where the provider's lines (the calls it makes and why, notes) land in the CLI's output: on the
// resource they are about, not on the stack.
//
// The engine lets any plugin log about a resource: its Engine service's Log call takes a URN
// (pulumi/pulumi v3.259.0, pkg/host/host_server.go), and every resource plugin is started with the
// engine's address as its first argument (sdk/go/common/resource/plugin/provider_plugin.go). But
// the Node.js dynamic-provider host (@pulumi/pulumi/cmd/dynamic-provider) passes a provider's
// create/update/delete/read neither a URN nor an engine client, and the engine logs whatever a
// plugin writes to stdout with no URN (sdk/go/common/resource/plugin/plugin.go): on the stack.
//
// So the program passes each resource's URN as the input __urn (src/resource.ts); check takes it
// off (it is never stored in state) and remembers it here by the declared secretId; lines about
// that secret then go to the engine's Log call with that URN. Where no URN is known — refresh and
// destroy, which do not run the program, so no check — or the engine cannot be reached, a line
// goes to stdout as before, which puts it on the stack.
import { createRequire } from "node:module";

import type * as Grpc from "@grpc/grpc-js";
import type * as EngineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as EngineProto from "@pulumi/pulumi/proto/engine_pb";

/** The input a program passes for this, taken off by check. */
export const URN_INPUT = "__urn";

// Declared secretId → the URN of the resource that declares it; null when two resources declare
// the same secretId (a line could then land on the wrong one: it goes to the stack instead).
const urns = new Map<string, string | null>();

export function rememberUrn(secretId: string, urn: string): void {
    const known = urns.get(secretId);
    urns.set(secretId, known === undefined || known === urn ? urn : null);
}

/** Whether check has seen the URN of the one resource that declares `secretId` in this process (its lines land on it). */
export function urnKnown(secretId: string): boolean {
    return typeof urns.get(secretId) === "string";
}

/** A function that writes lines about the secret a resource declares (by its declared secretId). */
export type Say = (line: string) => Promise<void>;

export function linesAbout(secretId: string | undefined): Say {
    return async (line) => {
        const urn = secretId === undefined ? undefined : urns.get(secretId);
        if (urn && (await logToEngine(urn, line))) return;
        console.log(line);
    };
}

interface Engine {
    client: EngineGrpc.EngineClient;
    proto: typeof EngineProto;
    metadata: () => Grpc.Metadata;
}
let engine: Engine | null | undefined;

/** The engine's Log service, at the address the host was started with; null outside a provider host. */
function engineClient(): Engine | null {
    if (engine !== undefined) return engine;
    engine = null;
    const address = process.argv[2] ?? "";
    if (!/^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):\d+$/.test(address)) return null;
    try {
        // The SDK's own generated client and its own @grpc/grpc-js (credentials must come from the
        // same copy), resolved from wherever the program's @pulumi/pulumi is.
        const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/proto/engine_grpc_pb"));
        const grpc = sdkRequire("@grpc/grpc-js") as typeof Grpc;
        const { EngineClient } = sdkRequire("./engine_grpc_pb") as typeof EngineGrpc;
        const proto = sdkRequire("./engine_pb") as typeof EngineProto;
        engine = { client: new EngineClient(address, grpc.credentials.createInsecure()), proto, metadata: () => new grpc.Metadata() };
    } catch {
        engine = null;
    }
    return engine;
}

/** One info line about a resource, through the engine; false when it could not be delivered. */
function logToEngine(urn: string, line: string): Promise<boolean> {
    const target = engineClient();
    if (!target) return Promise.resolve(false);
    const request = new target.proto.LogRequest();
    request.setSeverity(target.proto.LogSeverity.INFO);
    request.setMessage(line);
    request.setUrn(urn);
    request.setEphemeral(false);
    return new Promise((resolve) => {
        try {
            // A deadline, so that an engine that is gone cannot hold an operation up.
            target.client.log(request, target.metadata(), { deadline: Date.now() + 10_000 }, (error) => resolve(!error));
        } catch {
            resolve(false);
        }
    });
}
