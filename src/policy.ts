// SecretRotationPolicy: one declaration for every secret of an account and region that matches a
// selector, reconciled by `pulumi up` (providers/secretsmanager/semantics/policy.ts decides, plan.ts plans
// each secret as for a SecretRotationState).
import * as pulumi from "@pulumi/pulumi";

import { URN_INPUT } from "../providers/secretsmanager/pulumi-edge/engine-log";
import type { DeletionPolicy, PendingPolicy } from "../providers/secretsmanager/semantics/model";
import type { ManagedSecretsChoice, PassedOverReason, PolicyMode } from "../providers/secretsmanager/semantics/policy";
import rotationPolicyProvider = require("../providers/secretsmanager/pulumi-edge/policy-shim");
import type { DeclaredThresholds } from "../providers/secretsmanager/semantics/model";
import { AwsSettingArgs, HealthThresholdsArgs, ownerOf, ScheduleArgs } from "./resource";
import { thresholdsInput } from "./thresholds";

/** A tag a secret must carry: the key, and when given the exact value. */
export interface TagConditionArgs {
    key: pulumi.Input<string>;
    value?: pulumi.Input<string>;
}

export interface SelectorArgs {
    /** Secrets whose names start with any of these (case-sensitive). */
    namePrefixes?: pulumi.Input<pulumi.Input<string>[]>;
    /** Tags a secret must all carry. With namePrefixes, both must hold. */
    tags?: pulumi.Input<pulumi.Input<TagConditionArgs>[]>;
    /** Every secret of the account and region (alone). */
    all?: pulumi.Input<boolean>;
}

export interface ExclusionArgs {
    /** Names (or ARNs) left out. */
    names?: pulumi.Input<pulumi.Input<string>[]>;
    namePrefixes?: pulumi.Input<pulumi.Input<string>[]>;
    /** Secrets carrying any of these tags are left out. */
    tags?: pulumi.Input<pulumi.Input<TagConditionArgs>[]>;
}

export interface SecretRotationPolicyArgs {
    /** Which secrets of the account and region the policy governs. */
    selector: pulumi.Input<SelectorArgs>;
    /** Selected secrets to leave out: any one rule excludes. */
    exclude?: pulumi.Input<ExclusionArgs>;
    /**
     * `enforce` (default): every governed secret gets exactly this rotation. `minimum`: only what
     * falls short is fixed — rotation off, or a schedule whose longest interval is longer than this
     * one's; a stricter schedule and the secret's own Lambda are left alone.
     */
    mode?: pulumi.Input<PolicyMode>;
    /**
     * Selected secrets another service manages (RDS, Aurora, Redshift, DocumentDB...; docs/managed-secrets.md):
     * `passOver` (default) leaves them alone; `schedule` gives them this schedule (managed rotation: never
     * this rotationLambdaArn); `disable` turns their rotation off. Destroy never changes their rotation.
     */
    managedSecrets?: pulumi.Input<ManagedSecretsChoice>;
    /**
     * Reclaim what a gone stack left behind: owner identities (or a stack's
     * `<organization or namespace>/<project>/<stack>`) whose owner tags and policy marks this policy
     * takes over on the secrets it selects, as `pulumi-secret-rotation review` lists them under
     * orphans. A taken-over secret is re-marked (and reconfigured only where it differs), never
     * rotated because of the take-over. Default: none — a secret another stack's declaration owns or
     * another policy marked is passed over. docs/ownership-and-reclaiming.md.
     */
    takeOverFrom?: pulumi.Input<pulumi.Input<string>[]>;
    /** The rotation Lambda (needed to turn rotation on for a secret that has none). */
    rotationLambdaArn?: pulumi.Input<string>;
    /** The schedule every governed secret gets; in mode minimum, the longest interval allowed. */
    schedule: pulumi.Input<ScheduleArgs>;
    /** Whether turning rotation on for a newly governed secret rotates it now. Default: true (as for a single declaration). */
    rotateImmediately?: pulumi.Input<boolean>;
    pendingPolicy?: pulumi.Input<PendingPolicy>;
    pendingGracePeriod?: pulumi.Input<string>;
    /** `cancel` (default): destroy turns off the rotation this policy turned on, and nothing else. `retain`: destroy leaves rotation as it is. */
    deletionPolicy?: pulumi.Input<DeletionPolicy>;
    quarantineRetention?: pulumi.Input<string>;
    quarantineLabelLimit?: pulumi.Input<number>;
    /** The account and region's credentials (a profile, roles to assume, …); default: the stack's aws:* configuration. */
    aws?: pulumi.Input<AwsSettingArgs>;
    /**
     * The thresholds its secrets' health is judged by in the review; over the stack-wide
     * `secret-rotation:healthThresholds`, field by field. Left out, the defaults rise to this
     * policy's schedule (docs/health-thresholds.md). Changes nothing in AWS.
     */
    healthThresholds?: pulumi.Input<HealthThresholdsArgs>;
}

/** The type token: a dynamic resource of module "secretsmanager", type "RotationPolicy". */
export const ROTATION_POLICY_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationPolicy";

export class SecretRotationPolicy extends pulumi.dynamic.Resource {
    declare readonly account: pulumi.Output<string>;
    declare readonly region: pulumi.Output<string>;
    /** The names of the secrets the policy governs, as of the last up. */
    declare readonly governed: pulumi.Output<string[]>;
    /** How many selected secrets were passed over, per reason. */
    declare readonly passedOver: pulumi.Output<Record<PassedOverReason, number>>;
    /** After a refresh: each secret out of line, newly governed or no longer governed, and why. */
    declare readonly drift: pulumi.Output<Record<string, string>>;
    /** Secrets whose reconciliation failed at the last up, and why. */
    declare readonly failed: pulumi.Output<Record<string, string> | undefined>;
    declare readonly secretsListed: pulumi.Output<number>;
    /** Secrets Manager operation → calls, of the last operation. */
    declare readonly apiCalls: pulumi.Output<Record<string, number>>;

    constructor(name: string, args: SecretRotationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        if ((args as { __owner?: unknown }).__owner !== undefined) {
            throw new Error(`SecretRotationPolicy ${name}: __owner is set by SecretRotationPolicy itself and cannot be declared`);
        }
        const outputs = { account: undefined, region: undefined, governed: undefined, passedOver: undefined, failed: undefined, secretsListed: undefined, apiCalls: undefined };
        // The policy's lines (drift in previews, calls in up) land on it: the provider takes the URN off in check.
        const urn = pulumi.createUrn(name, ROTATION_POLICY_TYPE, opts?.parent);
        const healthThresholds = thresholdsInput(args.healthThresholds as pulumi.Input<DeclaredThresholds> | undefined);
        const { healthThresholds: _own, ...rest } = args;
        const inputs = { ...outputs, ...rest, ...(healthThresholds !== undefined ? { healthThresholds } : {}), drift: {}, __owner: ownerOf(name, opts), [URN_INPUT]: urn };
        super(rotationPolicyProvider, name, inputs, opts, "secretsmanager", "RotationPolicy");
    }
}
