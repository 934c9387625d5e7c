// `migrate`, the pure part: the rotations another tool manages, read from its state file. Pure
// (the CLI reads the file and prints), so every rule is unit-tested on state files shaped as the
// tools write them (test/fixtures/migrate/, README there cites the schemas).
//
// The formats, as their sources define them:
// - `pulumi stack export`: apitype.UntypedDeployment {version: 3, deployment: DeploymentV3}, its
//   resources ResourceV3 {urn, custom, delete?, id?, type, inputs?, outputs?, protect?,
//   retainOnDelete?, provider?, ...} (pulumi/pulumi sdk/go/common/apitype/core.go). A bridged
//   resource's properties are the Terraform schema's in camelCase, a block of MaxItems 1 an object.
// - a Terraform state file: format version 4 {version: 4, terraform_version, serial, lineage,
//   outputs, resources: [{module?, mode, type, name, each?, provider, instances: [{index_key?,
//   deposed?, schema_version, attributes, sensitive_attributes?, private?, dependencies?}]}]}
//   (hashicorp/terraform internal/states/statefile/version4.go).
// - the resource: aws_secretsmanager_secret_rotation (terraform-provider-aws
//   internal/service/secretsmanager/secret_rotation.go): secret_id, rotation_lambda_arn,
//   rotation_rules (a list of at most one block: automatically_after_days, duration,
//   schedule_expression), rotate_immediately, rotation_enabled, external_secret_rotation_*.
//   Its read writes the secret's ARN into secret_id, 0 and "" for unset fields of the block, and
//   no automatically_after_days beside a schedule expression (AWS derives one from it).
import type { ScheduleInput } from "../../providers/secretsmanager/semantics/model";

export const PULUMI_ROTATION_TYPE = "aws:secretsmanager/secretRotation:SecretRotation";
export const TERRAFORM_ROTATION_TYPE = "aws_secretsmanager_secret_rotation";
/** How `pulumi stack export` marks a secret value (apitype: the signature key of a secret). */
const PULUMI_SECRET_SIG = "4dabf18193072939515e22adb298388d";

export type Tool = "pulumi" | "terraform";

/** One secret's rotation as the old tool manages it. */
export interface OldRotation {
    /** Where the old tool records it: the URN, or the Terraform resource instance address. */
    address: string;
    /** The secret as the old tool names it (kept as is: a name stays a name, an ARN an ARN). */
    secretId: string;
    /** Whether rotation is on, as the old tool last read it (Terraform's rotation_enabled, Pulumi's rotationEnabled). */
    enabled: boolean;
    rotationLambdaArn?: string;
    schedule?: ScheduleInput;
    /** The region the old tool recorded for it (provider v6+ records one per resource), when it did. */
    region?: string;
    /** Pulumi: the resource is already retained on delete (its removal makes no AWS call). */
    retainOnDelete?: boolean;
    /** Pulumi: the resource is protected (`pulumi state delete` refuses it until unprotected). */
    protect?: boolean;
    /** Terraform: the address a `removed` block names (no instance keys: it removes every instance). */
    configAddress?: string;
}

export interface Skipped {
    address: string;
    /** Why it is not migrated, and what to do. */
    reason: string;
}

export interface OldEstate {
    tool: Tool;
    /** Pulumi: the stack the export is of (from the URNs), for the steps' commands. */
    stack?: string;
    rotations: OldRotation[];
    skipped: Skipped[];
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isSecretValue = (value: unknown) => isMapping(value) && PULUMI_SECRET_SIG in value;
const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const positive = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined);

/**
 * A rotation block as the tools record it: unset fields are 0 or "" (Terraform's zero values,
 * which the bridge passes on); beside an expression, the days are AWS's derivation, not declared.
 */
function scheduleOf(rules: { days: unknown; expression: unknown; duration: unknown }): ScheduleInput | undefined {
    const expression = text(rules.expression);
    const days = expression === undefined ? positive(rules.days) : undefined;
    const duration = text(rules.duration);
    if (expression === undefined && days === undefined) return undefined;
    return { ...(days !== undefined ? { automaticallyAfterDays: days } : {}), ...(expression !== undefined ? { scheduleExpression: expression } : {}), ...(duration !== undefined ? { duration } : {}) };
}

