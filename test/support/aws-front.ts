// A programmable HTTP front between the AWS SDK and moto, for Secrets Manager only.
//
// moto is a faithful-enough Secrets Manager for most calls, but it differs from AWS exactly where
// rotation is concerned (see /work/shared/notes/moto-fidelity.md). Tests point the SDK at this front
// with AWS_ENDPOINT_URL_SECRETS_MANAGER (Lambda and IAM keep going to moto through AWS_ENDPOINT_URL);
// the front forwards every call to moto and
//   - supplies the AWS behaviours moto lacks, each as a separate, named rule that cites the AWS
//     reference it follows (a rule can be switched off with `disabledRules`, which is how the tests
//     show that each rule is what makes the difference);
//   - keeps asynchronous what AWS does asynchronously: the test run AWS starts for a
//     RotateImmediately=false rotation ends after the response (delayTestRuns, settled);
//   - injects faults (throttling, 5xx, connection resets, latency), randomly from a seed or scripted;
//   - logs every call the client made (the front's own look-ups in moto are not logged, so call
//     counts in tests are the client's calls only).
//
// AWS JSON 1.1: `POST /` with `x-amz-target: secretsmanager.<Operation>`; errors are 400/500 with
// `{"__type": "<ErrorName>", "message": "..."}` and the `x-amzn-errortype` header.
import { createHash, createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import { AddressInfo } from "node:net";

import { SignatureV4 } from "@smithy/signature-v4";

import { accessKeyOf, Credentials, evaluate, Identity, MotoIam } from "./iam";

/** The behaviours the front adds on top of moto, one name per rule (see the rule comments below). */
export const FRONT_RULES = [
    "stranded-rotation",
    "pending-on-current",
    "idempotent-rotate",
    "exclusive-schedule",
    "schedule-rules-guessed-message",
    "rotation-shadow",
    "keep-lambda-arn",
    "require-lambda-arn",
    "lambda-exists-guessed-error",
    "rotate-not-immediately",
    "cancel-version-id",
    "cancel-without-lambda-guess",
    "error-status",
    "list-missing-secret",
    "version-dates",
    "hide-deprecated",
    "list-arn",
    "label-moves",
    "label-quota",
    "auth-errors",
    "invoke-permission",
] as const;
export type FrontRule = (typeof FRONT_RULES)[number];

/**
 * "access-denied" answers as Secrets Manager does while a just-granted Lambda permission has not
 * propagated yet: 400 AccessDeniedException (what peers retry for minutes after creating one).
 */
export type FaultKind = "throttle" | "server-error" | "access-denied" | "reset" | "latency" | "html-page" | "empty-5xx";

export interface RandomFaults {
    /** Probability (0..1) that an eligible call gets a fault. */
    rate: number;
    kinds: FaultKind[];
    /** Same seed, same sequence of calls → same faults. */
    seed: number;
    /** Only these operations are eligible (all Secrets Manager operations when absent). */
    operations?: string[];
    /** Delay of a "latency" fault; 250 ms when absent. */
    latencyMs?: number;
    /** The fault happens after moto applied the call (the response is lost or replaced). */
    afterForward?: boolean;
}

export interface ScriptedFault {
    /** The operation it applies to; any operation when absent. */
    operation?: string;
    /** Only calls whose SecretId is exactly this (a test passes what the client sends, e.g. the ARN). */
    secretId?: string;
    fault: FaultKind;
    afterForward?: boolean;
    latencyMs?: number;
}

export interface CallRecord {
    /** Secrets Manager operation, or "<METHOD> <path>" for a request passed through untouched. */
    operation: string;
    secretId?: string;
    startedAt: Date;
    durationMs: number;
    /** HTTP status the client received; 0 when the connection was reset without a response. */
    status: number;
    errorName?: string;
    injected?: FaultKind;
    /** The injected fault happened after moto had applied the call. */
    afterForward?: boolean;
    /** Whether the client's request reached moto (false when a fault or a rule answered first). */
    forwarded: boolean;
    /** The rules that rejected, answered, rewrote or prepared this call. */
    rules: FrontRule[];
    /** The request's ClientRequestToken, when it had one (how tests tell one operation's retries apart). */
    clientRequestToken?: string;
    /** The access key id the request was signed with (who called). */
    accessKeyId?: string;
}

export interface AwsFrontOptions {
    /** Rules to leave out, so that a test can show moto's own behaviour through the front. */
    disabledRules?: FrontRule[];
    /** Set when moto enforces IAM (MotoServer.enforceIam): see IamMode. */
    iam?: IamMode;
    /**
     * How long AWS's test run of a RotateImmediately=false rotation takes, counted from the
     * RotateSecret response (rule rotate-not-immediately); DEFAULT_TEST_RUN_DELAY_MS when absent.
     * Infinity: until finishTestRuns().
     */
    testRunDelayMs?: number;
}

/**
 * By default the front finishes a test run as soon as RotateSecret has answered, before it answers
 * any later call: AWS at its fastest. It is still asynchronous (the response comes first), and a
 * test that wants to see the run in progress, as a DescribeSecret right after RotateSecret usually
 * does on AWS, chooses a longer delay (delayTestRuns). Why not a longer default: the provider's own
 * DescribeSecret right after its RotateSecret would then race the front's timer, and the call
 * counts and state the suite asserts would depend on the machine's load.
 */
export const DEFAULT_TEST_RUN_DELAY_MS = 0;
/** How many times the front tries to finish a test run while moto answers 5xx (about 5 s in all). */
const TEST_RUN_ATTEMPTS = 20;

/** A test run of the rotation function that AWS has started and not finished (rule rotate-not-immediately). */
export interface TestRunInProgress {
    arn: string;
    /** The version AWS labelled AWSPENDING for the run. */
    versionId: string;
}

/**
 * How the front works when moto enforces IAM. The client's own requests reach moto exactly as
 * the client signed them (moto checks the signature and the caller's policies); the front's own
 * look-ups and repairs stand for what AWS does internally, so they are signed as `admin`. A
 * client request whose body a rule changes is signed again with the caller's key from `callers`.
 */
export interface IamMode {
    admin: Credentials;
    callers: Credentials[];
}

type Json = Record<string, unknown>;

/** What the front answers (or what moto answered, once normalized). */
interface Reply {
    status: number;
    headers: Record<string, string>;
    json?: Json;
    raw?: Buffer;
    forwarded: boolean;
    /** moto answered an HTML error page (replaced by an InternalServiceError). */
    pageError?: boolean;
}

/** Dates a test sets on a secret to stand for elapsed time (see AwsFront.setSecretDates). */
export interface SecretDates {
    createdDate?: Date;
    lastRotatedDate?: Date;
    /** Only shown while rotation is on (AWS reports none otherwise). */
    nextRotationDate?: Date;
}

export interface RotationRules {
    AutomaticallyAfterDays?: number;
    ScheduleExpression?: string;
    Duration?: string;
}

/** The rotation configuration as AWS would report it; moto cannot store most of it. */
interface RotationShadow {
    enabled: boolean;
    rules: RotationRules;
    /** Epoch seconds. */
    nextRotationDate?: number;
}

/** One client call being handled: its payload, the headers to reuse for look-ups, the rules used. */
interface Call {
    operation: string;
    payload: Json;
    raw: Buffer;
    headers: http.IncomingHttpHeaders;
    rules: FrontRule[];
    /** What AWS goes on doing once it has answered (asynchronous work), started after the response. */
    afterResponse: (() => void)[];
}

/** A test run scheduled by rule rotate-not-immediately. */
interface TestRun extends TestRunInProgress {
    /** The RotateSecret call that started it (its headers select moto's account and region). */
    call: Call;
    /** Epoch ms when it finishes; Infinity while held for finishTestRuns(). */
    dueAt: number;
    timer?: NodeJS.Timeout;
    /** Set once it has started. */
    running?: Promise<void>;
    /** Resolves when it is over (finished, or dropped by reset()). */
    done: Promise<void>;
    end: () => void;
}

const SM_TARGET_PREFIX = "secretsmanager.";
const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
const DEFAULT_LATENCY_MS = 250;
// Headers that describe one hop or that the front recomputes; everything else moto sends is relayed.
const NOT_RELAYED = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date", "server", "status", "x-amzn-errortype"]);

export class AwsFront {
    private readonly log: CallRecord[] = [];
    private readonly shadows = new Map<string, RotationShadow>();
    private readonly versionDates = new Map<string, Date>();
    private readonly secretDates = new Map<string, SecretDates>();
    private scripted: ScriptedFault[] = [];
    private random?: { options: RandomFaults; next: () => number };
    // RotateSecret, CancelRotateSecret and UpdateSecretVersionStage read moto's state and then
    // change it; running them one at a time keeps two concurrent calls from both passing a check.
    private exclusiveTail: Promise<unknown> = Promise.resolve();
    private readonly disabled: Set<FrontRule>;
    private readonly iam?: IamMode & { policies: MotoIam };
    private readonly testRuns = new Set<TestRun>();
    private readonly defaultTestRunDelayMs: number;
    private testRunDelayMs: number;

    private constructor(
        private readonly server: http.Server,
        private readonly moto: URL,
        options: AwsFrontOptions,
    ) {
        this.disabled = new Set(options.disabledRules ?? []);
        if (options.iam) this.iam = { ...options.iam, policies: new MotoIam(moto.origin, options.iam.admin) };
        this.defaultTestRunDelayMs = checkedDelay(options.testRunDelayMs ?? DEFAULT_TEST_RUN_DELAY_MS);
        this.testRunDelayMs = this.defaultTestRunDelayMs;
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
        this.dropTestRuns();
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
        this.dropTestRuns();
        this.testRunDelayMs = this.defaultTestRunDelayMs;
        this.shadows.clear();
        this.versionDates.clear();
        this.secretDates.clear();
        this.clearFaults();
        this.clearCalls();
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
        if (!(options.rate >= 0 && options.rate <= 1)) throw new Error(`rate must be within 0..1, got ${options.rate}`);
        if (options.kinds.length === 0) throw new Error("kinds must name at least one fault");
        this.random = { options: { ...options, kinds: [...options.kinds] }, next: seededRandom(options.seed) };
    }

    /** One-shot faults; each call takes the first remaining entry that matches its operation. */
    script(faults: ScriptedFault[]): void {
        this.scripted.push(...faults.map((f) => ({ ...f })));
    }

    /** Scripted faults not used yet. */
    scriptRemaining(): number {
        return this.scripted.length;
    }

    clearFaults(): void {
        this.scripted = [];
        this.random = undefined;
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

    // ---- AWS's asynchronous test runs (rule rotate-not-immediately) ----

    /**
     * How long the test runs that RotateSecret starts from now on take, counted from its response
     * (Infinity: until finishTestRuns()). A test that wants to see a run in progress sets it.
     */
    delayTestRuns(ms: number): void {
        this.testRunDelayMs = checkedDelay(ms);
    }

    /** The test runs AWS has started and not finished: their pending versions are still labelled AWSPENDING. */
    testRunsInProgress(): TestRunInProgress[] {
        return [...this.testRuns].map(({ arn, versionId }) => ({ arn, versionId }));
    }

    /** Finishes every test run now, held or not (the test's stand-in for the Lambda being done). */
    async finishTestRuns(): Promise<void> {
        await Promise.all([...this.testRuns].map((run) => this.startTestRun(run)));
    }

    /**
     * Resolves when every test run that finishes on its own (a finite delay) is over: what the
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

    private scheduleTestRun(call: Call, arn: string, versionId: string): void {
        let end!: () => void;
        const done = new Promise<void>((resolve) => (end = resolve));
        const run: TestRun = { call, arn, versionId, dueAt: Date.now() + this.testRunDelayMs, done, end };
        this.testRuns.add(run);
        if (Number.isFinite(run.dueAt)) run.timer = setTimeout(() => void this.startTestRun(run), this.testRunDelayMs);
    }

    private startTestRun(run: TestRun): Promise<void> {
        if (run.running) return run.running;
        clearTimeout(run.timer);
        run.dueAt = Math.min(run.dueAt, Date.now());
        run.running = this.exclusive(() => this.completeTestRun(run))
            .catch(() => undefined) // moto reset or gone under it: nothing left to finish
            .finally(() => {
                this.testRuns.delete(run);
                run.end();
            });
        return run.running;
    }

    /**
     * The end of AWS's test run: "The test creates an AWSPENDING version of the secret and then
     * removes it." Only if the label is still where the run put it (a test may have moved it).
     */
    private async completeTestRun(run: TestRun): Promise<void> {
        // moto now and then answers a call that meets a concurrent CreateSecret with an HTML 500
        // (../shared/notes/moto-fidelity.md). AWS's own run does not fail that way, so the front
        // tries again rather than leave an AWSPENDING that AWS would have removed; a 4xx means the
        // secret is gone (a reset, a deletion) and there is nothing to finish.
        for (let attempt = 1; ; attempt++) {
            let failure: string;
            try {
                const described = await this.smInMoto(run.call, "DescribeSecret", { SecretId: run.arn });
                if (described.status < 500 && described.status !== 200) return;
                failure = `DescribeSecret answered ${described.status}`;
                if (described.status === 200) {
                    const stages = described.json ? versionStages(described.json) : new Map<string, string[]>();
                    if (versionWith(stages, "AWSPENDING") !== run.versionId || versionWith(stages, "AWSCURRENT") === run.versionId) return;
                    const moved = await this.smInMoto(run.call, "UpdateSecretVersionStage", { SecretId: run.arn, VersionStage: "AWSPENDING", RemoveFromVersionId: run.versionId });
                    if (moved.status < 500) return;
                    failure = `UpdateSecretVersionStage answered ${moved.status}`;
                }
            } catch (error) {
                failure = (error as Error).message;
            }
            if (attempt >= TEST_RUN_ATTEMPTS) throw new Error(`the test run of ${run.arn} could not finish after ${attempt} attempts: ${failure}`);
            await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
        }
    }

    /**
     * A call that arrives after a test run is due sees it finished: the front completes the due
     * runs of the call's secret (of every secret for a call without SecretId, e.g. ListSecrets)
     * before it handles the call, so what a client observes depends on the delay alone, never on
     * when the front's timer happened to fire.
     */
    private async dueTestRuns(call: Call): Promise<void> {
        const now = Date.now();
        const secretId = typeof call.payload.SecretId === "string" ? call.payload.SecretId : undefined;
        const due = [...this.testRuns].filter((run) => (run.dueAt <= now || run.running) && (secretId === undefined || designates(secretId, run.arn)));
        if (due.length > 0) await Promise.all(due.map((run) => this.startTestRun(run)));
    }

    private dropTestRuns(): void {
        for (const run of this.testRuns) {
            clearTimeout(run.timer);
            if (!run.running) {
                this.testRuns.delete(run);
                run.end();
            }
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
            const reply = await this.upstream(req.method ?? "GET", req.url ?? "/", req.headers, raw, this.iam !== undefined);
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

        const fault = this.decideFault(operation, secretId);
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

    private decideFault(operation: string, secretId: string | undefined): ScriptedFault | undefined {
        const index = this.scripted.findIndex(
            (f) => (f.operation === undefined || f.operation === operation) && (f.secretId === undefined || f.secretId === secretId),
        );
        if (index >= 0) return this.scripted.splice(index, 1)[0];
        const random = this.random;
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

    private async secretsManager(call: Call): Promise<Reply> {
        await this.dueTestRuns(call);
        // With IAM enforced, a call the caller may not make goes to moto untouched, before any rule
        // can act: AWS authorizes a request before it does anything else, and moto's answer is the
        // denial (see the rule auth-errors for its form).
        if (this.iam && !(await this.callerMay(call, `secretsmanager:${call.operation}`, "*"))) return this.forward(call);
        switch (call.operation) {
            case "RotateSecret":
                return this.exclusive(() => this.rotateSecret(call));
            case "CancelRotateSecret":
                return this.exclusive(() => this.cancelRotateSecret(call));
            case "UpdateSecretVersionStage":
                return this.exclusive(() => this.updateSecretVersionStage(call));
            case "PutSecretValue":
                return this.exclusive(() => this.putSecretValue(call));
            case "DescribeSecret":
                return this.describeSecret(call);
            case "ListSecrets":
                return this.listSecrets(call);
            case "ListSecretVersionIds":
                return this.listSecretVersionIds(call);
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

    // ---- RotateSecret ----

    private async rotateSecret(call: Call): Promise<Reply> {
        const request = call.payload;
        const requestedRules = isObject(request.RotationRules) ? request.RotationRules : undefined;

        // Rule exclusive-schedule. AWS API Reference, RotationRulesType (AutomaticallyAfterDays):
        // "In RotateSecret, you can set the rotation schedule in RotationRules with
        // AutomaticallyAfterDays or ScheduleExpression, but not both." AWS's answer, as quoted from
        // real accounts in hashicorp/terraform-provider-aws #30540, #33329 and PR #31915:
        // "InvalidParameterException: You cannot specify both rotation frequency and schedule
        // expression together." moto accepts both.
        if (requestedRules && requestedRules.AutomaticallyAfterDays !== undefined && requestedRules.ScheduleExpression !== undefined) {
            if (this.on("exclusive-schedule", call)) {
                return awsError(400, "InvalidParameterException", "You cannot specify both rotation frequency and schedule expression together.");
            }
        }

        // Rule schedule-rules-guessed-message. Secrets Manager User Guide, "Rotation schedules"
        // (rotate-secrets_schedule.html), and API Reference, RotationRulesType: see
        // rotationRulesProblem below for each rule and its words. A request that breaks one is
        // refused before anything changes, with InvalidParameterException ("The parameter name or
        // value is invalid", HTTP 400, in RotateSecret's error list). The message is a guess: AWS's
        // wording for these refusals is in none of the references we hold. moto stores any
        // expression and window.
        const rulesProblem = requestedRules ? rotationRulesProblem(rotationRules(requestedRules)) : undefined;
        if (rulesProblem !== undefined && this.on("schedule-rules-guessed-message", call)) {
            return awsError(400, "InvalidParameterException", rulesProblem);
        }

        const secret = await this.describeInMoto(call, request.SecretId);
        // Missing, deleted or replica secrets: moto's own answer is right (its 404 is made a 400).
        if (!secret || secret.DeletedDate || secret.PrimaryRegion) return this.forward(call);
        const arn = String(secret.ARN);
        const stages = versionStages(secret);
        const current = versionWith(stages, "AWSCURRENT");
        const pending = versionWith(stages, "AWSPENDING");
        const token = typeof request.ClientRequestToken === "string" ? request.ClientRequestToken : undefined;

        // Rule idempotent-rotate. AWS API Reference, RotateSecret (ClientRequestToken): "You only need
        // to specify this value if you implement your own retry logic and you want to ensure that
        // Secrets Manager doesn't attempt to create a secret version twice." A retry whose token is
        // already a version of the secret is the same request again: AWS answers it without a second
        // rotation. moto instead re-creates that version, dropping its value and labels (even
        // AWSCURRENT after a finished rotation). The SDK fills ClientRequestToken in and reuses it on
        // its own retries, so a response lost after moto applied the call comes back here.
        if (token !== undefined && stages.has(token) && this.on("idempotent-rotate", call)) {
            return ok({ ARN: arn, Name: secret.Name, VersionId: token }, false);
        }

        // Rule stranded-rotation. AWS API Reference, RotateSecret: "If the AWSPENDING staging label is
        // present but not attached to the same version as AWSCURRENT, then any later invocation of
        // RotateSecret assumes that a previous rotation request is still in progress and returns an
        // error." (also CancelRotateSecret: "If the staging label AWSPENDING is attached to a different
        // version than the version with AWSCURRENT then the attempt to rotate fails."). The message is
        // the one the user guide's "Troubleshoot rotation" quotes. moto strips the label and rotates.
        if (pending !== undefined && pending !== current && this.on("stranded-rotation", call)) {
            return awsError(400, "InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.");
        }

        const forwarded: Json = { ...request };
        const storedLambda = nonEmptyString(secret.RotationLambdaARN);
        let lambdaArn = nonEmptyString(request.RotationLambdaARN);

        // Rule keep-lambda-arn. AWS API Reference, RotateSecret: "If you don't include the
        // configuration parameters, the operation starts a rotation with the values already stored in
        // the secret." moto instead overwrites the stored ARN with "" and takes a no-Lambda path.
        if (lambdaArn === undefined && storedLambda !== undefined && this.on("keep-lambda-arn", call)) {
            lambdaArn = storedLambda;
            forwarded.RotationLambdaARN = storedLambda;
        }

        // Rule require-lambda-arn. AWS API Reference, RotateSecret, InvalidRequestException: "You tried
        // to enable rotation on a secret that doesn't already have a Lambda function ARN configured and
        // you didn't include such an ARN as a parameter in this call." Secrets managed by another
        // service (OwningService) use managed rotation and need no function. moto instead moves
        // AWSCURRENT to a new, valueless version.
        if (lambdaArn === undefined && !secret.OwningService && this.on("require-lambda-arn", call)) {
            return awsError(
                400,
                "InvalidRequestException",
                "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
            );
        }

        // Rule lambda-exists-guessed-error. Secrets Manager User Guide, "Troubleshoot rotation" ("I
        // get 'access denied' when trying to configure rotation for my secret"): "When you add a
        // Lambda rotation function ARN to your secret, Secrets Manager checks the permissions of
        // the function." So AWS checks the function before it changes anything; moto instead stores
        // the ARN, the rules and a valueless AWSPENDING version, and only then answers 404
        // (moto-fidelity.md). What AWS answers for a function that does not exist is a GUESS: no
        // reference we hold says. We answer what AWS answers when it cannot invoke the function
        // (the guide's "access denied"; AccessDeniedException, HTTP 400, with the message Terraform's
        // provider and CloudFormation users quote from real accounts), since a function that does
        // not exist cannot grant Secrets Manager the permission either. A caller that retries
        // AccessDeniedException (a permission still propagating) retries this too.
        if (lambdaArn !== undefined && this.enabled("lambda-exists-guessed-error")) {
            if ((await this.lambdaExists(lambdaArn, call)) === false && this.on("lambda-exists-guessed-error", call)) {
                return awsError(400, "AccessDeniedException", CANNOT_INVOKE_FUNCTION);
            }
        }

        // Rule invoke-permission (with IAM enforced). AWS API Reference, RotateSecret: "Required
        // permissions: secretsmanager:RotateSecret ... You also need lambda:InvokeFunction permissions
        // on the rotation function." moto only checks secretsmanager:RotateSecret. The denial has the
        // form of the IAM User Guide's access denied messages ("User: <arn> is not authorized to
        // perform: <action> on resource: <arn> because ..."), with AccessDeniedException's status 400.
        if (this.iam && lambdaArn !== undefined && this.enabled("invoke-permission")) {
            const identity = await this.identityOf(call);
            const decision = identity ? evaluate(identity.policies, "lambda:InvokeFunction", lambdaArn) : "implicit-deny";
            if (decision !== "allowed" && this.on("invoke-permission", call)) {
                const why = decision === "explicit-deny" ? "with an explicit deny in an identity-based policy" : "because no identity-based policy allows the lambda:InvokeFunction action";
                return awsError(400, "AccessDeniedException", `User: ${identity?.userArn ?? "unknown"} is not authorized to perform: lambda:InvokeFunction on resource: ${lambdaArn} ${why}`);
            }
        }

        // Rule pending-on-current. AWS API Reference, CancelRotateSecret: "To successfully start a
        // rotation, the staging label AWSPENDING must be in one of the following states: Not be
        // attached to any version at all; Attached to the same version as the staging label
        // AWSCURRENT". moto rejects the second state ("Previous rotation request is still in
        // progress"); removing the label first gives moto the first state, which is where AWS ends.
        // It is the front's last step before the call reaches moto (every rule that may refuse has
        // run), and it is undone when moto refuses the call after all: a failed RotateSecret
        // changes nothing on AWS, so it must change nothing here.
        const movedPendingOff = pending !== undefined && pending === current && this.on("pending-on-current", call) ? pending : undefined;
        if (movedPendingOff !== undefined) {
            await this.smInMoto(call, "UpdateSecretVersionStage", { SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: movedPendingOff });
        }

        const reply = await this.forward(call, forwarded);
        if (!isSuccess(reply)) {
            if (movedPendingOff !== undefined) await this.putPendingBack(call, arn, movedPendingOff);
            return reply;
        }

        // Rule rotate-not-immediately. AWS API Reference, RotateSecret (RotateImmediately): "if you
        // don't immediately rotate the secret, Secrets Manager tests the rotation configuration by
        // running the testSecret step of the Lambda rotation function. The test creates an AWSPENDING
        // version of the secret and then removes it." and RotateSecret: "Configures and starts the
        // asynchronous process of rotating the secret." The run therefore ends after the response:
        // a DescribeSecret right after RotateSecret may see the AWSPENDING version, and a change
        // the caller makes meanwhile meets a rotation in progress. The front removes the label
        // testRunDelayMs after the response (delayTestRuns; settled() and finishTestRuns() for the
        // harness). moto leaves that version labelled AWSPENDING for good, which looks like a
        // stranded rotation to every later call.
        if (request.RotateImmediately === false && this.enabled("rotate-not-immediately")) {
            const after = await this.describeInMoto(call, arn);
            const afterStages = after ? versionStages(after) : new Map<string, string[]>();
            const left = versionWith(afterStages, "AWSPENDING");
            if (left !== undefined && left !== versionWith(afterStages, "AWSCURRENT") && this.on("rotate-not-immediately", call)) {
                this.noteVersion(left);
                call.afterResponse.push(() => this.scheduleTestRun(call, arn, left));
            }
        }

        // Rule rotation-shadow (RotateSecret part). AWS API Reference, RotateSecret: "If you include
        // the configuration parameters, the operation sets the values for the secret". The RotateSecret
        // example (.NET reference) configures rotation with a ScheduleExpression and Duration alone;
        // moto neither stores nor returns them, and calls rotation enabled only with days > 0.
        // CancelRotateSecret: "To re-enable scheduled rotation, call RotateSecret with
        // AutomaticallyRotateAfterDays set to a value greater than 0": without new rules, a disabled
        // rotation stays disabled.
        if (this.on("rotation-shadow", call)) {
            const previous = this.shadows.get(arn) ?? shadowFromMoto(secret);
            const rules = requestedRules ? rotationRules(requestedRules) : previous.rules;
            const enabled = requestedRules ? scheduled(rules) : previous.enabled;
            const next = enabled ? nextRotationDate(rules, new Date()) : undefined;
            this.shadows.set(arn, { enabled, rules, nextRotationDate: next });
        }
        return reply;
    }

    /**
     * Undoes rule pending-on-current after moto refused the call: AWSPENDING back on the version
     * it was on, unless moto itself labelled another version meanwhile (then moto changed state on
     * its own, which rule lambda-exists-guessed-error otherwise prevents).
     */
    private async putPendingBack(call: Call, arn: string, versionId: string): Promise<void> {
        const secret = await this.describeInMoto(call, arn);
        if (secret && versionWith(versionStages(secret), "AWSPENDING") === undefined) {
            await this.smInMoto(call, "UpdateSecretVersionStage", { SecretId: arn, VersionStage: "AWSPENDING", MoveToVersionId: versionId });
        }
    }

    // ---- CancelRotateSecret ----

    private async cancelRotateSecret(call: Call): Promise<Reply> {
        const secret = await this.describeInMoto(call, call.payload.SecretId);
        if (!secret || secret.DeletedDate || secret.PrimaryRegion) return this.forward(call);
        const arn = String(secret.ARN);
        const pending = versionWith(versionStages(secret), "AWSPENDING");

        let reply: Reply;
        // Rule cancel-without-lambda-guess. A GUESS: what AWS answers for CancelRotateSecret on a
        // secret with no Lambda ARN is documented nowhere we have looked. moto fails with
        // InvalidRequestException, quoting the CancelRotateSecret error list's possible cause ("You
        // tried to enable rotation on a secret that doesn't already have a Lambda function ARN
        // configured ..."); that list is shared by the rotation operations and its cause speaks of
        // enabling, which cancelling never does. We guess success with rotation disabled, which is
        // what the operation is for: "Turns off automatic rotation, and if a rotation is currently in
        // progress, cancels the rotation." (CLI reference). The provider never depends on it: it
        // cancels only a rotation that is on, which has a function (or an owning service, which it
        // leaves alone).
        if (nonEmptyString(secret.RotationLambdaARN) === undefined && this.on("cancel-without-lambda-guess", call)) {
            reply = ok({ ARN: arn, Name: secret.Name }, false);
        } else {
            reply = await this.forward(call);
        }
        if (!isSuccess(reply) || !reply.json) return reply;

        // Rule cancel-version-id. AWS API Reference, CancelRotateSecret (VersionId): "The unique
        // identifier of the version of the secret that was created during the rotation." and "you might
        // need to remove the staging label AWSPENDING from the partially created version, specified by
        // the VersionId response value." Without a pending version there is none; the reference's
        // sample response then carries only ARN and Name. moto answers its internal default version.
        if (this.on("cancel-version-id", call)) {
            if (pending !== undefined) reply.json.VersionId = pending;
            else delete reply.json.VersionId;
        }

        // Rule rotation-shadow (CancelRotateSecret part). AWS API Reference, CancelRotateSecret example:
        // "The RotationEnabled field is set to false and scheduled rotations are canceled." and
        // DescribeSecret (NextRotationDate): "If the secret isn't configured for rotation or rotation
        // has been disabled, Secrets Manager returns null." moto keeps NextRotationDate.
        if (this.on("rotation-shadow", call)) {
            const previous = this.shadows.get(arn) ?? shadowFromMoto(secret);
            this.shadows.set(arn, { enabled: false, rules: previous.rules });
        }
        return reply;
    }

    // ---- UpdateSecretVersionStage ----

    private async updateSecretVersionStage(call: Call): Promise<Reply> {
        const { VersionStage: stage, MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = call.payload;
        if (typeof moveTo === "string") this.noteVersion(moveTo);
        if (typeof removeFrom === "string") this.noteVersion(removeFrom);

        // Rule label-moves. AWS API Reference, UpdateSecretVersionStage (RemoveFromVersionId): "If the
        // staging label is already attached to a different version of the secret, then you must also
        // specify this parameter" (a label sits on at most one version). moto enforces it for
        // AWSCURRENT only, so AWSPENDING could end up on two versions.
        if (typeof stage === "string" && stage !== "AWSCURRENT" && typeof moveTo === "string" && this.enabled("label-moves")) {
            const secret = await this.describeInMoto(call, call.payload.SecretId);
            const holder = secret ? versionWith(versionStages(secret), stage) : undefined;
            if (holder !== undefined && holder !== moveTo && holder !== removeFrom && this.on("label-moves", call)) {
                return awsError(
                    400,
                    "InvalidParameterException",
                    `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
                );
            }
        }
        // Rule label-quota (UpdateSecretVersionStage part): see labelQuotaRefusal.
        if (typeof stage === "string") {
            const refused = await this.labelQuotaRefusal(call, (stages) => {
                if (typeof removeFrom === "string" && stages.has(removeFrom)) stages.set(removeFrom, stages.get(removeFrom)!.filter((l) => l !== stage));
                if (typeof moveTo === "string") attachLabel(stages, moveTo, stage);
            });
            if (refused) return refused;
        }
        return this.forward(call);
    }

    // ---- PutSecretValue ----

    private async putSecretValue(call: Call): Promise<Reply> {
        // Rule label-quota (PutSecretValue part): a new version's labels (AWSCURRENT when none are
        // given) are attached to it, and taken off the versions that had them.
        const { ClientRequestToken: token, VersionStages: given } = call.payload;
        const labels = Array.isArray(given) ? given.map(String) : ["AWSCURRENT"];
        const versionId = typeof token === "string" ? token : "(new version)";
        const refused = await this.labelQuotaRefusal(call, (stages) => {
            for (const label of labels) attachLabel(stages, versionId, label);
        });
        return refused ?? this.forward(call);
    }

    /**
     * Rule label-quota. AWS Secrets Manager user guide, "Secrets Manager quotas": "Staging labels
     * attached across all versions of a secret: 20" (not adjustable); UpdateSecretVersionStage and
     * PutSecretValue list "LimitExceededException: The request failed because it would exceed one
     * of the Secrets Manager quotas. HTTP Status Code: 400". moto has no such limit. A call that
     * would leave the secret with more than 20 labels in all, and more than it has, is refused
     * and changes nothing; one that moves or removes labels is not.
     */
    private async labelQuotaRefusal(call: Call, change: (stages: Map<string, string[]>) => void): Promise<Reply | undefined> {
        if (!this.enabled("label-quota")) return undefined;
        const secret = await this.describeInMoto(call, call.payload.SecretId);
        if (!secret) return undefined;
        const stages = versionStages(secret);
        const before = countLabels(stages);
        change(stages);
        const after = countLabels(stages);
        if (after <= LABEL_QUOTA || after <= before || !this.on("label-quota", call)) return undefined;
        return awsError(400, "LimitExceededException", "The request failed because it would exceed one of the Secrets Manager quotas.");
    }

    // ---- reads ----

    private async describeSecret(call: Call): Promise<Reply> {
        const reply = await this.forward(call);
        if (isSuccess(reply) && reply.json) this.rewriteSecretEntry(reply.json, call, "VersionIdsToStages");
        return reply;
    }

    private async listSecrets(call: Call): Promise<Reply> {
        const reply = await this.forward(call);
        if (isSuccess(reply) && reply.json && Array.isArray(reply.json.SecretList)) {
            for (const entry of reply.json.SecretList) {
                if (isObject(entry)) this.rewriteSecretEntry(entry, call, "SecretVersionsToStages");
            }
        }
        return reply;
    }

    /** DescribeSecret / ListSecrets entry: rotation configuration from the shadow, labelled versions only. */
    private rewriteSecretEntry(entry: Json, call: Call, versionsKey: "VersionIdsToStages" | "SecretVersionsToStages"): void {
        const shadow = typeof entry.ARN === "string" ? this.shadows.get(entry.ARN) : undefined;
        // Rule rotation-shadow (read part): see RotateSecret and CancelRotateSecret above.
        if (this.enabled("rotation-shadow")) {
            if (shadow && this.on("rotation-shadow", call)) {
                entry.RotationEnabled = shadow.enabled;
                if (Object.keys(shadow.rules).length > 0) entry.RotationRules = { ...shadow.rules };
                else delete entry.RotationRules;
                if (shadow.nextRotationDate !== undefined) entry.NextRotationDate = shadow.nextRotationDate;
            }
            // DescribeSecret (NextRotationDate): "If the secret isn't configured for rotation or
            // rotation has been disabled, Secrets Manager returns null."
            if (entry.RotationEnabled !== true && entry.NextRotationDate != null && this.on("rotation-shadow", call)) {
                delete entry.NextRotationDate;
            }
        }

        // A test's elapsed time (setSecretDates), applied last so it wins over moto and the shadow.
        const dates = typeof entry.ARN === "string" ? this.secretDates.get(entry.ARN) : undefined;
        if (dates?.createdDate) entry.CreatedDate = epochSeconds(dates.createdDate);
        if (dates?.lastRotatedDate) entry.LastRotatedDate = epochSeconds(dates.lastRotatedDate);
        if (dates?.nextRotationDate && entry.NextRotationDate != null) entry.NextRotationDate = epochSeconds(dates.nextRotationDate);

        const versions = entry[versionsKey];
        if (!isObject(versions)) return;
        for (const id of Object.keys(versions)) this.noteVersion(id);
        // Rule hide-deprecated (DescribeSecret part). AWS API Reference, DescribeSecret
        // (VersionIdsToStages): "A list of the versions of the secret that have staging labels
        // attached. Versions that don't have staging labels are considered deprecated". moto lists
        // every version, with [] for unlabelled ones.
        for (const [id, labels] of Object.entries(versions)) {
            if (Array.isArray(labels) && labels.length === 0 && this.on("hide-deprecated", call)) delete versions[id];
        }
    }

    private async listSecretVersionIds(call: Call): Promise<Reply> {
        const reply = await this.forward(call);

        // Rule list-missing-secret. AWS API Reference (CancelRotateSecret and the other operations'
        // error lists): "ResourceNotFoundException: We can't find the resource that you asked for.
        // HTTP Status Code: 400". moto's ListSecretVersionIds looks the secret up without a check and
        // answers an HTML 500 page (a Python KeyError) for a missing one.
        if (reply.pageError && this.enabled("list-missing-secret")) {
            const missing = (await this.smInMoto(call, "DescribeSecret", { SecretId: call.payload.SecretId })).status === 404;
            if (missing && this.on("list-missing-secret", call)) {
                return awsError(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            }
        }
        if (!isSuccess(reply) || !reply.json) return reply;
        const listing = reply.json;

        // Rule list-arn. AWS API Reference, ListSecretVersionIds (response ARN): "The ARN of the
        // secret." moto puts the identifier it was given there (often the name).
        if (typeof listing.ARN === "string" && !listing.ARN.startsWith("arn:") && this.enabled("list-arn")) {
            const secret = await this.describeInMoto(call, call.payload.SecretId);
            if (secret && typeof secret.ARN === "string" && this.on("list-arn", call)) listing.ARN = secret.ARN;
        }

        if (!Array.isArray(listing.Versions)) return reply;
        let versions = listing.Versions.filter(isObject);
        for (const version of versions) {
            if (typeof version.VersionId !== "string") continue;
            // Rule version-dates. AWS API Reference, ListSecretVersionIds (SecretVersionsListEntry
            // CreatedDate): "The date and time this version of the secret was created." moto reports
            // the time of the call for every version; the front reports when it first saw the version
            // (or the date a test set), so pending versions have an age.
            const first = this.noteVersion(version.VersionId);
            if (this.on("version-dates", call)) version.CreatedDate = epochSeconds(first);
        }
        // Rule hide-deprecated (ListSecretVersionIds part). AWS API Reference, ListSecretVersionIds
        // (IncludeDeprecated): "Specifies whether to include versions of secrets that don't have any
        // staging labels attached to them. Versions without staging labels are considered deprecated
        // ... By default, versions without staging labels aren't included." moto ignores the flag.
        if (call.payload.IncludeDeprecated !== true && this.enabled("hide-deprecated")) {
            const labelled = versions.filter((v) => !Array.isArray(v.VersionStages) || v.VersionStages.length > 0);
            if (labelled.length !== versions.length && this.on("hide-deprecated", call)) versions = labelled;
        }
        listing.Versions = versions;
        return reply;
    }

    // ---- talking to moto ----

    /** Sends the client's call (or a changed payload) to moto and normalizes what comes back. */
    private async forward(call: Call, payload?: Json): Promise<Reply> {
        const changed = payload !== undefined && JSON.stringify(payload) !== JSON.stringify(call.payload);
        const body = changed ? Buffer.from(JSON.stringify(payload)) : call.raw;
        let upstream: Awaited<ReturnType<AwsFront["upstream"]>>;
        if (!this.iam) upstream = await this.upstream("POST", "/", call.headers, body);
        // Unchanged: exactly what the client signed (its Host too), so moto checks the client's signature.
        else if (!changed) upstream = await this.upstream("POST", "/", call.headers, body, true);
        else upstream = await this.upstream("POST", "/", await this.signedAsCaller(call, body), body, true);
        const json = parseJson(upstream.body);
        const headers = relayedHeaders(upstream.headers);
        let status = upstream.status;

        // Rule auth-errors (with IAM enforced). AWS API Reference, Common Errors: "AccessDeniedException
        // You do not have sufficient access to perform this action. HTTP Status Code: 400", in the
        // service's JSON error form. moto denies a Secrets Manager call with an XML 403 "AccessDenied"
        // (and answers XML for a bad signature or key too, which the JSON protocol cannot read).
        if (json === undefined && status === 403 && this.iam) {
            const text = upstream.body.toString("utf8");
            const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
            const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? "";
            if (code !== undefined && this.on("auth-errors", call)) {
                if (code === "AccessDenied") {
                    const resource = typeof call.payload.SecretId === "string" ? ` on resource: ${call.payload.SecretId}` : "";
                    return { ...awsError(400, "AccessDeniedException", `${message}${resource}`), forwarded: true };
                }
                return { ...awsError(403, code, message), forwarded: true };
            }
        }

        if (json === undefined) {
            // Not JSON: only moto's HTML error pages. ListSecretVersionIds may turn this into a 400.
            if (status < 300) return { status, headers, raw: upstream.body, forwarded: true };
            return { ...awsError(status >= 500 ? status : 500, "InternalServiceError", "moto answered a non-JSON error page"), forwarded: true, pageError: true };
        }

        // Rule error-status. AWS API Reference, CancelRotateSecret errors: "ResourceNotFoundException
        // ... HTTP Status Code: 400" (every Secrets Manager client error is a 400). moto answers 404
        // for ResourceNotFoundException (and for its VersionStage/VersionId mismatch).
        if (status === 404 && this.on("error-status", call)) status = 400;

        if (status < 300) this.noteResponseVersion(call.operation, json);
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
            const signed = await this.sign("POST", "/", headers, body, this.iam.admin, "secretsmanager", callerRegion(call) ?? "us-east-1");
            const reply = await this.upstream("POST", "/", signed, body, true);
            return { status: reply.status, json: parseJson(reply.body) };
        }
        // The client's authorization header tells moto the region and account (moto checks no
        // signature while IAM is not enforced).
        for (const name of ["authorization", "x-amz-date", "x-amz-security-token", "user-agent"]) {
            const value = call.headers[name];
            if (value !== undefined) headers[name] = value;
        }
        const reply = await this.upstream("POST", "/", headers, body);
        return { status: reply.status, json: parseJson(reply.body) };
    }

    /** Whether the function exists in moto's Lambda; undefined when moto's answer says neither. */
    private async lambdaExists(functionArn: string, call: Call): Promise<boolean | undefined> {
        // Region from the function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), else the
        // client's; the access key selects moto's account, as for the client's own calls.
        const credential = /Credential=([^/]+)\/(\d{8})\/([^/]+)\//.exec(String(call.headers.authorization ?? ""));
        const region = functionArn.split(":")[3] || credential?.[3] || "us-east-1";
        const accessKey = credential?.[1] ?? "AKIAIOSFODNN7EXAMPLE";
        const day = credential?.[2] ?? "20240101";
        let reply: Awaited<ReturnType<AwsFront["upstream"]>>;
        if (this.iam) {
            // By name, in the function's region (the path then needs no escaping to be signed).
            const path = `/2015-03-31/functions/${functionArn.split(":")[6] ?? functionArn}`;
            reply = await this.upstream("GET", path, await this.sign("GET", path, {}, Buffer.alloc(0), this.iam.admin, "lambda", region), Buffer.alloc(0), true);
        } else {
            reply = await this.upstream("GET", `/2015-03-31/functions/${encodeURIComponent(functionArn)}`, {
                authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${day}/${region}/lambda/aws4_request, SignedHeaders=host, Signature=0`,
            });
        }
        if (reply.status === 200) return true;
        if (reply.status === 404) return false;
        return undefined;
    }

    /** The caller's identity in moto's IAM (IAM mode only); undefined for an unknown key. */
    private async identityOf(call: Call): Promise<Identity | undefined> {
        const key = accessKeyOf(String(call.headers.authorization ?? ""));
        return key && this.iam ? this.iam.policies.identityOf(key) : undefined;
    }

    private async callerMay(call: Call, action: string, resource: string): Promise<boolean> {
        const identity = await this.identityOf(call);
        return identity !== undefined && evaluate(identity.policies, action, resource) === "allowed";
    }

    /** SigV4 headers for a request to moto (host included), signed with `credentials`. */
    private async sign(
        method: string,
        path: string,
        headers: http.OutgoingHttpHeaders,
        body: Buffer,
        credentials: Credentials,
        service: string,
        region: string,
    ): Promise<http.OutgoingHttpHeaders> {
        const signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256 });
        const plain: Record<string, string> = { host: this.moto.host };
        for (const [name, value] of Object.entries(headers)) if (typeof value === "string") plain[name.toLowerCase()] = value;
        const signed = await signer.sign({ method, protocol: this.moto.protocol, hostname: this.moto.hostname, port: Number(this.moto.port), path, query: {}, headers: plain, body });
        return signed.headers;
    }

    /** A client request whose body a rule changed, signed again as the caller (IAM mode). */
    private async signedAsCaller(call: Call, body: Buffer): Promise<http.OutgoingHttpHeaders> {
        const key = accessKeyOf(String(call.headers.authorization ?? ""));
        const caller = this.iam?.callers.find((c) => c.accessKeyId === key);
        if (!caller) throw new Error(`a rule changed the request of access key ${key ?? "(none)"}, whose secret key is not in iam.callers`);
        const headers: http.OutgoingHttpHeaders = {};
        for (const name of ["content-type", "x-amz-target", "user-agent"]) if (call.headers[name] !== undefined) headers[name] = call.headers[name];
        return this.sign("POST", "/", headers, body, caller, "secretsmanager", callerRegion(call) ?? "us-east-1");
    }

    private upstream(
        method: string,
        path: string,
        headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders,
        body: Buffer = Buffer.alloc(0),
        /** Send the given Host header (a signed one) instead of moto's address. */
        keepHost = false,
    ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
        const outgoing: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(headers)) {
            const dropped = ["connection", "content-length", "transfer-encoding", "expect", ...(keepHost ? [] : ["host"])];
            if (value !== undefined && !dropped.includes(name.toLowerCase())) outgoing[name] = value;
        }
        outgoing["content-length"] = body.length;
        return new Promise((resolve, reject) => {
            const req = http.request(
                { host: this.moto.hostname, port: this.moto.port, method, path, headers: outgoing, agent: false },
                (res) => {
                    readBody(res).then((data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }), reject);
                },
            );
            req.on("error", reject);
            req.end(body);
        });
    }

    // ---- version dates ----

    /** The date the front first saw a version (recorded now if it is new). */
    private noteVersion(versionId: string): Date {
        let date = this.versionDates.get(versionId);
        if (!date) {
            date = new Date();
            this.versionDates.set(versionId, date);
        }
        return date;
    }

    private noteResponseVersion(operation: string, json: Json): void {
        if (["CreateSecret", "PutSecretValue", "UpdateSecret", "RotateSecret", "GetSecretValue"].includes(operation) && typeof json.VersionId === "string") {
            this.noteVersion(json.VersionId);
        }
    }
}

// ---- rotation schedules ----

function shadowFromMoto(secret: Json): RotationShadow {
    const rules = isObject(secret.RotationRules) ? rotationRules(secret.RotationRules) : {};
    if (rules.AutomaticallyAfterDays === 0) delete rules.AutomaticallyAfterDays;
    const next = typeof secret.NextRotationDate === "number" ? secret.NextRotationDate : undefined;
    return { enabled: secret.RotationEnabled === true, rules, nextRotationDate: next };
}

function rotationRules(input: Json): RotationRules {
    const rules: RotationRules = {};
    if (typeof input.AutomaticallyAfterDays === "number") rules.AutomaticallyAfterDays = input.AutomaticallyAfterDays;
    if (typeof input.ScheduleExpression === "string") rules.ScheduleExpression = input.ScheduleExpression;
    if (typeof input.Duration === "string") rules.Duration = input.Duration;
    return rules;
}

/**
 * Why Secrets Manager refuses these RotationRules in RotateSecret, or undefined (rule
 * schedule-rules-guessed-message; the reasons are ours, AWS's wording is unknown). The front's own
 * reading of the references, independent of the provider's validation (schedule.ts), so that each
 * can catch the other's mistakes. It checks the rules the references state, not every detail of
 * cron's grammar (L, W and # are let through).
 * - API Reference, RotationRulesType, AutomaticallyAfterDays: "Valid Range: Minimum value of 1.
 *   Maximum value of 1000."
 * - User Guide, "Rotation schedules": "You can rotate a secret as often as every four hours. The
 *   maximum rotation period is 999 days." rate(): "Value is a positive integer and Unit can be
 *   hour, hours, day, or days". cron(): "Minutes: Must be 0", "Year: Must be *"; day-of-month and
 *   day-of-week: "If you specify a value in one of the fields, you must use a ? in the other."
 * - Window (Duration): "You can set the rotation window as small as one hour. The rotation window
 *   must not extend into the next rotation window. In other words, for a rotation schedule in
 *   hours, confirm that the rotation window is less than or equal to the number of hours between
 *   rotations. For a rotation schedule in days, confirm that the start hour plus the window
 *   duration is less than or equal to 24 hours." A rate() in days (and AutomaticallyAfterDays, a
 *   schedule in days) opens its window at midnight; a cron() at its hours, and the API
 *   reference's Duration says for every schedule "The window must not extend into the next
 *   rotation window or the next UTC day."
 */
export function rotationRulesProblem(rules: RotationRules): string | undefined {
    const { AutomaticallyAfterDays: days, ScheduleExpression: expression, Duration: duration } = rules;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) {
        return `RotationRules.AutomaticallyAfterDays must be from 1 to 1000 (got ${days})`;
    }
    // The hours of the UTC day at which windows open, and the fewest hours between two of them.
    let opens = [0];
    let gap = 24;
    if (expression !== undefined) {
        const rate = /^rate\((\d+) (hour|hours|day|days)\)$/.exec(expression);
        const cron = /^cron\((.*)\)$/.exec(expression);
        if (rate) {
            const hours = Number(rate[1]) * (rate[2]!.startsWith("day") ? 24 : 1);
            if (hours < 4) return `RotationRules.ScheduleExpression: rotation runs at most every four hours (got ${expression})`;
            if (hours > 999 * 24) return `RotationRules.ScheduleExpression: the maximum rotation period is 999 days (got ${expression})`;
            gap = Math.min(hours, 24);
        } else if (cron) {
            const fields = cron[1]!.trim().split(/\s+/);
            if (fields.length !== 6) return `RotationRules.ScheduleExpression: a cron() expression has six fields (got ${expression})`;
            const [minutes, hourField, dayOfMonth, , dayOfWeek, year] = fields as [string, string, string, string, string, string];
            if (minutes !== "0") return `RotationRules.ScheduleExpression: the minutes field of cron() must be 0 (got ${expression})`;
            if (year !== "*") return `RotationRules.ScheduleExpression: the year field of cron() must be * (got ${expression})`;
            if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
                return `RotationRules.ScheduleExpression: one of day-of-month and day-of-week must be ? (got ${expression})`;
            }
            const hours = cronField(hourField, 0, 23);
            if (!hours) return `RotationRules.ScheduleExpression: invalid hours field (got ${expression})`;
            opens = [...hours].sort((a, b) => a - b);
            // Gaps within the day and across midnight (the next day's first hour).
            for (let i = 0; i < opens.length; i++) {
                const next = i + 1 < opens.length ? opens[i + 1]! : opens[0]! + 24;
                if (next - opens[i]! < 4) return `RotationRules.ScheduleExpression: rotation runs at most every four hours (got ${expression})`;
                if (i + 1 < opens.length) gap = Math.min(gap, next - opens[i]!);
            }
        } else {
            return `RotationRules.ScheduleExpression must be a rate() or cron() expression (got ${expression})`;
        }
    }
    if (duration !== undefined) {
        const window = /^(\d+)h$/.exec(duration);
        const hours = window ? Number(window[1]) : NaN;
        if (!(hours >= 1 && hours <= 24)) return `RotationRules.Duration must be 1h to 24h (got ${duration})`;
        if (hours > gap) return `RotationRules.Duration must not extend into the next rotation window: at most ${gap}h (got ${duration})`;
        const last = opens[opens.length - 1]!;
        if (last + hours > 24) return `RotationRules.Duration must not extend into the next UTC day: the window opens at ${last}:00, so at most ${24 - last}h (got ${duration})`;
    }
    return undefined;
}

function scheduled(rules: RotationRules): boolean {
    return (rules.AutomaticallyAfterDays ?? 0) > 0 || rules.ScheduleExpression !== undefined;
}

/**
 * Epoch seconds of the next rotation window after `from`, or undefined when the expression is not
 * one the front understands (then DescribeSecret has no NextRotationDate rather than a wrong one).
 */
export function nextRotationDate(rules: RotationRules, from: Date): number | undefined {
    const seconds = Math.floor(from.getTime() / 1000);
    const expression = rules.ScheduleExpression?.trim();
    if (expression === undefined) {
        const days = rules.AutomaticallyAfterDays ?? 0;
        return days > 0 ? seconds + days * 86_400 : undefined;
    }
    const rate = /^rate\((\d+)\s+(hours?|days?)\)$/.exec(expression);
    if (rate) return seconds + Number(rate[1]) * (rate[2].startsWith("hour") ? 3_600 : 86_400);
    const cron = /^cron\((.+)\)$/.exec(expression);
    return cron ? nextCron(cron[1], from) : undefined;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

// AWS cron: minutes hours day-of-month month day-of-week year, UTC; day-of-week 1 = Sunday. The
// forms L, W and # are not supported (undefined).
function nextCron(body: string, from: Date): number | undefined {
    const fields = body.trim().split(/\s+/);
    if (fields.length !== 6) return undefined;
    const minutes = cronField(fields[0], 0, 59);
    const hours = cronField(fields[1], 0, 23);
    const days = cronField(fields[2], 1, 31);
    const months = cronField(fields[3], 1, 12, MONTHS);
    const weekdays = cronField(fields[4], 1, 7, WEEKDAYS);
    const years = cronField(fields[5], 1970, 2199);
    if (!minutes || !hours || !days || !months || !weekdays || !years) return undefined;
    const earliest = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
    const start = new Date(earliest);
    for (let offset = 0; offset < 366 * 5; offset++) {
        const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + offset));
        if (!years.has(day.getUTCFullYear()) || !months.has(day.getUTCMonth() + 1)) continue;
        if (!days.has(day.getUTCDate()) || !weekdays.has(day.getUTCDay() + 1)) continue;
        for (const hour of [...hours].sort((a, b) => a - b)) {
            for (const minute of [...minutes].sort((a, b) => a - b)) {
                const at = day.getTime() + hour * 3_600_000 + minute * 60_000;
                if (at >= earliest) return at / 1000;
            }
        }
    }
    return undefined;
}

function cronField(text: string, low: number, high: number, names: string[] = []): Set<number> | undefined {
    const values = new Set<number>();
    const value = (token: string): number | undefined => {
        const named = names.indexOf(token.toUpperCase());
        const n = named >= 0 ? named + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
        return n >= low && n <= high ? n : undefined;
    };
    for (const item of text.split(",")) {
        const [range, stepText] = item.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) return undefined;
        let first: number | undefined;
        let last: number | undefined;
        if (range === "*" || range === "?") [first, last] = [low, high];
        else if (range.includes("-")) [first, last] = range.split("-").map(value);
        else {
            first = value(range);
            last = stepText === undefined ? first : high;
        }
        if (first === undefined || last === undefined || first > last) return undefined;
        for (let n = first; n <= last; n += step) values.add(n);
    }
    return values;
}

