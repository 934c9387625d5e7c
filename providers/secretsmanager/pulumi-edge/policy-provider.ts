// Layer: the Pulumi edge, a thin adapter over the semantics and the AWS edge (.dependency-cruiser.cjs).
// The Pulumi adapter of a rotation policy (SecretRotationPolicy): check / diff / create / read /
// update / delete, each a thin translation to validate -> list (aws.ts: one ListSecrets page per
// 100 secrets, ListSecretVersionIds only for a pending version's age) -> plan (policy.ts, which runs
// every governed secret through plan.ts) -> for each secret with work, in a pool: DescribeSecret,
// its plan again from that (decideSecret), its calls (provider.ts's apply, the same as a single
// declaration's, under the same quota limiter) -> the outputs, planned from the same observations. Loaded at call time by the
// serialized shim (policy-shim.ts), like provider.ts.
import { SecretsManagerGateway } from "../aws-edge/aws";
import { confirm } from "../aws-edge/fleet";
import { AwsConnection, connectionFor } from "../aws-edge/aws-clients";
import { canonical, recordedAccountRefusal } from "../semantics/aws-settings";
import { linesAbout, rememberUrn, Say, URN_INPUT, urnKnown } from "./engine-log";
import { AwsSetting, InputFailure, Observation, ObservedSecret, UNKNOWN } from "../semantics/model";
import {
    listingFilters,
    heldBy,
    needsPendingAge,
    passedOverCounts,
    PassedOverReason,
    decideSecret,
    planGoverned,
    planPolicy,
    policyHistory,
    PolicyPlan,
    PolicySpec,
    planRelease,
    policyDeclarationOf,
    POLICY_PROPERTIES,
    SecretWork,
    planLetGo,
    RELEASE_FILTERS,
    RotationPolicyInputs,
    secretsToConfirm,
    validatePolicyInputs,
} from "../semantics/policy";
import { Plan } from "../semantics/plan";
import { apply, configure, configured, stackConfiguration } from "./provider";
import { stripUndefined } from "../semantics/state";

/** Inputs as stored: the declaration, plus the provider-owned drift (declared: none). */
export interface StoredPolicyInputs extends RotationPolicyInputs {
    /** Secret name → what is out of line since the last update, in words. Declared: `{}`; a refresh fills it. */
    drift: Record<string, string>;
}

/** The policy's outputs: the declaration as stored, and what the last operation found and did. */
export interface RotationPolicyOutputs extends StoredPolicyInputs {
    account: string;
    region: string;
    /** The names of the secrets the policy governs, as of the last create or update (sorted). */
    governed: string[];
    /** How many selected secrets were passed over, per reason. */
    passedOver: Record<PassedOverReason, number>;
    /** Secret name → why its reconciliation failed, when the last create or update failed for some. */
    failed?: Record<string, string>;
    /** The names of the secrets a declaration or another policy of this stack holds, for which this policy stands by (its destroy removes its standby tags). */
    standingBy?: string[];
    /** How many secrets the last listing returned. */
    secretsListed: number;
    /** Secrets Manager operation → calls, of the last operation. */
    apiCalls: Record<string, number>;
}

/** Lines said per operation before the rest are counted instead (the review lists every secret's calls). */
const LINE_LIMIT = 100;

const urnKey = (identity: string) => `policy ${identity}`;

export async function check(_olds: unknown, news: Record<string, unknown>): Promise<{ inputs: StoredPolicyInputs; failures: InputFailure[] }> {
    const { drift, [URN_INPUT]: urn, ...declared } = news;
    const identity = typeof declared.__owner === "string" ? declared.__owner : undefined;
    if (typeof urn === "string" && urn !== UNKNOWN && identity !== undefined && identity !== UNKNOWN) rememberUrn(urnKey(identity), urn);
    const aws = declared.aws as AwsSetting | undefined;
    const result = validatePolicyInputs(declared, { region: (aws ? aws.region : stackConfiguration().region) ?? process.env.AWS_REGION });
    const failures = [...result.failures];
    const problem = stackConfiguration().problem;
    if (problem) failures.push({ property: "aws", reason: problem });
    if (drift !== undefined && (typeof drift !== "object" || drift === null || Object.keys(drift).length > 0)) {
        failures.push({ property: "drift", reason: `is set by the provider and cannot be declared (got ${JSON.stringify(drift)})` });
    }
    return { inputs: { ...result.inputs, drift: {} }, failures };
}

