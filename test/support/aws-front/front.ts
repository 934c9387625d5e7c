// The front itself: the HTTP server, the AwsFront class a test drives, and the forwarding core that
// hands each Secrets Manager call to its rule family and to moto.
import http from "node:http";
import { AddressInfo } from "node:net";

import { accessKeyOf, MotoIam } from "../iam";
import { authErrors, callerMay, errorStatus, sign, signedAsCaller } from "./errors-auth";
import { decideFault, DEFAULT_LATENCY_MS, faultReply, Faults, randomFaults } from "./faults";
import {
    awsError,
    callerRegion,
    errorName,
    isObject,
    JSON_CONTENT_TYPE,
    parseJson,
    readBody,
    relayedHeaders,
    send,
    sleep,
    SM_TARGET_PREFIX,
    upstream,
} from "./helpers";
import { putSecretValue, updateSecretVersionStage } from "./labels";
import { tagResource } from "./tags";
import { changesSecrets, laggingListSecrets, ListingView, noteBeforeChange, noteCreated } from "./lagging-listing";
import { describeSecret, getSecretValue, listSecrets, listSecretVersionIds, noteResponseVersion } from "./listing";
import { cancelRotateSecret, rotateSecret } from "./rotation";
import { checkedDelay, dropTestRuns, dueTestRuns, startTestRun } from "./test-runs";
import {
    AsynchronousWork,
    AwsFrontOptions,
    Call,
    CallRecord,
    DEFAULT_TEST_RUN_DELAY_MS,
    FrontContext,
    FrontRule,
    IamMode,
    Json,
    RandomFaults,
    Reply,
    RotationShadow,
    ScriptedFault,
    SecretDates,
    TestRun,
    TestRunInProgress,
    Upstream,
} from "./types";

export class AwsFront {
    private readonly log: CallRecord[] = [];
    private readonly shadows = new Map<string, RotationShadow>();
    private readonly versionDates = new Map<string, Date>();
    private readonly secretDates = new Map<string, SecretDates>();
    private readonly faults: Faults = { scripted: [] };
    // RotateSecret, CancelRotateSecret and UpdateSecretVersionStage read moto's state and then
    // change it; running them one at a time keeps two concurrent calls from both passing a check.
    private exclusiveTail: Promise<unknown> = Promise.resolve();
    private readonly disabled: Set<FrontRule>;
    private readonly iam?: IamMode & { policies: MotoIam };
    private readonly testRuns = new Set<TestRun>();
    private listingView: ListingView | undefined;
    private readonly defaultTestRunDelayMs: number;
    private testRunDelayMs: number;
    /** What the rule families see of this front (FrontContext). */
    private readonly ctx: FrontContext;

    private constructor(
        private readonly server: http.Server,
        private readonly moto: URL,
        options: AwsFrontOptions,
    ) {
        this.disabled = new Set(options.disabledRules ?? []);
        if (options.iam) this.iam = { ...options.iam, policies: new MotoIam(moto.origin, options.iam.admin) };
        this.defaultTestRunDelayMs = checkedDelay(options.testRunDelayMs ?? DEFAULT_TEST_RUN_DELAY_MS);
        this.testRunDelayMs = this.defaultTestRunDelayMs;
        const front = this;
        this.ctx = {
            moto,
            iam: this.iam,
            shadows: this.shadows,
            versionDates: this.versionDates,
            secretDates: this.secretDates,
            testRuns: this.testRuns,
            get testRunDelayMs() {
                return front.testRunDelayMs;
            },
            on: (rule, call) => this.on(rule, call),
            enabled: (rule) => this.enabled(rule),
            exclusive: (work) => this.exclusive(work),
            forward: (call, payload) => this.forward(call, payload),
            describeInMoto: (call, secretId) => this.describeInMoto(call, secretId),
            smInMoto: (call, operation, payload) => this.smInMoto(call, operation, payload),
        };
    }

