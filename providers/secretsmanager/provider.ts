// The Pulumi adapter: the dynamic provider's check / diff / create / read / update / delete,
// each a thin translation to validate -> observe -> plan -> execute. This module is loaded at
// call time by the serialized shim (shim.ts), from the installed package: an upgrade of the
// package therefore reaches refresh and destroy of resources created by an older version.
import { SecretsManagerGateway } from "./aws";
import { DECLARED_PROPERTIES, parseDurationMs, regionOfSecretArn, sameSecret, validateInputs } from "./inputs";
import {
    DEFAULT_PENDING_GRACE_PERIOD,
    DesiredState,
    InputFailure,
    Observation,
    ObservedSecret,
    RotationStateInputs,
    Schedule,
    ScheduleInput,
    UNKNOWN,
} from "./model";
import { analyzeLabels, describeCall, HEALTHY, labelHealth, Plan, planDelete, planReconcile } from "./plan";
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

// Stack configuration handed over by configure(); kept in this module (never serialized).
let configuredRegion: string | undefined;

export async function configure(req: { config: { get(key: string): string | undefined } }): Promise<void> {
    configuredRegion = req.config.get("aws:region") || undefined;
}

/** The region: the ARN's when an ARN is given, else aws:region from the stack, else the SDK's (AWS_REGION). */
function regionFor(secretId: string): string | undefined {
    return regionOfSecretArn(secretId) ?? configuredRegion;
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<{ inputs: StoredInputs; failures: InputFailure[] }> {
    const { stagingLabels, ...declared } = news;
    const secretId = typeof declared.secretId === "string" ? declared.secretId : "";
    // The Lambda must be in the secret's region: the same rule as for the calls, with the SDK's
    // default region (AWS_REGION) as the last resort.
    const result = validateInputs(declared, { region: regionFor(secretId) ?? process.env.AWS_REGION });
    const failures = [...result.failures];
    if (stagingLabels !== undefined && stagingLabels !== HEALTHY) {
        failures.push({ property: "stagingLabels", reason: `is set by the provider and cannot be declared (got ${JSON.stringify(stagingLabels)})` });
    }
    return { inputs: { ...result.inputs, stagingLabels: HEALTHY }, failures };
}

// Everything declared but the secret itself (a different secret is a replacement), plus the
// provider-owned label health.
const DIFFED: (keyof StoredInputs)[] = [...DECLARED_PROPERTIES.filter((p) => p !== "secretId"), "stagingLabels"];

export async function diff(
    _id: string,
    olds: Partial<RotationStateOutputs>,
    news: StoredInputs,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
    const replaces =
        news.secretId === UNKNOWN || !olds.arn || !sameSecret(news.secretId, { arn: olds.arn, name: olds.name ?? "" })
            ? ["secretId"]
            : [];
    const changed = DIFFED.filter((key) => propertyChanged(key, olds, news));
    return { changes: replaces.length > 0 || changed.length > 0, replaces, deleteBeforeReplace: false };
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

export async function create(inputs: StoredInputs): Promise<{ id: string; outs: RotationStateOutputs }> {
    const desired = desiredFrom(inputs);
    const gateway = new SecretsManagerGateway(regionFor(desired.secretId));
    const observation = await gateway.observe(desired.secretId);
    const after = existing(await apply(gateway, planReconcile(desired, observation, { operation: "create" }), observation));
    return { id: after.arn, outs: outputsFrom(after, inputs, gateway.calls, lastDeclared(inputs)) };
}

export async function update(
    _id: string,
    olds: RotationStateOutputs,
    news: StoredInputs,
): Promise<{ outs: RotationStateOutputs }> {
    const desired = desiredFrom(news);
    const gateway = new SecretsManagerGateway(regionFor(olds.arn));
    const observation = await gateway.observe(olds.arn);
    const plan = planReconcile(desired, observation, { operation: "update", previous: olds.declared });
    const after = existing(await apply(gateway, plan, observation));
    return { outs: outputsFrom(after, news, gateway.calls, lastDeclared(news)) };
}

export async function read(
    id: string,
    props: RotationStateOutputs,
): Promise<{ id: string; props?: RotationStateOutputs; inputs?: StoredInputs }> {
    const gateway = new SecretsManagerGateway(regionFor(id));
    const observation = await gateway.observe(id);
    if (!observation.found || observation.secret.deletedDate) {
        const why = observation.found ? `is scheduled for deletion on ${observation.secret.deletedDate}` : "no longer exists";
        console.log(`secret ${id} ${why}: its rotation state leaves the stack`);
        return { id: "" };
    }
    const live = outputsFrom(observation.secret, props, gateway.calls, props.declared);
    const declared = props.declared ?? { enabled: props.enabled };
    // The declaration as it would have to read to match what is live: the engine shows the
    // difference to the program's declaration as drift, property by property.
    const inputs: StoredInputs = stripUndefined({
        secretId: props.secretId,
        enabled: live.enabled,
        rotationLambdaArn: declared.rotationLambdaArn === undefined ? undefined : live.rotationLambdaArn,
        schedule: declared.schedule === undefined ? undefined : live.schedule,
        rotateImmediately: props.rotateImmediately,
        rotateNowToken: props.rotateNowToken,
        pendingPolicy: props.pendingPolicy,
        pendingGracePeriod: props.pendingGracePeriod,
        deletionPolicy: props.deletionPolicy,
        stagingLabels: live.stagingLabels,
    });
    return { id, props: live, inputs };
}

export async function remove(id: string, props: RotationStateOutputs): Promise<void> {
    const desired = desiredFrom(declarationFrom(props));
    const gateway = new SecretsManagerGateway(regionFor(id));
    const observation = await gateway.observe(id);
    const plan = planDelete(desired, observation);
    await apply(gateway, plan, observation, /* observeAfter */ false);
}

/**
 * Runs a plan (or fails with its reason), logging each call, and observes again if anything
 * changed. Returns the secret as it is afterwards; undefined only for a secret that is gone, which
 * only a delete plan accepts (a reconcile plan refuses it).
 */
async function apply(
    gateway: SecretsManagerGateway,
    plan: Plan,
    observation: Observation,
    observeAfter = true,
): Promise<ObservedSecret | undefined> {
    const subject = plan.arn ?? (observation.found ? observation.secret.arn : observation.secretId);
    if (plan.blocked) throw new Error(`secret ${subject}: ${plan.blocked.reason}`);
    for (const note of plan.notes) console.log(`secret ${subject}: ${note}`);
    if (!observation.found) return undefined;
    for (const step of plan.steps) console.log(`secret ${subject}: ${describeCall(step.call)} — ${step.why}`);
    await gateway.execute(observation.secret.arn, plan.steps);
    if (plan.steps.length === 0 || !observeAfter) return observation.secret;
    const after = await gateway.observe(observation.secret.arn);
    if (!after.found) throw new Error(`secret ${subject} disappeared while its rotation was being reconciled`);
    return after.secret;
}

/** create and update reconcile a secret that exists: their plans refuse any other. */
function existing(secret: ObservedSecret | undefined): ObservedSecret {
    if (!secret) throw new Error("internal error: a reconcile plan accepted a missing secret");
    return secret;
}

/** The declaration as the last create/update applied it, from the outputs (destroy has nothing else). */
export function declarationFrom(props: RotationStateOutputs): RotationStateInputs {
    return stripUndefined({
        secretId: props.secretId,
        ...(props.declared ?? { enabled: props.enabled }),
        rotateImmediately: props.rotateImmediately,
        rotateNowToken: props.rotateNowToken,
        pendingPolicy: props.pendingPolicy,
        pendingGracePeriod: props.pendingGracePeriod,
        deletionPolicy: props.deletionPolicy,
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

function lastDeclared(inputs: StoredInputs): LastDeclared {
    return stripUndefined({
        enabled: inputs.enabled !== false,
        rotationLambdaArn: inputs.rotationLambdaArn,
        schedule: inputs.schedule,
        rotateNowToken: inputs.rotateNowToken,
    });
}

export function toScheduleInput(schedule: Schedule | undefined): ScheduleInput | undefined {
    if (!schedule) return undefined;
    const base = schedule.kind === "days" ? { automaticallyAfterDays: schedule.days } : { scheduleExpression: schedule.expression };
    return schedule.duration ? { ...base, duration: schedule.duration } : base;
}

function outputsFrom(
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
        rotateImmediately: declaredInputs.rotateImmediately,
        rotateNowToken: declaredInputs.rotateNowToken,
        pendingPolicy: declaredInputs.pendingPolicy,
        pendingGracePeriod: declaredInputs.pendingGracePeriod,
        deletionPolicy: declaredInputs.deletionPolicy,
        stagingLabels: labelHealth(labels),
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

// Pulumi's property maps cannot hold `undefined`: absent means absent.
function stripUndefined<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

/** The dynamic provider's methods, by the names Pulumi calls them; the shim dispatches here. */
export const handlers = { configure, check, diff, create, read, update, delete: remove };
