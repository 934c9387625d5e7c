// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// The vocabulary shared by validation, observation, the plan and the Pulumi adapter.
// Plain data only: everything here can be printed, compared and stored in state.

/** What to do with an AWSPENDING label stranded on a version other than AWSCURRENT. */
export type PendingPolicy = "quarantine" | "promote" | "fail";

/** What destroying the resource does to the secret's rotation. */
export type DeletionPolicy = "cancel" | "retain";

export const PENDING_POLICIES: readonly PendingPolicy[] = ["quarantine", "promote", "fail"];
export const DELETION_POLICIES: readonly DeletionPolicy[] = ["cancel", "retain"];

/** Long enough for a rotation Lambda's four steps (at most 15 minutes each) plus retries. */
export const DEFAULT_PENDING_GRACE_PERIOD = "2h";

/** How long a QUARANTINED- or SUPERSEDED- label keeps its version before it is released. */
export const DEFAULT_QUARANTINE_RETENTION = "30d";
/** How many QUARANTINED- and SUPERSEDED- labels one secret may carry (AWS allows 20 labels in all). */
export const DEFAULT_QUARANTINE_LABEL_LIMIT = 10;

/**
 * The value Pulumi passes for an input that is not known yet (during preview, e.g. the ARN of a
 * secret that is still to be created). Such values are validated leniently.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * The rotation schedule as the user declares it: days XOR an expression, plus an optional window.
 * Mirrors Secrets Manager's RotationRules.
 */
export interface ScheduleInput {
    /** Rotate every N days, 1..1000 (a schedule in days: its window opens at 00:00 UTC). */
    automaticallyAfterDays?: number;
    /** `rate(N hours|days)` (4 hours to 999 days) or `cron(0 hours day-of-month month day-of-week *)` (at most once every 4 hours), UTC. */
    scheduleExpression?: string;
    /** The rotation window, `Nh` with N in 1..24: at most the time between two rotations, and closed by 24:00 UTC. */
    duration?: string;
}

/** The resource's inputs as a Pulumi program (or the stack configuration) declares them. */
export interface RotationStateInputs {
    /** The secret: name, full ARN or partial ARN (without the 6-character suffix). */
    secretId: string;
    /** Rotation on (default) or off. */
    enabled?: boolean;
    /** The rotation function. Needed to turn rotation on unless the secret already has one or is managed by another service. */
    rotationLambdaArn?: string;
    /** Needed to turn rotation on unless the secret already has a schedule. */
    schedule?: ScheduleInput;
    /** Whether turning rotation on rotates the secret now (default true, as in AWS). Reconfiguring never does. */
    rotateImmediately?: boolean;
    /** Changing this value makes the next `up` rotate the secret now. */
    rotateNowToken?: string;
    /** What to do with a stranded AWSPENDING (default quarantine). */
    pendingPolicy?: PendingPolicy;
    /** How old a pending version must be before it counts as stranded rather than in progress: `Nm`, `Nh` or `Nd` (default 2h). */
    pendingGracePeriod?: string;
    /** What destroy does: cancel rotation and clean up (default), or leave the secret as it is. */
    deletionPolicy?: DeletionPolicy;
    /** How long a label this provider added to keep a version (QUARANTINED-, SUPERSEDED-) stays: `Nh` or `Nd` (default 30d). */
    quarantineRetention?: string;
    /** How many such labels one secret may carry, oldest released first: 1..17 (default 10). */
    quarantineLabelLimit?: number;
    /** Take the secret over from the declaration that owns it (another stack's, or one whose stack was removed without destroy). */
    takeOver?: boolean;
    /**
     * This declaration's identity, `<organization>/<project>/<stack>/<path>` (ownership.ts): set by
     * the SecretRotationState class from the program's stack and the resource's place in it, never
     * declared.
     */
    __owner?: string;
    /**
     * The account, credentials, endpoints and proxies to act with, as an explicit @pulumi/aws
     * Provider's arguments (minus static keys); absent: the stack's aws:* configuration. Stored in
     * state, so refresh and destroy act in the same account.
     */
    aws?: AwsSetting;
    /**
     * The health thresholds this declaration is judged by (preview warnings and the review), as
     * declared here or stack-wide (`secret-rotation:healthThresholds`): only those set are stored.
     * They change nothing in AWS, so a change of them alone is no update.
     */
    healthThresholds?: DeclaredThresholds;
}

/**
 * Health thresholds as a stack, a declaration or a policy sets them (docs/health-thresholds.md):
 * the names of the review report's `thresholds` object. Each one left out takes the next source.
 */
export interface DeclaredThresholds {
    /** interval-too-long: the longest allowed rotation interval, days. */
    maxIntervalDays?: number;
    /** not-rotated-recently: a secret must have rotated within this many days. */
    maxDaysSinceRotation?: number;
    /** pending-long-running: a rotation in progress for longer than this many minutes is reported. */
    pendingLongRunningMinutes?: number;
}

/** A schedule after validation: exactly one of the two forms. */
export type Schedule =
    | { kind: "days"; days: number; duration?: string }
    | { kind: "expression"; expression: string; duration?: string };

/** Validated inputs with every default applied: what the plan works from. */
export interface DesiredState {
    secretId: string;
    enabled: boolean;
    rotationLambdaArn?: string;
    schedule?: Schedule;
    rotateImmediately: boolean;
    rotateNowToken?: string;
    pendingPolicy: PendingPolicy;
    pendingGracePeriodMs: number;
    deletionPolicy: DeletionPolicy;
    quarantineRetentionMs: number;
    quarantineLabelLimit: number;
    /** The declaration's identity (absent for one made without SecretRotationState, or recorded before ownership tags). */
    owner?: string;
    /** Take the secret over from another owner. */
    takeOver?: boolean;
}

