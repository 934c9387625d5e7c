// SecretRotationState: the rotation state one secret should have, reconciled by `pulumi up`.
import * as pulumi from "@pulumi/pulumi";

import { assessHealth, effectiveThresholds, FindingCode, healthFactsFromOutputs, RecordedRotationState } from "../providers/secretsmanager/semantics/health";
import { validateHealthThresholds } from "../providers/secretsmanager/semantics/inputs";
import type { DeclaredThresholds, DeletionPolicy, PendingPolicy } from "../providers/secretsmanager/semantics/model";
import { URN_INPUT } from "../providers/secretsmanager/pulumi-edge/engine-log";
import { OWNER_NAMESPACE_KEY, ownerIdentity, ownerNamespaceProblem, SELF_MANAGED_ORGANIZATION } from "../providers/secretsmanager/semantics/ownership";
import { HEALTHY } from "../providers/secretsmanager/semantics/plan";
import { stripUndefined } from "../providers/secretsmanager/semantics/state";
import rotationStateProvider = require("../providers/secretsmanager/pulumi-edge/shim");
import { thresholdsInput } from "./thresholds";

export interface ScheduleArgs {
    /** Rotate every N days, 1..1000 (the window opens at 00:00 UTC). Not together with scheduleExpression. */
    automaticallyAfterDays?: pulumi.Input<number>;
    /** `rate(N hours|days)` (4 hours to 999 days) or `cron(0 hours day-of-month month day-of-week *)` (at most once every 4 hours), UTC. */
    scheduleExpression?: pulumi.Input<string>;
    /** The rotation window: `Nh`, 1..24, at most the time between two rotations, closed by 24:00 UTC. */
    duration?: pulumi.Input<string>;
}

/** One role to assume, as in @pulumi/aws v7's `assumeRoles`. */
export interface AssumeRoleArgs {
    roleArn: pulumi.Input<string>;
    sessionName?: pulumi.Input<string>;
    externalId?: pulumi.Input<string>;
    /** @pulumi/aws v7's form: "15m" to "12h" (e.g. "1h", "3600s"). */
    duration?: pulumi.Input<string>;
    /** The older form, 900–43200 seconds; not together with duration. */
    durationSeconds?: pulumi.Input<number>;
    policy?: pulumi.Input<string>;
    policyArns?: pulumi.Input<pulumi.Input<string>[]>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    transitiveTagKeys?: pulumi.Input<pulumi.Input<string>[]>;
    sourceIdentity?: pulumi.Input<string>;
}

/**
 * The account, credentials, endpoints and proxies a declaration acts with: the arguments of an
 * explicit @pulumi/aws `aws.Provider` (the same names and meaning), minus static keys — a
 * declaration's setting is stored in state. Without it, the stack's `aws:*` configuration applies;
 * with it, only this (as for an explicit aws.Provider). docs/accounts.md.
 */
/**
 * Health thresholds (docs/health-thresholds.md): the names and meaning of the review report's
 * `thresholds`. Each one left out takes the stack-wide `secret-rotation:healthThresholds`, else the
 * default (90 days, 90 days, 60 minutes).
 */
export interface HealthThresholdsArgs {
    /** interval-too-long: the longest allowed rotation interval, days (1..1000). */
    maxIntervalDays?: pulumi.Input<number>;
    /** not-rotated-recently: the secret must have rotated within this many days (1..100000). */
    maxDaysSinceRotation?: pulumi.Input<number>;
    /** pending-long-running: a rotation in progress for longer than this many minutes is reported (1..43200). */
    pendingLongRunningMinutes?: pulumi.Input<number>;
}

