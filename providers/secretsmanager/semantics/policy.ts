// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// A rotation policy: one declaration for every secret of an account and region that matches a
// selector ("every secret under app/ rotates at least every 90 days through this Lambda, except
// those a service owns"). Pure: validation, selection and exclusions, which secrets are passed
// over and why, the desired state of each governed secret (enforce or minimum mode), and the
// drift digest. The rotation semantics themselves are not here: every governed secret goes
// through plan.ts's planReconcile (and, when the policy lets go of it, planDelete) exactly as a
// single SecretRotationState's secret does, so `up`, previews and the review run the same plan.
//
// Ownership (docs/design.md, "One owner per secret"; ownership.ts): a policy never writes the owner tag
// `pulumi-secret-rotation:owner`, and passes over every secret that carries one — a
// SecretRotationState's. It marks a secret before the first call it makes on it, with tags of its
// own (values: the policy's identity), kept in AWS so that a crash or a failed call after the
// mark cannot lose the record:
// - `pulumi-secret-rotation:policy`: this policy governs the secret. Another policy passes it
//   over, so two policies whose selections overlap do not undo each other at every up: the first
//   to act on a secret keeps it.
// - `pulumi-secret-rotation:policy-turned-on`: this policy turned the secret's rotation on. Its
//   destroy with deletionPolicy cancel turns off exactly those; a secret that was rotating when
//   the policy found it stays on.
// The keys differ from the owner tag so that a SecretRotationState's rules see such a secret as
// unowned and claim it without takeOver; from then on the policy passes it over (and removes its
// marks).
import { z } from "zod";

import { validateInputs } from "./inputs";
import { DesiredState, InputFailure, ObservedSecret, PlannedStep, RotationStateInputs, Schedule, UNKNOWN } from "./model";
import {
    namedBy,
    OWNER_IDENTITY,
    OWNER_TAG_KEY,
    ownerTagValue,
    POLICY_STANDBY_TAG_KEY,
    POLICY_TAG_KEY,
    POLICY_TURNED_ON_TAG_KEY,
    sameStack,
    stackOf,
    standingBy,
    TAG_VALUE_MAX_LENGTH,
} from "./ownership";
import { analyzeLabels, Plan, planDelete, planReconcile } from "./plan";
import { countedTagsAfter, TAG_QUOTA, tagQuotaProblem } from "./tag-quota";
import { describeSchedule, longestIntervalHours, schedulesEqual } from "./schedule";

export { POLICY_STANDBY_TAG_KEY, POLICY_TAG_KEY, POLICY_TURNED_ON_TAG_KEY } from "./ownership";
const POLICY_TAG_KEYS = [POLICY_TAG_KEY, POLICY_TURNED_ON_TAG_KEY];

export const POLICY_MODES = ["enforce", "minimum"] as const;
/**
 * enforce: every governed secret gets exactly the declared rotation (Lambda, schedule, window).
 * minimum: only what falls short is fixed — rotation off, or a schedule whose longest interval is
 * longer than the declared schedule's; a stricter schedule and the secret's own Lambda are left alone.
 * Longest intervals are exact on the calendar (schedule.ts longestIntervalHours: month lengths, L,
 * W, #n, month lists); a live schedule whose interval cannot be told is left alone, never loosened.
 */
export type PolicyMode = (typeof POLICY_MODES)[number];

export const MANAGED_SECRETS_CHOICES = ["passOver", "schedule", "disable"] as const;
/**
 * What the policy does with a selected secret another service manages (OwningService: RDS, Aurora,
 * Redshift, DocumentDB... docs/managed-secrets.md), which rotates without a Lambda:
 * passOver (default): left alone, counted as managedByService.
 * schedule: governed; its rotation is on with the policy's schedule (in mode minimum, only a longer
 *   schedule is replaced), changed with RotateSecret carrying only the rules; the policy's
 *   rotationLambdaArn is never sent to it.
 * disable: governed; its rotation is turned off (CancelRotateSecret). The policy's destroy never
 *   turns it back on: that is for the owning service or a declaration to decide.
 */
export type ManagedSecretsChoice = (typeof MANAGED_SECRETS_CHOICES)[number];

/** A tag a secret must carry: the key, and when given the exact value. */
export interface TagCondition {
    key: string;
    value?: string;
}

/** Which secrets of the account and region the policy is for. */
export interface Selector {
    /** Names that start with any of these (case-sensitive, as ListSecrets' name filter). */
    namePrefixes?: string[];
    /** Tags the secret must all carry (as Kubernetes' matchLabels). Together with namePrefixes: both must hold. */
    tags?: TagCondition[];
    /** Every secret of the account and region; not together with namePrefixes or tags. */
    all?: boolean;
}

/** Secrets the policy leaves out even when they are selected: any one rule excludes. */
export interface Exclusions {
    /** Exact names (or ARNs). */
    names?: string[];
    namePrefixes?: string[];
    /** Any of these tags (key, or key and value). */
    tags?: TagCondition[];
}

/** The settings a policy shares with a single declaration, with the same names and rules. */
export const POLICY_SETTINGS = [
    "rotationLambdaArn",
    "schedule",
    "rotateImmediately",
    "pendingPolicy",
    "pendingGracePeriod",
    "deletionPolicy",
    "quarantineRetention",
    "quarantineLabelLimit",
    "aws",
    "healthThresholds",
] as const;
export const POLICY_PROPERTIES = ["selector", "exclude", "mode", "managedSecrets", "takeOverFrom", ...POLICY_SETTINGS] as const;
/** The policy's identity (`<organization>/<project>/<stack>/<path>`), set by SecretRotationPolicy; never declared. */
export const POLICY_IDENTITY_PROPERTY = "__owner";

/** The declaration and identity out of stored inputs or outputs: the policy's properties that are set, and nothing else. */
export function policyDeclarationOf(from: object): Record<string, unknown> {
    const values = from as Record<string, unknown>;
    return Object.fromEntries([...POLICY_PROPERTIES, POLICY_IDENTITY_PROPERTY].filter((key) => values[key] !== undefined).map((key) => [key, values[key]]));
}

export interface RotationPolicyInputs extends Pick<RotationStateInputs, (typeof POLICY_SETTINGS)[number]> {
    selector: Selector;
    exclude?: Exclusions;
    mode?: PolicyMode;
    managedSecrets?: ManagedSecretsChoice;
    takeOverFrom?: string[];
    __owner?: string;
}

/** A validated policy: what the per-secret plans are made from. */
export interface PolicySpec {
    selector: Selector;
    exclude: Exclusions;
    mode: PolicyMode;
    managedSecrets: ManagedSecretsChoice;
    /** The policy's identity; its tag value is ownerTagValue(identity). */
    identity: string;
    /**
     * Identities (or their stack's `<root>/<project>/<stack>`) whose owner tags and policy marks
     * this policy takes over on the secrets it selects (namedBy): reclaiming what a removed stack
     * or a lost state left behind. Empty: it takes over nothing from another stack.
     */
    takeOverFrom?: readonly string[];
    /** The shared settings as a single declaration's desired state (secretId and owner are per secret). */
    settings: DesiredState;
    /** The declared schedule's longest interval, hours: in minimum mode, the longest allowed. */
    maxIntervalHours: number;
}

