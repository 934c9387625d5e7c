// The review: per declared secret, one observation (SecretsManagerGateway.observe: one
// DescribeSecret, plus ListSecretVersionIds only for a pending version of its own), then the very
// plan `up` would run (plan.ts), the drift since the last `up` or refresh, and the health
// findings (health.ts). Nothing here decides rotation semantics: it only asks plan.ts and health.ts.
import { REVIEW_POLICY, SecretsManagerGateway } from "../../providers/secretsmanager/aws-edge/aws";
import { confirm } from "../../providers/secretsmanager/aws-edge/fleet";
import { AwsConnection, connectionFor } from "../../providers/secretsmanager/aws-edge/aws-clients";
import { recordedAccountRefusal } from "../../providers/secretsmanager/semantics/aws-settings";
import { assessHealth, effectiveThresholds, HealthThresholds, healthFactsFromObservation, reportedThresholds } from "../../providers/secretsmanager/semantics/health";
import { parseDurationMs, regionOfSecretArn, sameSecret, secretNameFromArn, validateHealthThresholds, validateInputs } from "../../providers/secretsmanager/semantics/inputs";
import {
    AWSCURRENT,
    AWSPENDING,
    AWSPREVIOUS,
    AwsSetting,
    DEFAULT_PENDING_GRACE_PERIOD,
    DeclaredThresholds,
    DesiredState,
    Observation,
    Schedule,
    ObservedSecret,
    QUARANTINE_LABEL_PREFIX,
    SUPERSEDED_LABEL_PREFIX,
} from "../../providers/secretsmanager/semantics/model";
import { ownerTagSetBy, stackOf } from "../../providers/secretsmanager/semantics/ownership";
import { describeCall, Plan, planDelete, planReconcile } from "../../providers/secretsmanager/semantics/plan";
import {
    desiredFor,
    listingFilters,
    heldBy,
    needsPendingAge,
    outOfLine,
    policyDeclarationOf,
    POLICY_TAG_KEY,
    policyMarkSetBy,
    Selector,
    passedOverCounts,
    planPolicy,
    planRelease,
    RELEASE_FILTERS,
    secretsToConfirm,
    validatePolicyInputs,
} from "../../providers/secretsmanager/semantics/policy";
import {
    declarationFrom,
    desiredFrom,
    driftBetween,
    LastDeclared,
    observedPropertiesOf,
    RotationStateOutputs,
    stripUndefined,
    toScheduleInput,
} from "../../providers/secretsmanager/semantics/state";
import {
    DriftEntry,
    exitCodeFor,
    FindingEntry,
    InventoryEntry,
    LabelEntry,
    LiveState,
    PolicyReview,
    REPORT_SCHEMA_VERSION,
    ReportedThresholds,
    ReviewReport,
    SecretReview,
    StackReview,
} from "./report";
import { orphansOf } from "./orphans";
import { AwsRotationResource, StackResource, StackSnapshot } from "./stack";

export interface ReviewOptions {
    /** The run's thresholds (the report's top-level ones): for a secret whose stack, declaration, policy or policy's schedule sets none. */
    thresholds: HealthThresholds;
    /** Given explicitly (the command's flags): over every other source, for this run (docs/health-thresholds.md). */
    explicitThresholds?: Partial<HealthThresholds>;
    /** How many secrets are observed at once. DescribeSecret's quota is 10,000 requests/s per region. */
    concurrency: number;
    /** `--all`: also list the region's secrets (ListSecrets) and report those no stack declares. */
    inventoryRegion?: string | true;
    /** Called after each secret is reviewed, with (done, total). */
    onProgress?: (done: number, total: number) => void;
    now?: () => Date;
}

const DEFAULT_GRACE_MS = parseDurationMs(DEFAULT_PENDING_GRACE_PERIOD)!;
const REPAIRED_ONLY_WITH_REFRESH =
    "plain `pulumi up` makes none of these calls (it compares the declaration with the recorded state, which does not show this drift); `pulumi up --refresh` makes them";

/** The thresholds a secret is judged by (health.ts effectiveThresholds), and what the report says of them. */
interface Judging {
    /** The run's thresholds, the report's top-level ones: the flags given, else the run's defaults. */
    top: ReportedThresholds;
    of(declared: DeclaredThresholds | undefined, governingSchedule?: Schedule): { thresholds: HealthThresholds; reported?: ReportedThresholds };
}