    static async start(motoEndpoint: string, options: AwsFrontOptions = {}): Promise<AwsFront> {
        const server = http.createServer();
        // The SDK keeps connections alive; a server that drops idle ones sooner than the client
        // expects makes a reused socket fail now and then, which would look like an injected reset.
        server.keepAliveTimeout = 120_000;
        const front = new AwsFront(server, new URL(motoEndpoint), options);
        server.on("request", (req, res) => {
            front.handle(req, res).catch((error: unknown) => {
                // A bug in the front must not hang the client: answer something it can read.
                if (!res.headersSent) send(res, awsError(500, "InternalServiceError", `aws-front: ${String(error)}`));
                else res.destroy();
            });
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        return front;
    }

    get endpoint(): string {
        const { port } = this.server.address() as AddressInfo;
        return `http://127.0.0.1:${port}`;
    }

    async stop(): Promise<void> {
        dropTestRuns(this.ctx);
        this.iam?.policies.destroy();
        if (!this.server.listening) return;
        const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
        this.server.closeAllConnections();
        await closed;
    }

    /**
     * Forgets shadow state, recorded version dates, faults, test runs not finished yet (and a
     * delay a test chose for them) and the log; call it next to moto.reset().
     */
    reset(): void {
        this.catchUpListings();
        dropTestRuns(this.ctx);
        this.testRunDelayMs = this.defaultTestRunDelayMs;
        this.shadows.clear();
        this.versionDates.clear();
        this.secretDates.clear();
        this.clearFaults();
        this.clearCalls();
    }

    // ---- a lagging listing (lagging-listing.ts) ----

    /**
     * From now on, ListSecrets answers from the view of this moment (AWS: "ListSecrets might not
     * reflect changes from the last five minutes"): secrets changed since appear as they were,
     * created ones are absent, deleted ones still listed. DescribeSecret and every other call see
     * the present. Until catchUpListings() (or reset()).
     */
    lagListings(): void {
        this.listingView = { before: new Map() };
    }

    /** ListSecrets sees the present again. */
    catchUpListings(): void {
        this.listingView = undefined;
    }

    // ---- call log ----

    calls(operation?: string): CallRecord[] {
        return this.log.filter((c) => operation === undefined || c.operation === operation).map((c) => ({ ...c, rules: [...c.rules] }));
    }

    clearCalls(): void {
        this.log.length = 0;
    }

    callCount(operation: string): number {
        return this.log.filter((c) => c.operation === operation).length;
    }

    /** Operation → number of calls, for the whole log. */
    callCounts(): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const c of this.log) counts[c.operation] = (counts[c.operation] ?? 0) + 1;
        return counts;
    }

    // ---- faults ----

    injectFaults(options: RandomFaults): void {
        this.faults.random = randomFaults(options);
    }

    /** One-shot faults; each call takes the first remaining entry that matches its operation. */
    script(faults: ScriptedFault[]): void {
        this.faults.scripted.push(...faults.map((f) => ({ ...f })));
    }

    /** Scripted faults not used yet. */
    scriptRemaining(): number {
        return this.faults.scripted.length;
    }

    clearFaults(): void {
        this.faults.scripted = [];
        this.faults.random = undefined;
    }

    // ---- version dates ----

    /** Makes a version look created at `date` in ListSecretVersionIds (e.g. hours old: stranded). */
    setVersionCreatedDate(versionId: string, date: Date): void {
        this.versionDates.set(versionId, new Date(date.getTime()));
    }

    versionCreatedDate(versionId: string): Date | undefined {
        const date = this.versionDates.get(versionId);
        return date && new Date(date.getTime());
    }

    /**
     * Makes a secret look as if time had passed: DescribeSecret and ListSecrets report these dates
     * (by ARN) instead of moto's, e.g. a LastRotatedDate months ago or a NextRotationDate that has
     * gone by without a rotation. moto has no clock to advance; this is the test's stand-in for it.
     */
    setSecretDates(arn: string, dates: SecretDates): void {
        this.secretDates.set(arn, { ...this.secretDates.get(arn), ...dates });
    }

    // ---- AWS's asynchronous work: test runs (rule rotate-not-immediately), managed rotations (rule managed-rotate-now-guessed) ----

    /**
     * How long the test runs and managed rotations that RotateSecret starts from now on take,
     * counted from its response (Infinity: until finishTestRuns()). A test that wants to see one
     * in progress sets it.
     */
    delayTestRuns(ms: number): void {
        this.testRunDelayMs = checkedDelay(ms);
    }

    /** The test runs AWS has started and not finished: their pending versions are still labelled AWSPENDING. */
    testRunsInProgress(): TestRunInProgress[] {
        return this.inProgress("test-run");
    }

    /** The managed rotations AWS has started and not finished: their new versions are labelled AWSPENDING, AWSCURRENT is still on the old one. */
    managedRotationsInProgress(): TestRunInProgress[] {
        return this.inProgress("managed-rotation");
    }

    private inProgress(work: AsynchronousWork): TestRunInProgress[] {
        return [...this.testRuns].filter((run) => run.work === work).map(({ arn, versionId }) => ({ arn, versionId }));
    }

    /** Finishes every test run and managed rotation now, held or not (the test's stand-in for the Lambda or the owning service being done). */
    async finishTestRuns(): Promise<void> {
        await Promise.all([...this.testRuns].map((run) => startTestRun(this.ctx, run)));
    }

    /**
     * Resolves when every test run and managed rotation that finishes on its own (a finite delay) is over: what the
     * test harness waits for between commands, so that a quick second `up` never meets a run the
     * test did not mean to leave in progress. Runs held with Infinity are the test's to finish.
     */
    async settled(): Promise<void> {
        for (;;) {
            const waiting = [...this.testRuns].filter((run) => Number.isFinite(run.dueAt) || run.running);
            if (waiting.length === 0) return;
            await Promise.all(waiting.map((run) => run.done));
        }
    }