// ---- validation ----

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isMapping(value)) return Object.values(value).some(containsUnknown);
    return false;
}
const shown = (value: unknown) => (value === undefined ? "nothing" : typeof value === "string" ? JSON.stringify(value) : `${Array.isArray(value) ? "a list" : typeof value} ${JSON.stringify(value)}`);
const withValue = (reason: string) => ({ error: (issue: { input?: unknown }) => `${reason} (got ${shown(issue.input)})` });

// Secret names: 1-512 characters of A-Z a-z 0-9 / _ + = . @ ! - (inputs.ts); a prefix is a start of one.
const NAME_PREFIX_RULE = "must be the start of a secret name: 1-512 characters of A-Z a-z 0-9 / _ + = . @ ! -";
const namePrefix = z.string(withValue(NAME_PREFIX_RULE)).regex(/^[A-Za-z0-9/_+=.@!-]{1,512}$/, withValue(NAME_PREFIX_RULE));
const NAME_RULE = "must be a secret name or ARN";
const nameOrArn = z.string(withValue(NAME_RULE)).min(1, withValue(NAME_RULE)).max(2048, withValue(NAME_RULE));
// Tag keys 1-128 characters, values 0-256 (TagResource reference, the Tag type).
const TAG_KEY_RULE = "must be a tag key of 1-128 characters";
const TAG_VALUE_RULE = "must be a tag value of at most 256 characters";
const tagCondition = z.strictObject(
    {
        key: z.string(withValue(TAG_KEY_RULE)).min(1, withValue(TAG_KEY_RULE)).max(128, withValue(TAG_KEY_RULE)),
        value: z.string(withValue(TAG_VALUE_RULE)).max(256, withValue(TAG_VALUE_RULE)).optional(),
    },
    withValue("must be a mapping { key, value? }"),
);
const list = <T extends z.ZodType>(item: T, one: string, many: string) =>
    z.array(item, withValue(`must be a list of ${many}`)).min(1, withValue(`must list at least one ${one}, or be left out`));

const selectorSchema = z.strictObject(
    {
        namePrefixes: list(namePrefix, "name prefix", "name prefixes").optional(),
        tags: list(tagCondition, "tag", "tags").optional(),
        all: z.boolean(withValue("must be true or false")).optional(),
    },
    withValue("must be a mapping with namePrefixes, tags, or all: true"),
);
const excludeSchema = z.strictObject(
    {
        names: list(nameOrArn, "name", "names").optional(),
        namePrefixes: list(namePrefix, "name prefix", "name prefixes").optional(),
        tags: list(tagCondition, "tag", "tags").optional(),
    },
    withValue("must be a mapping with names, namePrefixes or tags"),
);
// takeOverFrom: identities as the tags carry them (ownership.ts ownerTagValue), or their stack's
// first three segments; never fewer (a whole organization or project is not a thing to reclaim).
const TAKE_OVER_RULE =
    "must be an owner identity or a stack's <organization or namespace>/<project>/<stack>, as the review's orphans name them: 3 or more non-empty segments separated by /, at most 255 characters of the tag alphabet";
const takeOverEntry = z
    .string(withValue(TAKE_OVER_RULE))
    .max(TAG_VALUE_MAX_LENGTH, withValue(TAKE_OVER_RULE))
    .regex(/^[\p{L}\p{Z}\p{N}+\-=._:@]+(\/[\p{L}\p{Z}\p{N}+\-=._:@$]+){2,}$/u, withValue(TAKE_OVER_RULE));
const takeOverSchema = list(takeOverEntry, "identity", "identities");
const modeSchema = z.string(withValue(`must be one of ${POLICY_MODES.join(", ")}`)).refine((m) => (POLICY_MODES as readonly string[]).includes(m), withValue(`must be one of ${POLICY_MODES.join(", ")}`));
const MANAGED_SECRETS_RULE = `must be one of ${MANAGED_SECRETS_CHOICES.join(", ")} (what the policy does with secrets another service manages)`;
const managedSecretsSchema = z.string(withValue(MANAGED_SECRETS_RULE)).refine((m) => (MANAGED_SECRETS_CHOICES as readonly string[]).includes(m), withValue(MANAGED_SECRETS_RULE));

/** zod's issues as failures named like `selector.namePrefixes[0]`, one per property. */
function failuresOf(root: string, issues: readonly z.core.$ZodIssue[]): InputFailure[] {
    const failures: InputFailure[] = [];
    for (const issue of issues) {
        const at = issue.path.reduce<string>((path, key) => (typeof key === "number" ? `${path}[${key}]` : `${path}.${String(key)}`), root);
        if (issue.code === "unrecognized_keys") {
            for (const key of issue.keys) failures.push({ property: `${at}.${key}`, reason: `is not a property of ${at}` });
        } else if (!failures.some((f) => f.property === at)) {
            failures.push({ property: at, reason: issue.message });
        }
    }
    return failures;
}

export interface PolicyValidation {
    /** The inputs with defaults applied: what Pulumi stores. */
    inputs: RotationPolicyInputs;
    /** Only when there is no failure and no unknown value. */
    spec?: PolicySpec;
    failures: InputFailure[];
}

// A name for the settings' validation as a single declaration's (inputs.ts): a secret declared by
// name, in the region the calls go to, like every secret a policy governs.
const SETTINGS_SECRET = "rotation-policy";

/**
 * Validates a policy declaration before any call: every problem at once, each naming the property
 * and the rule. The shared settings are checked by the single declaration's own rules
 * (validateInputs), so a schedule or a Lambda ARN is refused with the same words either way.
 */
