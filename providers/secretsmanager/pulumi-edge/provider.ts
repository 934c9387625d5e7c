// Layer: the Pulumi edge, a thin adapter over the semantics and the AWS edge (.dependency-cruiser.cjs).
// The Pulumi adapter: the dynamic provider's check / diff / create / read / update / delete,
// each a thin translation to validate -> observe -> plan -> execute. This module is loaded at
// call time by the serialized shim (shim.ts), from the installed package: an upgrade of the
// package therefore reaches refresh and destroy of resources created by an older version.
import "./lifeline"; // in the provider host: exit once the engine that started it is gone (see lifeline.ts)
import { randomUUID } from "node:crypto";
import { resolveRegion, SecretsManagerGateway } from "../aws-edge/aws";
import { connectionFor, useStackAws } from "../aws-edge/aws-clients";
import { accountOfArn, stackAwsConfig } from "../semantics/aws-settings";
import { linesAbout, rememberUrn, Say, URN_INPUT } from "./engine-log";
import { OWNER_PROPERTY, regionOfSecretArn, sameSecret, validateInputs } from "../semantics/inputs";
import { AWSCURRENT, AwsSetting, InputFailure, Observation, ObservedSecret, PlannedStep, UNKNOWN } from "../semantics/model";
import { describeCall, HEALTHY, Plan, planDelete, planReconcile, rotateNowLinkAfter } from "../semantics/plan";
import {
    changedProperties,
    declarationFrom,
    desiredFrom,
    lastDeclared,
    outputsFrom,
    RotationStateOutputs,
    settingsAsDeclared,
    StoredInputs,
    stripUndefined,
} from "../semantics/state";

// Stack configuration handed over by configure(); kept in this module and aws-clients.ts
// (never serialized). Static keys stay in the provider process: never in inputs, outputs or lines.
let configuredRegion: string | undefined;
let configurationProblem: string | undefined;
// The configuration last applied: each dynamic provider of the stack (a rotation state's, a
// policy's) is configured with the same one; its warnings are said once.
let appliedConfiguration: string | undefined;

export async function configure(req: { config: { get(key: string): string | undefined; rawConfig?: Record<string, unknown> } }): Promise<void> {
    // Every aws:* key, so that one this provider does not use is named rather than ignored.
    const raw = req.config.rawConfig ?? Object.fromEntries(["aws:region", "aws:profile"].map((key) => [key, req.config.get(key)]));
    const applied = JSON.stringify(raw);
    if (applied === appliedConfiguration) return;
    appliedConfiguration = applied;
    const stack = stackAwsConfig(raw);
    configuredRegion = stack.setting.region;
    useStackAws(stack);
    configurationProblem =
        stack.failures.length > 0 ? `the stack's AWS configuration is invalid: ${stack.failures.map((f) => `${f.property} ${f.reason}`).join("; ")}` : undefined;
    for (const warning of stack.warnings) await linesAbout(undefined)(`warning: ${warning}`);
}

/** Refuses every operation while the stack's aws:* configuration is invalid (named once, by key and rule). */
export function configured(): void {
    if (configurationProblem) throw new Error(configurationProblem);
}

/** aws:region from the stack configuration (undefined: the SDK's default), and why every operation is refused, if it is. */
export function stackConfiguration(): { region?: string; problem?: string } {
    return { region: configuredRegion, problem: configurationProblem };
}

/** The region: the ARN's when an ARN is given, else the declaration's aws.region, else aws:region from the stack (when the declaration has no aws setting), else the SDK's (AWS_REGION). */
function regionFor(secretId: string, aws?: AwsSetting): string | undefined {
    return regionOfSecretArn(secretId) ?? (aws ? aws.region : configuredRegion);
}

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<{ inputs: StoredInputs; failures: InputFailure[] }> {
    const { stagingLabels, [URN_INPUT]: urn, ...declared } = news;
    const secretId = typeof declared.secretId === "string" ? declared.secretId : "";
    // The resource's URN, for the lines about its secret (engine-log.ts); never stored.
    if (typeof urn === "string" && urn !== UNKNOWN && secretId !== "" && secretId !== UNKNOWN) rememberUrn(secretId, urn);
    // The Lambda must be in the secret's region: the same rule as for the calls, with the SDK's
    // default region (AWS_REGION) as the last resort.
    const result = validateInputs(declared, { region: regionFor(secretId) ?? process.env.AWS_REGION });
    const failures = [...result.failures];
    if (configurationProblem) failures.push({ property: "aws", reason: configurationProblem });
    if (stagingLabels !== undefined && stagingLabels !== HEALTHY) {
        failures.push({ property: "stagingLabels", reason: `is set by the provider and cannot be declared (got ${JSON.stringify(stagingLabels)})` });
    }
    // Ownership needs the declaration's identity, which SecretRotationState always sets.
    if (declared[OWNER_PROPERTY] === undefined) {
        failures.push({ property: OWNER_PROPERTY, reason: "is missing: it is set by SecretRotationState (pulumi-secret-rotation); declare rotation states through that class" });
    }
    return { inputs: { ...result.inputs, stagingLabels: HEALTHY }, failures };
}