/**
 * The declared properties, as a comparable text (defaults applied by check on both sides). Not the
 * health thresholds: they judge and change nothing in AWS, and the engine records new inputs on a
 * step without changes, where the review reads them.
 */
const declaredText = (from: Partial<RotationPolicyInputs>) =>
    canonical(Object.fromEntries(POLICY_PROPERTIES.filter((key) => key !== "healthThresholds").map((key) => [key, (from as Record<string, unknown>)[key] ?? null])));

export async function diff(
    _id: string,
    olds: Partial<RotationPolicyOutputs>,
    news: StoredPolicyInputs,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
    const key = typeof news.__owner === "string" ? urnKey(news.__owner) : undefined;
    const say = linesAbout(key);
    const replaces = (await placeMoved(news, olds, say)) ? ["aws"] : [];
    // Each half of a replacement acts in its own place (create-before-delete is safe: the old and
    // new places hold different secrets); the old half's delete can only release its place with
    // credentials that still reach it. Refused here, before any change, when they cannot.
    if (replaces.length > 0) await refuseUnreleasable(news, olds);
    const drift = Object.entries(olds.drift ?? {});
    const failed = Object.entries(olds.failed ?? {});
    // A new identity alone (stack or project renamed, secret-rotation:ownerNamespace set or changed)
    // is an update: it re-marks the secrets under the new identity (planPolicy's previousIdentity).
    const renamed = typeof olds.__owner === "string" && typeof news.__owner === "string" && news.__owner !== UNKNOWN && news.__owner !== olds.__owner;
    const changed = declaredText(olds) !== declaredText(news) || renamed;
    // What `up` will repair, secret by secret, on the resource (preview --refresh fills the drift).
    // Only once the program has declared the policy (check took its URN): the engine also diffs
    // right after a refresh, before the program runs, and those lines would land on the stack.
    if (key !== undefined && urnKnown(key)) {
        const limited = limitedSay(say, "(pulumi-secret-rotation review lists every secret)");
        for (const [name, why] of drift) await limited.say(`drift: secret ${name}: ${why}`);
        for (const [name, why] of failed) await limited.say(`failed at the last update, to be retried: secret ${name}: ${why}`);
        // A changed declaration (selector, exclusions, mode, schedule…): what the update will do to
        // each secret it lets go of, newly governs or reconfigures, planned as the update plans.
        if (changed && replaces.length === 0) {
            for (const [name, why] of Object.entries(await changeEffects(news, olds, limited.say))) {
                if (drift.every(([drifted]) => drifted !== name)) await limited.say(`change: secret ${name}: ${why}`);
            }
        }
        await limited.rest();
    }
    return { changes: replaces.length > 0 || changed || drift.length > 0 || failed.length > 0, replaces, deleteBeforeReplace: false };
}

/**
 * What an update to `news` will do, per secret (the plan's drift against the recorded `governed`:
 * released, newly governed, reconfigured), observed and planned as the update will: in the
 * recorded place, from DescribeSecret. Only for the preview's lines: a failure is said, not thrown.
 */
async function changeEffects(news: StoredPolicyInputs, olds: Partial<RotationPolicyOutputs>, say: Say): Promise<Record<string, string>> {
    if (!olds.account || !olds.region || JSON.stringify(news).includes(UNKNOWN)) return {};
    const { spec } = validatePolicyInputs(declaredOnly(news));
    if (!spec) return {};
    try {
        const place = await recordedPlace(news, olds, spec.identity);
        return (await observeAndPlan(spec, place, recordedBy(olds))).plan.drift;
    } catch (error) {
        await say(`the secrets this change affects could not be listed: ${(error as Error).message}`);
        return {};
    }
}

/**
 * A policy is for the secrets of one account and region: when its setting (or the stack's) now
 * points at another, the same declaration means other secrets — a replacement, said in a line; the
 * old place's secrets get the old declaration's deletionPolicy (remove acts in the recorded place).
 */
