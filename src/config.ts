// The shape of the stack configuration's list of rotation states, checked before any resource
// is declared. Each entry's values are validated by the provider's check, property by property.
import { secretNameFromArn } from "../providers/secretsmanager/inputs";
import type { SecretRotationPolicyArgs } from "./policy";
import type { SecretRotationStateArgs } from "./resource";

export interface RotationEntry extends SecretRotationStateArgs {
    /** The resource's name in the stack; default: the secret's name (the same whether declared by name or ARN). */
    name?: string;
}

/** Checks the shape of the list; the provider's check validates each entry's values. */
export function readEntries(raw: unknown, key: string): { name: string; args: SecretRotationStateArgs }[] {
    if (!Array.isArray(raw)) {
        throw new Error(`${key}: must be a list of rotation states (got ${raw === null ? "null" : typeof raw})`);
    }
    const seen = new Map<string, number>();
    return raw.map((entry: unknown, index) => {
        const at = `${key}[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new Error(`${at}: must be a mapping with at least secretId (got ${JSON.stringify(entry)})`);
        }
        const { name, ...args } = entry as RotationEntry;
        if (name !== undefined && (typeof name !== "string" || name === "")) {
            throw new Error(`${at}.name: must be a non-empty string (got ${JSON.stringify(name)})`);
        }
        // With a name, the entry goes to the provider as it is, whose check reports every problem
        // of its values; without one, the name comes from secretId, which must then be usable.
        if (name === undefined && (typeof args.secretId !== "string" || args.secretId === "")) {
            throw new Error(`${at}.secretId: is required and must be a non-empty string (got ${JSON.stringify(args.secretId)})`);
        }
        const secretId = args.secretId as string;
        const resourceName = name ?? (secretId.startsWith("arn:") ? secretNameFromArn(secretId) : secretId);
        const earlier = seen.get(resourceName);
        if (earlier !== undefined) {
            throw new Error(`${at}: declares "${resourceName}" again (already at ${key}[${earlier}]); give one of them a distinct name`);
        }
        seen.set(resourceName, index);
        return { name: resourceName, args };
    });
}


export interface PolicyEntry extends SecretRotationPolicyArgs {
    /** The resource's name in the stack (required: a policy has no secret to be named after). */
    name: string;
}

/** Checks the shape of the list of policies; the provider's check validates each entry's values. */
export function readPolicies(raw: unknown, key: string): { name: string; args: SecretRotationPolicyArgs }[] {
    if (!Array.isArray(raw)) {
        throw new Error(`${key}: must be a list of rotation policies (got ${raw === null ? "null" : typeof raw})`);
    }
    const seen = new Map<string, number>();
    return raw.map((entry: unknown, index) => {
        const at = `${key}[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new Error(`${at}: must be a mapping with at least name, selector and schedule (got ${JSON.stringify(entry)})`);
        }
        const { name, ...args } = entry as PolicyEntry;
        if (typeof name !== "string" || name === "") {
            throw new Error(`${at}.name: is required and must be a non-empty string, the policy's name in the stack (got ${JSON.stringify(name)})`);
        }
        const earlier = seen.get(name);
        if (earlier !== undefined) throw new Error(`${at}: declares "${name}" again (already at ${key}[${earlier}]); give one of them a distinct name`);
        seen.set(name, index);
        return { name, args };
    });
}
