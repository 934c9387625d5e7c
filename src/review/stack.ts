// What a stack declares and what it last recorded, read through Pulumi's Automation API, so the
// review works on any backend the user is logged into. Read-only: a preview without refresh (our
// provider's check and diff make no AWS call and preview writes no state) gives each resource's
// new inputs as the program declares them now — a pull request's declarations are not in state
// yet — and exportStack gives the outputs of the last `up` or refresh.
import { EngineEvent, LocalWorkspace, OpType } from "@pulumi/pulumi/automation";

import { StackAws, stackAwsConfig } from "../../providers/secretsmanager/semantics/aws-settings";
import { validateHealthThresholds } from "../../providers/secretsmanager/semantics/inputs";
import type { DeclaredThresholds } from "../../providers/secretsmanager/semantics/model";
import { OWNER_NAMESPACE_KEY, SELF_MANAGED_ORGANIZATION } from "../../providers/secretsmanager/semantics/ownership";
import { CONFIG_NAMESPACE, HEALTH_THRESHOLDS_KEY } from "../config-keys";
import type { StepKind } from "./report";

export const ROTATION_STATE_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";
export const ROTATION_POLICY_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationPolicy";
const REVIEWED_TYPES = [ROTATION_STATE_TYPE, ROTATION_POLICY_TYPE];
/** @pulumi/aws's rotation of one secret: in the same stack as a declaration of that secret, the two undo each other. */
export const AWS_SECRET_ROTATION_TYPE = "aws:secretsmanager/secretRotation:SecretRotation";

export interface StackResource {
    urn: string;
    /** The resource's name: the last part of its URN. */
    name: string;
    step: StepKind;
    /** The declared inputs (absent for a resource to be destroyed). */
    inputs?: Record<string, unknown>;
    /** The id and outputs the state holds (absent for a resource to be created). */
    recorded?: { id: string; outputs: Record<string, unknown> };
}

export interface StackSnapshot {
    stack: string;
    /** aws:region from the stack configuration, when set: the region of secrets declared by name. */
    region?: string;
    /** The stack's aws:* configuration, read as the provider's configure() reads it: credentials are resolved exactly as `up` resolves them. */
    aws?: StackAws;
    resources: StackResource[];
    /** The stack's rotation policies (SecretRotationPolicy), read the same way. */
    policies?: StackResource[];
    /**
     * `<organization or owner namespace>/<project>/<stack>`, the start of the stack's identities as
     * the configuration and the stack's name tell it (for a stack that declares nothing; otherwise
     * its resources' identities say it). The organization: the stack name's when it is fully
     * qualified (org/project/stack), else "organization" (every self-managed backend's).
     */
    identityPrefix: string;
    /** The stack's aws.secretsmanager.SecretRotation resources (@pulumi/aws), for the review's conflict finding. */
    awsRotations?: AwsRotationResource[];
    /**
     * The stack-wide `secret-rotation:healthThresholds` (or under the project's namespace), when
     * set and valid. Declarations and policies record them merged under their own; the review uses
     * them directly only for what no resource records: `--all`'s undeclared secrets.
     */
    healthThresholds?: DeclaredThresholds;
}

/** An aws.secretsmanager.SecretRotation of the reviewed stack. */
export interface AwsRotationResource {
    urn: string;
    /** Its secretId as declared (preview) or recorded (state: inputs, else outputs). */
    secretId: string;
    step: StepKind;
    /** Recorded with retainOnDelete: its delete makes no AWS call (the migration's way out). */
    retainOnDelete: boolean;
}

const STEP_OF: Partial<Record<OpType, StepKind>> = {
    create: "create",
    update: "update",
    same: "same",
    delete: "delete",
    replace: "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
};

/**
 * `fromState`: skip the preview and take the declarations the last `up` recorded (each resource's
 * stored inputs, step "same"): no program run, so it is faster and needs no project dependencies,
 * but a pending change of the declarations (a pull request's) is not seen. For scheduled drift
 * and health jobs.
 */