async function placeMoved(news: StoredPolicyInputs, olds: Partial<RotationPolicyOutputs>, say: Say): Promise<boolean> {
    if (!olds.region || !olds.account || JSON.stringify(news.aws ?? null).includes(UNKNOWN)) return false;
    const connection = connectionFor(news.aws);
    const region = await connection.region(news.aws ? news.aws.region : stackConfiguration().region).catch(() => undefined);
    const account = await connection.account().catch(() => undefined);
    if (region === undefined || account === undefined || (region === olds.region && account === olds.account)) return false;
    await say(`the policy now acts in account ${account}, region ${region} (was ${olds.account}, ${olds.region}): it is replaced; the old place's secrets get the old declaration's deletionPolicy`);
    return true;
}

/**
 * Throws when the old half of a change of place could not be released: its delete acts with the
 * old declaration's credentials (its aws setting, else the stack's), and those reach another
 * account than the one recorded. Nothing has changed yet; the error says how to move the policy.
 */
async function refuseUnreleasable(news: StoredPolicyInputs, olds: Partial<RotationPolicyOutputs>): Promise<void> {
    if (!olds.account || !olds.region) return;
    const old = connectionFor(olds.aws);
    const account = await old.account().catch(() => undefined);
    if (account === undefined) return; // the delete's own guard still refuses
    const refusal = recordedAccountRefusal(account, { account: olds.account, region: olds.region }, `rotation policy ${news.__owner}`, old.effective);
    if (refusal) {
        throw new Error(
            `${refusal}. The policy now points at other secrets, a replacement whose old half must first release account ${olds.account}: ` +
                `to move it, keep ${old.effective.source} on account ${olds.account} and give the policy an aws setting of its own for the new place, or remove the policy before pointing the credentials elsewhere`,
        );
    }
}

function specOf(declared: Partial<RotationPolicyInputs>): PolicySpec {
    const { spec, failures } = validatePolicyInputs(declaredOnly(declared));
    if (!spec) {
        throw new Error(`invalid rotation policy declaration: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ") || "values are still unknown"}`);
    }
    return spec;
}

/** The declaration kept in outputs and inputs (without the provider-owned and recorded properties). */
const declaredOnly = (from: Partial<RotationPolicyInputs>) => policyDeclarationOf(from) as unknown as RotationPolicyInputs;

/** Where an operation acts: the connection (the policy's aws setting, else the stack's), the account it reaches, the region. */
interface Place {
    connection: AwsConnection;
    region: string;
    account: string;
}

/** Where the configuration points now (the policy's aws setting, else the stack's aws:*, else the SDK's defaults): create acts there. */
async function currentPlace(declared: Partial<RotationPolicyInputs>): Promise<Place> {
    configured();
    const connection = connectionFor(declared.aws);
    const region = await connection.region(declared.aws ? declared.aws.region : stackConfiguration().region);
    return { connection, region, account: await connection.account() };
}

/**
 * Where a policy that exists acts: the account and region it recorded (its outputs), whatever
 * aws:region, AWS_REGION or a profile say now — read, update and delete act there, so a refresh
 * never rewrites the place and a destroy from another shell releases the right secrets — and only
 * with credentials (`declared.aws`, else the stack's) that reach the recorded account
 * (recordedAccountRefusal, before any Secrets Manager call). A change of place is a replacement
 * (diff), not an update.
 */
async function recordedPlace(declared: Partial<RotationPolicyInputs>, recorded: Partial<RotationPolicyOutputs>, identity: string): Promise<Place> {
    if (!recorded.account || !recorded.region) return currentPlace(declared);
    configured();
    const connection = connectionFor(declared.aws);
    const account = await connection.account();
    const refusal = recordedAccountRefusal(account, { account: recorded.account, region: recorded.region }, `rotation policy ${identity}`, connection.effective);
    if (refusal) throw new Error(refusal);
    return { connection, region: recorded.region, account };
}

interface Listing {
    secrets: ObservedSecret[];
    calls: string[];
}

