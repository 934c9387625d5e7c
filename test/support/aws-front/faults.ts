// Fault injection (scripted, or drawn from a seed) and the reply each fault kind gives in AWS's place;
// front.ts applies a fault before or after forwarding the call to moto.
import { awsError, CANNOT_INVOKE_FUNCTION } from "./helpers";
import { RandomFaults, Reply, ScriptedFault } from "./types";

export const DEFAULT_LATENCY_MS = 250;

/** The faults a front holds: scripted ones not used yet, and the random ones' seeded source. */
export interface Faults {
    scripted: ScriptedFault[];
    random?: { options: RandomFaults; next: () => number };
}

/** The random faults of AwsFront.injectFaults, checked. */
export function randomFaults(options: RandomFaults): NonNullable<Faults["random"]> {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new Error(`rate must be within 0..1, got ${options.rate}`);
    if (options.kinds.length === 0) throw new Error("kinds must name at least one fault");
    return { options: { ...options, kinds: [...options.kinds] }, next: seededRandom(options.seed) };
}

export function decideFault(faults: Faults, operation: string, secretId: string | undefined): ScriptedFault | undefined {
    const index = faults.scripted.findIndex(
        (f) => (f.operation === undefined || f.operation === operation) && (f.secretId === undefined || f.secretId === secretId),
    );
    if (index >= 0) return faults.scripted.splice(index, 1)[0];
    const random = faults.random;
    if (!random || (random.options.operations && !random.options.operations.includes(operation))) return undefined;
    // Exactly two draws per eligible call, faulted or not, so the sequence depends only on the
    // seed and the order of eligible calls.
    const roll = random.next();
    const pick = random.next();
    if (roll >= random.options.rate) return undefined;
    const kinds = random.options.kinds;
    return {
        operation,
        fault: kinds[Math.min(kinds.length - 1, Math.floor(pick * kinds.length))],
        afterForward: random.options.afterForward,
        latencyMs: random.options.latencyMs,
    };
}

/**
 * A deterministic generator in [0, 1) from a seed: xorshift32 over a scrambled seed (small seeds
 * would otherwise start with tiny values, i.e. a fault on the first call whatever the seed).
 */
function seededRandom(seed: number): () => number {
    let state = Math.imul((seed | 0) ^ 0x5bd1e995, 0x9e3779b1);
    state ^= state >>> 15;
    state = Math.imul(state, 0x85ebca6b);
    state ^= state >>> 13;
    if (state === 0) state = 0x6d2b79f5; // xorshift never leaves 0
    return () => {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return (state >>> 0) / 4_294_967_296;
    };
}

export function faultReply(kind: "throttle" | "server-error" | "access-denied" | "html-page" | "empty-5xx"): Reply {
    switch (kind) {
        // What answers in AWS's place when something between the client and the service fails or
        // is overloaded: a proxy's or load balancer's own error page (Elastic Load Balancing user
        // guide, "Troubleshoot your Application Load Balancers", "The load balancer generates an
        // HTTP error": 502, 503 and 504 come from the load balancer itself), or an emulator's under
        // load (moto's HTML 500, seen here). The bodies are the front's guess at such a page — an
        // HTML document, and an empty 503 — not a copy of any one product's; neither is AWS's JSON.
        case "html-page":
            return {
                status: 502,
                headers: { "content-type": "text/html" },
                raw: Buffer.from("<!doctype html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"),
                forwarded: false,
            };
        case "empty-5xx":
            return { status: 503, headers: {}, raw: Buffer.alloc(0), forwarded: false };
        case "throttle":
            return awsError(400, "ThrottlingException", "Rate exceeded");
        case "server-error":
            return awsError(500, "InternalServiceError", "An error occurred on the server side.");
        case "access-denied":
            return awsError(400, "AccessDeniedException", CANNOT_INVOKE_FUNCTION);
    }
}
