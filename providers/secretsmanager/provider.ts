// The Pulumi adapter: the dynamic provider's check / diff / create / read / update / delete,
// each a thin translation to validate -> observe -> plan -> execute. This module is loaded at
// call time by the serialized shim (shim.ts), from the installed package: an upgrade of the
// package therefore reaches refresh and destroy of resources created by an older version.
import { SecretsManagerGateway } from "./aws";
import { regionOfSecretArn, sameSecret, validateInputs } from "./inputs";
import { AWSCURRENT, InputFailure, Observation, ObservedSecret, UNKNOWN } from "./model";
import { describeCall, HEALTHY, Plan, PlannedStep, planDelete, planReconcile } from "./plan";
import {
    changedProperties,
    declarationFrom,
    desiredFrom,
    lastDeclared,
    outputsFrom,
    RotationStateOutputs,
    StoredInputs,
    stripUndefined,
} from "./state";

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

export async function diff(
    _id: string,
    olds: Partial<RotationStateOutputs>,
    news: StoredInputs,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
    const replaces =
        news.secretId === UNKNOWN || !olds.arn || !sameSecret(news.secretId, { arn: olds.arn, name: olds.name ?? "" })
            ? ["secretId"]
            : [];
    const changed = changedProperties(olds, news);
    return { changes: replaces.length > 0 || changed.length > 0, replaces, deleteBeforeReplace: false };
}

export async function create(inputs: StoredInputs): Promise<{ id: string; outs: RotationStateOutputs }> {
    const desired = desiredFrom(inputs);
    const gateway = new SecretsManagerGateway(regionFor(desired.secretId));
    const observation = await gateway.observe(desired.secretId);
    const plan = (seen: Observation, cancelledVersionId?: string) => planReconcile(desired, seen, { operation: "create", cancelledVersionId });
    const after = existing(await apply(gateway, plan, observation));
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
    const plan = (seen: Observation, cancelledVersionId?: string) =>
        planReconcile(desired, seen, { operation: "update", previous: olds.declared, cancelledVersionId });
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
        quarantineRetention: props.quarantineRetention,
        quarantineLabelLimit: props.quarantineLabelLimit,
        stagingLabels: live.stagingLabels,
    });
    return { id, props: live, inputs };
}

export async function remove(id: string, props: RotationStateOutputs): Promise<void> {
    const desired = desiredFrom(declarationFrom(props));
    const gateway = new SecretsManagerGateway(regionFor(id));
    const observation = await gateway.observe(id);
    const plan = (seen: Observation, cancelledVersionId?: string) => planDelete(desired, seen, { cancelledVersionId });
    await apply(gateway, plan, observation, /* observeAfter */ false);
}

/**
 * Runs a plan (or fails with its reason), logging each call, and observes again if anything
 * changed. Returns the secret as it is afterwards; undefined only for a secret that is gone, which
 * only a delete plan accepts (a reconcile plan refuses it).
 *
 * `planFor` makes the plan from an observation. It is asked again once, after a
 * CancelRotateSecret that names a cancelled version the plan did not expect (a rotation that
 * started after the observation): the partially created version must be handled, not left.
 */
async function apply(
    gateway: SecretsManagerGateway,
    planFor: (observation: Observation, cancelledVersionId?: string) => Plan,
    observation: Observation,
    observeAfter = true,
): Promise<ObservedSecret | undefined> {
    let plan = planFor(observation);
    const subject = plan.arn ?? (observation.found ? observation.secret.arn : observation.secretId);
    // Plan reasons never name the secret; every line names it once, here.
    const say = (line: string) => console.log(`secret ${subject}: ${line}`);
    if (plan.blocked) throw new Error(`secret ${subject}: ${plan.blocked.reason}`);
    for (const note of plan.notes) say(note);
    if (!observation.found) return undefined;
    const arn = observation.secret.arn;
    let steps = plan.steps;
    let replanned = false;
    for (let index = 0; index < steps.length; index++) {
        const step = steps[index]!;
        say(`${describeCall(step.call)} — ${step.why}`);
        const { cancelledVersionId } = await gateway.call(arn, step.call);
        if (replanned || !cancelledUnexpected(step, cancelledVersionId, steps.slice(index + 1), observation.secret)) continue;
        // Not the rotation observed: look again and plan the rest around the version it names.
        const seen = await gateway.observe(arn);
        if (!seen.found) throw new Error(`secret ${subject} disappeared while its rotation was being reconciled`);
        plan = planFor(seen, cancelledVersionId);
        if (plan.blocked) throw new Error(`secret ${subject}: ${plan.blocked.reason}`);
        for (const note of plan.notes) say(note);
        steps = plan.steps;
        index = -1;
        replanned = true;
    }
    if (!observeAfter || gateway.calls.every((c) => c === "DescribeSecret" || c === "ListSecretVersionIds")) return observation.secret;
    const after = await gateway.observe(arn);
    if (!after.found) throw new Error(`secret ${subject} disappeared while its rotation was being reconciled`);
    return after.secret;
}

/**
 * A CancelRotateSecret named a cancelled version that neither it nor the rest of the plan was made
 * for. The AWSCURRENT version is never partial: AWSPENDING stays on it after a finished rotation.
 */
function cancelledUnexpected(step: PlannedStep, cancelledVersionId: string | undefined, rest: PlannedStep[], observed: ObservedSecret): cancelledVersionId is string {
    if (step.call.api !== "CancelRotateSecret" || cancelledVersionId === undefined || cancelledVersionId === step.call.cancels) return false;
    if (observed.versions.some((v) => v.versionId === cancelledVersionId && v.labels.includes(AWSCURRENT))) return false;
    const touches = (later: PlannedStep) =>
        later.call.api === "UpdateSecretVersionStage" && (later.call.moveToVersionId === cancelledVersionId || later.call.removeFromVersionId === cancelledVersionId);
    return !rest.some(touches);
}

/** create and update reconcile a secret that exists: their plans refuse any other. */
function existing(secret: ObservedSecret | undefined): ObservedSecret {
    if (!secret) throw new Error("internal error: a reconcile plan accepted a missing secret");
    return secret;
}


/** The dynamic provider's methods, by the names Pulumi calls them; the shim dispatches here. */
export const handlers = { configure, check, diff, create, read, update, delete: remove };