/** One problem with the inputs, as Pulumi's check reports it: the property and the rule broken. */
export interface InputFailure {
    property: string;
    reason: string;
}

/** One version of a secret as observed: its staging labels, and its creation date when listed. */
export interface ObservedVersion {
    versionId: string;
    labels: string[];
    /** ISO time; only known when ListSecretVersionIds was called (a pending version exists). */
    createdDate?: string;
}

/** What DescribeSecret (and, for a pending version's age, ListSecretVersionIds) said about a secret. */
export interface ObservedSecret {
    arn: string;
    name: string;
    /** The region the calls went to. */
    region: string;
    deletedDate?: string;
    owningService?: string;
    primaryRegion?: string;
    rotationEnabled: boolean;
    rotationLambdaArn?: string;
    schedule?: Schedule;
    lastRotatedDate?: string;
    nextRotationDate?: string;
    /** When the secret was created (health counts a never-rotated secret's age from it). */
    createdDate?: string;
    /** The value of the owner tag (ownership.ts), when the secret has one. */
    ownerTag?: string;
    /** Every tag of the secret, key → value (a rotation policy selects and excludes by them; policy.ts). */
    tags?: Record<string, string>;
    versions: ObservedVersion[];
    /** ISO time of the observation: ages are measured from it, so the plan stays pure. */
    observedAt: string;
}

export type Observation = { found: true; secret: ObservedSecret } | { found: false; secretId: string; region: string };

/** The labels Secrets Manager gives meaning to. */
export const AWSCURRENT = "AWSCURRENT";
export const AWSPENDING = "AWSPENDING";
export const AWSPREVIOUS = "AWSPREVIOUS";
/**
 * Our own label for a stranded candidate version: one per version (a label sits on at most one
 * version, so a shared label would strip an earlier quarantined version when moved), with the time
 * it was added: QUARANTINED-<yyyymmddThhmmZ>-<versionId> (labels.ts).
 */
export const QUARANTINE_LABEL_PREFIX = "QUARANTINED-";
/**
 * Our own label for the version that held AWSPREVIOUS when `pendingPolicy: promote` rolled
 * forward: moving AWSCURRENT moves AWSPREVIOUS away from it, which would leave it unlabelled
 * (deprecated, so Secrets Manager may delete it). One per version, for the same reason as above.
 */
export const SUPERSEDED_LABEL_PREFIX = "SUPERSEDED-";

// Where and as whom the provider acts (validated and combined in aws-settings.ts). Kept here, with the
// rest of the vocabulary, because a declaration carries one.

/** One role to assume, as @pulumi/aws v7's `assumeRoles` entries have it. */
export interface AssumeRoleSetting {
    roleArn: string;
    sessionName?: string;
    externalId?: string;
    /** @pulumi/aws v7's form: a Go duration, "15m" to "12h" (e.g. "1h", "3600s", "1h30m"). */
    duration?: string;
    /** The older Terraform form (`duration_seconds`), 900–43200; not together with `duration`. */
    durationSeconds?: number;
    policy?: string;
    policyArns?: string[];
    tags?: Record<string, string>;
    transitiveTagKeys?: string[];
    sourceIdentity?: string;
}

/** The service endpoints this provider calls (@pulumi/aws v7 `endpoints` entries have one key per service). */
export interface EndpointsSetting {
    secretsmanager?: string;
    sts?: string;
}

/**
 * Where and as whom the provider acts: the stack's `aws:*` keys (static keys apart), or a
 * declaration's `aws` input. Never holds a secret, so it can be stored in state.
 */
export interface AwsSetting {
    region?: string;
    profile?: string;
    sharedConfigFiles?: string[];
    sharedCredentialsFiles?: string[];
    assumeRoles?: AssumeRoleSetting[];
    allowedAccountIds?: string[];
    forbiddenAccountIds?: string[];
    endpoints?: EndpointsSetting[];
    maxRetries?: number;
    retryMode?: "standard" | "adaptive";
    stsRegion?: string;
    httpProxy?: string;
    httpsProxy?: string;
    noProxy?: string;
}

// The calls a plan is made of (plan.ts orders them; ownership.ts and policy.ts contribute some).

/** One Secrets Manager call. Every planned step is exactly one. */
export type ApiCall =
    | {
          api: "RotateSecret";
          rotationLambdaArn?: string;
          rotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string };
          rotateImmediately: boolean;
          /**
           * The ClientRequestToken, which becomes the new version's id. Derived, not drawn: for a
           * change of rotateNowToken, from the secret, the token and the link recorded at the
           * previous change (plan.ts rotateNowVersionId), so a re-run after a failure or a crash
           * that happened after Secrets Manager accepted the call sends the same token, and
           * Secrets Manager (or the plan, which sees that version) does not rotate a second time.
           */
          clientRequestToken: string;
      }
    | {
          api: "CancelRotateSecret";
          /** The version of the rotation in progress this cancels, as observed (CancelRotateSecret names it in its answer). */
          cancels?: string;
      }
    | { api: "UpdateSecretVersionStage"; versionStage: string; moveToVersionId?: string; removeFromVersionId?: string }
    /** Ownership (ownership.ts) and a policy's marks (policy.ts): tags set or removed, in one call. */
    | { api: "TagResource"; tags: { key: string; value: string }[] }
    | { api: "UntagResource"; keys: string[] };

export interface PlannedStep {
    call: ApiCall;
    /** Why this call is needed, for reviewers and for `up`'s log. */
    why: string;
}