// ---- small helpers ----

/** What AWS answers when it cannot invoke a rotation function (see rule lambda-exists-guessed-error). */
const CANNOT_INVOKE_FUNCTION =
    "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.";

/** Whether a SecretId (full ARN, partial ARN or name) may designate the secret with this full ARN; when in doubt, yes. */
function designates(secretId: string, arn: string): boolean {
    if (secretId === arn) return true;
    if (secretId.startsWith("arn:")) return arn.startsWith(`${secretId}-`);
    const name = arn.split(":secret:")[1] ?? "";
    return name.startsWith(`${secretId}-`);
}

function checkedDelay(ms: number): number {
    if (!(ms >= 0)) throw new Error(`a test run delay is a number of milliseconds >= 0 (or Infinity), got ${ms}`);
    return ms;
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

function versionStages(secret: Json): Map<string, string[]> {
    const stages = new Map<string, string[]>();
    const map = secret.VersionIdsToStages;
    if (isObject(map)) {
        for (const [id, labels] of Object.entries(map)) stages.set(id, Array.isArray(labels) ? labels.map(String) : []);
    }
    return stages;
}

/** Staging labels attached across all versions of a secret (Secrets Manager quotas page). */
const LABEL_QUOTA = 20;

function countLabels(stages: Map<string, string[]>): number {
    let n = 0;
    for (const labels of stages.values()) n += labels.length;
    return n;
}

/**
 * A label attached to a version, as Secrets Manager does it: taken off whichever version had it (a
 * label sits on one version), and AWSCURRENT leaves AWSPREVIOUS on the version it left.
 */
function attachLabel(stages: Map<string, string[]>, versionId: string, label: string): void {
    const from = versionWith(stages, label);
    if (from === versionId) return;
    if (from !== undefined) stages.set(from, stages.get(from)!.filter((l) => l !== label));
    stages.set(versionId, [...(stages.get(versionId) ?? []), label]);
    if (label === "AWSCURRENT" && from !== undefined) attachLabel(stages, from, "AWSPREVIOUS");
}

function versionWith(stages: Map<string, string[]>, label: string): string | undefined {
    for (const [id, labels] of stages) if (labels.includes(label)) return id;
    return undefined;
}

function faultReply(kind: "throttle" | "server-error" | "access-denied" | "html-page" | "empty-5xx"): Reply {
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

function awsError(status: number, name: string, message: string): Reply {
    return {
        status,
        headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-errortype": name, "x-amzn-requestid": randomUUID() },
        json: { __type: name, message },
        forwarded: false,
    };
}

function ok(json: Json, forwarded: boolean): Reply {
    return { status: 200, headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": randomUUID() }, json, forwarded };
}

function isSuccess(reply: Reply): boolean {
    return reply.status >= 200 && reply.status < 300;
}

function errorName(reply: Reply): string | undefined {
    return reply.json && typeof reply.json.__type === "string" ? reply.json.__type : undefined;
}

function send(res: http.ServerResponse, reply: Reply): void {
    const body = reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : (reply.raw ?? Buffer.alloc(0));
    res.writeHead(reply.status, { ...reply.headers, "content-length": body.length });
    res.end(body);
}

function relayedHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
    const relayed: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined && !NOT_RELAYED.has(name)) relayed[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return relayed;
}

function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => resolve(Buffer.concat(chunks)));
        stream.on("error", reject);
    });
}

function parseJson(body: Buffer): Json | undefined {
    try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        return isObject(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
    return typeof value === "string" && value.length > 0 ? value : undefined;
}

function epochSeconds(date: Date): number {
    return date.getTime() / 1000;
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The region of the client's SigV4 credential scope. */
function callerRegion(call: Call): string | undefined {
    return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(call.headers.authorization ?? ""))?.[1];
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
    if (typeof data === "string") return Buffer.from(data, "utf8");
    return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape SignatureV4 expects. */
class NodeSha256 {
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