async function list(spec: PolicySpec, place: { connection: AwsConnection; region: string }, filters: { Key: "name" | "tag-key"; Values: string[] }[] | undefined): Promise<Listing> {
    const gateway = new SecretsManagerGateway(place.region, place.connection);
    const secrets = await gateway.listSecrets(undefined, { ...(filters ? { filters } : {}), datePending: (secret) => needsPendingAge(spec, secret) });
    return { secrets, calls: gateway.calls };
}

/** What the last create or update recorded, which the next plan starts from (none for a create). */
interface Recorded {
    governed?: string[];
    /** The selector it listed with (the listing filter holds only while it is unchanged). */
    selector?: RotationPolicyInputs["selector"];
    /** The identity it recorded: marks under it are this policy's (a renamed stack or project). */
    identity?: string;
}

/** The listing, and the secrets to describe before any call (secretsToConfirm over the listing's plan). */
async function listAndChoose(spec: PolicySpec, place: Place, recorded: Recorded | undefined): Promise<{ listing: Listing; toDescribe: Set<string>; planOf: (secrets: ObservedSecret[]) => PolicyPlan }> {
    const listing = await list(spec, place, listingFilters(spec.selector, recorded?.selector));
    const planOf = (secrets: ObservedSecret[]) => planPolicy(spec, secrets, recorded?.governed, recorded?.identity);
    return { listing, toDescribe: secretsToConfirm(planOf(listing.secrets), listing.secrets, recorded?.governed), planOf };
}

/**
 * List, describe what the listing says the policy would act on (confirm: the listing selects,
 * DescribeSecret decides), and plan from that — as refresh and the preview's lines do, and as
 * create and update do secret by secret (reconcile), so they agree.
 */
async function observeAndPlan(spec: PolicySpec, place: Place, recorded: Recorded | undefined): Promise<{ listed: number; calls: string[]; plan: PolicyPlan }> {
    const { listing, toDescribe, planOf } = await listAndChoose(spec, place, recorded);
    const confirmed = await confirm(place, listing.secrets, toDescribe);
    return { listed: listing.secrets.length, calls: [...listing.calls, ...confirmed.calls], plan: planOf(confirmed.secrets) };
}

const recordedBy = (outs: Partial<RotationPolicyOutputs>): Recorded => ({
    governed: outs.governed ?? [],
    ...(outs.selector ? { selector: outs.selector } : {}),
    ...(typeof outs.__owner === "string" ? { identity: outs.__owner } : {}),
});

function countCalls(calls: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const call of calls) counts[call] = (counts[call] ?? 0) + 1;
    return counts;
}

/**
 * A Say that lets LINE_LIMIT lines through and counts the rest; `rest()` says how many were held
 * back, as `… and N more lines <about>`.
 */
function limitedSay(say: Say, about: string): { say: Say; rest: () => Promise<void> } {
    let said = 0;
    let held = 0;
    return {
        say: async (line) => {
            if (said < LINE_LIMIT) {
                said++;
                await say(line);
            } else held++;
        },
        rest: async () => {
            if (held > 0) await say(`… and ${held} more lines ${about}`);
        },
    };
}

const ABOUT_CALLS = "about the calls made (pulumi-secret-rotation review lists every secret's calls)";

/**
 * Runs one secret's plan with the single declaration's executor (provider.ts's apply: one call per
 * step, a second plan after a CancelRotateSecret that names an unexpected version), every call
 * under the quota limiter of the account and region. A re-plan decides as the first plan did.
 */
async function applyWork(spec: PolicySpec, item: SecretWork, secret: ObservedSecret, governedBefore: boolean, gateway: SecretsManagerGateway, say: Say): Promise<void> {
    const planFor = (seen: Observation, cancelledVersionId?: string): Plan => {
        if (!seen.found) return { steps: [], blocked: { reason: `secret ${item.name} no longer exists` }, notes: [] };
        return item.kind === "governed"
            ? planGoverned(spec, seen.secret, governedBefore, cancelledVersionId)
            : (planLetGo(spec, seen.secret, item.standsBy === true, cancelledVersionId) ?? { arn: seen.secret.arn, steps: [], notes: [] });
    };
    await apply(gateway, planFor, { found: true, secret }, say, /* observeAfter */ false);
}