    // ---- request handling ----

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const startedAt = new Date();
        const started = performance.now();
        const raw = await readBody(req);
        const target = req.headers["x-amz-target"];
        let clientRequestToken: string | undefined;
        const accessKeyId = accessKeyOf(req.headers.authorization);
        const record = (entry: Omit<CallRecord, "startedAt" | "durationMs">): void => {
            this.log.push({
                ...entry,
                ...(clientRequestToken ? { clientRequestToken } : {}),
                ...(accessKeyId ? { accessKeyId } : {}),
                startedAt,
                durationMs: performance.now() - started,
            });
        };

        if (req.method !== "POST" || typeof target !== "string" || !target.startsWith(SM_TARGET_PREFIX)) {
            // Not Secrets Manager (e.g. /moto-api/...): passed through untouched, and logged.
            const reply = await upstream(this.moto, req.method ?? "GET", req.url ?? "/", req.headers, raw, this.iam !== undefined);
            res.writeHead(reply.status, relayedHeaders(reply.headers));
            res.end(reply.body);
            record({ operation: `${req.method} ${req.url}`, status: reply.status, forwarded: true, rules: [] });
            return;
        }

        const operation = target.slice(SM_TARGET_PREFIX.length);
        let payload: Json = {};
        try {
            const parsed: unknown = JSON.parse(raw.toString("utf8") || "{}");
            if (isObject(parsed)) payload = parsed;
        } catch {
            // moto answers malformed JSON itself
        }
        const secretId = typeof payload.SecretId === "string" ? payload.SecretId : undefined;
        if (typeof payload.ClientRequestToken === "string") clientRequestToken = payload.ClientRequestToken;
        const call: Call = { operation, payload, raw, headers: req.headers, rules: [], afterResponse: [] };

        const fault = decideFault(this.faults, operation, secretId);
        if (fault && !fault.afterForward) {
            if (fault.fault === "latency") {
                await sleep(fault.latencyMs ?? DEFAULT_LATENCY_MS);
            } else if (fault.fault === "reset") {
                req.socket.destroy();
                record({ operation, secretId, status: 0, injected: "reset", forwarded: false, rules: [] });
                return;
            } else {
                const reply = faultReply(fault.fault);
                send(res, reply);
                record({ operation, secretId, status: reply.status, errorName: errorName(reply), injected: fault.fault, forwarded: false, rules: [] });
                return;
            }
        }

        let reply: Reply;
        try {
            reply = await this.secretsManager(call);
        } catch (error) {
            reply = awsError(502, "AwsFrontUpstreamError", `aws-front could not reach moto: ${String(error)}`);
        }