export function validatePolicyInputs(raw: unknown, context: { region?: string } = {}): PolicyValidation {
    if (!isMapping(raw)) {
        return { inputs: { selector: {} } as RotationPolicyInputs, failures: [{ property: "selector", reason: `the policy must be a mapping with at least selector and schedule (got ${shown(raw)})` }] };
    }
    const declared = Object.fromEntries(Object.entries(raw).filter(([key, value]) => value !== undefined && (!key.startsWith("__") || key === POLICY_IDENTITY_PROPERTY)));
    const failures: InputFailure[] = [];
    for (const key of Object.keys(declared)) {
        if (![...POLICY_PROPERTIES, POLICY_IDENTITY_PROPERTY].includes(key as never)) {
            failures.push({ property: key, reason: `is not a property of a rotation policy; allowed: ${POLICY_PROPERTIES.join(", ")}` });
        }
    }
    let unknown = false;
    const check = (property: string, schema: z.ZodType, value: unknown) => {
        if (value === undefined) return;
        if (containsUnknown(value)) {
            unknown = true;
            return;
        }
        const parsed = schema.safeParse(value);
        if (!parsed.success) failures.push(...failuresOf(property, parsed.error.issues));
    };

    const selector = declared.selector;
    if (selector === undefined) {
        failures.push({ property: "selector", reason: "is required: namePrefixes, tags, or all: true (every secret of the account and region)" });
    } else {
        check("selector", selectorSchema, selector);
        if (isMapping(selector) && !containsUnknown(selector) && !failures.some((f) => f.property.startsWith("selector"))) {
            const criteria = selector.namePrefixes !== undefined || selector.tags !== undefined;
            if (selector.all === true && criteria) {
                failures.push({ property: "selector.all", reason: "all: true selects every secret of the account and region; leave out namePrefixes and tags, or all" });
            } else if (selector.all !== true && !criteria) {
                failures.push({ property: "selector", reason: "selects nothing: give namePrefixes, tags, or all: true for every secret of the account and region" });
            }
        }
    }
    check("exclude", excludeSchema, declared.exclude);
    check("mode", modeSchema, declared.mode);
    check("managedSecrets", managedSecretsSchema, declared.managedSecrets);
    check("takeOverFrom", takeOverSchema, declared.takeOverFrom);
    const ownIdentity = declared[POLICY_IDENTITY_PROPERTY];
    if (Array.isArray(declared.takeOverFrom) && typeof ownIdentity === "string" && !containsUnknown(declared.takeOverFrom)) {
        // A policy's own stack is judged exactly by the review (orphans): name the orphaned identity
        // itself. A whole-stack entry would also take secrets from the live declarations and
        // policies of this stack, which would take them back at their next up.
        declared.takeOverFrom.forEach((entry, index) => {
            if (entry === stackOf(ownIdentity)) {
                failures.push({
                    property: `takeOverFrom[${index}]`,
                    reason: `names this policy's own stack (${entry}): it would take secrets from this stack's live declarations and policies; name the orphaned identity itself (${entry}/<resource>), as pulumi-secret-rotation review lists it`,
                });
            }
        });
    }
    if (declared[POLICY_IDENTITY_PROPERTY] !== undefined && !containsUnknown(declared[POLICY_IDENTITY_PROPERTY])) {
        const identity = declared[POLICY_IDENTITY_PROPERTY];
        if (typeof identity !== "string" || !OWNER_IDENTITY.test(identity) || identity.length > 2048) {
            failures.push({ property: POLICY_IDENTITY_PROPERTY, reason: "is set by SecretRotationPolicy to <organization>/<project>/<stack>/<resource path>; declare policies through that class" });
        }
    }
    if (declared.schedule === undefined) {
        failures.push({ property: "schedule", reason: "is required: the rotation schedule every governed secret gets (in mode minimum: the longest interval allowed)" });
    }

    // The shared settings, by the single declaration's rules.
    const settingsDeclared = Object.fromEntries(POLICY_SETTINGS.filter((key) => declared[key] !== undefined).map((key) => [key, declared[key]]));
    const settings = validateInputs({ secretId: SETTINGS_SECRET, ...settingsDeclared }, context);
    failures.push(...settings.failures.filter((f) => f.property !== "secretId"));

    const { secretId: _secretId, enabled: _enabled, ...settingInputs } = settings.inputs;
    const mode = (typeof declared.mode === "string" ? declared.mode : "enforce") as PolicyMode;
    // The default is the spec's, not stored in the inputs: a policy recorded before managedSecrets
    // existed then reads the same after an upgrade (the provider's diff compares stored inputs).
    const managedSecrets = (typeof declared.managedSecrets === "string" ? declared.managedSecrets : "passOver") as ManagedSecretsChoice;
    const inputs = {
        ...declared,
        ...settingInputs,
        mode,
    } as RotationPolicyInputs;

    let maxIntervalHours: number | undefined;
    if (settings.desired?.schedule) {
        maxIntervalHours = longestIntervalHours(settings.desired.schedule);
        // Every valid schedule has a longest interval (schedule.ts) but a cron() no day matches.
        if (maxIntervalHours === undefined) {
            failures.push({
                property: "schedule",
                reason: `never fires: no day of any month matches it, so no governed secret would ever rotate${mode === "minimum" ? " (in mode minimum it is the longest interval allowed, and it allows none)" : ""}; use automaticallyAfterDays, rate(), or a cron() that fires`,
            });
        }
    }
    if (failures.length > 0 || unknown || !settings.desired || maxIntervalHours === undefined) return { inputs, failures };
    const identity = declared[POLICY_IDENTITY_PROPERTY];
    if (typeof identity !== "string") {
        return { inputs, failures: [{ property: POLICY_IDENTITY_PROPERTY, reason: "is missing: it is set by SecretRotationPolicy (pulumi-secret-rotation); declare policies through that class" }] };
    }
    const { secretId: _s, enabled: _e, ...shared } = settings.desired;
    return {
        inputs,
        failures,
        spec: {
            selector: declared.selector as Selector,
            exclude: (declared.exclude ?? {}) as Exclusions,
            mode,
            managedSecrets,
            identity,
            ...(Array.isArray(declared.takeOverFrom) ? { takeOverFrom: declared.takeOverFrom as string[] } : {}),
            settings: { ...shared, secretId: "", enabled: true },
            maxIntervalHours,
        },
    };
}

// ---- selection ----

const hasTag = (secret: Pick<ObservedSecret, "tags">, condition: TagCondition) =>
    secret.tags !== undefined && Object.prototype.hasOwnProperty.call(secret.tags, condition.key) && (condition.value === undefined || secret.tags[condition.key] === condition.value);

/** Whether the selector picks the secret: any name prefix (when given) and every tag (when given), or all. */
export function selects(selector: Selector, secret: Pick<ObservedSecret, "name" | "tags">): boolean {
    if (selector.all === true) return true;
    const byName = selector.namePrefixes === undefined || selector.namePrefixes.some((prefix) => secret.name.startsWith(prefix));
    const byTags = selector.tags === undefined || selector.tags.every((condition) => hasTag(secret, condition));
    return byName && byTags;
}

/** The exclusion that leaves the secret out, in words; undefined when none does. */
export function exclusionOf(exclude: Exclusions, secret: Pick<ObservedSecret, "name" | "arn" | "tags">): string | undefined {
    const name = exclude.names?.find((n) => n === secret.name || n === secret.arn);
    if (name !== undefined) return `excluded by name ${name}`;
    const prefix = exclude.namePrefixes?.find((p) => secret.name.startsWith(p));
    if (prefix !== undefined) return `excluded by name prefix ${prefix}`;
    const tag = exclude.tags?.find((condition) => hasTag(secret, condition));
    if (tag !== undefined) return `excluded by tag ${tag.key}${tag.value === undefined ? "" : `=${tag.value}`}`;
    return undefined;
}