function judgingFor(options: ReviewOptions): Judging {
    const topThresholds = reportedThresholds(effectiveThresholds({ explicit: options.explicitThresholds, defaults: options.thresholds }));
    const top = JSON.stringify(topThresholds);
    return {
        top: topThresholds,
        of(declared, governingSchedule) {
            const thresholds = effectiveThresholds({ explicit: options.explicitThresholds, declared, defaults: options.thresholds, ...(governingSchedule ? { governingSchedule } : {}) });
            const reported = reportedThresholds(thresholds);
            // Only where they differ from the top-level ones: a report of a stack without any stays as it was.
            return JSON.stringify(reported) === top ? { thresholds } : { thresholds, reported };
        },
    };
}

/**
 * The stack-wide thresholds of the reviewed stacks, when every one of them judges alike (compared
 * as the thresholds they make, so key order or a value equal to the default does not count as a
 * difference); undefined otherwise: an undeclared secret belongs to no stack, and which stack's to
 * take would be a guess (docs/health-thresholds.md).
 */
export function agreedStackThresholds(snapshots: StackSnapshot[]): DeclaredThresholds | undefined {
    const made = (declared: DeclaredThresholds | undefined) => JSON.stringify(effectiveThresholds({ declared }));
    const distinct = new Set(snapshots.map((s) => made(s.healthThresholds)));
    return distinct.size === 1 ? snapshots[0]?.healthThresholds : undefined;
}

/** The thresholds recorded in a declaration's or policy's inputs; invalid ones are none (the declaration's error reports them). */
function declaredThresholdsOf(source: Record<string, unknown> | undefined): DeclaredThresholds | undefined {
    const value = source?.healthThresholds;
    return value !== undefined && validateHealthThresholds(value, "healthThresholds").length === 0 ? (value as DeclaredThresholds) : undefined;
}