        const injected = fault ? { injected: fault.fault, afterForward: fault.afterForward === true } : {};
        if (fault?.afterForward) {
            // moto has applied the call; the client never learns the outcome (or learns it late).
            if (fault.fault === "latency") await sleep(fault.latencyMs ?? DEFAULT_LATENCY_MS);
            else if (fault.fault === "reset") {
                req.socket.destroy();
                record({ operation, secretId, status: 0, ...injected, forwarded: reply.forwarded, rules: call.rules });
                // The client never learns the outcome, but what moto applied goes on as on AWS.
                for (const work of call.afterResponse) work();
                return;
            } else reply = { ...faultReply(fault.fault), forwarded: reply.forwarded };
        }
        send(res, reply);
        record({ operation, secretId, status: reply.status, errorName: errorName(reply), ...injected, forwarded: reply.forwarded, rules: call.rules });
        for (const work of call.afterResponse) work();
    }

    private async secretsManager(call: Call): Promise<Reply> {
        await dueTestRuns(this.ctx, call);
        // With IAM enforced, a call the caller may not make goes to moto untouched, before any rule
        // can act: AWS authorizes a request before it does anything else, and moto's answer is the
        // denial (see the rule auth-errors for its form).
        if (this.iam && !(await callerMay(this.ctx, call, `secretsmanager:${call.operation}`, "*"))) return this.forward(call);
        // A lagging listing (lagListings) keeps each secret as it was before its first change.
        const view = this.listingView;
        if (view && changesSecrets(call.operation) && call.operation !== "CreateSecret") await noteBeforeChange(this.ctx, call, view);
        const reply = await this.route(call);
        if (view && call.operation === "CreateSecret") noteCreated(view, reply);
        return reply;
    }

    private route(call: Call): Promise<Reply> {
        switch (call.operation) {
            case "RotateSecret":
                return this.exclusive(() => rotateSecret(this.ctx, call));
            case "CancelRotateSecret":
                return this.exclusive(() => cancelRotateSecret(this.ctx, call));
            case "UpdateSecretVersionStage":
                return this.exclusive(() => updateSecretVersionStage(this.ctx, call));
            case "PutSecretValue":
                return this.exclusive(() => putSecretValue(this.ctx, call));
            case "DescribeSecret":
                return describeSecret(this.ctx, call);
            case "ListSecrets":
                return this.listingView ? laggingListSecrets(this.ctx, call, this.listingView) : listSecrets(this.ctx, call);
            case "ListSecretVersionIds":
                return listSecretVersionIds(this.ctx, call);
            case "GetSecretValue":
                return getSecretValue(this.ctx, call);
            case "TagResource":
                return this.exclusive(() => tagResource(this.ctx, call));
            default:
                return this.forward(call);
        }
    }

    private exclusive<T>(work: () => Promise<T>): Promise<T> {
        const run = this.exclusiveTail.then(work, work);
        this.exclusiveTail = run.catch(() => undefined);
        return run;
    }

    private on(rule: FrontRule, call: Call): boolean {
        if (this.disabled.has(rule)) return false;
        if (!call.rules.includes(rule)) call.rules.push(rule);
        return true;
    }

    private enabled(rule: FrontRule): boolean {
        return !this.disabled.has(rule);
    }

    // ---- talking to moto ----

    /** Sends the client's call (or a changed payload) to moto and normalizes what comes back. */
    private async forward(call: Call, payload?: Json): Promise<Reply> {
        const changed = payload !== undefined && JSON.stringify(payload) !== JSON.stringify(call.payload);
        const body = changed ? Buffer.from(JSON.stringify(payload)) : call.raw;
        let answer: Upstream;
        if (!this.iam) answer = await upstream(this.moto, "POST", "/", call.headers, body);
        // Unchanged: exactly what the client signed (its Host too), so moto checks the client's signature.
        else if (!changed) answer = await upstream(this.moto, "POST", "/", call.headers, body, true);
        else answer = await upstream(this.moto, "POST", "/", await signedAsCaller(this.ctx, call, body), body, true);
        const json = parseJson(answer.body);
        const headers = relayedHeaders(answer.headers);
        let status = answer.status;

        // Rule auth-errors (with IAM enforced): see errors-auth.ts.
        const denied = authErrors(this.ctx, call, answer, json, status);
        if (denied) return denied;

        if (json === undefined) {
            // Not JSON: only moto's HTML error pages. ListSecretVersionIds may turn this into a 400.
            if (status < 300) return { status, headers, raw: answer.body, forwarded: true };
            return { ...awsError(status >= 500 ? status : 500, "InternalServiceError", "moto answered a non-JSON error page"), forwarded: true, pageError: true };
        }

        // Rule error-status: see errors-auth.ts.
        status = errorStatus(this.ctx, call, status);

        if (status < 300) noteResponseVersion(this.ctx, call.operation, json);
        const name = typeof json.__type === "string" ? json.__type : undefined;
        if (name !== undefined) headers["x-amzn-errortype"] = name;
        headers["content-type"] = JSON_CONTENT_TYPE;
        return { status, headers, json, forwarded: true };
    }

    /** moto's DescribeSecret, as a look-up of the front's own (not logged); undefined if it failed. */
    private async describeInMoto(call: Call, secretId: unknown): Promise<Json | undefined> {
        if (typeof secretId !== "string") return undefined;
        const answer = await this.smInMoto(call, "DescribeSecret", { SecretId: secretId });
        return answer.status === 200 ? answer.json : undefined;
    }

    private async smInMoto(call: Call, operation: string, payload: Json): Promise<{ status: number; json?: Json }> {
        const headers: http.OutgoingHttpHeaders = {
            "content-type": JSON_CONTENT_TYPE,
            "x-amz-target": `${SM_TARGET_PREFIX}${operation}`,
        };
        const body = Buffer.from(JSON.stringify(payload));
        if (this.iam) {
            // What AWS does internally is not the caller's request: signed as the administrator, in
            // the caller's region.
            const signed = await sign(this.ctx, "POST", "/", headers, body, this.iam.admin, "secretsmanager", callerRegion(call) ?? "us-east-1");
            const reply = await upstream(this.moto, "POST", "/", signed, body, true);
            return { status: reply.status, json: parseJson(reply.body) };
        }
        // The client's authorization header tells moto the region and account (moto checks no
        // signature while IAM is not enforced).
        for (const name of ["authorization", "x-amz-date", "x-amz-security-token", "user-agent"]) {
            const value = call.headers[name];
            if (value !== undefined) headers[name] = value;
        }
        const reply = await upstream(this.moto, "POST", "/", headers, body);
        return { status: reply.status, json: parseJson(reply.body) };
    }
}
