// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// The resource's state as Pulumi stores it, and the pure functions on it that both the Pulumi
// adapter (pulumi-edge/provider.ts) and the review (src/review) need: the outputs of an observation, the
// declaration recorded in state, what counts as a change or as drift. No I/O.
import { DECLARED_PROPERTIES, parseDurationMs, validateInputs } from "./inputs";
import {
    DEFAULT_PENDING_GRACE_PERIOD,
    DesiredState,
    ObservedSecret,
    RotationStateInputs,
    Schedule,
    ScheduleInput,
    UNKNOWN,
} from "./model";
import { analyzeLabels, HEALTHY, LabelAnalysis, labelHealth } from "./plan";
import { scheduleFromInput, schedulesEqual } from "./schedule";

/** Inputs as stored by Pulumi: the declaration plus the provider-owned label health. */
export interface StoredInputs extends RotationStateInputs {
    stagingLabels: string;
}

/** What the last create/update declared; kept through refreshes, which overwrite the rest with live values. */
export interface LastDeclared {
    enabled: boolean;
    rotationLambdaArn?: string;
    schedule?: ScheduleInput;
    rotateNowToken?: string;
    /** What the next change of rotateNowToken derives its version id from (plan.ts rotateNowVersionId). */
    rotateNowLink?: string;
    /**
     * The declaration's identity when it last created or updated (ownership.ts): the owner tag it
     * wrote, which delete compares with the secret's tag.
     */
    owner?: string;
}

/**
 * The resource's outputs. Properties named like inputs hold the live values for what can be
 * observed (enabled, rotationLambdaArn, schedule, stagingLabels) and the declared values for the
 * rest (policies, tokens): diff compares them with the declaration, which is how refresh and
 * `preview --refresh` show drift per property.
 */
export interface RotationStateOutputs extends StoredInputs {
    arn: string;
    name: string;
    region: string;
    rotationEnabled: boolean;
    lastRotatedDate?: string;
    nextRotationDate?: string;
    currentVersionId?: string;
    previousVersionId?: string;
    pendingVersionId?: string;
    pendingCreatedDate?: string;
    quarantinedVersionIds: string[];
    owningService?: string;
    /** The Secrets Manager calls the last operation (create, update or refresh) made, in order. */
    apiCalls: string[];
    declared: LastDeclared;
}


// Everything declared but the secret itself (a different secret is a replacement) and the health
// thresholds (they judge, and change nothing in AWS: the engine records new inputs on a step
// without changes, so the review reads them all the same), plus the provider-owned label health.
export const NOT_DIFFED = ["secretId", "healthThresholds"] as const;
const DIFFED: (keyof StoredInputs)[] = [...DECLARED_PROPERTIES.filter((p) => !(NOT_DIFFED as readonly string[]).includes(p)), "stagingLabels"];

/** The declared properties whose new value differs from what the state records (the live values where observable). */
export function changedProperties(olds: Partial<RotationStateOutputs>, news: StoredInputs): (keyof StoredInputs)[] {
    return DIFFED.filter((key) => propertyChanged(key, olds, news));
}

/**
 * Whether a declaration manages the rotation Lambda or the schedule: undeclared means "whatever
 * it is", and with rotation declared off neither matters. A change to a property the declaration
 * does not manage is not drift — for diff (so `preview --refresh`) and the review's drift alike.
 */
export function manages(key: "rotationLambdaArn" | "schedule", declared: { enabled?: boolean; rotationLambdaArn?: unknown; schedule?: unknown }): boolean {
    return declared.enabled !== false && declared[key] !== undefined;
}

/** The observable properties that drift is reported for, in the order reports list them. */
export const OBSERVED_PROPERTIES = ["enabled", "rotationLambdaArn", "schedule", "stagingLabels"] as const;
export type ObservedProperties = Pick<RotationStateOutputs, (typeof OBSERVED_PROPERTIES)[number]>;

type Declaration = Parameters<typeof manages>[1];

/**
 * What changed out of band between two observations (the recorded outputs and a fresh one),
 * among the properties the declaration manages; schedules are compared by meaning.
 */
export function driftBetween(
    recorded: Partial<RotationStateOutputs>,
    live: ObservedProperties,
    declared: Declaration,
): (typeof OBSERVED_PROPERTIES)[number][] {
    return OBSERVED_PROPERTIES.filter((key) => {
        switch (key) {
            case "rotationLambdaArn":
                return manages(key, declared) && recorded.rotationLambdaArn !== live.rotationLambdaArn;
            case "schedule":
                return manages(key, declared) && !schedulesEqual(scheduleFromInput(recorded.schedule), scheduleFromInput(live.schedule));
            default:
                return recorded[key] !== live[key];
        }
    });
}

function propertyChanged(key: keyof StoredInputs, olds: Partial<RotationStateOutputs>, news: StoredInputs): boolean {
    const declared = news[key];
    if ((declared as unknown) === UNKNOWN) return true;
    switch (key) {
        case "rotationLambdaArn":
            return manages(key, news) && declared !== olds.rotationLambdaArn;
        case "schedule":
            return manages(key, news) && !schedulesEqual(scheduleFromInput(news.schedule), scheduleFromInput(olds.schedule));
        case "stagingLabels":
            return (olds.stagingLabels ?? HEALTHY) !== HEALTHY;
        default:
            return JSON.stringify(olds[key]) !== JSON.stringify(declared);
    }
}

