// A reverse proxy on 127.0.0.1 before an endpoint (the AWS front) that can hold every request it
// receives until the test opens it: a pulumi `up` whose Secrets Manager endpoint is the gate is
// then stopped in the middle of its update, holding its stack's lock, for as long as the test
// needs, without a fixed delay. Test machinery only, not a model of AWS (the front is that): a
// held request reaches the front, and its call log, only once the gate opens.
import http from "node:http";
import { AddressInfo } from "node:net";

import { relay } from "./http-proxy";

export class HoldingGate {
    /** Requests received since the last hold() (since the start before any), held or not. */
    arrived = 0;
    private holding = false;
    private readonly waiting: (() => void)[] = [];
    private readonly waiters: { count: number; notify: () => void }[] = [];

    private constructor(
        private readonly server: http.Server,
        private readonly target: URL,
    ) {}

    static async start(target: string): Promise<HoldingGate> {
        const server = http.createServer();
        const gate = new HoldingGate(server, new URL(target));
        server.on("request", (req, res) => gate.receive(req, res));
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        return gate;
    }

    get endpoint(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    /** From now on, requests wait at the gate; the count of arrivals starts again. */
    hold(): void {
        this.holding = true;
        this.arrived = 0;
    }

    /** Lets every held request through, and the later ones straight away. */
    open(): void {
        this.holding = false;
        for (const pass of this.waiting.splice(0)) pass();
    }

    /** Resolves once `count` requests have arrived since the last hold() (at once when they already have). */
    arrivals(count = 1): Promise<void> {
        return this.arrived >= count ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ count, notify: resolve }));
    }

    private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
        this.arrived++;
        for (const waiter of [...this.waiters]) {
            if (this.arrived < waiter.count) continue;
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.notify();
        }
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            const forward = () => this.forward(req, Buffer.concat(chunks), res);
            if (this.holding) this.waiting.push(forward);
            else forward();
        });
    }

    private forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
        relay({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers }, body, res);
    }

    async stop(): Promise<void> {
        this.open();
        if (!this.server.listening) return;
        const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
        this.server.closeAllConnections();
        await closed;
    }
}