export interface AwsSettingArgs {
    region?: pulumi.Input<string>;
    profile?: pulumi.Input<string>;
    sharedConfigFiles?: pulumi.Input<pulumi.Input<string>[]>;
    sharedCredentialsFiles?: pulumi.Input<pulumi.Input<string>[]>;
    assumeRoles?: pulumi.Input<pulumi.Input<AssumeRoleArgs>[]>;
    allowedAccountIds?: pulumi.Input<pulumi.Input<string>[]>;
    forbiddenAccountIds?: pulumi.Input<pulumi.Input<string>[]>;
    /** As @pulumi/aws's `endpoints`: entries for `secretsmanager` and `sts` (the services this provider calls). */
    endpoints?: pulumi.Input<pulumi.Input<{ secretsmanager?: pulumi.Input<string>; sts?: pulumi.Input<string> }>[]>;
    maxRetries?: pulumi.Input<number>;
    retryMode?: pulumi.Input<string>;
    stsRegion?: pulumi.Input<string>;
    httpProxy?: pulumi.Input<string>;
    httpsProxy?: pulumi.Input<string>;
    noProxy?: pulumi.Input<string>;
}

export interface SecretRotationStateArgs {
    /** The secret: its name, full ARN or partial ARN. Name and ARN of the same secret are the same resource. */
    secretId: pulumi.Input<string>;
    /** Rotation on or off. Default: true. */
    enabled?: pulumi.Input<boolean>;
    /** The rotation Lambda. Needed to turn rotation on unless the secret already has one or is managed by another service. */
    rotationLambdaArn?: pulumi.Input<string>;
    /** Needed to turn rotation on unless the secret already has a schedule. */
    schedule?: pulumi.Input<ScheduleArgs>;
    /** Whether turning rotation on rotates the secret now. Default: true (as in AWS). Reconfiguring never rotates. */
    rotateImmediately?: pulumi.Input<boolean>;
    /** Change this value to rotate the secret on the next `pulumi up` ("rotate by pull request"). */
    rotateNowToken?: pulumi.Input<string>;
    /**
     * What to do with an AWSPENDING stranded on a version other than AWSCURRENT and older than
     * pendingGracePeriod: `quarantine` (default: keep the version under a label of its own),
     * `promote` (roll forward — never done unattended: the version may be empty and nothing but
     * its value tells, so `up` refuses with the check and the commands to roll forward by hand;
     * docs/promote-and-empty-versions.md) or `fail` (change nothing, explain).
     */
    pendingPolicy?: pulumi.Input<PendingPolicy>;
    /** Age from which a pending version counts as stranded: `Nm`, `Nh` or `Nd`. Default: `2h`. */
    pendingGracePeriod?: pulumi.Input<string>;
    /** `cancel` (default: destroy turns rotation off and cleans up) or `retain`. */
    deletionPolicy?: pulumi.Input<DeletionPolicy>;
    /**
     * Take the secret over from the declaration that owns it (the `pulumi-secret-rotation:owner`
     * tag names it): another stack's, e.g. one removed without destroy. Default: false — a secret
     * another stack owns is refused, naming the owner. A renamed or moved declaration of the same
     * stack takes over without it.
     */
    takeOver?: pulumi.Input<boolean>;
    /** Another account or credentials for this secret (a profile, roles to assume, …); default: the stack's aws:* configuration. */
    aws?: pulumi.Input<AwsSettingArgs>;
    /**
     * The thresholds this secret's health is judged by, in preview warnings and the review; over
     * the stack-wide `secret-rotation:healthThresholds`, field by field. Changes nothing in AWS.
     */
    healthThresholds?: pulumi.Input<HealthThresholdsArgs>;
}

/** The type token: a dynamic resource of module "secretsmanager", type "RotationState". */
const ROTATION_STATE_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";