export async function readStack(stackName: string, workDir: string, options: { fromState?: boolean } = {}): Promise<StackSnapshot> {
    const stack = await LocalWorkspace.selectStack({ stackName, workDir });
    const declared = new Map<string, { step: StepKind; inputs?: Record<string, unknown> }>();
    const types = new Map<string, string>();
    // The order the engine steps through the resources (dependencies first), then the state's: the
    // stack program chains its policies, and the review judges them in the same order as up.
    const order = new Map<string, number>();
    const seen = (urn: string) => {
        if (!order.has(urn)) order.set(urn, order.size);
    };
    const awsRotations = new Map<string, AwsRotationResource>();
    const onEvent = (event: EngineEvent) => {
        const meta = event.resourcePreEvent?.metadata;
        if (meta?.type === AWS_SECRET_ROTATION_TYPE && STEP_OF[meta.op]) {
            const secretId = meta.new?.inputs?.secretId ?? meta.old?.inputs?.secretId;
            const earlier = awsRotations.get(meta.urn);
            if (typeof secretId === "string") awsRotations.set(meta.urn, { urn: meta.urn, secretId, step: STEP_OF[meta.op]!, retainOnDelete: earlier?.retainOnDelete ?? false });
            return;
        }
        if (!meta || !REVIEWED_TYPES.includes(meta.type)) return;
        const step = STEP_OF[meta.op];
        if (!step) return;
        types.set(meta.urn, meta.type);
        seen(meta.urn);
        const earlier = declared.get(meta.urn);
        // A replacement shows as several steps; the new inputs are on the one that has them.
        declared.set(meta.urn, { step: earlier?.step === "replace" ? "replace" : step, inputs: meta.new?.inputs ?? earlier?.inputs });
    };
    if (!options.fromState) await stack.preview({ onEvent, refresh: false, color: "never" });
    const exported = await stack.exportStack();
    const recorded = new Map<string, { id: string; outputs: Record<string, unknown> }>();
    type Stored = { urn: string; type: string; id?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown>; retainOnDelete?: boolean; delete?: boolean };
    const previewed = !options.fromState;
    for (const resource of (exported.deployment?.resources ?? []) as Stored[]) {
        if (resource.type === AWS_SECRET_ROTATION_TYPE && resource.delete !== true) {
            const secretId = resource.inputs?.secretId ?? resource.outputs?.secretId;
            const planned = awsRotations.get(resource.urn);
            // In state but not in the preview: the program no longer declares it (up deletes it).
            const step: StepKind = planned?.step ?? (previewed ? "delete" : "same");
            if (typeof secretId === "string" || planned) {
                awsRotations.set(resource.urn, { urn: resource.urn, secretId: planned?.secretId ?? (secretId as string), step, retainOnDelete: resource.retainOnDelete === true });
            }
            continue;
        }
        if (!REVIEWED_TYPES.includes(resource.type) || !resource.id) continue;
        types.set(resource.urn, resource.type);
        seen(resource.urn);
        recorded.set(resource.urn, { id: resource.id, outputs: resource.outputs ?? {} });
        if (options.fromState) declared.set(resource.urn, { step: "same", inputs: resource.inputs ?? {} });
    }
    const urns = new Set([...declared.keys(), ...recorded.keys()]);
    const all = [...urns].sort().map((urn): StackResource => {
        const d = declared.get(urn);
        const r = recorded.get(urn);
        return {
            urn,
            name: urn.slice(urn.lastIndexOf("::") + 2),
            // A resource in state that the preview did not mention is one the program no longer declares.
            step: d?.step ?? "delete",
            ...(d?.inputs ? { inputs: stripProvider(d.inputs) } : {}),
            ...(r ? { recorded: r } : {}),
        };
    });
    const resources = all.filter((r) => types.get(r.urn) !== ROTATION_POLICY_TYPE);
    const policies = all.filter((r) => types.get(r.urn) === ROTATION_POLICY_TYPE).sort((a, b) => order.get(a.urn)! - order.get(b.urn)!);
    const config = await stack.getAllConfig();
    const aws = stackAwsConfig(Object.fromEntries(Object.entries(config).map(([key, entry]) => [key, entry.value])));
    if (aws.failures.length > 0) throw new Error(`stack ${stackName}: the AWS configuration is invalid: ${aws.failures.map((f) => `${f.property} ${f.reason}`).join("; ")}`);
    const [namespaceName, namespaceKey] = OWNER_NAMESPACE_KEY.split(":") as [string, string];
    const namespace = config[`${namespaceName}:${namespaceKey}`]?.value;
    const qualified = stackName.split("/");
    const project = qualified.length === 3 ? qualified[1]! : (await stack.workspace.projectSettings()).name;
    const organization = qualified.length === 3 ? qualified[0]! : SELF_MANAGED_ORGANIZATION;
    const identityPrefix = `${namespace ?? organization}/${project}/${qualified[qualified.length - 1]}`;
    const healthThresholds = stackWideThresholds(config, project);
    return {
        stack: stackName,
        region: aws.setting.region,
        aws,
        resources,
        ...(policies.length > 0 ? { policies } : {}),
        identityPrefix,
        ...(awsRotations.size > 0 ? { awsRotations: [...awsRotations.values()].sort((a, b) => a.urn.localeCompare(b.urn)) } : {}),
        ...(healthThresholds ? { healthThresholds } : {}),
    };
}

/**
 * The stack-wide thresholds from the stack's configuration, as the program reads them
 * (src/thresholds.ts: the package's namespace, else the project's; one namespace when the project
 * is itself called secret-rotation). An invalid or doubly set value is none here: the program
 * refuses it at preview and `up`, naming it.
 */
export function stackWideThresholds(config: Record<string, { value: string }>, project: string): DeclaredThresholds | undefined {
    const set = [...new Set([CONFIG_NAMESPACE, project])].map((namespace) => config[`${namespace}:${HEALTH_THRESHOLDS_KEY}`]?.value).filter((v): v is string => v !== undefined);
    if (set.length !== 1) return undefined;
    let value: unknown;
    try {
        value = JSON.parse(set[0]!);
    } catch {
        return undefined;
    }
    return validateHealthThresholds(value, HEALTH_THRESHOLDS_KEY).length === 0 ? (value as DeclaredThresholds) : undefined;
}

/** The serialized provider rides along in every resource's inputs: not a declaration. */
function stripProvider(inputs: Record<string, unknown>): Record<string, unknown> {
    const { __provider: _provider, ...rest } = inputs;
    return rest;
}