/** Why a selected secret is left out, in the order checked. Stable names: outputs and reports count by them. */
export const PASSED_OVER = ["excluded", "scheduledForDeletion", "replica", "managedByService", "ownedByDeclaration", "otherPolicy", "tagQuota"] as const;
export type PassedOverReason = (typeof PASSED_OVER)[number];

export type Standing =
    | { kind: "unselected" }
    | { kind: "governed" }
    /** standsBy: held by a declaration or another policy of this stack, which hands it over when it lets go (POLICY_STANDBY_TAG_KEY). */
    | { kind: "passed-over"; reason: PassedOverReason; why: string; standsBy?: boolean };

/**
 * `previousIdentity`: the identity the policy's last update recorded (its stack or project renamed,
 * or an alias): marks under it are its own under the old name, re-marked under the new one. A
 * policy renamed or moved without an alias is a new resource instead: it stands by for the old
 * one's secrets (POLICY_STANDBY_TAG_KEY), and the old one's delete hands them over.
 */
export interface HandOverContext {
    previousIdentity?: string;
}

function handedOver(mark: string, context: HandOverContext): boolean {
    return context.previousIdentity !== undefined && mark === policyTagValue(context.previousIdentity);
}

/** The value of a policy's tag: its identity, as the owner tag's rules shape it (ownership.ts). */
export const policyTagValue = (identity: string) => ownerTagValue(identity);

/**
 * Whether the policy governs a secret of its account and region, or passes it over and why:
 * excluded; scheduled for deletion (nothing can be changed on it); a replica (rotation happens on
 * its primary); managed by another service (which rotates it itself), unless managedSecrets
 * says schedule or disable; owned by a
 * SecretRotationState (the owner tag; a policy never takes a secret from one); marked by another
 * policy (which acted on it first); at AWS's tag quota, with no room for this policy's governs mark
 * (which goes on before any other call; see tag-quota.ts).
 */
export function standingOf(
    spec: Pick<PolicySpec, "selector" | "exclude" | "identity" | "takeOverFrom"> & Partial<Pick<PolicySpec, "managedSecrets">>,
    secret: ObservedSecret,
    context: HandOverContext = {},
): Standing {
    if (!selects(spec.selector, secret)) return { kind: "unselected" };
    const excluded = exclusionOf(spec.exclude, secret);
    if (excluded) return { kind: "passed-over", reason: "excluded", why: excluded };
    if (secret.deletedDate) return { kind: "passed-over", reason: "scheduledForDeletion", why: `scheduled for deletion on ${secret.deletedDate}` };
    if (secret.primaryRegion && secret.primaryRegion !== secret.region) {
        return { kind: "passed-over", reason: "replica", why: `a replica: rotation happens on its primary in ${secret.primaryRegion}` };
    }
    if (secret.owningService && (spec.managedSecrets ?? "passOver") === "passOver") {
        return { kind: "passed-over", reason: "managedByService", why: `managed by ${secret.owningService}, which rotates it itself (managedSecrets: passOver)` };
    }
    if (secret.ownerTag !== undefined && namedBy(spec.takeOverFrom, secret.ownerTag) === undefined) {
        return { kind: "passed-over", reason: "ownedByDeclaration", why: `owned by the declaration ${secret.ownerTag}`, ...(sameStack(spec.identity, secret.ownerTag) ? { standsBy: true } : {}) };
    }
    const own = policyTagValue(spec.identity);
    const other = POLICY_TAG_KEYS.map((key) => secret.tags?.[key]).find((value) => value !== undefined && value !== own);
    if (other !== undefined && !handedOver(other, context) && namedBy(spec.takeOverFrom, other) === undefined) {
        return { kind: "passed-over", reason: "otherPolicy", why: `governed by the policy ${other}, which acted on it first`, ...(sameStack(spec.identity, other) ? { standsBy: true } : {}) };
    }
    // A taken-over owner tag goes (UntagResource) after the mark goes on: the mark needs room first.
    const overQuota = carries(secret, POLICY_TAG_KEY, spec.identity) ? undefined : tagQuotaProblem(secret, [POLICY_TAG_KEY], `this policy's mark ${POLICY_TAG_KEY}`);
    if (overQuota) return { kind: "passed-over", reason: "tagQuota", why: overQuota };
    return { kind: "governed" };
}

// ---- the desired state of one governed secret ----

/**
 * Whether minimum mode keeps the secret's own live schedule: it rotates at least as often as the
 * policy's, or its longest interval cannot be told (an expression this parser does not read, or a
 * cron() that never fires). A schedule that cannot be judged is left alone rather than replaced:
 * replacing it could loosen a stricter one, which minimum mode must never do. A secret without a
 * schedule gets the policy's.
 */
export function keepsOwnSchedule(spec: Pick<PolicySpec, "maxIntervalHours">, schedule: Schedule | undefined): boolean {
    if (schedule === undefined) return false;
    const longest = longestIntervalHours(schedule);
    return longest === undefined || longest <= spec.maxIntervalHours;
}

/**
 * What a governed secret should have, as a single declaration of it would say it.
 * enforce: the policy's Lambda and schedule. minimum: rotation on; the secret's own schedule when
 * it rotates at least as often as the policy's, else the policy's; the secret's own Lambda while
 * its rotation is on, the policy's (when declared) to turn it on.
 */
export function desiredFor(spec: Pick<PolicySpec, "mode" | "settings" | "maxIntervalHours"> & Partial<Pick<PolicySpec, "managedSecrets">>, secret: ObservedSecret): DesiredState {
    if (secret.owningService) return managedDesired(spec, secret);
    const base: DesiredState = { ...spec.settings, secretId: secret.arn, enabled: true };
    if (spec.mode === "enforce") return base;
    const { rotationLambdaArn: declaredLambda, schedule: declaredSchedule, ...rest } = base;
    const schedule = keepsOwnSchedule(spec, secret.schedule) ? undefined : declaredSchedule;
    const lambda = secret.rotationEnabled && secret.rotationLambdaArn ? undefined : (declaredLambda ?? undefined);
    return { ...rest, ...(lambda ? { rotationLambdaArn: lambda } : {}), ...(schedule ? { schedule } : {}) };
}

/**
 * A governed secret another service manages (managedSecrets schedule or disable): managed rotation
 * takes no Lambda, so the policy's rotationLambdaArn is never sent; disable declares rotation off;
 * schedule declares it on with the policy's schedule (minimum mode: the secret's own when it is at
 * least as strict).
 */
function managedDesired(spec: Pick<PolicySpec, "mode" | "settings" | "maxIntervalHours"> & Partial<Pick<PolicySpec, "managedSecrets">>, secret: ObservedSecret): DesiredState {
    const { rotationLambdaArn: _lambda, schedule: declaredSchedule, ...rest } = spec.settings;
    if (spec.managedSecrets === "disable") return { ...rest, secretId: secret.arn, enabled: false };
    const schedule = spec.mode === "minimum" && keepsOwnSchedule(spec, secret.schedule) ? undefined : declaredSchedule;
    return { ...rest, secretId: secret.arn, enabled: true, ...(schedule ? { schedule } : {}) };
}

