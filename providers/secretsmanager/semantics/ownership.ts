// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// One owner per secret: which declaration manages a secret's rotation, recorded on the secret itself
// as a tag (as CloudFormation tags what a stack manages), so that a delete never turns off rotation
// that another declaration manages. Pure: the rules here decide; plan.ts places the calls; the AWS
// edge (aws-edge/aws.ts) makes them.
//
// The owner is a declaration's identity, computed by the SecretRotationState class in the program:
//   <organization>/<project>/<stack>/<path>
// where <path> is the resource's name, preceded by its parents' type chain as in its URN
// ("my:index:Db$db-password" for a child of a component of type my:index:Db). Two declarations of a
// stack differ in their path whenever the engine sees two resources (a rename, or a move into a
// component, without an alias), which is exactly when the engine creates one and deletes the other.
//
// Rules:
// - create/update of a secret with no owner tag claims it (TagResource, before any other call,
//   so a crash after a rotation leaves the tag): secrets declared before ownership tags existed,
//   and secrets released by their previous owner's destroy;
// - create of a secret owned by another declaration of the same stack takes it over (a renamed or
//   moved declaration: the old one's delete runs after, sees the new owner, and leaves rotation on);
// - update of a secret tagged with this declaration's previous identity (a renamed stack or
//   project, a resource renamed with an alias) re-tags it;
// - otherwise a secret owned by another declaration is refused, before any call, naming the owner,
//   unless the declaration says `takeOver: true`;
// - delete: owned by this declaration -> act per deletionPolicy, then release the tag
//   (UntagResource, last); owned by another -> no call, a note; no tag -> act per deletionPolicy
//   (what every delete did before ownership tags: the declaration being deleted is the only
//   evidence of who manages the secret); a resource recorded before ownership tags (no identity in
//   its state) owns no tagged secret;
// - secrets managed by another service (OwningService) follow the same rules: a declaration may
//   turn their rotation off or change their schedule (docs/managed-secrets.md), so two
//   declarations of one must not undo each other. Tagging them is allowed (Terraform's
//   aws_secretsmanager_tag, PR #45825, is acceptance-tested on an RDS-managed secret); their
//   delete releases the tag but never changes their rotation (plan.ts planDelete).
import { createHash } from "node:crypto";

import type { ObservedSecret, PlannedStep } from "./model";
import { tagQuotaProblem } from "./tag-quota";

/** The tag naming the declaration that manages the secret's rotation. */
export const OWNER_TAG_KEY = "pulumi-secret-rotation:owner";

/**
 * Secrets Manager's tag rules (TagResource, API reference: "Maximum value length: 255 Unicode
 * characters in UTF-8"; "Do not use the aws: prefix in your tag names or values"; "Generally
 * allowed characters: letters, spaces, and numbers representable in UTF-8, plus the following
 * special characters: + - = . _ : / @"). The Tag type allows 256; the operation's 255 is the
 * stricter and is what is kept.
 */
export const TAG_VALUE_MAX_LENGTH = 255;
const TAG_CHARACTER = /[\p{L}\p{Z}\p{N}+\-=._:/@]/u;
const RESERVED_PREFIX = /^aws:/i;
const HASH_MARK = "@sha256:";
const HASH_HEX_LENGTH = 16;

/** What the program knows about a declaration: where it runs and the resource's place in it. */
export interface OwnerFacts {
    organization: string;
    project: string;
    stack: string;
    /** The resource's name (the last part of its URN). */
    name: string;
    /** The parent's URN, when the resource has a parent other than the stack itself. */
    parentUrn?: string;
}

