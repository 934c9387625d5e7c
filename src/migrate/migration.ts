// `migrate`, the pure part: from the rotations another tool manages (sources.ts), the equivalent
// declarations (stack-config YAML or TypeScript) and the steps that move each secret with no gap
// and no rotation. Pure: the CLI reads the file and prints these texts.
//
// Why the move makes no call but the owner tag (docs/migration.md):
// - the declaration carries the settings the old tool last read from AWS, so the plan (plan.ts)
//   finds the live rotation matching and makes no RotateSecret: only the owner tag (TagResource);
// - rotateImmediately is false: should the rotation be off when the declaration is created (the
//   old tool's delete ran first), turning it back on does not rotate the secret on the way;
// - the old resource is let go without its delete, which calls CancelRotateSecret: Pulumi's
//   retainOnDelete or `pulumi state delete`; Terraform's `terraform state rm` or a removed block.
import { sameSecret, secretNameFromArn, validateInputs } from "../../providers/secretsmanager/semantics/inputs";
import type { OldEstate, OldRotation, Skipped } from "./sources";

/** A declaration as a `rotations` entry of the stack configuration takes it. */
export interface MigratedDeclaration {
    secretId: string;
    enabled?: false;
    rotationLambdaArn?: string;
    schedule?: { automaticallyAfterDays?: number; scheduleExpression?: string; duration?: string };
    rotateImmediately?: false;
}

export interface Migration {
    estate: OldEstate;
    moved: { from: OldRotation; declaration: MigratedDeclaration }[];
    skipped: Skipped[];
}

export function declarationFor(rotation: OldRotation): MigratedDeclaration {
    if (!rotation.enabled) return { secretId: rotation.secretId, enabled: false };
    return {
        secretId: rotation.secretId,
        ...(rotation.rotationLambdaArn !== undefined ? { rotationLambdaArn: rotation.rotationLambdaArn } : {}),
        ...(rotation.schedule !== undefined ? { schedule: rotation.schedule } : {}),
        rotateImmediately: false,
    };
}

/**
 * Each old rotation's declaration, checked by the provider's own validation (a declaration that
 * `up` would refuse is not written) and once per secret (two old resources on one secret undo
 * each other already: the user decides which settings stay).
 */
export function planMigration(estate: OldEstate): Migration {
    const migration: Migration = { estate, moved: [], skipped: [...estate.skipped] };
    for (const rotation of estate.rotations) {
        const earlier = migration.moved.find(({ from }) => sameSecretId(from.secretId, rotation.secretId));
        if (earlier) {
            migration.skipped.push({ address: rotation.address, reason: `manages the same secret as ${earlier.from.address}: keep one of the two (they undo each other); only the first is migrated` });
            continue;
        }
        const declaration = declarationFor(rotation);
        const { failures } = validateInputs(declaration, rotation.region !== undefined ? { region: rotation.region } : {});
        if (failures.length > 0) {
            migration.skipped.push({ address: rotation.address, reason: `its settings are not a valid declaration here: ${failures.map((f) => `${f.property} ${f.reason}`).join("; ")}` });
            continue;
        }
        migration.moved.push({ from: rotation, declaration });
    }
    return migration;
}

/** A name and an ARN of the same secret, or two ARNs of it (full and partial), are the same secret. */
function sameSecretId(a: string, b: string): boolean {
    if (a === b) return true;
    const arn = [a, b].find((id) => id.startsWith("arn:"));
    if (arn === undefined) return false;
    return sameSecret(arn === a ? b : a, { arn, name: secretNameFromArn(arn) });
}

// ---- Output ----

/** A YAML scalar: strings double-quoted (JSON's escapes are YAML's), numbers and booleans plain. */
const scalar = (value: string | number | boolean) => (typeof value === "string" ? JSON.stringify(value) : String(value));

/** The declarations under `config:` of Pulumi.<stack>.yaml, key `<namespace>:rotations`. */
export function renderYaml(migration: Migration, namespace: string, source: string): string {
    const lines = [
        `# pulumi-secret-rotation migrate: ${migration.moved.length} rotation(s) from ${source} (${migration.estate.tool}).`,
        "# Merge into Pulumi.<stack>.yaml; then follow the steps printed on stderr (docs/migration.md).",
        "config:",
        `  ${namespace}:rotations:`,
    ];
    if (migration.moved.length === 0) lines[lines.length - 1] += " []";
    for (const { from, declaration } of migration.moved) {
        lines.push(`    # from ${from.address}`);
        const entries = Object.entries(declaration);
        entries.forEach(([key, value], index) => {
            const lead = index === 0 ? "    - " : "      ";
            if (typeof value === "object") {
                lines.push(`${lead}${key}:`);
                for (const [field, fieldValue] of Object.entries(value as Record<string, string | number>)) lines.push(`        ${field}: ${scalar(fieldValue)}`);
            } else {
                lines.push(`${lead}${key}: ${scalar(value as string | number | boolean)}`);
            }
        });
    }
    return lines.join("\n") + "\n";
}