export async function diff(
    _id: string,
    olds: Partial<RotationStateOutputs>,
    news: StoredInputs,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
    const otherSecret = news.secretId === UNKNOWN || !olds.arn || !sameSecret(news.secretId, { arn: olds.arn, name: olds.name ?? "" });
    const say = linesAbout(news.secretId);
    const replaces = otherSecret || (await regionMoved(news.secretId, news.aws, olds, say)) || (await accountMoved(news.secretId, news.aws, olds, say)) ? ["secretId"] : [];
    const changed = changedProperties(olds, news);
    // A new identity alone (stack or project renamed, secret-rotation:ownerNamespace set or
    // changed) is an update: it re-tags the secret from the recorded identity (ownership.ts), with
    // no other call. Without it the tag would keep naming an identity nothing declares any more.
    const recordedOwner = olds.declared?.owner;
    const renamed = recordedOwner !== undefined && typeof news.__owner === "string" && news.__owner !== UNKNOWN && news.__owner !== recordedOwner;
    if (renamed && replaces.length === 0) await say(`this declaration's identity is now ${news.__owner} (was ${recordedOwner}): up re-tags the secret, with no other call`);
    return { changes: replaces.length > 0 || changed.length > 0 || renamed, replaces, deleteBeforeReplace: false };
}

/**
 * A secret declared by name is the one of that name in the stack's region (aws:region, else the
 * SDK's). When that region is no longer the one the managed secret is in, the same name now means
 * another secret: a replacement, as for another secretId, said in a line (the engine shows only
 * "replace"). Reading the region makes no AWS call.
 */
async function regionMoved(secretId: string, aws: AwsSetting | undefined, olds: Partial<RotationStateOutputs>, say: Say): Promise<boolean> {
    if (regionOfSecretArn(secretId) || !olds.region || !olds.arn) return false;
    const region = await resolveRegion(aws ? aws.region : configuredRegion, aws).catch(() => undefined);
    if (region === undefined || region === olds.region) return false;
    await say(
        `${secretId} is declared by name and its region is now ${region} (aws:region, else the AWS SDK's default): ` +
            `it means the secret of that name in ${region}, no longer ${olds.arn}. ` +
            `The declaration is replaced: the secret in ${region} comes under management, and ${olds.arn} gets the old declaration's deletionPolicy`,
    );
    return true;
}

/**
 * The same for the account: a secret declared by name is the one of that name in the account the
 * declaration's credentials act in (its aws setting, else the stack's). When that is no longer the
 * managed secret's account, the name means another secret: a replacement, said in a line. Asks
 * STS GetCallerIdentity (no permission needed; once per setting per process); when it cannot be
 * asked, the update's account guard still refuses to act on the old secret.
 */
async function accountMoved(secretId: string, aws: AwsSetting | undefined, olds: Partial<RotationStateOutputs>, say: Say): Promise<boolean> {
    if (regionOfSecretArn(secretId) || !olds.arn || secretId === UNKNOWN || (aws !== undefined && JSON.stringify(aws).includes(UNKNOWN))) return false;
    const previous = accountOfArn(olds.arn);
    const connection = connectionFor(aws);
    const account = await connection.account().catch(() => undefined);
    if (account === undefined || previous === undefined || account === previous) return false;
    await say(
        `${secretId} is declared by name and ${connection.effective.source} now acts in account ${account}: ` +
            `it means the secret of that name in ${account}, no longer ${olds.arn} (account ${previous}). ` +
            `The declaration is replaced: the secret in ${account} comes under management, and ${olds.arn} gets the old declaration's deletionPolicy`,
    );
    return true;
}

export async function create(inputs: StoredInputs): Promise<{ id: string; outs: RotationStateOutputs }> {
    configured();
    const desired = desiredFrom(inputs);
    const gateway = new SecretsManagerGateway(regionFor(desired.secretId, inputs.aws), inputs.aws);
    const observation = await gateway.observe(desired.secretId);
    const plan = (seen: Observation, cancelledVersionId?: string) => planReconcile(desired, seen, { operation: "create", cancelledVersionId });
    const after = existing(await apply(gateway, plan, observation, linesAbout(inputs.secretId)));
    // Drawn once, here: a declaration made again for the same secret starts a new chain of rotate-now versions.
    const link = rotateNowLinkAfter(after.arn, desired, { operation: "create" }, randomUUID());
    return { id: after.arn, outs: outputsFrom(after, inputs, gateway.calls, lastDeclared(inputs, link)) };
}

