// A forward HTTP proxy on 127.0.0.1 that records every request it relays: what an HTTP_PROXY /
// aws:httpProxy setting must send through it. Plain HTTP only (absolute-form request targets, as
// RFC 9112 section 3.2.2 has clients send them to a proxy); the local endpoints are plain HTTP.
import http from "node:http";
import { AddressInfo } from "node:net";

export interface ProxiedRequest {
    method: string;
    /** The absolute URL the client asked the proxy for. */
    url: string;
    /** "secretsmanager.<Operation>" (x-amz-target), or "sts.<Action>" (form body), or the path. */
    call: string;
}

/**
 * Sends one request upstream with its whole body and pipes the answer back to `res`; an upstream
 * that fails before answering is a 502, one that fails mid-answer cuts the connection.
 */
export function relay(upstreamRequest: http.RequestOptions, body: Buffer, res: http.ServerResponse): void {
    const upstream = http.request({ ...upstreamRequest, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
    });
    upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
    });
    upstream.end(body);
}

export class RecordingProxy {
    readonly requests: ProxiedRequest[] = [];

    private constructor(private readonly server: http.Server) {}

    static async start(): Promise<RecordingProxy> {
        const server = http.createServer();
        const proxy = new RecordingProxy(server);
        server.on("request", (req, res) => proxy.relay(req, res));
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        return proxy;
    }

    get url(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    calls(): string[] {
        return this.requests.map((r) => r.call);
    }

    private relay(req: http.IncomingMessage, res: http.ServerResponse): void {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            let target: URL;
            try {
                target = new URL(req.url ?? "");
            } catch {
                res.writeHead(400).end("a proxy needs an absolute URL");
                return;
            }
            const amzTarget = req.headers["x-amz-target"];
            const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString("utf8"))?.[1];
            const call = typeof amzTarget === "string" ? amzTarget : action ? `sts.${action}` : `${req.method} ${target.pathname}`;
            this.requests.push({ method: req.method ?? "GET", url: target.href, call });
            const headers = { ...req.headers };
            delete headers["proxy-connection"];
            relay({ host: target.hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers }, body, res);
        });
    }

    async stop(): Promise<void> {
        if (!this.server.listening) return;
        const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
        this.server.closeAllConnections();
        await closed;
    }
}
