// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// AWS's quota on a secret's tags, which every tag this project adds (the owner tag, a policy's
// marks) spends. AWS API Reference, TagResource: "Maximum number of tags per secret: 50", and tags
// prefixed aws: "do not count against your tags per secret limit"; TagResource "appends tags to
// the existing list", so a key the secret already has takes the new value and counts once. A
// secret at the quota would fail every up at the claim, the first call; so the plan refuses (a
// declaration) or passes the secret over (a policy) before any call, naming the quota.
import type { ObservedSecret } from "./model";

export const TAG_QUOTA = 50;

/** How many of the secret's tags count against the quota once `adding` are on it. */
export function countedTagsAfter(tags: Readonly<Record<string, string>> | undefined, adding: readonly string[]): number {
    return new Set([...Object.keys(tags ?? {}), ...adding].filter((key) => !key.startsWith("aws:"))).size;
}

/**
 * Why the secret cannot take the tags `adding` (keys), or undefined when it can. `purpose` says
 * what the tags are for, e.g. "the owner tag".
 */
export function tagQuotaProblem(secret: Pick<ObservedSecret, "tags">, adding: readonly string[], purpose: string): string | undefined {
    const before = countedTagsAfter(secret.tags, []);
    const after = countedTagsAfter(secret.tags, adding);
    if (after <= TAG_QUOTA || after === before) return undefined;
    return (
        `the secret has ${before} tag(s); ${purpose} would make ${after}, over the ${TAG_QUOTA} tags AWS allows per secret ` +
        `(TagResource: "Maximum number of tags per secret: 50"; tags prefixed aws: do not count); nothing was changed. ` +
        `Remove ${after - TAG_QUOTA} tag(s) from the secret`
    );
}