/** `<organization>/<project>/<stack>/<path>`; see the module comment. */
export function ownerIdentity(facts: OwnerFacts): string {
    const parentTypes = facts.parentUrn === undefined ? undefined : qualifiedTypeOf(facts.parentUrn);
    const path = parentTypes === undefined || parentTypes === STACK_TYPE ? facts.name : `${parentTypes}$${facts.name}`;
    return `${facts.organization}/${facts.project}/${facts.stack}/${path}`;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The qualified type of a URN (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`), parents' types included. */
function qualifiedTypeOf(urn: string): string | undefined {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2] : undefined;
}

/** An identity is three segments and a path, none of them empty. */
export const OWNER_IDENTITY = /^[^/]+\/[^/]+\/[^/]+\/.+$/s;

/** The stack part of an identity: `<organization>/<project>/<stack>`. */
export function stackOf(identity: string): string {
    return identity.split("/").slice(0, 3).join("/");
}

/**
 * The tag value that names an identity: the identity itself when Secrets Manager accepts it as a
 * tag value; otherwise its characters outside the tag alphabet replaced by "_", cut to fit, and
 * followed by "@sha256:" and 16 hex digits of the identity's SHA-256, so that two identities that
 * read alike still get different values. Deterministic: ownership is decided by comparing values.
 */
export function ownerTagValue(identity: string): string {
    const characters = [...identity];
    const fits = characters.length <= TAG_VALUE_MAX_LENGTH && characters.every((c) => TAG_CHARACTER.test(c)) && !RESERVED_PREFIX.test(identity);
    if (fits) return identity;
    const readable = characters
        .map((c) => (TAG_CHARACTER.test(c) ? c : "_"))
        .join("")
        .replace(RESERVED_PREFIX, "aws_");
    const hash = createHash("sha256").update(identity, "utf8").digest("hex").slice(0, HASH_HEX_LENGTH);
    const room = TAG_VALUE_MAX_LENGTH - HASH_MARK.length - HASH_HEX_LENGTH;
    return `${[...readable].slice(0, room).join("")}${HASH_MARK}${hash}`;
}

/**
 * The owner namespace (config `secret-rotation:ownerNamespace`): when set, it replaces the
 * organization segment of every identity, declarations' and policies' alike. Self-managed
 * backends (file, S3, GCS, Azure Blob) all call their organization "organization", so two repos on
 * two such backends with the same project and stack names would otherwise produce the same
 * identities and take each other's secrets. One segment of an identity: the tag alphabet without
 * "/" and spaces, not starting with "aws:", at most OWNER_NAMESPACE_MAX_LENGTH characters.
 */
export const OWNER_NAMESPACE_KEY = "secret-rotation:ownerNamespace";
export const OWNER_NAMESPACE_MAX_LENGTH = 64;
/** The organization every self-managed backend reports (pulumi.getOrganization()). */
export const SELF_MANAGED_ORGANIZATION = "organization";
const NAMESPACE_CHARACTERS = /^[\p{L}\p{N}+\-=._:@]+$/u;

/** Why a declared owner namespace is refused, or undefined when it is usable. */
export function ownerNamespaceProblem(value: unknown): string | undefined {
    const rule = `must be 1-${OWNER_NAMESPACE_MAX_LENGTH} characters of letters, digits and + - = . _ : @ (no "/" or space, not starting with "aws:"): it replaces the organization segment of every owner identity`;
    if (typeof value !== "string" || value.length === 0) return `${rule} (got ${JSON.stringify(value)})`;
    if ([...value].length > OWNER_NAMESPACE_MAX_LENGTH || !NAMESPACE_CHARACTERS.test(value) || RESERVED_PREFIX.test(value)) return `${rule} (got ${JSON.stringify(value)})`;
    return undefined;
}

/**
 * Whether a tag value is named by one of `takeOverFrom`'s entries: the entry itself (a whole
 * identity) or anything under it (`<entry>/...`, a stack's or a component's declarations).
 */
export function namedBy(entries: readonly string[] | undefined, tag: string): string | undefined {
    return entries?.find((entry) => tag === entry || tag.startsWith(`${entry}/`));
}

/** Whether a tag value names a declaration of the same stack as `identity` (stack names never contain "/"). */
export function sameStack(identity: string, tag: string): boolean {
    return tag.startsWith(`${ownerTagValue(stackOf(identity))}/`);
}

/** The tag a policy puts on a secret before its first call on it (it governs it); its value names the policy (policy.ts). */
export const POLICY_TAG_KEY = "pulumi-secret-rotation:policy";
/** The tag a policy puts on a secret whose rotation it turns on (with the first, in the same call); its value names the policy. */
export const POLICY_TURNED_ON_TAG_KEY = "pulumi-secret-rotation:policy-turned-on";
/**
 * The tag a policy puts on a secret it would govern but that a declaration or another policy of
 * its stack holds: it stands by. When that holder lets go of the secret — a declaration removed,
 * a policy renamed or moved (created anew, then the old one deleted) — it hands the secret to the
 * policy standing by instead of turning its rotation off: no gap, and no rotation because of the move.
 */
export const POLICY_STANDBY_TAG_KEY = "pulumi-secret-rotation:policy-standby";

/** The policy of this declaration's stack that stands by for the secret (its tag value), if any. */
export function standingBy(secret: Pick<ObservedSecret, "tags">, identity: string): string | undefined {
    const standby = secret.tags?.[POLICY_STANDBY_TAG_KEY];
    return standby !== undefined && sameStack(identity, standby) && standby !== ownerTagValue(identity) ? standby : undefined;
}

/** Ownership steps are tag calls: they do not change the secret's rotation or labels. */
export function isOwnershipCall(step: PlannedStep): boolean {
    return step.call.api === "TagResource" || step.call.api === "UntagResource";
}

/** The owner tag value a plan's steps set (its claim), if any. */
export function ownerTagSetBy(steps: readonly PlannedStep[]): string | undefined {
    for (const step of steps) {
        if (step.call.api !== "TagResource") continue;
        const owner = step.call.tags.find((tag) => tag.key === OWNER_TAG_KEY);
        if (owner) return owner.value;
    }
    return undefined;
}

function claim(identity: string, why: string): PlannedStep {
    return { call: { api: "TagResource", tags: [{ key: OWNER_TAG_KEY, value: ownerTagValue(identity) }] }, why };
}

function release(identity: string): PlannedStep {
    return { call: { api: "UntagResource", keys: [OWNER_TAG_KEY] }, why: `release ownership: ${identity} no longer declares this secret's rotation` };
}

export interface ReconcileOwnership {
    /** The claim (TagResource), to run before any other call; empty when the secret is already this declaration's. */
    steps: PlannedStep[];
    notes: string[];
    /** Another declaration owns the secret: nothing may be done. */
    blocked?: string;
}

/**
 * Create/update: claim, take over, or refuse. `self` is this declaration's identity (absent for a
 * declaration made without SecretRotationState, whose ownership is not managed); `previous` the
 * identity recorded by its last create/update.
 */
export function reconcileOwnership(
    secret: ObservedSecret,
    declaration: { owner?: string; takeOver?: boolean },
    context: { operation: "create" | "update"; previousOwner?: string },
): ReconcileOwnership {
    const self = declaration.owner;
    const tag = secret.ownerTag;
    if (self === undefined) return { steps: [], notes: [] };
    if (tag === ownerTagValue(self)) return { steps: [], notes: [] };
    if (tag === undefined) {
        const overQuota = tagQuotaProblem(secret, [OWNER_TAG_KEY], `the owner tag ${OWNER_TAG_KEY}, which this declaration sets before any other call,`);
        if (overQuota) return { steps: [], notes: [], blocked: `${overQuota}, then run up again` };
        return {
            steps: [claim(self, `claim ownership: the secret has no ${OWNER_TAG_KEY} tag (declared before ownership tags, or released by its previous owner)`)],
            notes: [],
        };
    }
    if (context.operation === "update" && context.previousOwner !== undefined && tag === ownerTagValue(context.previousOwner)) {
        return { steps: [claim(self, `this declaration was ${context.previousOwner} (stack, project or resource renamed): re-tag it as ${self}`)], notes: [] };
    }
    if (context.operation === "create" && sameStack(self, tag)) {
        return {
            steps: [claim(self, `take ownership over from ${tag}, a declaration of the same stack (a renamed or moved resource)`)],
            notes: [`the secret was owned by ${tag}: if that declaration still exists, its delete will now leave rotation as it is`],
        };
    }
    if (declaration.takeOver === true) {
        return { steps: [claim(self, `takeOver: take ownership over from ${tag}`)], notes: [`${tag} no longer owns this secret: its delete will leave rotation as it is`] };
    }
    const where = sameStack(self, tag) ? "another declaration of this stack" : `stack ${stackOf(tag)}`;
    return {
        steps: [],
        notes: [],
        blocked:
            `secret ${secret.arn} is owned by ${tag} (tag ${OWNER_TAG_KEY}), ${where}; nothing was changed. ` +
            `One declaration manages a secret's rotation: remove this one, or remove that one first (its destroy releases the tag), ` +
            `or declare takeOver: true here to take the secret over (for a stack that was removed without destroy)`,
    };
}

export interface DeleteOwnership {
    /** Another declaration owns the secret: the delete makes no call, and says so. */
    leave?: string;
    /** A policy of this stack stands by: the secret is handed to it (steps), its rotation left as it is. */
    handedTo?: string;
    /** The release (UntagResource), to run after the delete's other calls. */
    steps: PlannedStep[];
    notes: string[];
}

/** Delete: act and release, leave it to its owner, or act as before ownership tags (untagged). */
export function deleteOwnership(secret: ObservedSecret, declaration: { owner?: string }): DeleteOwnership {
    const self = declaration.owner;
    const tag = secret.ownerTag;
    if (tag === undefined) {
        return { steps: [], notes: [`the secret has no ${OWNER_TAG_KEY} tag: this declaration acts on it as its only known declaration`] };
    }
    const standby = self !== undefined && tag === ownerTagValue(self) ? standingBy(secret, self) : undefined;
    if (standby !== undefined) {
        return {
            handedTo: standby,
            steps: [
                { call: { api: "TagResource", tags: [{ key: POLICY_TAG_KEY, value: standby }] }, why: `hand the secret over to the policy ${standby} of this stack, which stands by for it: it governs it from now on` },
                { call: { api: "UntagResource", keys: [OWNER_TAG_KEY, POLICY_STANDBY_TAG_KEY] }, why: `release ownership: ${self} no longer declares this secret's rotation` },
            ],
            notes: [`handed over to the policy ${standby}, which stands by for this secret: its rotation is left on, with no rotation now`],
        };
    }
    if (self !== undefined && tag === ownerTagValue(self)) return { steps: [release(self)], notes: [] };
    return {
        leave: `secret ${secret.arn} is owned by ${tag} (tag ${OWNER_TAG_KEY}), not by this declaration${self ? ` (${self})` : ""}: its rotation is left as it is, and the tag too`,
        steps: [],
        notes: [],
    };
}