/** A resource name from the old address: the Pulumi resource's name, or the Terraform resource's name and key. */
function resourceName(rotation: OldRotation): string {
    const last = rotation.address.slice(rotation.address.lastIndexOf("::") + 2);
    if (rotation.address.startsWith("urn:pulumi:")) return last;
    const local = rotation.address.slice(rotation.address.lastIndexOf("aws_secretsmanager_secret_rotation.") + "aws_secretsmanager_secret_rotation.".length);
    return local.replace(/\["?([^"\]]*)"?\]/g, "-$1");
}

/** The declarations as a Pulumi TypeScript program's lines. */
export function renderTypeScript(migration: Migration, source: string): string {
    const lines = [
        `// pulumi-secret-rotation migrate: ${migration.moved.length} rotation(s) from ${source} (${migration.estate.tool}).`,
        "// Then follow the steps printed on stderr (docs/migration.md).",
        'import { SecretRotationState } from "pulumi-secret-rotation";',
        "",
    ];
    for (const { from, declaration } of migration.moved) {
        lines.push(`// from ${from.address}`);
        lines.push(`new SecretRotationState(${JSON.stringify(resourceName(from))}, ${JSON.stringify(declaration, null, 4).replace(/"([A-Za-z]+)":/g, "$1:")});`);
    }
    return lines.join("\n") + "\n";
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The steps that move each secret with no gap and no rotation, in order. */
export function renderSteps(migration: Migration): string {
    const lines: string[] = [];
    const { tool } = migration.estate;
    if (migration.moved.length > 0) {
        lines.push(
            "Move with no gap and no rotation (docs/migration.md):",
            "1. Add the declarations to the new stack and run `pulumi preview`: each is a create whose only call is",
            "   TagResource (the owner tag); a RotateSecret or CancelRotateSecret there means the settings differ: stop and compare.",
            "   Then `pulumi up`. Until step 2 both tools declare the same settings: neither undoes the other, and",
            "   `pulumi-secret-rotation review` reports the pair (in a Pulumi stack) until the old resource is gone.",
            "2. Let each old resource go WITHOUT its delete (its delete calls CancelRotateSecret: rotation off):",
        );
        for (const { from } of migration.moved) {
            lines.push(`   ${from.address}`);
            if (tool === "pulumi") {
                const stack = migration.estate.stack !== undefined ? ` --stack ${shellQuote(migration.estate.stack)}` : "";
                if (from.retainOnDelete) {
                    lines.push("     already retainOnDelete: remove it from the old program and run `pulumi up` (no AWS call).");
                } else {
                    lines.push(
                        "     either: add `retainOnDelete: true` to its options, `pulumi up` (no AWS call), then remove it from the program and `pulumi up`;",
                        `     or:     ${from.protect ? `pulumi state unprotect ${shellQuote(from.address)}${stack} && ` : ""}pulumi state delete ${shellQuote(from.address)}${stack}`,
                        "             and remove it from the program before that stack's next `pulumi up` (else that up creates it again, and rotates).",
                    );
                }
            } else {
                lines.push(`     terraform state rm ${shellQuote(from.address)}   then delete its resource block`);
            }
        }
        const blocks = [...new Set(migration.moved.map(({ from }) => from.configAddress).filter((a): a is string => a !== undefined))];
        if (blocks.length > 0) {
            lines.push(
                "   or instead of `terraform state rm` (Terraform >= 1.7): replace the resource block with a removed block and `terraform apply`",
                '   (the plan says "will no longer be managed by Terraform"; `from` names every instance of the resource, in every instance of its module):',
            );
            for (const address of blocks) lines.push(`     removed {\n       from = ${address}\n       lifecycle {\n         destroy = false\n       }\n     }`);
        }
        lines.push(
            "3. If the old tool also manages the secret itself with tags, make it ignore the owner tag (prefix",
            `   "pulumi-secret-rotation:"): ${tool === "pulumi" ? "the aws provider's ignoreTags.keyPrefixes" : "the provider's ignore_tags { key_prefixes = [...] }"} (docs/migration.md).`,
        );
    }
    if (migration.skipped.length > 0) {
        lines.push(`Not migrated (${migration.skipped.length}):`);
        for (const skipped of migration.skipped) lines.push(`   ${skipped.address}: ${skipped.reason}`);
    }
    if (migration.moved.length === 0 && migration.skipped.length === 0) {
        lines.push(`No ${tool === "pulumi" ? "aws:secretsmanager/secretRotation:SecretRotation resource" : "aws_secretsmanager_secret_rotation resource"} in the file: nothing to migrate.`);
    }
    return lines.join("\n") + "\n";
}
