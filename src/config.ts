// The shape of the stack configuration's list of rotation states, checked before any resource
// is declared. Each entry's values are validated by the provider's check, property by property.
import { secretNameFromArn } from "../providers/secretsmanager/semantics/inputs";
import type { SecretRotationPolicyArgs } from "./policy";
import type { SecretRotationStateArgs } from "./resource";

export interface RotationEntry extends SecretRotationStateArgs {
    /** The resource's name in the stack; default: the secret's name (the same whether declared by name or ARN). */
    name?: string;
}

/**
 * Checks that `raw` is a list of mappings and that no two entries name the same resource; `nameOf`
 * checks one entry's name and returns it with the entry's arguments. The provider's check
 * validates the values.
 */
function readNamedList<Args>(
    raw: unknown,
    key: string,
    shape: { list: string; mapping: string },
    nameOf: (entry: Record<string, unknown>, at: string) => { name: string; args: Args },
): { name: string; args: Args }[] {
    if (!Array.isArray(raw)) {
        throw new Error(`${key}: must be a list of ${shape.list} (got ${raw === null ? "null" : typeof raw})`);
    }
    const seen = new Map<string, number>();
    return raw.map((entry: unknown, index) => {
        const at = `${key}[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new Error(`${at}: must be a mapping with at least ${shape.mapping} (got ${JSON.stringify(entry)})`);
        }
        const named = nameOf(entry as Record<string, unknown>, at);
        const earlier = seen.get(named.name);
        if (earlier !== undefined) {
            throw new Error(`${at}: declares "${named.name}" again (already at ${key}[${earlier}]); give one of them a distinct name`);
        }
        seen.set(named.name, index);
        return named;
    });
}

/** Checks the shape of the list of rotation states. */
export function readEntries(raw: unknown, key: string): { name: string; args: SecretRotationStateArgs }[] {
    return readNamedList(raw, key, { list: "rotation states", mapping: "secretId" }, (entry, at) => {
        const { name, ...args } = entry as unknown as RotationEntry;
        if (name !== undefined && (typeof name !== "string" || name === "")) {
            throw new Error(`${at}.name: must be a non-empty string (got ${JSON.stringify(name)})`);
        }
        // With a name, the entry goes to the provider as it is, whose check reports every problem
        // of its values; without one, the name comes from secretId, which must then be usable.
        if (name === undefined && (typeof args.secretId !== "string" || args.secretId === "")) {
            throw new Error(`${at}.secretId: is required and must be a non-empty string (got ${JSON.stringify(args.secretId)})`);
        }
        const secretId = args.secretId as string;
        return { name: name ?? (secretId.startsWith("arn:") ? secretNameFromArn(secretId) : secretId), args };
    });
}

export interface PolicyEntry extends SecretRotationPolicyArgs {
    /** The resource's name in the stack (required: a policy has no secret to be named after). */
    name: string;
}

/** Checks the shape of the list of policies. */
export function readPolicies(raw: unknown, key: string): { name: string; args: SecretRotationPolicyArgs }[] {
    return readNamedList(raw, key, { list: "rotation policies", mapping: "name, selector and schedule" }, (entry, at) => {
        const { name, ...args } = entry as unknown as PolicyEntry;
        if (typeof name !== "string" || name === "") {
            throw new Error(`${at}.name: is required and must be a non-empty string, the policy's name in the stack (got ${JSON.stringify(name)})`);
        }
        return { name, args };
    });
}