export async function update(
    _id: string,
    olds: RotationStateOutputs,
    news: StoredInputs,
): Promise<{ outs: RotationStateOutputs }> {
    configured();
    const desired = desiredFrom(news);
    const gateway = new SecretsManagerGateway(regionFor(olds.arn, news.aws), news.aws);
    const observation = await gateway.observe(olds.arn);
    const plan = (seen: Observation, cancelledVersionId?: string) =>
        planReconcile(desired, seen, { operation: "update", previous: olds.declared, cancelledVersionId });
    const after = existing(await apply(gateway, plan, observation, linesAbout(news.secretId)));
    const link = rotateNowLinkAfter(after.arn, desired, { operation: "update", previous: olds.declared });
    return { outs: outputsFrom(after, news, gateway.calls, lastDeclared(news, link)) };
}

export async function read(
    id: string,
    props: RotationStateOutputs,
): Promise<{ id: string; props?: RotationStateOutputs; inputs?: StoredInputs }> {
    configured();
    const gateway = new SecretsManagerGateway(regionFor(id, props.aws), props.aws);
    const observation = await gateway.observe(id);
    if (!observation.found || observation.secret.deletedDate) {
        const why = observation.found ? `is scheduled for deletion on ${observation.secret.deletedDate}` : "no longer exists";
        await linesAbout(props.secretId)(`secret ${id} ${why}: its rotation state leaves the stack`);
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
        ...settingsAsDeclared(props),
        [OWNER_PROPERTY]: props.declared?.owner,
        stagingLabels: live.stagingLabels,
    });
    return { id, props: live, inputs };
}

export async function remove(id: string, props: RotationStateOutputs): Promise<void> {
    configured();
    const desired = desiredFrom(declarationFrom(props));
    const gateway = new SecretsManagerGateway(regionFor(id, props.aws), props.aws);
    const observation = await gateway.observe(id);
    const plan = (seen: Observation, cancelledVersionId?: string) => planDelete(desired, seen, { cancelledVersionId });
    await apply(gateway, plan, observation, linesAbout(props.secretId), /* observeAfter */ false);
}

/**
 * Runs a plan (or fails with its reason), saying each call and note (on the resource where the
 * engine lets it, engine-log.ts), and observes again if anything changed. Returns the secret as it is afterwards; undefined only for a secret that is gone, which
 * only a delete plan accepts (a reconcile plan refuses it).
 *
 * `planFor` makes the plan from an observation. It is asked again once, after a
 * CancelRotateSecret that names a cancelled version the plan did not expect (a rotation that
 * started after the observation): the partially created version must be handled, not left.
 */
export async function apply(
    gateway: SecretsManagerGateway,
    planFor: (observation: Observation, cancelledVersionId?: string) => Plan,
    observation: Observation,
    say: Say,
    observeAfter = true,
): Promise<ObservedSecret | undefined> {
    let plan = planFor(observation);
    const subject = plan.arn ?? (observation.found ? observation.secret.arn : observation.secretId);
    // Plan reasons never name the secret; every line names it once, here.
    const line = (text: string) => say(`secret ${subject}: ${text}`);
    if (plan.blocked) throw new Error(`secret ${subject}: ${plan.blocked.reason}`);
    for (const note of plan.notes) await line(note);
    if (!observation.found) return undefined;
    const arn = observation.secret.arn;
    let steps = plan.steps;
    let replanned = false;
    for (let index = 0; index < steps.length; index++) {
        const step = steps[index]!;
        await line(`${describeCall(step.call)} — ${step.why}`);
        const { cancelledVersionId } = await gateway.call(arn, step.call);
        if (replanned || !cancelledUnexpected(step, cancelledVersionId, steps.slice(index + 1), observation.secret)) continue;
        // Not the rotation observed: look again and plan the rest around the version it names.
        const seen = await gateway.observe(arn);
        if (!seen.found) throw new Error(`secret ${subject} disappeared while its rotation was being reconciled`);
        plan = planFor(seen, cancelledVersionId);
        if (plan.blocked) throw new Error(`secret ${subject}: ${plan.blocked.reason}`);
        for (const note of plan.notes) await line(note);
        steps = plan.steps;
        index = -1;
        replanned = true;
    }
    // Observing calls and a tag change nothing the outputs show: no second DescribeSecret for them.
    if (!observeAfter || gateway.calls.every((c) => UNSEEN_IN_OUTPUTS.includes(c))) return observation.secret;
    const after = await gateway.observe(arn);
    if (!after.found) throw new Error(`secret ${subject} disappeared while its rotation was being reconciled`);
    return after.secret;
}

const UNSEEN_IN_OUTPUTS = ["DescribeSecret", "ListSecretVersionIds", "TagResource", "UntagResource"];

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