export class SecretRotationState extends pulumi.dynamic.Resource {
    /** The secret's full ARN (also the resource id). */
    declare readonly arn: pulumi.Output<string>;
    declare readonly name: pulumi.Output<string>;
    declare readonly region: pulumi.Output<string>;
    declare readonly rotationEnabled: pulumi.Output<boolean>;
    /** The live rotation function. */
    declare readonly rotationLambdaArn: pulumi.Output<string | undefined>;
    /** The live schedule. */
    declare readonly schedule: pulumi.Output<{ automaticallyAfterDays?: number; scheduleExpression?: string; duration?: string } | undefined>;
    /** "healthy", or which version carries a stranded AWSPENDING. */
    declare readonly stagingLabels: pulumi.Output<string>;
    declare readonly lastRotatedDate: pulumi.Output<string | undefined>;
    declare readonly nextRotationDate: pulumi.Output<string | undefined>;
    declare readonly currentVersionId: pulumi.Output<string | undefined>;
    declare readonly previousVersionId: pulumi.Output<string | undefined>;
    declare readonly pendingVersionId: pulumi.Output<string | undefined>;
    declare readonly pendingCreatedDate: pulumi.Output<string | undefined>;
    declare readonly quarantinedVersionIds: pulumi.Output<string[]>;
    declare readonly owningService: pulumi.Output<string | undefined>;
    /** The Secrets Manager calls the last operation made, in order. */
    declare readonly apiCalls: pulumi.Output<string[]>;
    /** What the last up declared (enabled, and the Lambda and schedule when declared). */
    declare readonly declared: pulumi.Output<{ enabled: boolean } | undefined>;

    constructor(name: string, args: SecretRotationStateArgs, opts?: pulumi.CustomResourceOptions) {
        const outputs = {
            arn: undefined,
            name: undefined,
            region: undefined,
            rotationEnabled: undefined,
            stagingLabels: undefined,
            lastRotatedDate: undefined,
            nextRotationDate: undefined,
            currentVersionId: undefined,
            previousVersionId: undefined,
            pendingVersionId: undefined,
            pendingCreatedDate: undefined,
            quarantinedVersionIds: undefined,
            owningService: undefined,
            apiCalls: undefined,
            declared: undefined,
        };
        if ((args as { __owner?: unknown }).__owner !== undefined) {
            throw new Error(`SecretRotationState ${name}: __owner is set by SecretRotationState itself and cannot be declared`);
        }
        // This resource's URN, so that the provider's lines about it land on it rather than on the
        // stack (providers/secretsmanager/pulumi-edge/engine-log.ts); the provider's check takes it off, so
        // it is never stored.
        const urn = pulumi.createUrn(name, ROTATION_STATE_TYPE, opts?.parent);
        // Its own thresholds over the stack's, recorded in its inputs: what the review judges it by too.
        const healthThresholds = thresholdsInput(args.healthThresholds as pulumi.Input<DeclaredThresholds> | undefined);
        const { healthThresholds: _own, ...rest } = args;
        super(
            rotationStateProvider,
            name,
            { ...outputs, ...rest, ...(healthThresholds !== undefined ? { healthThresholds } : {}), __owner: ownerOf(name, opts), [URN_INPUT]: urn },
            opts,
            "secretsmanager",
            "RotationState",
        );
        warnOfHealthFindings(this, pulumi.output(healthThresholds));
    }
}

/**
 * This declaration's identity, the value of the owner tag it writes (ownership.ts): the program's
 * organization (or the owner namespace, when the stack declares `secret-rotation:ownerNamespace`),
 * project and stack, and the resource's name behind its parents' types, as in its URN — so a
 * rename or a move into a component (without an alias) is another declaration, which takes the
 * secret over, and the old one's delete leaves rotation on. It is an input (a dynamic provider is
 * told no URN), stored in state; a change of it alone (a renamed stack or project, a new
 * namespace) is an update that re-tags (the providers' diff).
 */
export function ownerOf(name: string, opts: pulumi.CustomResourceOptions | undefined): pulumi.Output<string> {
    const base = { organization: identityRoot(), project: pulumi.getProject(), stack: pulumi.getStack(), name };
    const parent = opts?.parent;
    if (!parent) return pulumi.output(ownerIdentity(base));
    return parent.urn.apply((parentUrn) => ownerIdentity({ ...base, parentUrn }));
}

/** Said once per program run (one stack), not once per resource. */
let sharedIdentityWarned = false;

/**
 * The first segment of every identity: `secret-rotation:ownerNamespace` when the stack (or the
 * project) declares it — checked here, before any resource is registered — else the organization.
 * On a self-managed backend (organization "organization") without a namespace, one warning: two
 * repos on two such backends with the same project and stack names share every identity.
 */