/** Read `pulumi stack export` output (JSON already parsed). Throws when it is not one. */
export function readPulumiExport(document: unknown): OldEstate {
    if (isMapping(document) && "terraform_version" in document) throw new Error("this is a Terraform state file: use --from-terraform");
    if (!isMapping(document) || document.version !== 3 || !isMapping(document.deployment)) {
        throw new Error("not the output of `pulumi stack export`: expected a JSON object with version 3 and a deployment (apitype.UntypedDeployment)");
    }
    const resources = document.deployment.resources ?? [];
    if (!Array.isArray(resources)) throw new Error("deployment.resources: must be a list of resources");
    const estate: OldEstate = { tool: "pulumi", rotations: [], skipped: [] };
    for (const resource of resources as unknown[]) {
        if (!isMapping(resource) || resource.type !== PULUMI_ROTATION_TYPE || typeof resource.urn !== "string") continue;
        const urn = resource.urn;
        estate.stack ??= urn.split("::")[0]?.replace(/^urn:pulumi:/, "");
        if (resource.delete === true) continue; // an old copy waiting for its delete (replaced): not the live declaration
        const inputs = isMapping(resource.inputs) ? resource.inputs : {};
        const outputs = isMapping(resource.outputs) ? resource.outputs : {};
        // Inputs say what the program declares (a name stays a name); outputs what the last read saw.
        const secretValued = ["secretId", "rotationLambdaArn", "rotationRules"].find((key) => isSecretValue(inputs[key]) || isSecretValue(outputs[key]));
        if (secretValued !== undefined) {
            estate.skipped.push({ address: urn, reason: `${secretValued} is a secret in the state (encrypted): declare this secret's rotation by hand` });
            continue;
        }
        const secretId = text(inputs.secretId) ?? text(outputs.secretId) ?? text(resource.id);
        if (secretId === undefined) {
            estate.skipped.push({ address: urn, reason: "has no secretId in the state (never created?)" });
            continue;
        }
        if (text(outputs.externalSecretRotationRoleArn) ?? text(inputs.externalSecretRotationRoleArn)) {
            estate.skipped.push({ address: urn, reason: "rotates through a partner (externalSecretRotationRoleArn), which this package does not manage: keep it where it is" });
            continue;
        }
        const rules = isMapping(outputs.rotationRules) ? outputs.rotationRules : isMapping(inputs.rotationRules) ? inputs.rotationRules : {};
        const schedule = scheduleOf({ days: rules.automaticallyAfterDays, expression: rules.scheduleExpression, duration: rules.duration });
        const lambda = text(outputs.rotationLambdaArn) ?? text(inputs.rotationLambdaArn);
        const region = text(outputs.region) ?? text(inputs.region);
        estate.rotations.push({
            address: urn,
            secretId,
            enabled: outputs.rotationEnabled !== false && inputs.rotationEnabled !== false,
            ...(lambda !== undefined ? { rotationLambdaArn: lambda } : {}),
            ...(schedule !== undefined ? { schedule } : {}),
            ...(region !== undefined ? { region } : {}),
            ...(resource.retainOnDelete === true ? { retainOnDelete: true } : {}),
            ...(resource.protect === true ? { protect: true } : {}),
        });
    }
    return estate;
}

/** A Terraform address component of an instance key: [0] or ["key"]. */
const keyText = (key: unknown) => (key === undefined || key === null ? "" : typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`);

/** Read a Terraform state file (JSON already parsed), format version 4. Throws when it is not one. */
export function readTerraformState(document: unknown): OldEstate {
    if (isMapping(document) && "deployment" in document) throw new Error("this is the output of `pulumi stack export`: use --from-pulumi");
    if (!isMapping(document) || typeof document.version !== "number") {
        throw new Error("not a Terraform state file: expected a JSON object with a version (`terraform state pull` prints one)");
    }
    if (document.version !== 4) {
        throw new Error(`Terraform state format version ${document.version} is not supported: version 4 is what Terraform 0.12 and later write (run \`terraform apply -refresh-only\` with a current Terraform first)`);
    }
    const resources = document.resources ?? [];
    if (!Array.isArray(resources)) throw new Error("resources: must be a list of resources");
    const estate: OldEstate = { tool: "terraform", rotations: [], skipped: [] };
    for (const resource of resources as unknown[]) {
        if (!isMapping(resource) || resource.mode !== "managed" || resource.type !== TERRAFORM_ROTATION_TYPE || typeof resource.name !== "string") continue;
        const module = typeof resource.module === "string" && resource.module !== "" ? `${resource.module}.` : "";
        const configAddress = `${module.replace(/\[[^\]]*\]/g, "")}${TERRAFORM_ROTATION_TYPE}.${resource.name}`;
        for (const instance of Array.isArray(resource.instances) ? (resource.instances as unknown[]) : []) {
            if (!isMapping(instance)) continue;
            const address = `${module}${TERRAFORM_ROTATION_TYPE}.${resource.name}${keyText(instance.index_key)}`;
            if (text(instance.deposed) !== undefined) continue; // an object create_before_destroy left for deletion
            const attributes = instance.attributes;
            if (!isMapping(attributes)) {
                estate.skipped.push({
                    address,
                    reason: "has no attributes object (state written by Terraform before 0.12: attributes_flat); run `terraform apply -refresh-only` with a current Terraform first",
                });
                continue;
            }
            const secretId = text(attributes.secret_id) ?? text(attributes.id);
            if (secretId === undefined) {
                estate.skipped.push({ address, reason: "has no secret_id in the state" });
                continue;
            }
            if (text(attributes.external_secret_rotation_role_arn)) {
                estate.skipped.push({ address, reason: "rotates through a partner (external_secret_rotation_role_arn), which this package does not manage: keep it where it is" });
                continue;
            }
            const block = Array.isArray(attributes.rotation_rules) && isMapping(attributes.rotation_rules[0]) ? attributes.rotation_rules[0] : {};
            const schedule = scheduleOf({ days: block.automatically_after_days, expression: block.schedule_expression, duration: block.duration });
            const lambda = text(attributes.rotation_lambda_arn);
            const region = text(attributes.region);
            estate.rotations.push({
                address,
                secretId,
                // Absent before the provider recorded it: the resource then always meant rotation on.
                enabled: attributes.rotation_enabled !== false,
                ...(lambda !== undefined ? { rotationLambdaArn: lambda } : {}),
                ...(schedule !== undefined ? { schedule } : {}),
                ...(region !== undefined ? { region } : {}),
                configAddress,
            });
        }
    }
    return estate;
}
