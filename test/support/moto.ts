// A moto server on 127.0.0.1 on a free port: the local Secrets Manager (and Lambda, IAM) that the
// integration and end-to-end tiers talk to over real HTTP.
import { ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

const READY_TIMEOUT_MS = 20_000;

// Dummy credentials, distinctive enough that tests can search outputs and state for them.
export const TEST_ACCESS_KEY_ID = "AKIATESTROTATIONKEYID";
export const TEST_SECRET_ACCESS_KEY = "test-secret-access-key-must-never-appear";

/** Environment variables that point the AWS SDK at an endpoint, the standard way only. */
export interface AwsTestEnv {
    AWS_ENDPOINT_URL: string;
    AWS_REGION: string;
    AWS_ACCESS_KEY_ID: string;
    AWS_SECRET_ACCESS_KEY: string;
    [name: string]: string;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => {
                if (address && typeof address === "object") resolve(address.port);
                else reject(new Error("no port assigned"));
            });
        });
    });
}

const running = new Set<ChildProcess>();

// Stop every moto this process started, whatever way the process ends: a failing test, an
// uncaught error, or a signal from the test runner. kill() is synchronous, so 'exit' can use it.
function killAll(): void {
    for (const child of running) child.kill("SIGKILL");
    running.clear();
}
process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
        killAll();
        process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
}

export class MotoServer {
    private constructor(
        readonly port: number,
        private readonly child: ChildProcess,
        private readonly output: string[],
    ) {}

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** The server's process id (moto_server's shim execs Python in the same process), e.g. to read its CPU time. */
    get pid(): number | undefined {
        return this.child.pid;
    }

    /** What moto printed, for failure messages. */
    get log(): string {
        return this.output.join("");
    }

    static async start(): Promise<MotoServer> {
        let lastError: unknown;
        // A free port can be taken by someone else between the probe and moto's bind: try again.
        for (let attempt = 0; attempt < 3; attempt++) {
            const port = await freePort();
            const output: string[] = [];
            const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
                stdio: ["ignore", "pipe", "pipe"],
                env: { ...process.env, PYTHONUNBUFFERED: "1" },
            });
            running.add(child);
            child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
            child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
            const server = new MotoServer(port, child, output);
            try {
                await server.waitUntilReady();
                await server.configure();
                return server;
            } catch (error) {
                lastError = error;
                await server.stop();
            }
        }
        throw new Error(`moto_server did not start: ${String(lastError)}`);
    }

    private async waitUntilReady(): Promise<void> {
        const deadline = Date.now() + READY_TIMEOUT_MS;
        let exited = false;
        this.child.once("exit", () => (exited = true));
        while (Date.now() < deadline) {
            if (exited) throw new Error(`moto_server exited early:\n${this.log}`);
            try {
                const response = await fetch(`${this.endpoint}/moto-api/data.json`);
                await response.arrayBuffer();
                if (response.ok) return;
            } catch {
                // not listening yet
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`moto_server was not ready within ${READY_TIMEOUT_MS} ms:\n${this.log}`);
    }

    // Lambda functions must not need Docker (none here): the rotation Lambda's four steps then do
    // nothing, and tests play the Lambda themselves where a rotation's outcome matters.
    private async configure(): Promise<void> {
        await this.post("/moto-api/config", { lambda: { use_docker: false } });
    }

    /** Clears all state (accounts, secrets, functions); the configuration stays. */
    async reset(): Promise<void> {
        await this.post("/moto-api/reset");
        await this.configure();
    }

    /**
     * Turns moto's IAM enforcement on or off for every later request: when on, a request must be
     * signed with a key of a user in moto's IAM, and that user's policies must allow the action
     * (moto checks actions against resource "*"). moto's state (users, policies) is not touched.
     */
    async enforceIam(on: boolean): Promise<void> {
        await this.post("/moto-api/reset-auth", on ? "0" : "inf");
    }

    private async post(path: string, body?: unknown): Promise<void> {
        const response = await fetch(`${this.endpoint}${path}`, {
            method: "POST",
            headers: body === undefined || typeof body === "string" ? {} : { "content-type": "application/json" },
            body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`moto ${path}: HTTP ${response.status} ${text}`);
    }

    /**
     * The standard AWS SDK variables for this server, with dummy credentials. Shared config and
     * credentials files are pointed away so a developer's ~/.aws cannot leak into a test.
     */
    awsEnv(region = "us-east-1"): AwsTestEnv {
        return {
            AWS_ENDPOINT_URL: this.endpoint,
            AWS_REGION: region,
            AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY,
            AWS_CONFIG_FILE: "/dev/null",
            AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
            AWS_EC2_METADATA_DISABLED: "true",
        };
    }

    async stop(): Promise<void> {
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
            running.delete(this.child);
            return;
        }
        await new Promise<void>((resolve) => {
            const timer = setTimeout(() => this.child.kill("SIGKILL"), 3_000);
            this.child.once("exit", () => {
                clearTimeout(timer);
                resolve();
            });
            this.child.kill("SIGTERM");
        });
        running.delete(this.child);
    }
}

/**
 * Sets the AWS variables in this test process (for the SDK clients tests build) and removes ones
 * that would override them. Returns a function that restores the previous values.
 */
export function useAwsEnv(env: AwsTestEnv): () => void {
    const overridden = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_DEFAULT_REGION"];
    const previous = new Map<string, string | undefined>();
    for (const name of [...overridden, ...Object.keys(env)]) previous.set(name, process.env[name]);
    for (const name of overridden) delete process.env[name];
    Object.assign(process.env, env);
    return () => {
        for (const [name, value] of previous) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
    };
}