export async function review(snapshots: StackSnapshot[], options: ReviewOptions): Promise<ReviewReport> {
    const now = options.now ?? (() => new Date());
    const judging = judgingFor(options);
    const jobs = snapshots.flatMap((snapshot) => snapshot.resources.map((resource) => ({ snapshot, resource })));
    let done = 0;
    // Every account the stacks reach: each stack's own setting, and each declaration's (for --all).
    const reached = new Map<string, AwsConnection>();
    const reach = (connection: AwsConnection) => reached.set(connection.effective.key, connection);
    for (const snapshot of snapshots) reach(connectionFor(undefined, snapshot.aws ?? { setting: {} }));
    // As in `up`, deletes come last: a create of the same stack that claims a secret (a renamed or
    // moved declaration) has re-tagged it by the time the old declaration's delete observes it.
    const claims: Claims = new Map();
    const reviews = new Array<SecretReview>(jobs.length);
    const order = jobs.map((job, index) => ({ ...job, index }));
    for (const phase of [order.filter((j) => j.resource.step !== "delete"), order.filter((j) => j.resource.step === "delete")]) {
        await mapConcurrently(phase, options.concurrency, async ({ snapshot, resource, index }) => {
            reviews[index] = await reviewResource(resource, snapshot, judging, now, claims, reach);
            options.onProgress?.(++done, jobs.length);
        });
    }
    const stacks: StackReview[] = snapshots.map((snapshot) => ({
        stack: snapshot.stack,
        secrets: reviews.filter((_, i) => jobs[i]!.snapshot === snapshot),
    }));
    // Rotation policies, as `up` runs them: after the stack's single declarations have claimed
    // their secrets (the stack program makes each policy depend on them), each policy's listing
    // and the very plans `up` makes (policy.ts over plan.ts).
    const governedArns = new Set<string>();
    // Per stack and secret ARN: the governs mark an earlier policy of the same up puts on it.
    const policyMarks = new Map<string, string>();
    let policySecrets = 0;
    let policyErrors = 0;
    for (const [index, snapshot] of snapshots.entries()) {
        for (const resource of snapshot.policies ?? []) {
            const reviewed = await reviewPolicy(resource, snapshot, judging, now, claims, policyMarks, reach);
            (stacks[index]!.policies ??= []).push(reviewed.summary);
            stacks[index]!.secrets.push(...reviewed.secrets);
            for (const arn of reviewed.governedArns) governedArns.add(arn);
            policySecrets += reviewed.summary.inLine;
            if (reviewed.summary.error !== undefined) policyErrors++;
        }
    }

    for (const [index, snapshot] of snapshots.entries()) {
        for (const secret of stacks[index]!.secrets) {
            if (secret.policy !== undefined) continue;
            for (const other of snapshot.awsRotations ?? []) {
                const finding = declaredTwice(secret, other);
                if (finding) secret.findings.push(finding);
            }
        }
    }

    let inventory: ReviewReport["inventory"];
    if (options.inventoryRegion !== undefined) {
        const region = options.inventoryRegion === true ? snapshots.find((s) => s.region)?.region : options.inventoryRegion;
        // One listing per account the stacks reach, with the credentials `up` would use there.
        const listings: { account: string; region: string; listed: ObservedSecret[] }[] = [];
        const seenAccounts = new Set<string>();
        for (const connection of reached.values()) {
            const gateway = new SecretsManagerGateway(region ?? connection.setting.region, connection, undefined, REVIEW_POLICY);
            const account = await connection.account();
            const listRegion = await gateway.resolvedRegion();
            if (seenAccounts.has(`${account}/${listRegion}`)) continue;
            seenAccounts.add(`${account}/${listRegion}`);
            listings.push({ account, region: listRegion, listed: await gateway.listSecrets() });
        }
        const listed = listings.flatMap((l) => l.listed);
        const declared = new Set([...reviews.flatMap((r) => [r.live.arn, r.secretId]), ...governedArns].filter((a): a is string => a !== undefined));
        // No declaration: the reviewed stacks' stack-wide thresholds when they all say the same
        // (the flags given still win), else the run's.
        const judged = judging.of(agreedStackThresholds(snapshots));
        const undeclared = listed
            .filter((secret) => !declared.has(secret.arn))
            .map((secret): InventoryEntry => ({
                arn: secret.arn,
                name: secret.name,
                live: liveOf({ found: true, secret }),
                labels: labelsOf(secret),
                findings: assessHealth(healthFactsFromObservation({ found: true, secret }, DEFAULT_GRACE_MS), {
                    now: now().toISOString(),
                    thresholds: judged.thresholds,
                    rotationExpected: true,
                }),
                ...(judged.reported ? { thresholds: judged.reported } : {}),
            }));
        // Our tags on those secrets that name a reviewed stack but none of its resources.
        const prefixes = snapshots.map(identityPrefixOf);
        for (const [index, snapshot] of snapshots.entries()) stacks[index]!.orphans = orphansOf(prefixes[index]!, identitiesOf(snapshot), listed, prefixes);
        inventory = {
            region: listings[0]?.region ?? region ?? "",
            secretsListed: listed.length,
            undeclared,
            accounts: listings.map(({ account, region: listedRegion, listed: secrets }) => ({ account, region: listedRegion, secretsListed: secrets.length })),
        };
    }

    const all = stacks.flatMap((s) => s.secrets);
    const summary = {
        // The secrets a policy governs that are in line are counted here, not listed.
        secrets: all.length + policySecrets,
        plannedCalls: all.reduce((n, s) => n + s.plan.calls.length, 0),
        drifted: all.filter((s) => s.drift.length > 0).length,
        findings: all.reduce((n, s) => n + s.findings.length, 0) + (inventory?.undeclared.reduce((n, s) => n + s.findings.length, 0) ?? 0),
        errors: all.filter((s) => s.error !== undefined).length + policyErrors,
        undeclared: inventory?.undeclared.length ?? 0,
    };
    return {
        schemaVersion: REPORT_SCHEMA_VERSION,
        generatedAt: now().toISOString(),
        thresholds: judging.top,
        stacks,
        ...(inventory ? { inventory } : {}),
        summary,
        exitCode: exitCodeFor(summary),
    };
}

