// moto's S3, the bucket of a self-managed Pulumi backend (`s3://bucket?endpoint=…`), seen by the
// tests through S3's REST API signed with the SDK's SigV4 signer (@smithy/signature-v4, as the
// AWS SDK signs): CreateBucket, and ListObjectsV2 to see which state and lock objects the pulumi
// CLI wrote. Path-style addressing (the bucket in the path): 127.0.0.1 has no bucket subdomains.
import { SignatureV4 } from "@smithy/signature-v4";

import { NodeSha256 } from "./aws-front/errors-auth";

export interface S3Object {
    key: string;
    etag: string;
}

export interface S3Credentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

export class S3Bucket {
    private constructor(
        /** moto's endpoint, e.g. http://127.0.0.1:5000 */
        readonly endpoint: string,
        readonly name: string,
        private readonly credentials: S3Credentials,
        private readonly region: string,
    ) {}

    /** CreateBucket (PUT /<bucket>) in the account of `credentials`. */
    static async create(endpoint: string, name: string, credentials: S3Credentials, region = "us-east-1"): Promise<S3Bucket> {
        const bucket = new S3Bucket(endpoint, name, credentials, region);
        await bucket.send("PUT", `/${name}`, {});
        return bucket;
    }

    /**
     * The URL `pulumi login` takes for this bucket: the diy backend's s3blob reads `endpoint` and
     * `s3ForcePathStyle` from the query (pulumi v3.259, gocloud.dev's s3blob URL opener); the
     * credentials and region come from the AWS variables, as for any AWS SDK.
     */
    get backendUrl(): string {
        return `s3://${this.name}?endpoint=${encodeURIComponent(this.endpoint)}&s3ForcePathStyle=true&region=${this.region}`;
    }

    /** ListObjectsV2 under `prefix`, every page. */
    async list(prefix = ""): Promise<S3Object[]> {
        const objects: S3Object[] = [];
        let token: string | undefined;
        do {
            const query: Record<string, string> = { "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) };
            const xml = await this.send("GET", `/${this.name}`, query);
            for (const [, body] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
                objects.push({ key: decodeXml(/<Key>([\s\S]*?)<\/Key>/.exec(body!)![1]!), etag: /<ETag>([\s\S]*?)<\/ETag>/.exec(body!)?.[1] ?? "" });
            }
            token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? decodeXml(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)![1]!) : undefined;
        } while (token);
        return objects;
    }

    private async send(method: string, path: string, query: Record<string, string>): Promise<string> {
        const url = new URL(path, this.endpoint);
        const signer = new SignatureV4({ service: "s3", region: this.region, credentials: this.credentials, sha256: NodeSha256, uriEscapePath: false });
        const signed = await signer.sign({
            method,
            protocol: url.protocol,
            hostname: url.hostname,
            port: Number(url.port),
            path: url.pathname,
            query,
            headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
        });
        for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
        const response = await fetch(url, { method, headers: signed.headers });
        const text = await response.text();
        if (!response.ok) throw new Error(`S3 ${method} ${path}: HTTP ${response.status} ${text}`);
        return text;
    }
}

function decodeXml(text: string): string {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}
