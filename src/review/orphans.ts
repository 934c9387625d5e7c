// The review's orphans (with --all): our tags on the listed secrets that name the reviewed stack
// but none of its resources — an owner tag left by a create that failed after its claim, marks left
// by a policy removed from the state (`pulumi stack rm --force`, a state edit, a lost state). Every
// policy passes such a secret over forever, and no destroy can release it. Tags naming another
// stack cannot be judged from this one (its state is not read here): they are counted per stack.
import type { ObservedSecret } from "../../providers/secretsmanager/semantics/model";
import { OWNER_TAG_KEY, ownerTagValue, POLICY_STANDBY_TAG_KEY, POLICY_TAG_KEY, POLICY_TURNED_ON_TAG_KEY, stackOf } from "../../providers/secretsmanager/semantics/ownership";
import type { OrphanEntry, OrphanReview } from "./report";

const OUR_TAGS = [OWNER_TAG_KEY, POLICY_TAG_KEY, POLICY_TURNED_ON_TAG_KEY, POLICY_STANDBY_TAG_KEY];

/** How a secret whose tag names a gone identity is reclaimed. */
function reclaimFor(tag: string, identity: string): string {
    const policy = `a SecretRotationPolicy of this stack that selects it, declared with takeOverFrom: ["${identity}"], takes it over (re-marked, never rotated because of it)`;
    if (tag === OWNER_TAG_KEY) return `declare it in this stack with takeOver: true, or ${policy}`;
    if (tag === POLICY_STANDBY_TAG_KEY) return `${policy}; or remove the tag (it only names a policy standing by)`;
    return `${policy}; or declare it (a SecretRotationState claims a secret that carries only policy marks)`;
}

/**
 * `identities`: every identity the stack's resources hold, declared now or recorded (a previous
 * identity is still its resource's until the next up re-tags). `reviewedPrefixes`: the identity
 * prefixes of every reviewed stack (their tags are judged by their own review).
 */
export function orphansOf(identityPrefix: string, identities: Iterable<string>, listed: readonly ObservedSecret[], reviewedPrefixes: readonly string[]): OrphanReview {
    const held = new Set([...identities].map(ownerTagValue));
    const ours = `${ownerTagValue(identityPrefix)}/`;
    const reviewed = reviewedPrefixes.map((prefix) => `${ownerTagValue(prefix)}/`);
    const orphaned: OrphanEntry[] = [];
    const others = new Map<string, Set<string>>();
    for (const secret of listed) {
        for (const tag of OUR_TAGS) {
            const identity = secret.tags?.[tag];
            if (identity === undefined) continue;
            if (identity.startsWith(ours)) {
                if (!held.has(identity)) orphaned.push({ arn: secret.arn, name: secret.name, tag, identity, reclaim: reclaimFor(tag, identity) });
            } else if (!reviewed.some((prefix) => identity.startsWith(prefix))) {
                const stack = stackOf(identity);
                others.set(stack, (others.get(stack) ?? new Set()).add(secret.arn));
            }
        }
    }
    return {
        identityPrefix,
        orphaned: orphaned.sort((a, b) => a.name.localeCompare(b.name) || a.tag.localeCompare(b.tag)),
        otherStacks: [...others].map(([stack, arns]) => ({ stack, secrets: arns.size })).sort((a, b) => a.stack.localeCompare(b.stack)),
    };
}