/** Every identity the stack's resources hold: declared now (the preview's inputs) or recorded (outputs, the last declared owner). */
function identitiesOf(snapshot: StackSnapshot): Set<string> {
    const identities = new Set<string>();
    for (const resource of [...snapshot.resources, ...(snapshot.policies ?? [])]) {
        const outputs = resource.recorded?.outputs as { __owner?: unknown; declared?: { owner?: unknown } } | undefined;
        for (const value of [resource.inputs?.__owner, outputs?.__owner, outputs?.declared?.owner]) if (typeof value === "string") identities.add(value);
    }
    return identities;
}

/** The stack's identity prefix: its resources' (as the program computed them), else as the stack's configuration and name say. */
function identityPrefixOf(snapshot: StackSnapshot): string {
    const declared = [...snapshot.resources, ...(snapshot.policies ?? [])].map((r) => r.inputs?.__owner).find((v): v is string => typeof v === "string");
    return declared !== undefined ? stackOf(declared) : snapshot.identityPrefix;
}

/**
 * A secret this stack declares that an aws.secretsmanager.SecretRotation of the same stack also
 * manages: with different settings each `up --refresh` undoes the other's; and the day it is
 * removed, its delete calls CancelRotateSecret (terraform-provider-aws secret_rotation.go, delete)
 * and rotation is off until the next refreshed up. Retained on delete and being removed, it is
 * the migration's last step (docs/migration.md): no finding.
 */
export function declaredTwice(secret: SecretReview, other: AwsRotationResource): FindingEntry | undefined {
    if (secret.step === "delete") return undefined;
    const arn = secret.live.arn;
    const same = other.secretId === secret.secretId || (arn !== undefined && sameSecret(other.secretId, { arn, name: secretNameFromArn(arn) }));
    if (!same || (other.step === "delete" && other.retainOnDelete)) return undefined;
    const retire = `set retainOnDelete: true on it and run \`pulumi up\` (no AWS call), or \`pulumi state delete '${other.urn}'\`; then remove it from the program (docs/migration.md)`;
    const message =
        other.step === "delete"
            ? `aws.secretsmanager.SecretRotation ${other.urn} also manages this secret's rotation, and \`pulumi up\` deletes it: its delete calls CancelRotateSecret and turns rotation off. Instead, ${retire}`
            : `aws.secretsmanager.SecretRotation ${other.urn} also manages this secret's rotation in this stack: with different settings each refreshed \`pulumi up\` undoes the other's change, and its delete turns rotation off. Keep one: to move it here with no gap, ${retire}`;
    return { code: "rotation-declared-twice", message };
}

/** Per stack and secret ARN: the owner tag a create or update of that stack's `up` writes, and who writes it. */
type Claims = Map<string, { value: string; by: string }>;
const claimKey = (snapshot: StackSnapshot, arn: string) => `${snapshot.stack}\n${arn}`;