function identityRoot(): string {
    const [namespaceName, key] = OWNER_NAMESPACE_KEY.split(":") as [string, string];
    const namespace = new pulumi.Config(namespaceName).get(key);
    if (namespace !== undefined) {
        const problem = ownerNamespaceProblem(namespace);
        if (problem) throw new Error(`${OWNER_NAMESPACE_KEY}: ${problem}`);
        return namespace;
    }
    const org = organization();
    if (org === SELF_MANAGED_ORGANIZATION && !sharedIdentityWarned) {
        sharedIdentityWarned = true;
        void pulumi.log.warn(
            `this stack's backend is self-managed (organization "${org}"), so its owner identities are ${org}/${pulumi.getProject()}/${pulumi.getStack()}/<resource>: ` +
                `another repository on another self-managed backend with the same project and stack names would share them, and each would take the other's secrets as its own. ` +
                `Set a namespace of your own: pulumi config set ${OWNER_NAMESPACE_KEY} <team-or-repo> (docs/ownership-and-reclaiming.md); the next up re-tags, with no rotation`,
        );
    }
    return org;
}

/** The organization the stack belongs to; the engine always passes one (a file backend's is "organization"). */
function organization(): string {
    try {
        return pulumi.getOrganization();
    } catch {
        // Only in unit-test mocks without an organization: the file backend's name for it.
        return SELF_MANAGED_ORGANIZATION;
    }
}

/**
 * Rotation health findings (health.ts, the rules of the review command) as warnings on this
 * resource in `pulumi preview` and `up`, judged from the recorded outputs: no AWS call, so they are
 * as fresh as the last up or refresh — run `pulumi preview --refresh` to judge the live state.
 * The outputs are only known for a resource the step leaves as it is (unknown while it is being
 * created or updated, when the diff shows what will change instead).
 */
function warnOfHealthFindings(state: SecretRotationState, declaredThresholds: pulumi.Output<DeclaredThresholds | undefined>): void {
    // During a preview an output the state does not have (e.g. no pending version) is *unknown*,
    // and one unknown output keeps an apply from running. So each rule is judged from exactly the
    // outputs it needs; where those are absent there is nothing to judge anyway.
    type Judged = Partial<RecordedRotationState> & { name: string; thresholds: DeclaredThresholds | undefined };
    const judge = (codes: FindingCode[], { thresholds: declaredOnes, ...recorded }: Judged, declared?: { enabled: boolean }) => {
        // Invalid thresholds are refused by the provider's check, naming them; nothing to judge by.
        if (declaredOnes !== undefined && validateHealthThresholds(declaredOnes, "healthThresholds").length > 0) return;
        const now = new Date().toISOString();
        const thresholds = effectiveThresholds({ declared: declaredOnes });
        const facts = healthFactsFromOutputs({ rotationEnabled: true, stagingLabels: HEALTHY, ...stripUndefined(recorded) }, now);
        for (const finding of assessHealth(facts, { now, thresholds, rotationExpected: declared?.enabled !== false })) {
            if (codes.includes(finding.code)) void pulumi.log.warn(`[${finding.code}] ${finding.message}`, state);
        }
    };
    const { name, rotationEnabled, schedule, lastRotatedDate, nextRotationDate, stagingLabels, pendingVersionId, pendingCreatedDate, declared } = state;
    const thresholds = declaredThresholds;
    pulumi.output({ name, rotationEnabled, declared, thresholds }).apply(({ declared: d, ...o }) => judge(["rotation-disabled"], o, d));
    pulumi.output({ name, rotationEnabled, schedule, thresholds }).apply((o) => judge(["interval-too-long"], o));
    pulumi.output({ name, lastRotatedDate, declared, thresholds }).apply(({ declared: d, ...o }) => judge(["not-rotated-recently"], o, d));
    pulumi.output({ name, rotationEnabled, schedule, nextRotationDate, thresholds }).apply((o) => judge(["missed-scheduled-rotation"], o));
    pulumi.output({ name, stagingLabels, pendingVersionId, pendingCreatedDate, thresholds }).apply((o) => judge(["pending-stranded", "pending-long-running"], o));
}