/** The properties a single declaration's drift is reported by (state.ts OBSERVED_PROPERTIES). */
export type DriftProperty = "enabled" | "rotationLambdaArn" | "schedule" | "stagingLabels";

/**
 * Which of a governed secret's properties are out of line with the policy, as a single
 * declaration's drift names them: rotation off; in enforce mode another Lambda or schedule; in
 * minimum mode a schedule longer than allowed; a stranded AWSPENDING (not on a secret a service
 * manages: its labels are its owner's). With managedSecrets disable, rotation on is what is out of line. The last update left every governed
 * secret in line, so these are what changed since, with `desired` as what was recorded.
 */
export function outOfLine(
    spec: Pick<PolicySpec, "mode" | "settings" | "maxIntervalHours"> & Partial<Pick<PolicySpec, "managedSecrets">>,
    secret: ObservedSecret,
): { property: DriftProperty; desired: unknown }[] {
    const desired = desiredFor(spec, secret);
    const out: { property: DriftProperty; desired: unknown }[] = [];
    if (secret.rotationEnabled !== desired.enabled) out.push({ property: "enabled", desired: desired.enabled });
    if (desired.rotationLambdaArn !== undefined && desired.rotationLambdaArn !== secret.rotationLambdaArn && secret.rotationEnabled) {
        out.push({ property: "rotationLambdaArn", desired: desired.rotationLambdaArn });
    }
    if (desired.schedule !== undefined && !schedulesEqual(desired.schedule, secret.schedule) && secret.rotationEnabled) out.push({ property: "schedule", desired: desired.schedule });
    // A managed secret's labels are its owner's (plan.ts): never counted against it.
    if (!secret.owningService && analyzeLabels(secret, spec.settings.pendingGracePeriodMs).pending.kind === "stranded") out.push({ property: "stagingLabels", desired: "healthy" });
    return out;
}

const carries = (secret: Pick<ObservedSecret, "tags">, key: string, identity: string) => secret.tags?.[key] === policyTagValue(identity);

/**
 * The marks a plan of this policy adds before its first call: what it lacks of governs and, when
 * the plan turns rotation on, turned-on — unless AWS's tag quota leaves no room for turned-on
 * (standingOf made sure governs fits): rotation is then turned on unmarked, and the policy's
 * destroy leaves it on, the side that never leaves a secret without rotation.
 */
function markStep(spec: Pick<PolicySpec, "identity" | "takeOverFrom">, secret: ObservedSecret, turnsOn: boolean): PlannedStep | undefined {
    const identity = spec.identity;
    const governs = carries(secret, POLICY_TAG_KEY, identity) ? [] : [POLICY_TAG_KEY];
    // A turned-on mark this policy takes over (handedOver) stays a turned-on mark, under its name.
    const inherited = secret.tags?.[POLICY_TURNED_ON_TAG_KEY] !== undefined && !carries(secret, POLICY_TURNED_ON_TAG_KEY, identity);
    const wantsTurnedOn = (turnsOn || inherited) && !carries(secret, POLICY_TURNED_ON_TAG_KEY, identity);
    const turnedOn = wantsTurnedOn && countedTagsAfter(secret.tags, [...governs, POLICY_TURNED_ON_TAG_KEY]) <= TAG_QUOTA ? [POLICY_TURNED_ON_TAG_KEY] : [];
    const keys = [...governs, ...turnedOn];
    if (keys.length === 0) return undefined;
    const from = foreignMark(identity, secret);
    // What takeOverFrom names: the other policy's mark, else a declaration's owner tag.
    const markEntry = from !== undefined ? namedBy(spec.takeOverFrom, from) : undefined;
    const ownerEntry = secret.ownerTag !== undefined ? namedBy(spec.takeOverFrom, secret.ownerTag) : undefined;
    const takeOverWhy =
        markEntry !== undefined
            ? `takeOverFrom ${markEntry}: take the secret over from the policy ${from}: its marks now name this policy, whose destroy acts as that one's would have (no rotation because of it)`
            : ownerEntry !== undefined
              ? `takeOverFrom ${ownerEntry}: take the secret over from the declaration ${secret.ownerTag}: this policy governs it from now on (no rotation because of it; its destroy leaves this rotation on)`
              : undefined;
    return {
        call: { api: "TagResource", tags: keys.map((key) => ({ key, value: policyTagValue(identity) })) },
        why:
            takeOverWhy ??
            (from !== undefined
              ? `take the secret over from the policy ${from} (this policy under its new name, or a renamed or moved policy of this stack): its marks now name this policy, whose destroy acts as that one's would have`
              : turnsOn
                ? "mark the secret as governed by this policy, which turns its rotation on (its destroy with deletionPolicy cancel turns it off again)"
                : "mark the secret as governed by this policy (another policy then passes it over; its destroy leaves this rotation on)"),
    };
}

/** The owner tag or foreign mark a governed secret carries that takeOverFrom names: whose secret this policy takes over. */
export function takenOverFrom(spec: Pick<PolicySpec, "identity" | "takeOverFrom">, secret: ObservedSecret): string | undefined {
    if (secret.ownerTag !== undefined && namedBy(spec.takeOverFrom, secret.ownerTag) !== undefined) return secret.ownerTag;
    const mark = foreignMark(spec.identity, secret);
    return mark !== undefined && namedBy(spec.takeOverFrom, mark) !== undefined ? mark : undefined;
}

/**
 * What a take-over (takeOverFrom) removes after this policy's mark goes on (`from`: takenOverFrom's answer): the owner tag of the
 * declaration it takes the secret from (a policy passes over every secret that carries one), and a
 * standby tag that names this policy (it governs now) or what it takes over from. Undefined when
 * the policy takes nothing over, or there is nothing to remove.
 */
function reclaimStep(spec: Pick<PolicySpec, "identity" | "takeOverFrom">, secret: ObservedSecret, from: string | undefined): PlannedStep | undefined {
    if (from === undefined) return undefined;
    const owner = secret.ownerTag;
    // takenOverFrom names the owner tag whenever takeOverFrom names it.
    const ownerGoes = owner !== undefined && from === owner;
    const standby = secret.tags?.[POLICY_STANDBY_TAG_KEY];
    const standbyGoes = standby !== undefined && (standby === policyTagValue(spec.identity) || namedBy(spec.takeOverFrom, standby) !== undefined);
    if (!ownerGoes && !standbyGoes) return undefined;
    return {
        call: { api: "UntagResource", keys: [...(ownerGoes ? [OWNER_TAG_KEY] : []), ...(standbyGoes ? [POLICY_STANDBY_TAG_KEY] : [])] },
        why: ownerGoes
            ? `takeOverFrom: remove the owner tag of the declaration ${owner}, which no longer owns this secret (were it still declared somewhere, its next up would claim it back: take over only from stacks that are gone)`
            : `takeOverFrom: this policy governs the secret it stood by for, taken over from ${from}: the standby tag goes`,
    };
}