async function reviewResource(
    resource: StackResource,
    snapshot: StackSnapshot,
    judging: Judging,
    now: () => Date,
    claims: Claims,
    reach: (connection: AwsConnection) => void,
): Promise<SecretReview> {
    // As the preview's warnings judge it (src/resource.ts): the thresholds recorded in its inputs.
    const { thresholds, reported } = judging.of(declaredThresholdsOf(resource.inputs));
    const recorded = resource.recorded?.outputs as Partial<RotationStateOutputs> | undefined;
    const declaredSecretId = typeof resource.inputs?.secretId === "string" ? resource.inputs.secretId : undefined;
    const secretId = declaredSecretId ?? recorded?.secretId ?? resource.recorded?.id ?? "";
    // The secret `up` acts on: the recorded one for an existing resource (update uses its ARN),
    // the declared one for a resource to create or replace.
    const target = resource.step === "create" || resource.step === "replace" || !resource.recorded ? secretId : resource.recorded.id;
    // The credentials `up` uses for this declaration: its aws setting (declared now, else as
    // recorded), else the stack's aws:* configuration — and the region as the provider picks it.
    const declaredAws = (resource.inputs?.aws ?? (resource.recorded?.outputs as { aws?: unknown } | undefined)?.aws) as AwsSetting | undefined;
    const region = regionOfSecretArn(target) ?? (declaredAws ? declaredAws.region : snapshot.region);
    const base: SecretReview = {
        resource: resource.name,
        urn: resource.urn,
        secretId,
        ...(region ? { region } : {}),
        step: resource.step,
        declared: resource.inputs ? declaredConfig(resource.inputs) : null,
        live: { exists: false, enabled: false },
        labels: [],
        plan: { calls: [], notes: [] },
        drift: [],
        findings: [],
        ...(reported ? { thresholds: reported } : {}),
    };
    try {
        let desired: DesiredState | undefined;
        if (resource.inputs) {
            const { stagingLabels: _providerOwned, ...declared } = resource.inputs;
            const validated = validateInputs(declared, { region });
            if (validated.failures.length > 0) {
                const problems = validated.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
                return { ...base, error: `the declaration is invalid: ${problems}` };
            }
            if (!validated.desired) {
                // E.g. the ARN of a secret the same up creates: the plan is only decided during up.
                return { ...base, plan: { calls: [], notes: ["some declared values are only known during up (e.g. a secret created by the same up): its calls are decided then"] } };
            }
            desired = validated.desired;
        }
        const connection = connectionFor(declaredAws, snapshot.aws ?? { setting: {} });
        reach(connection);
        const gateway = new SecretsManagerGateway(region, connection, undefined, REVIEW_POLICY);
        const observation = await gateway.observe(target);
        const claimed = observation.found && resource.step === "delete" ? claims.get(claimKey(snapshot, observation.secret.arn)) : undefined;
        // What the delete will observe; everything else reports the secret as it is now.
        const planned: Observation = claimed && observation.found ? { ...observation, secret: { ...observation.secret, ownerTag: claimed.value } } : observation;
        const graceMs = desired?.pendingGracePeriodMs ?? parseDurationMs(recorded?.pendingGracePeriod ?? "") ?? DEFAULT_GRACE_MS;
        const plan = planFor(resource, desired, planned, recorded);
        const calls = plan.blocked ? [] : plan.steps.map((s) => ({ api: s.call.api, call: describeCall(s.call), why: s.why }));
        const claim = plan.blocked ? undefined : ownerTagSetBy(plan.steps);
        if (claim !== undefined && observation.found) claims.set(claimKey(snapshot, observation.secret.arn), { value: claim, by: resource.name });
        const notes = [...plan.notes];
        if (claimed) notes.push(`the owner tag is judged as ${claimed.by}'s create or update leaves it earlier in the same up`);
        if (resource.step === "same" && calls.length > 0) notes.push(REPAIRED_ONLY_WITH_REFRESH);
        if (resource.step === "replace" && recorded?.arn) notes.push(`replaces the declaration of ${recorded.arn}, whose destroy then runs its deletionPolicy`);
        return {
            ...base,
            live: liveOf(observation),
            labels: observation.found ? labelsOf(observation.secret) : [],
            plan: { calls, ...(plan.blocked ? { blocked: plan.blocked.reason } : {}), notes },
            drift:
                recorded && resource.step !== "create" && resource.step !== "replace"
                    ? // Drift as `preview --refresh` judges it: against the declaration in the program when there is one.
                      driftOf(recorded, resource.inputs ?? recorded.declared ?? { enabled: recorded.enabled }, observation, graceMs)
                    : [],
            findings: assessHealth(healthFactsFromObservation(observation, graceMs), {
                now: now().toISOString(),
                thresholds,
                rotationExpected: resource.step !== "delete" && (desired?.enabled ?? true),
            }),
        };
    } catch (error) {
        return { ...base, error: (error as Error).message };
    }
}

/** A policy's declaration as stored or previewed: without the provider-owned drift and the serialized provider. */
/**
 * One rotation policy: its listing (one ListSecrets page per 100 secrets, ListSecretVersionIds only
 * for the pending versions of secrets it acts on), then exactly what `up` plans (policy.ts): per
 * governed secret its calls and why, its drift since the last up (by the single declaration's
 * property names), its health findings; the secrets it lets go of; the count of those it passes
 * over. Governed secrets with nothing to say are counted (`inLine`), not listed.
 */
