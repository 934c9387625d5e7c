// The Pulumi adapter: the dynamic provider's check / diff / create / read / update / delete,
// each a thin translation to validate -> observe -> plan -> execute. This module is loaded at
// call time by the serialized shim (shim.ts), from the installed package: an upgrade of the
// package therefore reaches refresh and destroy of resources created by an older version.
import "./lifeline"; // in the provider host: exit once the engine that started it is gone (see lifeline.ts)
import { SecretsManagerGateway } from "./aws";
import { regionOfSecretArn, sameSecret, validateInputs } from "./inputs";
import { InputFailure, Observation, ObservedSecret, UNKNOWN } from "./model";
import { describeCall, HEALTHY, Plan, planDelete, planReconcile } from "./plan";
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


/** The dynamic provider's methods, by the names Pulumi calls them; the shim dispatches here. */
export const handlers = { configure, check, diff, create, read, update, delete: remove };
