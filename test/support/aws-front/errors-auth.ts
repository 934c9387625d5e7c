// Errors and auth: rules error-status and auth-errors (moto's errors in AWS's JSON form), and the
// caller's identity and SigV4 signing used when moto enforces IAM.
import { createHash, createHmac } from "node:crypto";
import http from "node:http";

import { SignatureV4 } from "@smithy/signature-v4";

import { accessKeyOf, Credentials, evaluate, Identity } from "../iam";
import { awsError, callerRegion } from "./helpers";
import { Call, FrontContext, Json, Reply, Upstream } from "./types";

/** Rule auth-errors: moto's XML denial as AWS's JSON error; undefined when it does not apply. */
export function authErrors(front: FrontContext, call: Call, upstream: Upstream, json: Json | undefined, status: number): Reply | undefined {
    // Rule auth-errors (with IAM enforced). AWS API Reference, Common Errors: "AccessDeniedException
    // You do not have sufficient access to perform this action. HTTP Status Code: 400", in the
    // service's JSON error form. moto denies a Secrets Manager call with an XML 403 "AccessDenied"
    // (and answers XML for a bad signature or key too, which the JSON protocol cannot read).
    if (json === undefined && status === 403 && front.iam) {
        const text = upstream.body.toString("utf8");
        const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
        const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? "";
        if (code !== undefined && front.on("auth-errors", call)) {
            if (code === "AccessDenied") {
                const resource = typeof call.payload.SecretId === "string" ? ` on resource: ${call.payload.SecretId}` : "";
                return { ...awsError(400, "AccessDeniedException", `${message}${resource}`), forwarded: true };
            }
            return { ...awsError(403, code, message), forwarded: true };
        }
    }
    return undefined;
}

/** Rule error-status: the HTTP status AWS answers for moto's `status`. */
export function errorStatus(front: FrontContext, call: Call, status: number): number {
    // Rule error-status. AWS API Reference, CancelRotateSecret errors: "ResourceNotFoundException
    // ... HTTP Status Code: 400" (every Secrets Manager client error is a 400). moto answers 404
    // for ResourceNotFoundException (and for its VersionStage/VersionId mismatch).
    if (status === 404 && front.on("error-status", call)) status = 400;
    return status;
}

/** The caller's identity in moto's IAM (IAM mode only); undefined for an unknown key. */
export async function identityOf(front: FrontContext, call: Call): Promise<Identity | undefined> {
    const key = accessKeyOf(String(call.headers.authorization ?? ""));
    return key && front.iam ? front.iam.policies.identityOf(key) : undefined;
}

export async function callerMay(front: FrontContext, call: Call, action: string, resource: string): Promise<boolean> {
    const identity = await identityOf(front, call);
    return identity !== undefined && evaluate(identity.policies, action, resource) === "allowed";
}

/** SigV4 headers for a request to moto (host included), signed with `credentials`. */
export async function sign(
    front: FrontContext,
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    body: Buffer,
    credentials: Credentials,
    service: string,
    region: string,
): Promise<http.OutgoingHttpHeaders> {
    const signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256 });
    const plain: Record<string, string> = { host: front.moto.host };
    for (const [name, value] of Object.entries(headers)) if (typeof value === "string") plain[name.toLowerCase()] = value;
    const signed = await signer.sign({ method, protocol: front.moto.protocol, hostname: front.moto.hostname, port: Number(front.moto.port), path, query: {}, headers: plain, body });
    return signed.headers;
}

/** A client request whose body a rule changed, signed again as the caller (IAM mode). */
export async function signedAsCaller(front: FrontContext, call: Call, body: Buffer): Promise<http.OutgoingHttpHeaders> {
    const key = accessKeyOf(String(call.headers.authorization ?? ""));
    const caller = front.iam?.callers.find((c) => c.accessKeyId === key);
    if (!caller) throw new Error(`a rule changed the request of access key ${key ?? "(none)"}, whose secret key is not in iam.callers`);
    const headers: http.OutgoingHttpHeaders = {};
    for (const name of ["content-type", "x-amz-target", "user-agent"]) if (call.headers[name] !== undefined) headers[name] = call.headers[name];
    return sign(front, "POST", "/", headers, body, caller, "secretsmanager", callerRegion(call) ?? "us-east-1");
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
    if (typeof data === "string") return Buffer.from(data, "utf8");
    return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape SignatureV4 expects. */
export class NodeSha256 {
    private readonly hash;
    constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
        this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
    }
    update(data: string | ArrayBuffer | ArrayBufferView): void {
        this.hash.update(bytes(data));
    }
    async digest(): Promise<Uint8Array> {
        return new Uint8Array(this.hash.digest());
    }
}