async function reviewPolicy(
    resource: StackResource,
    snapshot: StackSnapshot,
    judging: Judging,
    now: () => Date,
    claims: Claims,
    policyMarks: Map<string, string>,
    reach: (connection: AwsConnection) => void,
): Promise<{ summary: PolicyReview; secrets: SecretReview[]; governedArns: string[] }> {
    const recorded = resource.recorded?.outputs as Record<string, unknown> | undefined;
    const summary: PolicyReview = { resource: resource.name, urn: resource.urn, step: resource.step, governed: 0, inLine: 0, passedOver: {}, secretsListed: 0 };
    const source = resource.inputs ?? recorded;
    if (!source) return { summary: { ...summary, error: "neither declared nor recorded" }, secrets: [], governedArns: [] };
    const declaredAws = source.aws as AwsSetting | undefined;
    const fresh = resource.step === "create" || resource.step === "replace" || !recorded;
    // As up: a policy that exists (same, update, delete) acts in the account and region it
    // recorded; only a new or replacing one where the configuration points now.
    const place = !fresh && typeof recorded.account === "string" && typeof recorded.region === "string" ? { account: recorded.account, region: recorded.region } : undefined;
    const region = place ? place.region : declaredAws ? declaredAws.region : snapshot.region;
    const validated = validatePolicyInputs(policyDeclarationOf(source), { region });
    if (validated.failures.length > 0) {
        return { summary: { ...summary, error: `the declaration is invalid: ${validated.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}` }, secrets: [], governedArns: [] };
    }
    const spec = validated.spec;
    if (!spec) return { summary: { ...summary, error: "some declared values are only known during up: its calls are decided then" }, secrets: [], governedArns: [] };
    // Its own or the stack's thresholds, as recorded in its inputs; else defaults raised to its schedule.
    const { thresholds, reported } = judging.of(declaredThresholdsOf(source), spec.settings.schedule);
    if (reported) summary.thresholds = reported;
    const recordedSelector = recorded?.selector as Selector | undefined;
    const recordedGoverned = Array.isArray(recorded?.governed) ? (recorded.governed as string[]) : undefined;
    try {
        const connection = connectionFor(declaredAws, snapshot.aws ?? { setting: {} });
        reach(connection);
        const refusal = place && recordedAccountRefusal(await connection.account(), place, `rotation policy ${resource.name}`, connection.effective);
        if (refusal) throw new Error(refusal);
        const gateway = new SecretsManagerGateway(region, connection, undefined, REVIEW_POLICY);
        const filters = resource.step === "delete" ? RELEASE_FILTERS : listingFilters(spec.selector, fresh ? undefined : recordedSelector);
        const listed = await gateway.listSecrets(undefined, { ...(filters ? { filters } : {}), datePending: (secret) => needsPendingAge(spec, secret) });
        const account = await connection.account();
        const listedRegion = await gateway.resolvedRegion();
        // As in up: a single declaration of the same stack that claims a secret does so before the
        // policy runs, and so does a policy listed before this one that marks it.
        const asInUp = (secret: ObservedSecret) => {
            const claim = claims.get(claimKey(snapshot, secret.arn));
            const mark = policyMarks.get(claimKey(snapshot, secret.arn));
            const claimed = claim ? { ...secret, ownerTag: claim.value } : secret;
            return mark !== undefined && claimed.tags?.[POLICY_TAG_KEY] === undefined ? { ...claimed, tags: { ...claimed.tags, [POLICY_TAG_KEY]: mark } } : claimed;
        };
        // As in up: the listing selects, DescribeSecret decides (aws-edge/fleet.ts confirm) — every
        // secret with work, and every one recorded as governed that the listing left out.
        const recordedNames = fresh ? [] : (recordedGoverned ?? []);
        const listedAsInUp = listed.map(asInUp);
        // As up plans: a new policy takes over its stack's marks; an existing one its own under the name it recorded.
        const recordedIdentity = !fresh && typeof recorded?.__owner === "string" ? recorded.__owner : undefined;
        const planOf = (observed: ObservedSecret[]) => planPolicy(spec, observed, fresh ? undefined : recordedGoverned, recordedIdentity);
        const toDescribe =
            resource.step === "delete"
                ? new Set([...listedAsInUp.filter((s) => heldBy(spec, s)).map((s) => s.name), ...recordedNames, ...(Array.isArray(recorded?.standingBy) ? (recorded.standingBy as string[]) : [])])
                : secretsToConfirm(planOf(listedAsInUp), listed, recordedNames);
        const secrets = (await confirm({ connection, region: listedRegion }, listed, toDescribe)).secrets.map(asInUp);
        const byName = new Map(secrets.map((secret) => [secret.name, secret]));
        const entry = (secret: ObservedSecret | undefined, name: string, plan: Plan | undefined, drift: DriftEntry[], declared: SecretReview["declared"], findings: SecretReview["findings"]): SecretReview => {
            const calls = !plan || plan.blocked ? [] : plan.steps.map((step) => ({ api: step.call.api, call: describeCall(step.call), why: step.why }));
            const notes = [...(plan?.notes ?? [])];
            if (resource.step === "same" && calls.length > 0) notes.push(REPAIRED_ONLY_WITH_REFRESH);
            return {
                resource: resource.name,
                urn: resource.urn,
                secretId: name,
                region: listedRegion,
                step: resource.step,
                declared,
                live: liveOf(secret ? { found: true, secret } : { found: false, secretId: name, region: listedRegion }),
                labels: secret ? labelsOf(secret) : [],
                plan: { calls, ...(plan?.blocked ? { blocked: plan.blocked.reason } : {}), notes },
                drift,
                findings,
                policy: resource.name,
                ...(reported ? { thresholds: reported } : {}),
            };
        };
        const out: SecretReview[] = [];
        if (resource.step === "delete") {
            for (const secret of secrets.filter((s) => heldBy(spec, s))) {
                out.push(entry(secret, secret.name, planRelease(spec, secret), [], null, []));
            }
            return { summary: { ...summary, account, region: listedRegion, mode: spec.mode, managedSecrets: spec.managedSecrets, secretsListed: listed.length }, secrets: out, governedArns: [] };
        }
        const plan = planOf(secrets);
        for (const w of plan.work) {
            const mark = w.kind === "governed" && !w.plan.blocked ? policyMarkSetBy(w.plan.steps) : undefined;
            if (mark !== undefined) policyMarks.set(claimKey(snapshot, w.arn), mark);
        }
        const work = new Map(plan.work.map((w) => [w.name, w]));
        const governedSet = new Set(plan.governed);
        let inLine = 0;
        for (const name of plan.governed) {
            const secret = byName.get(name)!;
            const desired = desiredFor(spec, secret);
            const drift: DriftEntry[] = [];
            if (!fresh && !recordedGoverned?.includes(name)) drift.push({ property: "secret", recorded: null, live: "newly governed by the policy" });
            else if (!fresh) {
                const observed = observedPropertiesOf(secret, spec.settings.pendingGracePeriodMs);
                for (const d of outOfLine(spec, secret)) {
                    const live = observed[d.property];
                    const recordedValue = d.property === "schedule" ? toScheduleInput(desired.schedule) : d.desired;
                    drift.push(stripUndefined({ property: d.property, recorded: recordedValue ?? null, live: live ?? null }));
                }
            }
            const findings = assessHealth(healthFactsFromObservation({ found: true, secret }, spec.settings.pendingGracePeriodMs), { now: now().toISOString(), thresholds, rotationExpected: desired.enabled });
            const planned = work.get(name)?.plan;
            if (!planned && drift.length === 0 && findings.length === 0) {
                inLine++;
                continue;
            }
            const declared = stripUndefined({ enabled: desired.enabled, rotationLambdaArn: desired.rotationLambdaArn, schedule: toScheduleInput(desired.schedule) });
            out.push(entry(secret, name, planned ?? { steps: [], notes: [] }, drift, declared, findings));
        }
        // Secrets it lets go of (it marked them), and secrets it no longer governs or that are gone.
        for (const [name, why] of Object.entries(plan.drift)) {
            if (governedSet.has(name)) continue;
            out.push(entry(byName.get(name), name, work.get(name)?.plan, [{ property: "secret", recorded: "governed by the policy", live: why }], null, []));
        }
        for (const w of plan.work) {
            if (w.kind === "release" && plan.drift[w.name] === undefined) out.push(entry(byName.get(w.name), w.name, w.plan, [], null, []));
        }
        return {
            summary: {
                ...summary,
                account,
                region: listedRegion,
                mode: spec.mode,
                managedSecrets: spec.managedSecrets,
                governed: plan.governed.length,
                inLine,
                passedOver: passedOverCounts(plan),
                secretsListed: listed.length,
            },
            secrets: out,
            governedArns: plan.governed.map((name) => byName.get(name)!.arn),
        };
    } catch (error) {
        return { summary: { ...summary, error: (error as Error).message }, secrets: [], governedArns: [] };
    }
}