/** Secret name → why its reconciliation failed, in words (the secret is named where it is shown). */
function failuresOf(failed: ReadonlyMap<string, Error>): Record<string, string> {
    return Object.fromEntries([...failed].map(([name, error]) => [name, error.message.replace(/^secret \S+: /, "")]));
}

/** The error of an operation that failed for some secrets, with the outputs to record (the engine keeps them). */
function partialFailure(id: string, outs: RotationPolicyOutputs, failed: Record<string, string>, attempted: number): Error {
    const names = Object.keys(failed).sort();
    const message =
        `rotation policy ${outs.__owner}: ${names.length} of ${attempted} secret(s) failed; the others were reconciled (run up again to retry):\n` +
        names.map((name) => `  secret ${name}: ${failed[name]}`).join("\n");
    return Object.assign(new Error(message), { id, properties: outs, reasons: names.map((name) => `secret ${name}: ${failed[name]}`) });
}

function outputsOf(
    declared: RotationPolicyInputs,
    place: { account: string; region: string },
    plan: PolicyPlan,
    listed: number,
    calls: string[],
    recordedGoverned: string[],
    drift: Record<string, string>,
    failed?: Record<string, string>,
): RotationPolicyOutputs {
    return stripUndefined({
        ...declaredOnly(declared),
        drift,
        account: place.account,
        region: place.region,
        governed: recordedGoverned,
        ...(plan.standingBy.length > 0 ? { standingBy: plan.standingBy } : {}),
        passedOver: passedOverCounts(plan),
        ...(failed && Object.keys(failed).length > 0 ? { failed } : {}),
        secretsListed: listed,
        apiCalls: countCalls(calls),
    });
}

