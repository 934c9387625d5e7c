// The shared vocabulary (FRONT_RULES, the public types, Call, Reply, FrontContext): the lowest file,
// imported by every other file of the folder and importing none of them.
import type http from "node:http";

import type { Credentials, MotoIam } from "../iam";

/** The behaviours the front adds on top of moto, one name per rule (each rule's code and reference are in its family's file; README.md lists them). */
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
    "cancel-managed-secret",
    "managed-configure-guessed",
    "managed-rotate-now-guessed",
    "error-status",
    "list-missing-secret",
    "version-dates",
    "hide-deprecated",
    "list-arn",
    "label-moves",
    "label-quota",
    "auth-errors",
    "invoke-permission",
    "tag-quota-guessed-error",
    "version-kms-keys-guessed",
    "value-default-current",
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

export type Json = Record<string, unknown>;

/** What the front answers (or what moto answered, once normalized). */
export interface Reply {
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
export interface RotationShadow {
    enabled: boolean;
    rules: RotationRules;
    /** Epoch seconds. */
    nextRotationDate?: number;
}

/** One client call being handled: its payload, the headers to reuse for look-ups, the rules used. */
export interface Call {
    operation: string;
    payload: Json;
    raw: Buffer;
    headers: http.IncomingHttpHeaders;
    rules: FrontRule[];
    /** What AWS goes on doing once it has answered (asynchronous work), started after the response. */
    afterResponse: (() => void)[];
}

/**
 * What AWS finishes after RotateSecret has answered: the test run of rule rotate-not-immediately
 * (AWSPENDING removed), or the managed rotation of rule managed-rotate-now-guessed (AWSCURRENT
 * moved to the pending version, then AWSPENDING removed).
 */
export type AsynchronousWork = "test-run" | "managed-rotation";

/** Work AWS goes on with after RotateSecret's response (rules rotate-not-immediately, managed-rotate-now-guessed), with the same delay. */
export interface TestRun extends TestRunInProgress {
    work: AsynchronousWork;
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

/** What moto answered, before the front normalizes it. */
export interface Upstream {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
}

/**
 * What the rule families see of the front (AwsFront builds it over its private state): the rule
 * switches, the state the rules keep, and the front's ways of reaching moto.
 */
export interface FrontContext {
    /** moto's endpoint. */
    readonly moto: URL;
    /** Set when moto enforces IAM. */
    readonly iam?: IamMode & { policies: MotoIam };
    /** Rule rotation-shadow's record, by ARN. */
    readonly shadows: Map<string, RotationShadow>;
    /** When the front first saw each version, or the date a test set (rule version-dates). */
    readonly versionDates: Map<string, Date>;
    /** Dates a test set on a secret (AwsFront.setSecretDates), by ARN. */
    readonly secretDates: Map<string, SecretDates>;
    /** The test runs (rule rotate-not-immediately) and managed rotations (rule managed-rotate-now-guessed) not over yet. */
    readonly testRuns: Set<TestRun>;
    /** How long the test runs and managed rotations that RotateSecret starts from now on take (AwsFront.delayTestRuns). */
    readonly testRunDelayMs: number;
    /** Whether the rule is on; if so, it is recorded as used by the call. */
    on(rule: FrontRule, call: Call): boolean;
    /** Whether the rule is on, without recording it. */
    enabled(rule: FrontRule): boolean;
    /** Runs `work` after every exclusive work started before it (see AwsFront's exclusiveTail). */
    exclusive<T>(work: () => Promise<T>): Promise<T>;
    /** Sends the client's call (or a changed payload) to moto and normalizes what comes back. */
    forward(call: Call, payload?: Json): Promise<Reply>;
    /** moto's DescribeSecret, as a look-up of the front's own (not logged); undefined if it failed. */
    describeInMoto(call: Call, secretId: unknown): Promise<Json | undefined>;
    /** A Secrets Manager call of the front's own to moto (not logged). */
    smInMoto(call: Call, operation: string, payload: Json): Promise<{ status: number; json?: Json }>;
}