/** The plan the provider will run for this step: the same functions, the same arguments. */
function planFor(
    resource: StackResource,
    desired: DesiredState | undefined,
    observation: Observation,
    recorded: Partial<RotationStateOutputs> | undefined,
): Plan {
    if (resource.step === "delete" || !desired) {
        return planDelete(desiredFrom(declarationFrom(recorded as RotationStateOutputs)), observation);
    }
    if (resource.step === "create" || resource.step === "replace" || !recorded) {
        return planReconcile(desired, observation, { operation: "create" });
    }
    return planReconcile(desired, observation, { operation: "update", ...(recorded.declared ? { previous: recorded.declared as LastDeclared } : {}) });
}

function declaredConfig(inputs: Record<string, unknown>): SecretReview["declared"] {
    return {
        enabled: inputs.enabled !== false,
        ...(typeof inputs.rotationLambdaArn === "string" ? { rotationLambdaArn: inputs.rotationLambdaArn } : {}),
        ...(inputs.schedule && typeof inputs.schedule === "object" ? { schedule: inputs.schedule as object } : {}),
    };
}

function liveOf(observation: Observation): LiveState {
    if (!observation.found) return { exists: false, enabled: false };
    const s = observation.secret;
    const schedule = toScheduleInput(s.schedule);
    return stripUndefined({
        exists: true,
        arn: s.arn,
        enabled: s.rotationEnabled,
        rotationLambdaArn: s.rotationLambdaArn,
        schedule,
        lastRotatedDate: s.lastRotatedDate,
        nextRotationDate: s.nextRotationDate,
        deletedDate: s.deletedDate,
        owningService: s.owningService,
        owner: s.ownerTag,
    });
}

