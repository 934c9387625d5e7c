// The review report: plain data, the same for the table, the Markdown and the JSON. The JSON is
// this shape as is; its schema is schemas/review-report.v1.json (bump REPORT_SCHEMA_VERSION and
// add a new file for any change that is not a pure addition of optional fields).
import type { FindingCode } from "../../providers/secretsmanager/semantics/health";
import type { ScheduleInput } from "../../providers/secretsmanager/semantics/model";

export const REPORT_SCHEMA_VERSION = 1;

/**
 * Exit codes of `pulumi-secret-rotation review` (docs/review-at-scale.md). Drift (2), findings (4)
 * and unreviewable entries (8) are bits, so a CI step can test each one and a report shows them
 * all: 6 = drift and findings, 10 = drift and an entry that could not be reviewed, 14 = all three.
 * An entry the review cannot read (a denied DescribeSecret, a policy whose listing failed) is one
 * entry of the report, not a veto over the others. 1 is only for a review that could not run at
 * all (bad arguments, no such stack, a failed preview, a failed `--all` listing): then there is
 * no report.
 */
export const EXIT_CODES = { clean: 0, error: 1, drift: 2, findings: 4, driftAndFindings: 6, unreviewable: 8 } as const;

/** What the engine's preview says `pulumi up` will do with the resource. */
export type StepKind = "create" | "update" | "same" | "delete" | "replace";

export interface RotationConfig {
    enabled: boolean;
    rotationLambdaArn?: string;
    schedule?: ScheduleInput;
}

export interface LiveState extends RotationConfig {
    exists: boolean;
    arn?: string;
    lastRotatedDate?: string;
    nextRotationDate?: string;
    deletedDate?: string;
    owningService?: string;
    /** The owner tag (docs/design.md, One owner per secret): the declaration that manages this secret's rotation. */
    owner?: string;
}

export interface LabelEntry {
    /** AWSCURRENT, AWSPENDING, AWSPREVIOUS, QUARANTINED-<versionId> or SUPERSEDED-<versionId>. */
    label: string;
    versionId: string;
    /** Known for a pending version on a version of its own (ListSecretVersionIds), else absent. */
    createdDate?: string;
    ageHours?: number;
}

export interface PlannedCall {
    api: string;
    /** The call with its arguments, as `up` logs it. */
    call: string;
    why: string;
}

export interface DriftEntry {
    /** The resource's property: enabled, rotationLambdaArn, schedule, stagingLabels, or secret (gone). */
    property: string;
    /** The value recorded by the last `up` or refresh. */
    recorded: unknown;
    live: unknown;
}

export interface FindingEntry {
    code: FindingCode;
    message: string;
}

export interface SecretReview {
    /** The resource's name in the stack. */
    resource: string;
    urn: string;
    secretId: string;
    region?: string;
    step: StepKind;
    /** The declaration (null for a resource the program no longer declares, i.e. to be destroyed). */
    declared: RotationConfig | null;
    live: LiveState;
    labels: LabelEntry[];
    /** The mutating calls `pulumi up --refresh` will make, in order (observing calls are not listed). */
    plan: { calls: PlannedCall[]; blocked?: string; notes: string[] };
    drift: DriftEntry[];
    findings: FindingEntry[];
    /** Set when the secret could not be reviewed (e.g. an AWS error); the rest is then partial. */
    error?: string;
    /** For a secret a rotation policy governs or lets go of: the policy's resource name (then `resource` is it too). */
    policy?: string;
    /** The thresholds this secret was judged by, when they differ from the report's top-level ones (optional, added in v1). */
    thresholds?: ReportedThresholds;
}

/** Health thresholds as the report shows them (docs/health-thresholds.md). */
export interface ReportedThresholds {
    maxIntervalDays: number;
    maxDaysSinceRotation: number;
    pendingLongRunningMinutes: number;
}

/** A rotation policy of the stack: what it governs, and what it passes over. Its secrets are in `secrets` (with `policy` set) when there is something to say about them. */
export interface PolicyReview {
    resource: string;
    urn: string;
    step: StepKind;
    account?: string;
    region?: string;
    mode?: string;
    /** What the policy does with secrets another service manages: passOver, schedule or disable (optional, added in v1). */
    managedSecrets?: string;
    /** Secrets the policy governs (after `up`: the plan's selection). */
    governed: number;
    /** Of those, in line and with no finding: not listed in `secrets`. */
    inLine: number;
    /** Selected secrets passed over, per reason (excluded, scheduledForDeletion, replica, managedByService, ownedByDeclaration, otherPolicy). */
    passedOver: Record<string, number>;
    secretsListed: number;
    error?: string;
    /** The thresholds its secrets were judged by, when they differ from the report's top-level ones (optional, added in v1). */
    thresholds?: ReportedThresholds;
}

export interface StackReview {
    stack: string;
    secrets: SecretReview[];
    /** The stack's rotation policies (optional, added in v1). */
    policies?: PolicyReview[];
    /** With --all: our tags on the listed secrets that name this stack but none of its resources (optional, added in v1). */
    orphans?: OrphanReview;
}

/** One of our tags (owner, policy mark, standby) naming an identity of the reviewed stack that none of its resources holds. */
export interface OrphanEntry {
    arn: string;
    name: string;
    /** The tag key: pulumi-secret-rotation:owner, :policy, :policy-turned-on or :policy-standby. */
    tag: string;
    /** The tag's value: the identity it names. */
    identity: string;
    /** How to reclaim the secret. */
    reclaim: string;
}

export interface OrphanReview {
    /** The stack's identities start with this (`<organization or owner namespace>/<project>/<stack>`). */
    identityPrefix: string;
    orphaned: OrphanEntry[];
    /** Tags naming stacks that were not reviewed, per stack: whether those still hold them cannot be judged from here. */
    otherStacks: { stack: string; secrets: number }[];
}

export interface InventoryEntry {
    arn: string;
    name: string;
    live: LiveState;
    labels: LabelEntry[];
    findings: FindingEntry[];
    /** The thresholds it was judged by (the reviewed stacks' stack-wide ones), when they differ from the report's top-level thresholds. */
    thresholds?: ReportedThresholds;
}

export interface ReviewReport {
    schemaVersion: typeof REPORT_SCHEMA_VERSION;
    generatedAt: string;
    /** The thresholds of this run: the review's flags where given, else the defaults; an entry judged by others carries its own. */
    thresholds: ReportedThresholds;
    stacks: StackReview[];
    /** `--all`: the region's secrets whose rotation no reviewed stack declares. */
    inventory?: {
        region: string;
        secretsListed: number;
        undeclared: InventoryEntry[];
        /** One listing per account (and region) the reviewed stacks reach: the stacks' own settings and each declaration's. */
        accounts?: { account: string; region: string; secretsListed: number }[];
    };
    summary: { secrets: number; plannedCalls: number; drifted: number; findings: number; errors: number; undeclared: number };
    exitCode: number;
}

export function exitCodeFor(summary: ReviewReport["summary"]): number {
    return (
        (summary.drifted > 0 ? EXIT_CODES.drift : 0) |
        (summary.findings > 0 ? EXIT_CODES.findings : 0) |
        (summary.errors > 0 ? EXIT_CODES.unreviewable : 0)
    );
}