/** create and update: list, plan, execute, record. */
async function reconcile(id: string | undefined, declared: StoredPolicyInputs, previous?: RotationPolicyOutputs): Promise<{ id: string; outs: RotationPolicyOutputs }> {
    const spec = specOf(declared);
    // An update acts where the policy recorded (the diff replaced it if the place moved).
    const place = previous ? await recordedPlace(declared, previous, spec.identity) : await currentPlace(declared);
    const base = linesAbout(urnKey(spec.identity));
    const { say, rest } = limitedSay(base, ABOUT_CALLS);
    const recorded = previous ? recordedBy(previous) : undefined;
    const { listing, toDescribe, planOf } = await listAndChoose(spec, place, recorded);
    // Each secret the listing says has work is described and, right after, acted on by what
    // DescribeSecret says, decided by the function planPolicy runs for every secret (decideSecret):
    // the describes overlap the quota limiter's waits. A kill between a describe and its calls
    // leaves nothing new: the next up describes again (and the mark is a plan's first call).
    const history = policyHistory(spec, recorded?.governed, recorded?.identity);
    const confirmed = await confirm(place, listing.secrets, toDescribe, async (_name, secret, gateway) => {
        if (secret === undefined) return;
        const { work } = decideSecret(spec, secret, history);
        if (work) await applyWork(spec, work, secret, history.governed?.has(secret.name) === true, gateway, say);
    });
    await rest();
    // The outputs from the same observations, planned whole: the work in this plan is what was done.
    const plan = planOf(confirmed.secrets);
    const listed = listing.secrets.length;
    const failed = failuresOf(confirmed.failed);
    const calls = [...listing.calls, ...confirmed.calls, ...confirmed.thenCalls];
    // A secret whose reconciliation failed is not recorded as governed: the next up treats it as
    // it did this time (a first turn-on still rotates now when rotateImmediately says so).
    const governed = plan.governed.filter((name) => failed[name] === undefined);
    const passed = passedOverCounts(plan);
    await base(
        `governs ${plan.governed.length} secret(s) of ${listed} listed in ${place.account}/${place.region}; ` +
            `passed over: ${Object.entries(passed).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`).join(", ") || "none"}; ` +
            `${confirmed.thenCalls.length} call(s) on ${plan.work.length} secret(s)` +
            (plan.takenOver.length > 0 ? `; took over ${plan.takenOver.length} (takeOverFrom): ${[...new Set(plan.takenOver.map((t) => t.from))].slice(0, 10).join(", ")}` : ""),
    );
    const resourceId = id ?? spec.identity;
    const outs = outputsOf(declared, place, plan, listed, calls, governed, {}, failed);
    if (Object.keys(failed).length > 0) throw partialFailure(resourceId, outs, failed, plan.work.length);
    return { id: resourceId, outs };
}

export async function create(inputs: StoredPolicyInputs): Promise<{ id: string; outs: RotationPolicyOutputs }> {
    return reconcile(undefined, inputs);
}

export async function update(id: string, olds: RotationPolicyOutputs, news: StoredPolicyInputs): Promise<{ outs: RotationPolicyOutputs }> {
    return { outs: (await reconcile(id, news, olds)).outs };
}

/**
 * Refresh: the live state of every selected secret, judged against the policy: `drift` names each
 * secret out of line (what `up` will do), newly governed or no longer governed. The record of the
 * last update (`governed`) is kept, so the drift stays until an update.
 */
export async function read(id: string, props: RotationPolicyOutputs): Promise<{ id: string; props: RotationPolicyOutputs; inputs: StoredPolicyInputs }> {
    const spec = specOf(props);
    const place = await recordedPlace(props, props, spec.identity);
    const { listed, calls, plan } = await observeAndPlan(spec, place, { governed: props.governed ?? [], selector: spec.selector });
    const live = outputsOf(props, place, plan, listed, calls, props.governed ?? [], plan.drift, props.failed);
    return { id, props: live, inputs: { ...declaredOnly(props), drift: plan.drift } };
}

/**
 * Destroy: the secrets this policy marked (a tag-key filter on the listing), each per
 * deletionPolicy — cancel turns off the rotation the policy turned on — and its marks released.
 * A secret it governed but did not turn on keeps its rotation; a secret it never acted on carries
 * no mark and is not touched.
 */
export async function remove(_id: string, props: RotationPolicyOutputs): Promise<void> {
    const spec = specOf(props);
    const place = await recordedPlace(props, props, spec.identity);
    const listing = await list(spec, place, RELEASE_FILTERS);
    // The listing may not show marks set minutes ago (see confirm): every secret it shows marked,
    // and every secret the state records as governed, is described, and released right after by
    // what that says.
    const held = (secret: ObservedSecret) => heldBy(spec, secret);
    const listedMarks = listing.secrets.filter(held);
    const base = linesAbout(urnKey(spec.identity));
    const { say, rest } = limitedSay(base, ABOUT_CALLS);
    const marked: string[] = [];
    const confirmed = await confirm(place, listedMarks, new Set([...listedMarks.map((s) => s.name), ...(props.governed ?? []), ...(props.standingBy ?? [])]), async (name, secret, gateway) => {
        if (secret === undefined || !held(secret)) return;
        marked.push(name);
        const release: SecretWork = { name, arn: secret.arn, kind: "release", newlyGoverned: false, plan: planRelease(spec, secret) };
        await applyWork(spec, release, secret, false, gateway, say);
    });
    await rest();
    const cancels = confirmed.thenCalls.filter((call) => call === "CancelRotateSecret").length;
    await base(
        `released the marks on ${marked.length} secret(s) this policy had acted on, with CancelRotateSecret on ${cancels} whose rotation it had turned on (deletionPolicy ${spec.settings.deletionPolicy}); no other secret was touched`,
    );
    const failed = failuresOf(confirmed.failed);
    const failedNames = Object.keys(failed).sort();
    if (failedNames.length > 0) {
        throw new Error(
            `rotation policy ${spec.identity}: ${failedNames.length} of ${new Set([...marked, ...failedNames]).size} secret(s) could not be released (run destroy again to retry):\n` +
                failedNames.map((name) => `  secret ${name}: ${failed[name]}`).join("\n"),
        );
    }
}

/** The policy provider's methods, by the names Pulumi calls them; policy-shim.ts dispatches here. */
export const handlers = { configure, check, diff, create, read, update, delete: remove };