/** The labels Secrets Manager gives meaning to, and ours; ages only where ListSecretVersionIds was asked. */
function labelsOf(secret: ObservedSecret): LabelEntry[] {
    const order = (label: string) => [AWSCURRENT, AWSPENDING, AWSPREVIOUS].indexOf(label) + 1 || 4;
    return secret.versions
        .flatMap((v) =>
            v.labels
                .filter((label) => order(label) < 4 || label.startsWith(QUARANTINE_LABEL_PREFIX) || label.startsWith(SUPERSEDED_LABEL_PREFIX))
                .map((label) =>
                    stripUndefined({
                        label,
                        versionId: v.versionId,
                        createdDate: v.createdDate,
                        ageHours: v.createdDate ? round1((Date.parse(secret.observedAt) - Date.parse(v.createdDate)) / 3_600_000) : undefined,
                    }),
                ),
        )
        .sort((a, b) => order(a.label) - order(b.label) || a.label.localeCompare(b.label));
}

/**
 * What changed out of band since the last `up` or refresh: the recorded live values against the
 * live ones, for the properties the declaration manages (an undeclared schedule changing is not drift).
 */
function driftOf(
    recorded: Partial<RotationStateOutputs>,
    declared: Parameters<typeof driftBetween>[2],
    observation: Observation,
    graceMs: number,
): DriftEntry[] {
    if (!observation.found) return [{ property: "secret", recorded: recorded.arn ?? recorded.secretId, live: "does not exist" }];
    const s = observation.secret;
    if (s.deletedDate) return [{ property: "secret", recorded: recorded.arn, live: `scheduled for deletion on ${s.deletedDate}` }];
    const live = observedPropertiesOf(s, graceMs);
    return driftBetween(recorded, live, declared).map((property) =>
        stripUndefined({ property, recorded: recorded[property] ?? null, live: live[property] ?? null }),
    );
}

/** Runs fn over items with at most `limit` at once, keeping the order of the results. */
async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await fn(items[index]!);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    return results;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