/** The value of a mark on the secret that names another policy (one this policy takes over, when it governs the secret). */
function foreignMark(identity: string, secret: Pick<ObservedSecret, "tags">): string | undefined {
    const own = policyTagValue(identity);
    return POLICY_TAG_KEYS.map((key) => secret.tags?.[key]).find((value) => value !== undefined && value !== own);
}
const releaseStep = (identity: string, secret: ObservedSecret, keepStandby = false): PlannedStep | undefined => {
    const keys = [...POLICY_TAG_KEYS, ...(keepStandby ? [] : [POLICY_STANDBY_TAG_KEY])].filter((key) => carries(secret, key, identity));
    return keys.length === 0 ? undefined : { call: { api: "UntagResource", keys }, why: `release the marks of the policy ${identity}, which no longer governs this secret` };
};
const standbyStep = (identity: string): PlannedStep => ({
    call: { api: "TagResource", tags: [{ key: POLICY_STANDBY_TAG_KEY, value: policyTagValue(identity) }] },
    why: "stand by for the secret, which a declaration or another policy of this stack holds: when it lets go, it hands the secret to this policy instead of turning its rotation off",
});
/**
 * The plan for a selected secret this policy does not govern: its marks released (planRelease),
 * and, when it stands by for the secret (`standsBy`), the standby tag set once (within AWS's tag
 * quota). Undefined when there is nothing of this policy's on the secret and nothing to stand by for.
 * planPolicy and the executor's re-plans (after a CancelRotateSecret) both use it.
 */
export function planLetGo(spec: PolicySpec, secret: ObservedSecret, standsBy: boolean, cancelledVersionId?: string): Plan | undefined {
    const ownStandby = standsByFor(spec, secret);
    const release = markedBy(spec, secret) || (ownStandby && !standsBy) ? planRelease(spec, secret, cancelledVersionId, standsBy) : undefined;
    // One policy stands by for a secret: the first to do so keeps it (two would overwrite each other's tag at every up).
    const anothersStandby = secret.tags?.[POLICY_STANDBY_TAG_KEY] !== undefined && !ownStandby;
    const startsStandby = standsBy && !ownStandby && !anothersStandby && !release?.blocked && tagQuotaProblem(secret, [POLICY_STANDBY_TAG_KEY], "the standby tag") === undefined;
    if (!startsStandby) return release;
    const base = release ?? { arn: secret.arn, steps: [], notes: [] };
    return { ...base, steps: [...base.steps, standbyStep(spec.identity)] };
}

/** Whether the secret carries any tag of this policy's (a mark or its standby tag): what its destroy releases. */
export const heldBy = (spec: Pick<PolicySpec, "identity">, secret: ObservedSecret) => markedBy(spec, secret) || standsByFor(spec, secret);

const isStandbyStep = (step: PlannedStep) => step.call.api === "TagResource" && step.call.tags.some((t) => t.key === POLICY_STANDBY_TAG_KEY);

/** Whether this policy stands by for the secret (its standby tag). */
export const standsByFor = (spec: Pick<PolicySpec, "identity">, secret: ObservedSecret) => carries(secret, POLICY_STANDBY_TAG_KEY, spec.identity);
const isMark = (step: PlannedStep) => step.call.api === "TagResource" && step.call.tags.every((tag) => POLICY_TAG_KEYS.includes(tag.key));

/**
 * The plan for a governed secret: planReconcile with the secret's desired state, as a create for a
 * secret the policy did not govern at its last update (turning rotation on then rotates now when
 * rotateImmediately says so), as an update otherwise (rotation found off is restored without
 * rotating, as for a single declaration). The policy's marks come first (one TagResource), unless
 * the secret carries them already: governs before any call, turned-on when the plan turns rotation on.
 */
export function planGoverned(spec: PolicySpec, secret: ObservedSecret, governedBefore: boolean, cancelledVersionId?: string): Plan {
    // A secret already carrying a policy's mark was governed before — by this policy (whose first
    // call on it failed after the mark: its retry restores, it does not rotate now) or by the one
    // it takes over from (a rename is not a first turn-on).
    if (POLICY_TAG_KEYS.some((key) => secret.tags?.[key] !== undefined)) governedBefore = true;
    // So was a secret whose owner tag it takes over (takeOverFrom): a declaration managed its
    // rotation; taking that over is no first turn-on either — no rotation because of it.
    const takenFrom = takenOverFrom(spec, secret);
    if (takenFrom !== undefined) governedBefore = true;
    const reclaimed = reclaimStep(spec, secret, takenFrom);
    const desired = desiredFor(spec, secret);
    const plan = planReconcile(
        desired,
        { found: true, secret },
        governedBefore ? { operation: "update", previous: { enabled: true }, cancelledVersionId } : { operation: "create", cancelledVersionId },
    );
    const takesOver = foreignMark(spec.identity, secret) !== undefined || takenFrom !== undefined;
    if (plan.blocked || (plan.steps.length === 0 && !takesOver)) return plan;
    const turnsOn = !secret.rotationEnabled && plan.steps.some((s) => s.call.api === "RotateSecret");
    const mark = markStep(spec, secret, turnsOn);
    const first = [...(mark ? [mark] : []), ...(reclaimed ? [reclaimed] : [])];
    const marked = first.length > 0 ? { ...plan, steps: [...first, ...plan.steps] } : plan;
    const unmarked = turnsOn && !carries(secret, POLICY_TURNED_ON_TAG_KEY, spec.identity) && !(mark?.call.api === "TagResource" && mark.call.tags.some((t) => t.key === POLICY_TURNED_ON_TAG_KEY));
    if (!unmarked) return marked;
    const note = `rotation turned on without the ${POLICY_TURNED_ON_TAG_KEY} mark: AWS's ${TAG_QUOTA} tags per secret leave no room for it, so this policy's destroy will leave the rotation on`;
    return { ...marked, notes: [...marked.notes, note] };
}

/**
 * The plan for a secret this policy marked and no longer governs — it left the selection, was
 * excluded, or a SecretRotationState took it over — and for every such secret at destroy: when
 * the policy turned its rotation on and deletionPolicy is cancel, planDelete (which turns rotation
 * off, and leaves a secret another declaration owns or a service manages to it); then the marks
 * are released. A secret scheduled for deletion or a replica is not touched.
 */
