// What a stack declares and what it last recorded, read through Pulumi's Automation API, so the
// review works on any backend the user is logged into. Read-only: a preview without refresh (our
// provider's check and diff make no AWS call and preview writes no state) gives each resource's
// new inputs as the program declares them now — a pull request's declarations are not in state
// yet — and exportStack gives the outputs of the last `up` or refresh.
import { EngineEvent, LocalWorkspace, OpType } from "@pulumi/pulumi/automation";

import { StackAws, stackAwsConfig } from "../../providers/secretsmanager/aws-settings";
import type { StepKind } from "./report";

export const ROTATION_STATE_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";

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
    const onEvent = (event: EngineEvent) => {
        const meta = event.resourcePreEvent?.metadata;
        if (!meta || meta.type !== ROTATION_STATE_TYPE) return;
        const step = STEP_OF[meta.op];
        if (!step) return;
        const earlier = declared.get(meta.urn);
        // A replacement shows as several steps; the new inputs are on the one that has them.
        declared.set(meta.urn, { step: earlier?.step === "replace" ? "replace" : step, inputs: meta.new?.inputs ?? earlier?.inputs });
    };
    if (!options.fromState) await stack.preview({ onEvent, refresh: false, color: "never" });
    const exported = await stack.exportStack();
    const recorded = new Map<string, { id: string; outputs: Record<string, unknown> }>();
    type Stored = { urn: string; type: string; id?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
    for (const resource of (exported.deployment?.resources ?? []) as Stored[]) {
        if (resource.type !== ROTATION_STATE_TYPE || !resource.id) continue;
        recorded.set(resource.urn, { id: resource.id, outputs: resource.outputs ?? {} });
        if (options.fromState) declared.set(resource.urn, { step: "same", inputs: resource.inputs ?? {} });
    }
    const urns = new Set([...declared.keys(), ...recorded.keys()]);
    const resources = [...urns].sort().map((urn): StackResource => {
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
    const config = await stack.getAllConfig();
    const aws = stackAwsConfig(Object.fromEntries(Object.entries(config).map(([key, entry]) => [key, entry.value])));
    if (aws.failures.length > 0) throw new Error(`stack ${stackName}: the AWS configuration is invalid: ${aws.failures.map((f) => `${f.property} ${f.reason}`).join("; ")}`);
    return { stack: stackName, region: aws.setting.region, aws, resources };
}

/** The serialized provider rides along in every resource's inputs: not a declaration. */
function stripProvider(inputs: Record<string, unknown>): Record<string, unknown> {
    const { __provider: _provider, ...rest } = inputs;
    return rest;
}