/**
 * The declared settings nothing can observe: kept as declared, in the inputs and in the outputs
 * (where refresh and destroy find them).
 */
export function settingsAsDeclared(from: Partial<StoredInputs>) {
    return {
        takeOver: from.takeOver,
        rotateImmediately: from.rotateImmediately,
        rotateNowToken: from.rotateNowToken,
        pendingPolicy: from.pendingPolicy,
        pendingGracePeriod: from.pendingGracePeriod,
        deletionPolicy: from.deletionPolicy,
        quarantineRetention: from.quarantineRetention,
        quarantineLabelLimit: from.quarantineLabelLimit,
        aws: from.aws,
    };
}

/** The declaration as the last create/update applied it, from the outputs (destroy has nothing else). */
export function declarationFrom(props: RotationStateOutputs): RotationStateInputs {
    const { owner, rotateNowLink: _link, ...declared } = props.declared ?? { enabled: props.enabled };
    return stripUndefined({
        secretId: props.secretId,
        ...declared,
        __owner: owner,
        ...settingsAsDeclared(props),
    });
}

export function desiredFrom(inputs: Partial<StoredInputs>): DesiredState {
    const { stagingLabels: _ignored, ...declared } = inputs;
    const result = validateInputs(declared);
    if (!result.desired) {
        const problems = result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
        throw new Error(`invalid rotation state declaration: ${problems || "values are still unknown"}`);
    }
    return result.desired;
}

export function lastDeclared(inputs: StoredInputs, rotateNowLink?: string): LastDeclared {
    return stripUndefined({
        enabled: inputs.enabled !== false,
        rotationLambdaArn: inputs.rotationLambdaArn,
        schedule: inputs.schedule,
        rotateNowToken: inputs.rotateNowToken,
        rotateNowLink,
        owner: inputs.__owner,
    });
}

export function toScheduleInput(schedule: Schedule | undefined): ScheduleInput | undefined {
    if (!schedule) return undefined;
    const base = schedule.kind === "days" ? { automaticallyAfterDays: schedule.days } : { scheduleExpression: schedule.expression };
    return schedule.duration ? { ...base, duration: schedule.duration } : base;
}

/**
 * The `stagingLabels` output: what this reconciler would clean up. A secret managed by another
 * service (OwningService) has its labels left to that service — the plan makes no call for them —
 * so a stranded AWSPENDING there is not drift here: it reads healthy, and `preview --refresh`
 * stays quiet. It is still there to see: in `pendingVersionId`, and in the review's labels and
 * plan note.
 */
/** The properties a declaration's drift is judged by, as a secret shows them now. */
export function observedPropertiesOf(secret: ObservedSecret, graceMs: number): ObservedProperties {
    return {
        enabled: secret.rotationEnabled,
        rotationLambdaArn: secret.rotationLambdaArn,
        schedule: toScheduleInput(secret.schedule),
        stagingLabels: stagingLabelsOf(secret, analyzeLabels(secret, graceMs)),
    };
}

export function stagingLabelsOf(secret: Pick<ObservedSecret, "owningService">, labels: LabelAnalysis): string {
    return secret.owningService ? HEALTHY : labelHealth(labels);
}

export function outputsFrom(
    secret: ObservedSecret,
    declaredInputs: Partial<StoredInputs>,
    calls: string[],
    declared: LastDeclared,
): RotationStateOutputs {
    const grace = desiredGraceOrDefault(declaredInputs);
    const labels = analyzeLabels(secret, grace);
    const pending = labels.pending.kind === "in-progress" || labels.pending.kind === "stranded" ? labels.pending : undefined;
    return stripUndefined({
        secretId: declaredInputs.secretId ?? secret.arn,
        enabled: secret.rotationEnabled,
        rotationLambdaArn: secret.rotationLambdaArn,
        schedule: toScheduleInput(secret.schedule),
        ...settingsAsDeclared(declaredInputs),
        stagingLabels: stagingLabelsOf(secret, labels),
        arn: secret.arn,
        name: secret.name,
        region: secret.region,
        rotationEnabled: secret.rotationEnabled,
        lastRotatedDate: secret.lastRotatedDate,
        nextRotationDate: secret.nextRotationDate,
        currentVersionId: labels.currentVersionId,
        previousVersionId: labels.previousVersionId,
        pendingVersionId: pending?.versionId,
        pendingCreatedDate: pending?.createdDate,
        quarantinedVersionIds: labels.quarantinedVersionIds,
        owningService: secret.owningService,
        apiCalls: [...calls],
        declared,
    });
}

function desiredGraceOrDefault(inputs: Partial<StoredInputs>): number {
    return parseDurationMs(inputs.pendingGracePeriod ?? DEFAULT_PENDING_GRACE_PERIOD) ?? parseDurationMs(DEFAULT_PENDING_GRACE_PERIOD)!;
}

/** Pulumi's property maps cannot hold `undefined`: absent means absent (a JSON round trip drops it). */
export function stripUndefined<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}