export function planRelease(spec: PolicySpec, secret: ObservedSecret, cancelledVersionId?: string, keepStandby = false): Plan {
    if (secret.deletedDate) return { arn: secret.arn, steps: [], notes: [`the secret is scheduled for deletion on ${secret.deletedDate}: left as it is`] };
    if (secret.primaryRegion && secret.primaryRegion !== secret.region) return { arn: secret.arn, steps: [], notes: ["a replica: its tags are its primary's"] };
    const desired: DesiredState = { ...spec.settings, secretId: secret.arn, enabled: false };
    const turnedOn = carries(secret, POLICY_TURNED_ON_TAG_KEY, spec.identity);
    // Another policy of this stack stands by (a renamed or moved policy, or one whose selection
    // overlaps): hand the secret to it — its marks now name that policy, turned-on included — and
    // leave the rotation on. No CancelRotateSecret, no rotation because of the move.
    const standby = carries(secret, POLICY_TAG_KEY, spec.identity) && secret.ownerTag === undefined ? standingBy(secret, spec.identity) : undefined;
    if (standby !== undefined) {
        const keys = [POLICY_TAG_KEY, ...(turnedOn ? [POLICY_TURNED_ON_TAG_KEY] : [])];
        return {
            arn: secret.arn,
            steps: [
                { call: { api: "TagResource", tags: keys.map((key) => ({ key, value: standby })) }, why: `hand the secret over to the policy ${standby} of this stack, which stands by for it` },
                { call: { api: "UntagResource", keys: [POLICY_STANDBY_TAG_KEY] }, why: `${standby} governs it now: it no longer stands by` },
            ],
            notes: [`handed over to the policy ${standby}, which stands by for this secret: its rotation is left on`],
        };
    }
    const leftBecause =
        secret.ownerTag !== undefined
            ? `owned by the declaration ${secret.ownerTag}: its rotation is left to it`
            : secret.owningService
              ? `managed by ${secret.owningService}: its rotation is left to it`
              : spec.settings.deletionPolicy !== "cancel"
                ? "deletionPolicy is retain: the secret's rotation is left as it is"
                : !turnedOn
                  ? "its rotation was on when this policy found it: left on"
                  : undefined;
    const plan: Plan = leftBecause === undefined ? planDelete(desired, { found: true, secret }, { cancelledVersionId }) : { arn: secret.arn, steps: [], notes: [leftBecause] };
    if (plan.blocked) return plan;
    const release = releaseStep(spec.identity, secret, keepStandby);
    return release ? { ...plan, steps: [...plan.steps, release] } : plan;
}

/** The governs mark a plan's steps set (the policy's identity as a tag value), if any. */
export function policyMarkSetBy(steps: readonly PlannedStep[]): string | undefined {
    for (const step of steps) if (step.call.api === "TagResource") for (const tag of step.call.tags) if (tag.key === POLICY_TAG_KEY) return tag.value;
    return undefined;
}

/** Whether one of this policy's marks is on the secret. */
export const markedBy = (spec: Pick<PolicySpec, "identity">, secret: ObservedSecret) => POLICY_TAG_KEYS.some((key) => carries(secret, key, spec.identity));

// ---- the whole policy ----

export interface SecretWork {
    name: string;
    arn: string;
    /** governed: planGoverned; release: planRelease. */
    kind: "governed" | "release";
    /** Governed now and not at the last update. */
    newlyGoverned: boolean;
    /** release: this policy stands by for the secret (planLetGo). */
    standsBy?: boolean;
    plan: Plan;
}

export interface PolicyPlan {
    /** The names of the secrets the policy governs now, sorted. */
    governed: string[];
    /** Every secret with calls to make or a refusal, by name. */
    work: SecretWork[];
    /** The names passed over, per reason. */
    passedOver: Record<PassedOverReason, string[]>;
    /**
     * What changed since the last update, per secret name, in words: a governed secret that is out
     * of line (what `up` will do), a newly governed one, one no longer governed. Empty right after
     * a successful update; without a last update (create), empty.
     */
    drift: Record<string, string>;
    /** The names of the selected secrets a declaration or another policy of this stack holds, for which this policy stands by (or starts to). */
    standingBy: string[];
    /** The governed secrets that carry an owner tag or a mark this policy takes over (takeOverFrom), and whose. */
    takenOver: { name: string; from: string }[];
}

/** At most this many characters of a drift entry: it is shown in `preview --diff` and kept in state after a refresh. */
const DRIFT_TEXT_LIMIT = 240;

/** A plan in a few words: the reason of each call but the mark, or the refusal. */
export function planSummary(plan: Plan): string {
    if (plan.blocked) return `blocked: ${plan.blocked.reason}`;
    const whys = plan.steps.filter((s) => !isMark(s)).map((s) => s.why);
    return [...new Set(whys)].join("; ") || "no call";
}
const clip = (text: string) => (text.length > DRIFT_TEXT_LIMIT ? `${text.slice(0, DRIFT_TEXT_LIMIT - 1)}…` : text);

/** What the policy's last create or update recorded, which each secret's decision starts from. */
export interface PolicyHistory {
    /** The names the last create or update governed; undefined for a create. */
    governed?: ReadonlySet<string>;
    /** Marks under this identity are the policy's own under an earlier name (HandOverContext). */
    handOver: HandOverContext;
}

/** The history planPolicy and the executor's per-secret decisions start from. */
export function policyHistory(spec: Pick<PolicySpec, "identity">, previouslyGoverned?: readonly string[], previousIdentity?: string): PolicyHistory {
    return {
        ...(previouslyGoverned !== undefined ? { governed: new Set(previouslyGoverned) } : {}),
        handOver: previousIdentity !== undefined && previousIdentity !== spec.identity ? { previousIdentity } : {},
    };
}

/** One selected secret's part of the policy's plan. */
export interface SecretDecision {
    /** Governed now (the policy's `governed`). */
    governed: boolean;
    /** Passed over, and why. */
    passedOver?: PassedOverReason;
    /** The policy stands by for it (the policy's `standingBy`). */
    standingBy: boolean;
    /** Calls to make, or a refusal. */
    work?: SecretWork;
    /** What changed since the last update, in words. */
    drift?: string;
    /** Governed by taking over this owner tag's or mark's identity (takeOverFrom). */
    takenOverFrom?: string;
}

/**
 * One secret's standing, plan and drift under the policy, from one observation of it: planPolicy
 * runs it for every listed secret, and the executor again for each secret right after describing
 * it, so a secret's calls are decided from DescribeSecret by the same function the plan uses.
 */
