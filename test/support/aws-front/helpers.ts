// Small JSON/HTTP helpers shared by the core and the rule families (AWS JSON replies, relaying to
// moto, reading staging labels); it imports only types.ts, so no family import makes a circle.
import { randomUUID } from "node:crypto";
import http from "node:http";

import { Call, Json, Reply, Upstream } from "./types";

export const SM_TARGET_PREFIX = "secretsmanager.";
export const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
// Headers that describe one hop or that the front recomputes; everything else moto sends is relayed.
export const NOT_RELAYED = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date", "server", "status", "x-amzn-errortype"]);

/** What AWS answers when it cannot invoke a rotation function (see rule lambda-exists-guessed-error). */
export const CANNOT_INVOKE_FUNCTION =
    "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.";

/** Whether a SecretId (full ARN, partial ARN or name) may designate the secret with this full ARN; when in doubt, yes. */
export function designates(secretId: string, arn: string): boolean {
    if (secretId === arn) return true;
    if (secretId.startsWith("arn:")) return arn.startsWith(`${secretId}-`);
    const name = arn.split(":secret:")[1] ?? "";
    return name.startsWith(`${secretId}-`);
}

export function versionStages(secret: Json): Map<string, string[]> {
    const stages = new Map<string, string[]>();
    const map = secret.VersionIdsToStages;
    if (isObject(map)) {
        for (const [id, labels] of Object.entries(map)) stages.set(id, Array.isArray(labels) ? labels.map(String) : []);
    }
    return stages;
}

export function versionWith(stages: Map<string, string[]>, label: string): string | undefined {
    for (const [id, labels] of stages) if (labels.includes(label)) return id;
    return undefined;
}

export function awsError(status: number, name: string, message: string): Reply {
    return {
        status,
        headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-errortype": name, "x-amzn-requestid": randomUUID() },
        json: { __type: name, message },
        forwarded: false,
    };
}

export function ok(json: Json, forwarded: boolean): Reply {
    return { status: 200, headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": randomUUID() }, json, forwarded };
}

export function isSuccess(reply: Reply): boolean {
    return reply.status >= 200 && reply.status < 300;
}

export function errorName(reply: Reply): string | undefined {
    return reply.json && typeof reply.json.__type === "string" ? reply.json.__type : undefined;
}

export function send(res: http.ServerResponse, reply: Reply): void {
    const body = reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : (reply.raw ?? Buffer.alloc(0));
    res.writeHead(reply.status, { ...reply.headers, "content-length": body.length });
    res.end(body);
}

export function relayedHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
    const relayed: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined && !NOT_RELAYED.has(name)) relayed[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return relayed;
}

export function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => resolve(Buffer.concat(chunks)));
        stream.on("error", reject);
    });
}

export function parseJson(body: Buffer): Json | undefined {
    try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        return isObject(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

export function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function nonEmptyString(value: unknown): string | undefined {
    return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function epochSeconds(date: Date): number {
    return date.getTime() / 1000;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The region of the client's SigV4 credential scope. */
export function callerRegion(call: Call): string | undefined {
    return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(call.headers.authorization ?? ""))?.[1];
}

/** Sends a request to moto as it is (no rule), answering what moto answered. */
export function upstream(
    moto: URL,
    method: string,
    path: string,
    headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders,
    body: Buffer = Buffer.alloc(0),
    /** Send the given Host header (a signed one) instead of moto's address. */
    keepHost = false,
): Promise<Upstream> {
    const outgoing: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
        const dropped = ["connection", "content-length", "transfer-encoding", "expect", ...(keepHost ? [] : ["host"])];
        if (value !== undefined && !dropped.includes(name.toLowerCase())) outgoing[name] = value;
    }
    outgoing["content-length"] = body.length;
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: moto.hostname, port: moto.port, method, path, headers: outgoing, agent: false },
            (res) => {
                readBody(res).then((data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }), reject);
            },
        );
        req.on("error", reject);
        req.end(body);
    });
}

/** The date the front first saw a version (recorded now if it is new). */
export function noteVersion(versionDates: Map<string, Date>, versionId: string): Date {
    let date = versionDates.get(versionId);
    if (!date) {
        date = new Date();
        versionDates.set(versionId, date);
    }
    return date;
}