export function decideSecret(spec: PolicySpec, secret: ObservedSecret, history: PolicyHistory): SecretDecision {
    const before = history.governed;
    const wasGoverned = before?.has(secret.name) === true;
    const standing = standingOf(spec, secret, history.handOver);
    if (standing.kind === "governed") {
        const newlyGoverned = before !== undefined && !wasGoverned;
        const plan = planGoverned(spec, secret, wasGoverned);
        const acts = plan.steps.length > 0 || plan.blocked !== undefined;
        const takenFrom = takenOverFrom(spec, secret);
        const how = takenFrom === undefined ? "newly governed" : `newly governed, taken over from ${takenFrom} (takeOverFrom)`;
        const drift = newlyGoverned ? clip(`${how}: ${acts ? planSummary(plan) : "already in line, no call"}`) : acts && before !== undefined ? clip(planSummary(plan)) : undefined;
        return {
            governed: true,
            standingBy: false,
            ...(takenFrom !== undefined ? { takenOverFrom: takenFrom } : {}),
            ...(acts ? { work: { name: secret.name, arn: secret.arn, kind: "governed", newlyGoverned, plan } } : {}),
            ...(drift !== undefined ? { drift } : {}),
        };
    }
    const standsBy = standing.kind === "passed-over" && standing.standsBy === true;
    const letGo = planLetGo(spec, secret, standsBy);
    const startsStandby = letGo !== undefined && letGo.steps.some(isStandbyStep);
    const releases = letGo !== undefined && (letGo.blocked !== undefined || letGo.steps.some((s) => !isStandbyStep(s)));
    const acts = releases || startsStandby;
    const drift =
        wasGoverned || releases
            ? clip(`no longer governed (${standing.kind === "passed-over" ? standing.why : "no longer selected"})${acts ? `: ${planSummary(letGo!)}` : ""}`)
            : startsStandby && before !== undefined
              ? clip(`stands by (${standing.kind === "passed-over" ? standing.why : ""}): ${planSummary(letGo!)}`)
              : undefined;
    return {
        governed: false,
        ...(standing.kind === "passed-over" ? { passedOver: standing.reason } : {}),
        standingBy: standsBy && (startsStandby || standsByFor(spec, secret)),
        ...(letGo && acts ? { work: { name: secret.name, arn: secret.arn, kind: "release", newlyGoverned: false, standsBy, plan: letGo } } : {}),
        ...(drift !== undefined ? { drift } : {}),
    };
}

/**
 * The policy's plan over the listed secrets: which it governs, each one's plan, which it passes
 * over and why, which it releases, and the drift since the last update. `previouslyGoverned`: the
 * names the last create or update recorded (undefined for a create).
 */
export function planPolicy(spec: PolicySpec, secrets: ObservedSecret[], previouslyGoverned?: readonly string[], previousIdentity?: string): PolicyPlan {
    const history = policyHistory(spec, previouslyGoverned, previousIdentity);
    const passedOver = Object.fromEntries(PASSED_OVER.map((reason) => [reason, [] as string[]])) as Record<PassedOverReason, string[]>;
    const governed: string[] = [];
    const standingByNames: string[] = [];
    const takenOver: { name: string; from: string }[] = [];
    const work: SecretWork[] = [];
    const drift: Record<string, string> = {};
    const seen = new Set<string>();
    for (const secret of [...secrets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        seen.add(secret.name);
        const decision = decideSecret(spec, secret, history);
        if (decision.governed) governed.push(secret.name);
        if (decision.passedOver !== undefined) passedOver[decision.passedOver].push(secret.name);
        if (decision.standingBy) standingByNames.push(secret.name);
        if (decision.work) work.push(decision.work);
        if (decision.drift !== undefined) drift[secret.name] = decision.drift;
        if (decision.takenOverFrom !== undefined) takenOver.push({ name: secret.name, from: decision.takenOverFrom });
    }
    for (const name of history.governed ?? []) if (!seen.has(name)) drift[name] = "no longer governed (no longer exists, or no longer listed)";
    return { governed, work, passedOver, drift, standingBy: standingByNames, takenOver };
}

/** The secrets worth a DescribeSecret before planning: those with work in the listing's plan, and those governed at the last update that the listing left out. */
export function secretsToConfirm(plan: PolicyPlan, listed: readonly ObservedSecret[], previouslyGoverned: readonly string[] = []): Set<string> {
    const listedNames = new Set(listed.map((secret) => secret.name));
    return new Set([...plan.work.map((w) => w.name), ...previouslyGoverned.filter((name) => !listedNames.has(name))]);
}

/** How many secrets were passed over, per reason (the policy's `passedOver` output). */
export function passedOverCounts(plan: Pick<PolicyPlan, "passedOver">): Record<PassedOverReason, number> {
    return Object.fromEntries(PASSED_OVER.map((reason) => [reason, plan.passedOver[reason].length])) as Record<PassedOverReason, number>;
}

// ---- observation ----

/** ListSecrets filters (Filter reference: 1-10 values of at most 512 characters, `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`; a leading "!" negates). */
const FILTER_VALUE = /^[a-zA-Z0-9 :_@/+=.\-!]{1,512}$/;
export const MAX_FILTER_VALUES = 10;

/**
 * The server-side filter that narrows the listing to the selection exactly, when there is one:
 * the name prefixes (ListSecrets' `name` filter is a case-sensitive prefix match, any value), at
 * most 10, none starting with "!" (which ListSecrets reads as a negation). Only when the prefixes
 * are those of the last update too: after a change, the whole region is listed, so that secrets
 * this policy marked and that left the selection are seen and released. Tag selectors list the
 * whole region (ListSecrets' tag filters match prefixes of keys and values separately).
 */
export function listingFilters(selector: Selector, previous?: Selector): { Key: "name"; Values: string[] }[] | undefined {
    const prefixes = selector.namePrefixes;
    if (!prefixes || selector.all === true || prefixes.length > MAX_FILTER_VALUES) return undefined;
    if (prefixes.some((p) => p.startsWith("!") || !FILTER_VALUE.test(p))) return undefined;
    if (previous !== undefined && JSON.stringify(previous.namePrefixes ?? null) !== JSON.stringify(prefixes)) return undefined;
    return [{ Key: "name", Values: [...prefixes] }];
}

/** The listing destroy needs: the secrets a policy governs (a tag-key filter, then the value is checked; both marks are set and released together with this one). */
export const RELEASE_FILTERS = [{ Key: "tag-key" as const, Values: [POLICY_TAG_KEY] }];

/** Whether a listed secret's pending version needs its age (ListSecretVersionIds): only for secrets the policy acts on. */
export function needsPendingAge(spec: PolicySpec, secret: ObservedSecret): boolean {
    return standingOf(spec, secret).kind === "governed" || markedBy(spec, secret);
}

/** A short description of the policy for lines and reports. */
export function describePolicy(spec: Pick<PolicySpec, "selector" | "mode" | "settings">): string {
    const s = spec.selector;
    const what = s.all
        ? "every secret"
        : [s.namePrefixes ? `names starting ${s.namePrefixes.join(" or ")}` : undefined, s.tags ? `tags ${s.tags.map((t) => (t.value === undefined ? t.key : `${t.key}=${t.value}`)).join(", ")}` : undefined]
              .filter(Boolean)
              .join(" with ");
    return `${what}: ${spec.mode} ${describeSchedule(spec.settings.schedule)}`;
}
