// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// The rotation semantics, in one place: from what is declared and what is observed, the ordered
// Secrets Manager calls that make them agree. Pure: no I/O, no clock (ages are measured from the
// observation's time), so every rule is unit-tested, and previews, reports and `up` render the
// very same plan.
import { createHash } from "node:crypto";

import { keptAs, keptLabels, LabelBudgetNeeds, planLabelReleases, quarantineLabelFor, supersededLabelFor } from "./labels";
import { ApiCall, AWSCURRENT, AWSPENDING, AWSPREVIOUS, DesiredState, Observation, ObservedSecret, PlannedStep, Schedule } from "./model";
import { deleteOwnership, isOwnershipCall, reconcileOwnership } from "./ownership";
import { describeSchedule, rulesFromSchedule, schedulesEqual } from "./schedule";

export interface Plan {
    /** The secret's ARN when it was found. */
    arn?: string;
    steps: PlannedStep[];
    /** Set when the operation must fail without any call: what is wrong and how to get past it. */
    blocked?: { reason: string; retryAfter?: string };
    /** Facts worth a line in the output that need no call (adopted as is, left to its owner...). */
    notes: string[];
}

/** Where AWSPENDING stands, the heart of "healthy / in progress / stranded". */
export type PendingState =
    | { kind: "none" }
    /** On the same version as AWSCURRENT: what a finished rotation leaves; healthy. */
    | { kind: "with-current"; versionId: string }
    /** On another version, younger than the grace period: a rotation's Lambda is still at work. */
    | { kind: "in-progress"; versionId: string; createdDate?: string; ageMs?: number; strandedAt?: string }
    /**
     * On another version, older than the grace period: a failed or cancelled rotation left it; or
     * `cancelled`: the rotation this operation cancelled (CancelRotateSecret named its version).
     */
    | { kind: "stranded"; versionId: string; createdDate?: string; ageMs?: number; cancelled?: boolean };

export interface LabelAnalysis {
    currentVersionId?: string;
    previousVersionId?: string;
    pending: PendingState;
    quarantinedVersionIds: string[];
}

/**
 * @param cancelledVersionId the version of a rotation this operation has just cancelled: its
 *   AWSPENDING is left behind whatever its age (the CancelRotateSecret reference: "you might need to
 *   remove the staging label AWSPENDING from the partially created version").
 */
export function analyzeLabels(secret: ObservedSecret, gracePeriodMs: number, cancelledVersionId?: string): LabelAnalysis {
    const holder = (label: string) => secret.versions.find((v) => v.labels.includes(label));
    const current = holder(AWSCURRENT);
    const pendingVersion = holder(AWSPENDING);
    const quarantinedVersionIds = [...new Set(keptLabels(secret).filter((k) => k.kind === "quarantined").map((k) => k.versionId))];

    let pending: PendingState = { kind: "none" };
    if (pendingVersion && pendingVersion.versionId === current?.versionId) {
        pending = { kind: "with-current", versionId: pendingVersion.versionId };
    } else if (pendingVersion) {
        const createdDate = pendingVersion.createdDate;
        const ageMs = createdDate === undefined ? undefined : Date.parse(secret.observedAt) - Date.parse(createdDate);
        if (pendingVersion.versionId === cancelledVersionId) {
            pending = { kind: "stranded", versionId: pendingVersion.versionId, createdDate, ageMs, cancelled: true };
        } else if (ageMs !== undefined && ageMs >= gracePeriodMs) {
            pending = { kind: "stranded", versionId: pendingVersion.versionId, createdDate, ageMs };
        } else {
            // An unknown age is treated as in progress: touching a live rotation would break it.
            const strandedAt =
                createdDate === undefined ? undefined : new Date(Date.parse(createdDate) + gracePeriodMs).toISOString();
            pending = { kind: "in-progress", versionId: pendingVersion.versionId, createdDate, ageMs, strandedAt };
        }
    }
    return {
        currentVersionId: current?.versionId,
        previousVersionId: holder(AWSPREVIOUS)?.versionId,
        pending,
        quarantinedVersionIds,
    };
}

/**
 * The one-line health of the staging labels, as the provider-owned `stagingLabels` property
 * shows it: "healthy" is the only declared value, so a stranded AWSPENDING reads as drift in
 * `pulumi preview --refresh`. A rotation in progress is healthy: it is not drift.
 */
export function labelHealth(analysis: LabelAnalysis): string {
    if (analysis.pending.kind !== "stranded") return HEALTHY;
    const created = analysis.pending.createdDate ? ` (created ${analysis.pending.createdDate})` : "";
    return `AWSPENDING stranded on version ${analysis.pending.versionId}${created}`;
}
export const HEALTHY = "healthy";

/** What the previous successful operation declared, when there was one (update, delete). */
export interface PreviousDeclaration {
    enabled: boolean;
    rotateNowToken?: string;
    /** What the next change of rotateNowToken derives its version id from (rotateNowVersionId); absent in states written before it existed. */
    rotateNowLink?: string;
    /** The declaration's identity then (ownership.ts). */
    owner?: string;
}

export interface ReconcileContext {
    operation: "create" | "update";
    previous?: PreviousDeclaration;
    /** The version of the rotation this operation cancelled (a second plan, after CancelRotateSecret answered). */
    cancelledVersionId?: string;
}

/**
 * A ClientRequestToken (Secrets Manager makes it the new version's id: 32 to 64 characters) that
 * is a function of what it is for: the same purpose always gives the same token. UUID-shaped from
 * SHA-256, so it reads like the versions Secrets Manager makes itself.
 */
export function rotationToken(...purpose: string[]): string {
    const hex = createHash("sha256").update(["pulumi-secret-rotation", ...purpose].join("\0")).digest("hex");
    const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The version a rotation started for a change of rotateNowToken gets: one per CHANGE, not per
 * value. It is derived from the secret, the new value and `link`, what the state recorded when the
 * previous change was applied (that change's version id; at create, a value drawn once). So:
 * - a retry of the same change (the update failed or was killed after Secrets Manager accepted
 *   the call, so the state still holds the old link) derives the same id, finds that version and
 *   does not rotate again;
 * - a→b→a, or a value removed and declared again later, is a new change with a new link: a new
 *   id, one rotation, never the id of an existing (perhaps deprecated) version;
 * - a resource destroyed and declared again starts from a new drawn link, not from the old chain.
 * The value alone (as before issue 21) gave a→b→a the id of a's first version, which still
 * carried AWSPREVIOUS: no call, and the change recorded as done.
 */
export function rotateNowVersionId(arn: string, link: string | undefined, rotateNowToken: string): string {
    return rotationToken("rotate-now", arn, link ?? "", rotateNowToken);
}

/** Whether this operation is a change of rotateNowToken to rotate for: an update, rotation declared on, a new value declared. */
function rotateNowChanged(desired: Pick<DesiredState, "enabled" | "rotateNowToken">, context: ReconcileContext): desired is typeof desired & { rotateNowToken: string } {
    return desired.enabled && context.operation === "update" && desired.rotateNowToken !== undefined && desired.rotateNowToken !== context.previous?.rotateNowToken;
}

/**
 * The link to record once this operation has succeeded: after a change of rotateNowToken, that
 * change's version id (whether this run started the rotation or found it started); otherwise the
 * recorded one, unchanged (a removed token does not advance it). `drawn` is the create's new link.
 */
export function rotateNowLinkAfter(arn: string, desired: Pick<DesiredState, "enabled" | "rotateNowToken">, context: ReconcileContext, drawn?: string): string | undefined {
    if (context.operation === "create") return drawn;
    return rotateNowChanged(desired, context) ? rotateNowVersionId(arn, context.previous?.rotateNowLink, desired.rotateNowToken) : context.previous?.rotateNowLink;
}

const ageText = (ms?: number) =>
    ms === undefined ? "age unknown" : ms < 3_600_000 ? `${Math.floor(ms / 60_000)} min old` : `${(ms / 3_600_000).toFixed(1)} h old`;

// Reasons never name the secret: whoever prints a plan prints it under the secret's name once.

/** The secret cannot be acted on at all: gone, scheduled for deletion, or a replica. */
function refusal(observation: Observation, action: string): string | undefined {
    if (!observation.found) {
        return `does not exist in ${observation.region}; nothing to ${action}`;
    }
    const s = observation.secret;
    if (s.deletedDate) {
        return (
            `is scheduled for deletion on ${s.deletedDate}; nothing was changed. ` +
            `Restore it (aws secretsmanager restore-secret --secret-id ${s.arn}) or remove this declaration`
        );
    }
    if (s.primaryRegion && s.primaryRegion !== s.region) {
        return (
            `is a replica; rotation happens on its primary in ${s.primaryRegion} only. ` +
            `Declare the rotation for the primary secret (its ARN in ${s.primaryRegion}); nothing was changed`
        );
    }
    return undefined;
}

/** Cleanup of a stranded (or just cancelled) AWSPENDING per policy, or why it must stop. */
interface Cleanup {
    steps: PlannedStep[];
    blocked?: string;
    notes: string[];
    /** What the steps do to the label count (labels.ts). */
    needs: Omit<LabelBudgetNeeds, "reserve">;
}

const NO_CLEANUP: Cleanup = { steps: [], notes: [], needs: { additions: 0, removals: 0, protectedVersions: [] } };

function cleanupSteps(secret: ObservedSecret, analysis: LabelAnalysis, desired: DesiredState): Cleanup {
    const pending = analysis.pending;
    if (pending.kind !== "stranded") return NO_CLEANUP;
    const v = pending.versionId;
    const current = analysis.currentVersionId;
    const age = pending.cancelled ? `its rotation cancelled just now, ${ageText(pending.ageMs)}` : ageText(pending.ageMs);
    const quarantine = (why?: string): Cleanup => {
        const steps = quarantineSteps(secret, v, age, why);
        return { steps, notes: [], needs: { additions: steps.length - 1, removals: 1, protectedVersions: [v] } };
    };
    switch (desired.pendingPolicy) {
        case "quarantine":
            return quarantine();
        case "promote":
            // A rotation cancelled half way (declared off, or destroyed) is never one to roll
            // forward: its candidate is kept, and turning rotation off goes ahead.
            if (pending.cancelled) return quarantine("pendingPolicy promote never rolls forward a rotation cancelled half way; its candidate is kept instead");
            if (!current) {
                return { ...NO_CLEANUP, blocked: `AWSPENDING is stranded on ${v} but no version carries AWSCURRENT` };
            }
            // Never blind: the candidate may have no value, and nothing AWS reports without the
            // value tells (docs/promote-and-empty-versions.md), so the roll forward is the user's.
            return { ...NO_CLEANUP, blocked: promoteRefusal(secret, v, current, age) };
        case "fail":
            if (pending.cancelled) {
                // Declared off has won already (the rotation is cancelled); the labels stay as they are, by policy.
                return { ...NO_CLEANUP, notes: [strandedInstructions(secret, v, current, age, "the rotation was cancelled; its candidate keeps AWSPENDING")] };
            }
            return { ...NO_CLEANUP, blocked: strandedInstructions(secret, v, current, age) };
    }
}

/** Keep the stranded candidate under a label of its own, then take AWSPENDING off it. */
function quarantineSteps(secret: ObservedSecret, v: string, age: string, why?: string): PlannedStep[] {
    const label = quarantineLabelFor(v, secret.observedAt);
    // A run that stopped between the two calls (a crash, a failed call) left the label on
    // already: labelling again would be a wasted call.
    const labelled = keptAs(secret, v, "quarantined");
    return [
        ...(labelled
            ? []
            : [
                  {
                      // Label first: the version is never without a label, so its value can
                      // never become deprecated and be deleted, even if the next call fails.
                      call: { api: "UpdateSecretVersionStage", versionStage: label, moveToVersionId: v } as const,
                      why: `keep the ${why ? "cancelled" : "stranded"} candidate version ${v} (${age}) labelled ${label}${why ? `: ${why}` : ""}`,
                  },
              ]),
        {
            call: { api: "UpdateSecretVersionStage", versionStage: AWSPENDING, removeFromVersionId: v },
            why: `take AWSPENDING off ${why ? "cancelled" : "stranded"} version ${v} so rotation can run again`,
        },
    ];
}

/** Roll forward: the stranded candidate becomes AWSCURRENT, then AWSPENDING leaves it. */
function promoteSteps(secret: ObservedSecret, v: string, current: string, age: string): PlannedStep[] {
    // Moving AWSCURRENT moves AWSPREVIOUS onto the old current version, off the one that held
    // it; if that was its only label, keep the version under a label of its own first. A run
    // that stopped after this call finds the version labelled twice and skips it.
    const previous = secret.versions.find((version) => version.labels.includes(AWSPREVIOUS));
    const keepPrevious =
        previous !== undefined &&
        previous.versionId !== v &&
        previous.versionId !== current &&
        previous.labels.every((label) => label === AWSPREVIOUS);
    const superseded = previous ? supersededLabelFor(previous.versionId, secret.observedAt) : "";
    return [
        ...(keepPrevious
            ? [
                  {
                      call: { api: "UpdateSecretVersionStage", versionStage: superseded, moveToVersionId: previous.versionId } as const,
                      why: `keep version ${previous.versionId}, which loses AWSPREVIOUS, labelled ${superseded}`,
                  },
              ]
            : []),
        {
            call: { api: "UpdateSecretVersionStage", versionStage: AWSCURRENT, moveToVersionId: v, removeFromVersionId: current },
            why: `roll forward: make stranded version ${v} (${age}) current; ${current} becomes AWSPREVIOUS`,
        },
        {
            call: { api: "UpdateSecretVersionStage", versionStage: AWSPENDING, removeFromVersionId: v },
            why: `take AWSPENDING off ${v}, now current`,
        },
    ];
}

/** A planned label move as the AWS CLI command that does it by hand. */
function labelMoveCommand(secret: ObservedSecret, step: PlannedStep): string {
    const call = step.call;
    if (call.api !== "UpdateSecretVersionStage") throw new Error(`not a label move: ${call.api}`);
    return (
        `  aws secretsmanager update-secret-version-stage --secret-id ${secret.arn} --version-stage ${call.versionStage}` +
        (call.moveToVersionId ? ` --move-to-version-id ${call.moveToVersionId}` : "") +
        (call.removeFromVersionId ? ` --remove-from-version-id ${call.removeFromVersionId}` : "")
    );
}

/**
 * The command that tells whether a version has a value, for the user to run: the CLI receives the
 * value but prints only the version id; an empty version fails with ResourceNotFoundException.
 */
function valueCheckCommand(secret: ObservedSecret, v: string): string {
    return `  aws secretsmanager get-secret-value --secret-id ${secret.arn} --version-id ${v} --query VersionId --output text`;
}

/**
 * pendingPolicy promote on a stranded candidate: refused, nothing changed. "When rotation is
 * unsuccessful, the AWSPENDING staging label might be attached to an empty secret version"
 * (RotateSecret reference), and an empty version made AWSCURRENT breaks every reader of the
 * secret. No metadata tells an empty version from a full one: ListSecretVersionIds gives each
 * version's CreatedDate, LastAccessedDate and KmsKeyIds, none documented to say whether a value
 * exists, and DescribeSecret (VersionIdsToStages) says "During rotation, Secrets Manager creates
 * an AWSPENDING version ID before creating the new secret version. To check if a secret version
 * exists, call GetSecretValue" — the one call this provider never makes. So the roll forward is
 * handed to the user: how to check, the commands that roll forward, and those that keep the
 * candidate instead.
 */
function promoteRefusal(secret: ObservedSecret, v: string, current: string, age: string): string {
    const cli = (step: PlannedStep) => labelMoveCommand(secret, step);
    return [
        `pendingPolicy: promote would make the stranded version ${v} (${age}) AWSCURRENT, but that version may have no value ` +
            `(RotateSecret reference: "When rotation is unsuccessful, the AWSPENDING staging label might be attached to an empty secret version"), ` +
            `and nothing Secrets Manager reports without reading the value tells whether it has one; this provider never reads a value, ` +
            `so it never promotes blind. Nothing was changed; AWSCURRENT stays on ${current}. Labels: ${labelsText(secret)}.`,
        `Check that the candidate has a value (the command prints its version id, never the value; "can't find the specified secret value" means it is empty):`,
        valueCheckCommand(secret, v),
        `If it has a value and the service already uses the new credential, roll forward:`,
        ...promoteSteps(secret, v, current, age).map(cli),
        `Otherwise keep the candidate under a label of its own and unblock rotation:`,
        ...quarantineSteps(secret, v, age).map(cli),
        `Or set pendingPolicy to quarantine (pulumi up then does the latter).`,
    ].join("\n");
}

/** pendingPolicy fail: change nothing, and say how to do by hand what quarantine or promote would. */
function strandedInstructions(secret: ObservedSecret, v: string, current: string | undefined, age: string, cancelled?: string): string {
    const cli = (step: PlannedStep) => labelMoveCommand(secret, step);
    return [
        cancelled
            ? `${cancelled} (pendingPolicy: fail): version ${v} (${age}); AWSCURRENT is on ${current ?? "no version"}. Labels: ${labelsText(secret)}.`
            : `AWSPENDING is stranded on version ${v} (${age}); AWSCURRENT is on ${current ?? "no version"}. ` +
              `Nothing was changed (pendingPolicy: fail). Labels: ${labelsText(secret)}.`,
        `To keep the candidate and unblock rotation:`,
        ...quarantineSteps(secret, v, age).map(cli),
        ...(current && !cancelled
            ? [
                  `Or, if the candidate has a value (check: ${valueCheckCommand(secret, v).trim()}, which prints the version id, never the value) ` +
                      `and the service already uses the new credential, roll forward:`,
                  ...promoteSteps(secret, v, current, age).map(cli),
              ]
            : []),
        `Or set pendingPolicy to quarantine and run pulumi up again.`,
    ].join("\n");
}

function labelsText(secret: ObservedSecret): string {
    return secret.versions.map((v) => `${v.versionId}=[${v.labels.join(",")}]`).join(" ");
}

function inProgressBlock(analysis: LabelAnalysis, gracePeriodMs: number): { reason: string; retryAfter?: string } | undefined {
    const p = analysis.pending;
    if (p.kind !== "in-progress") return undefined;
    const when = p.strandedAt ? `after ${p.strandedAt}` : "later";
    return {
        reason:
            `a rotation is in progress: AWSPENDING is on version ${p.versionId} (${ageText(p.ageMs)}, ` +
            `grace period ${Math.round(gracePeriodMs / 60_000)} min). Nothing was changed: changing the rotation now ` +
            `could break it. Retry when it has finished, or ${when}, when a pending version that is still there counts as stranded ` +
            `(turning rotation off, or destroying with deletionPolicy cancel, does not wait: it cancels the rotation)`,
        retryAfter: p.strandedAt,
    };
}

/**
 * Turning rotation off while a rotation is in progress: declared off wins. CancelRotateSecret
 * "cancels the rotation of a secret if one is currently in progress" and "can leave the
 * VersionStage labels in an unexpected state ... you might need to remove the staging label
 * AWSPENDING from the partially created version" (CancelRotateSecret reference): so the
 * partially created version is then handled as a cancelled candidate, per pendingPolicy, without
 * losing it. The adapter checks the version CancelRotateSecret names against `cancels` and plans
 * again if they differ.
 */
function cancelInProgress(secret: ObservedSecret, analysis: LabelAnalysis, desired: DesiredState, why: string): { steps: PlannedStep[]; cleanup: Cleanup } {
    const p = analysis.pending;
    const cancelled: LabelAnalysis =
        p.kind === "in-progress" ? { ...analysis, pending: { kind: "stranded", versionId: p.versionId, createdDate: p.createdDate, ageMs: p.ageMs, cancelled: true } } : analysis;
    const cleanup = cleanupSteps(secret, cancelled, desired);
    const cancel: PlannedStep = {
        call: { api: "CancelRotateSecret", ...(p.kind === "in-progress" ? { cancels: p.versionId } : {}) },
        why: p.kind === "in-progress" ? `${why}; this also cancels the rotation in progress (version ${p.versionId}, ${ageText(p.ageMs)})` : why,
    };
    return { steps: [cancel], cleanup };
}

/**
 * Releases of this provider's own labels (labels.ts) before the plan's label moves, so that the
 * secret stays within AWS's label budget for its whole life. `blocked` when labels made by
 * others leave no room.
 */
function labelReleases(
    secret: ObservedSecret,
    desired: DesiredState,
    cleanup: Cleanup,
    rotationContinues: boolean,
): { steps: PlannedStep[]; blocked?: string } {
    const addsOrRotates = cleanup.needs.additions > 0 || rotationContinues;
    const hasPrevious = secret.versions.some((v) => v.labels.includes(AWSPREVIOUS)) || cleanup.needs.additions > 0;
    // Room for what rotation needs next: the Lambda's AWSPENDING, and AWSPREVIOUS when its first rotation finishes.
    const reserve = addsOrRotates && desired.enabled ? 1 + (hasPrevious ? 0 : 1) : 0;
    const { releases, blocked } = planLabelReleases(
        secret,
        { retentionMs: desired.quarantineRetentionMs, limit: desired.quarantineLabelLimit },
        { ...cleanup.needs, reserve },
        secret.observedAt,
    );
    if (blocked) return { steps: [], blocked };
    return {
        steps: releases.map((r) => ({
            call: { api: "UpdateSecretVersionStage", versionStage: r.kept.label, removeFromVersionId: r.kept.versionId } as const,
            why:
                `release label ${r.kept.label} from version ${r.kept.versionId}: ${r.because}` +
                (r.deprecates
                    ? `; it was the version's only label, so the version becomes deprecated (Secrets Manager may delete it once the secret has more than 100 versions)`
                    : ""),
        })),
    };
}

/**
 * The plan for create and update: make the secret's rotation match the declaration.
 *
 * Rules (each unit-tested):
 * - a secret that is missing, scheduled for deletion or a replica: refuse, no call;
 * - a stranded AWSPENDING is cleaned up per pendingPolicy, before RotateSecret (which AWS rejects
 *   while one is stranded) and after CancelRotateSecret (which is how AWS's own recovery goes);
 * - a rotation in progress blocks every change but turning rotation off, which cancels it and
 *   keeps its partially created version per pendingPolicy (promote keeps it too: a cancelled
 *   rotation is not rolled forward);
 * - pendingPolicy promote never moves AWSCURRENT itself: the candidate may be an empty version and
 *   nothing observable without its value says otherwise, so the plan is refused with the check and
 *   the commands to roll forward by hand (promoteRefusal);
 * - this provider's own labels are released past quarantineRetention or quarantineLabelLimit,
 *   oldest first, and as needed to stay within AWS's 20 labels per secret; a plan that cannot fit
 *   (others' labels fill the budget) is refused before any call;
 * - turning rotation on rotates now only when the declaration turns it on (create, or enabled
 *   false -> true) and rotateImmediately says so; restoring it after an out-of-band change, or
 *   changing the Lambda or the schedule, sends RotateImmediately=false (no rotation now, though
 *   AWS still runs the Lambda's testSecret step, and a rotation it had scheduled may still come:
 *   docs/design.md, "What RotateImmediately=false still does"); a change of rotateNowToken always rotates,
 *   once: its ClientRequestToken is derived from the secret, the token and the link the state
 *   recorded at the previous change (rotateNowVersionId), and a version of that id means the
 *   rotation was started already;
 * - a secret without a value yet (no AWSCURRENT) is never rotated now, only configured;
 * - RotateSecret always carries the Lambda ARN (the declared one, else the live one) and the
 *   rules, never days and an expression together;
 * - managed secrets (OwningService; docs/managed-secrets.md) use managed rotation: a declared
 *   Lambda is refused ("For secrets that use managed rotation, omit this field", RotateSecret
 *   reference); their schedule is changed with RotateSecret carrying only the rules, and their
 *   rotation is turned off with CancelRotateSecret (Terraform's PR #49659, tested against AWS);
 *   their labels are left to their owner, so turning rotation off while the owner's rotation is
 *   in progress waits for it instead of cancelling it (nothing here could repair what a
 *   cancelled managed rotation leaves).
 */
export function planReconcile(desired: DesiredState, observation: Observation, context: ReconcileContext): Plan {
    const refused = refusal(observation, "reconcile");
    if (refused || !observation.found) return { steps: [], blocked: { reason: refused! }, notes: [] };
    const secret = observation.secret;
    const plan: Plan = { arn: secret.arn, steps: [], notes: [] };
    // Ownership first: another declaration's secret is refused before anything else, and the
    // claim (TagResource) precedes every other call.
    const ownership = reconcileOwnership(secret, desired, { operation: context.operation, previousOwner: context.previous?.owner });
    if (ownership.blocked) return block(plan, ownership.blocked);
    plan.steps.push(...ownership.steps);
    plan.notes.push(...ownership.notes);
    const managedBy = secret.owningService;
    const analysis = analyzeLabels(secret, desired.pendingGracePeriodMs, context.cancelledVersionId);

    const lambdaChanged =
        desired.rotationLambdaArn !== undefined && desired.rotationLambdaArn !== secret.rotationLambdaArn;
    const scheduleChanged = desired.schedule !== undefined && !schedulesEqual(desired.schedule, secret.schedule);
    const needEnable = desired.enabled && !secret.rotationEnabled;
    const needDisable = !desired.enabled && secret.rotationEnabled;
    const needReconfigure = desired.enabled && secret.rotationEnabled && (lambdaChanged || scheduleChanged);
    const tokenChanged = rotateNowChanged(desired, context);
    // Exactly once: the rotation of this change was started already (by a run that failed or
    // was killed after Secrets Manager accepted it) when a version of its derived id exists.
    const tokenVersionId = tokenChanged ? rotateNowVersionId(secret.arn, context.previous?.rotateNowLink, desired.rotateNowToken!) : undefined;
    const startedForToken = tokenChanged ? secret.versions.find((v) => v.versionId === tokenVersionId) : undefined;
    if (startedForToken) {
        plan.notes.push(
            `the rotation for rotateNowToken ${JSON.stringify(desired.rotateNowToken)} was started already (version ${startedForToken.versionId}, ` +
                `labels ${startedForToken.labels.join(",") || "none"}): it is not started again; declare a new value to rotate again`,
        );
    }
    const needRotateNow = tokenChanged && !startedForToken;

    if (managedBy) {
        if (desired.rotationLambdaArn !== undefined) {
            return block(plan, `rotationLambdaArn: the secret is managed by ${managedBy}, which rotates it itself; remove rotationLambdaArn`);
        }
        if (needDisable) return planManagedOff(plan, analysis, managedBy, desired.pendingGracePeriodMs);
    }

    const mustRotate = needEnable || needReconfigure || needRotateNow;
    const lambda = managedBy ? undefined : desired.rotationLambdaArn ?? secret.rotationLambdaArn;
    const schedule: Schedule | undefined = desired.schedule ?? secret.schedule;
    if (mustRotate && !managedBy && !lambda) {
        return block(plan, `rotationLambdaArn: required to turn rotation on, and the secret has no rotation function`);
    }
    if (needEnable && !schedule) {
        return block(plan, `schedule: required to turn rotation on, and the secret has no rotation schedule`);
    }

    if (needDisable) {
        // Declared off wins, even over a rotation in progress.
        const { steps, cleanup } = cancelInProgress(secret, analysis, desired, "rotation is declared off and is on");
        if (cleanup.blocked) return block(plan, cleanup.blocked);
        const releases = labelReleases(secret, desired, cleanup, false);
        if (releases.blocked) return block(plan, releases.blocked);
        plan.steps.push(...steps, ...releases.steps, ...cleanup.steps);
        plan.notes.push(...cleanup.notes);
        return plan;
    }

    // Labels: cleanup is part of every operation, so a stranded AWSPENDING alone is also repaired.
    let cleanup = NO_CLEANUP;
    if (analysis.pending.kind === "stranded" && managedBy) {
        plan.notes.push(`AWSPENDING is stranded on ${analysis.pending.versionId}, but ${managedBy} manages this secret's labels: left to it`);
    } else {
        cleanup = cleanupSteps(secret, analysis, desired);
        if (cleanup.blocked) return block(plan, cleanup.blocked);
        plan.notes.push(...cleanup.notes);
    }

    if (mustRotate) {
        const inProgress = inProgressBlock(analysis, desired.pendingGracePeriodMs);
        if (inProgress) return { ...plan, steps: [], blocked: inProgress };
    } else if (analysis.pending.kind === "in-progress") {
        plan.notes.push(`a rotation is in progress (AWSPENDING on ${analysis.pending.versionId}); left alone`);
    }

    const turnsOn = needEnable && (context.operation === "create" || context.previous?.enabled === false);
    // A secret with no value yet has nothing to rotate from: its Lambda would run against an
    // empty secret (Terraform's #10619). Rotation is turned on; the first rotation waits.
    const hasValue = analysis.currentVersionId !== undefined;
    const rotateImmediately = mustRotate && hasValue && (needRotateNow || (turnsOn && desired.rotateImmediately));

    const releases = managedBy ? { steps: [] } : labelReleases(secret, desired, cleanup, mustRotate);
    if (releases.blocked) return block(plan, releases.blocked);
    plan.steps.push(...releases.steps, ...cleanup.steps);

    if (mustRotate) {
        const reasons = [
            needEnable ? (turnsOn ? "rotation is declared on and is off" : "rotation was turned off out of band; restoring it without rotating") : undefined,
            lambdaChanged ? `rotation function ${secret.rotationLambdaArn ?? "none"} -> ${desired.rotationLambdaArn}` : undefined,
            scheduleChanged ? `schedule ${describeSchedule(secret.schedule)} -> ${describeSchedule(desired.schedule)}` : undefined,
            needRotateNow ? `rotateNowToken changed to ${JSON.stringify(desired.rotateNowToken)}: rotate now` : undefined,
            !hasValue && (needRotateNow || (turnsOn && desired.rotateImmediately)) ? "the secret has no value yet, so it is not rotated now" : undefined,
        ].filter((r): r is string => r !== undefined);
        const rules = schedule ? rulesFromSchedule(schedule) : undefined;
        plan.steps.push({
            call: {
                api: "RotateSecret",
                ...(lambda ? { rotationLambdaArn: lambda } : {}),
                ...(rules ? { rotationRules: rules } : {}),
                rotateImmediately,
                // A rotation for a token: the token's own version id. Otherwise the call is for this
                // observation only (a re-run observes rotation on and does not call again): a token
                // unique to it, which every retry of this operation reuses.
                clientRequestToken:
                    needRotateNow && rotateImmediately
                        ? tokenVersionId!
                        : rotationToken(rotateImmediately ? "turn-on" : "configure", secret.arn, secret.observedAt, lambda ?? "", JSON.stringify(rules ?? {})),
            },
            why: `${reasons.join("; ")}${rotateImmediately ? "" : " (no rotation now)"}`,
        });
    }
    if (plan.steps.every(isOwnershipCall) && plan.notes.length === ownership.notes.length) {
        plan.notes.push(`the live rotation already matches the declaration${plan.steps.length === 0 ? ": no call" : ""}`);
    }
    return plan;
}

/**
 * Turning off the rotation of a secret another service manages: CancelRotateSecret alone. Its
 * labels are its owner's (no label call). A rotation the owner has in progress is waited for, not
 * cancelled: a cancelled managed rotation can leave the service's credential and the secret apart,
 * and repairing the labels is the owner's; managed rotation "typically completes within one
 * minute" (Secrets Manager User Guide, "Managed rotation"). A stranded AWSPENDING does not stop it.
 */
function planManagedOff(plan: Plan, analysis: LabelAnalysis, managedBy: string, gracePeriodMs: number): Plan {
    const p = analysis.pending;
    if (p.kind === "in-progress") {
        const when = p.strandedAt ? `after ${p.strandedAt}` : "later";
        return {
            ...plan,
            steps: [],
            blocked: {
                reason:
                    `enabled: ${managedBy} is rotating this secret (AWSPENDING on version ${p.versionId}, ${ageText(p.ageMs)}, grace period ` +
                    `${Math.round(gracePeriodMs / 60_000)} min); its rotation is turned off once that rotation has finished, not in the middle of it ` +
                    `(the labels of a secret another service manages are that service's to repair). Nothing was changed: run up again when it has finished, or ${when}`,
                retryAfter: p.strandedAt,
            },
        };
    }
    if (p.kind === "stranded") plan.notes.push(`AWSPENDING is stranded on ${p.versionId}, but ${managedBy} manages this secret's labels: left to it`);
    plan.steps.push({ call: { api: "CancelRotateSecret" }, why: `rotation is declared off and is on (managed by ${managedBy}: its rotation is turned off, its labels are left to it)` });
    return plan;
}

/** The plan for destroy, per deletionPolicy. A secret that is already gone is success. */
export function planDelete(desired: DesiredState, observation: Observation, context: { cancelledVersionId?: string } = {}): Plan {
    if (!observation.found) {
        return { steps: [], notes: [`the secret no longer exists: nothing to clean up`] };
    }
    const secret = observation.secret;
    const plan: Plan = { arn: secret.arn, steps: [], notes: [] };
    if (secret.deletedDate) {
        plan.notes.push(`the secret is scheduled for deletion on ${secret.deletedDate}: nothing to clean up`);
        return plan;
    }
    // Another declaration's secret is left to it; this one's is released after everything else.
    const ownership = deleteOwnership(secret, desired);
    if (ownership.leave) return { ...plan, notes: [ownership.leave] };
    if (ownership.handedTo !== undefined) return { ...plan, steps: ownership.steps, notes: ownership.notes };
    plan.notes.push(...ownership.notes);
    if (desired.deletionPolicy === "retain") {
        plan.notes.push("deletionPolicy is retain: the secret's rotation is left as it is");
        plan.steps.push(...ownership.steps);
        return plan;
    }
    if (secret.owningService) {
        // Its rotation, on or off, is its owner's default or another declaration's choice: a
        // delete never changes it. Only this declaration's tag is released.
        plan.notes.push(`the secret is managed by ${secret.owningService}: its rotation is left as it is`);
        plan.steps.push(...ownership.steps);
        return plan;
    }
    const refused = refusal(observation, "clean up");
    if (refused) return block(plan, refused);

    const analysis = analyzeLabels(secret, desired.pendingGracePeriodMs, context.cancelledVersionId);
    let cancel: PlannedStep[] = [];
    let cleanup: Cleanup;
    if (secret.rotationEnabled) {
        // deletionPolicy cancel wins over a rotation in progress, as enabled: false does.
        const cancelled = cancelInProgress(secret, analysis, desired, "deletionPolicy is cancel: turn rotation off");
        cancel = cancelled.steps;
        cleanup = cancelled.cleanup;
    } else {
        cleanup = cleanupSteps(secret, analysis, desired);
        // Rotation is off, yet a young pending version: a rotation someone started by hand; not ours to break.
        if (cleanup.steps.length === 0 && analysis.pending.kind === "in-progress") {
            plan.notes.push(`a rotation is in progress (AWSPENDING on ${analysis.pending.versionId}) with rotation off; left alone`);
        }
    }
    if (cleanup.blocked) return block(plan, cleanup.blocked);
    const releases = labelReleases(secret, { ...desired, enabled: false }, cleanup, false);
    if (releases.blocked) return block(plan, releases.blocked);
    plan.steps.push(...cancel, ...releases.steps, ...cleanup.steps);
    plan.notes.push(...cleanup.notes);
    if (plan.steps.length === 0 && plan.notes.length === ownership.notes.length) {
        plan.notes.push(`rotation is already off and the labels are healthy${ownership.steps.length === 0 ? ": no call" : ""}`);
    }
    plan.steps.push(...ownership.steps);
    return plan;
}

function block(plan: Plan, reason: string): Plan {
    return { ...plan, steps: [], blocked: { reason } };
}

/** A plan as text: the calls in order with their reasons, or why nothing may be done. */
export function describePlan(plan: Plan): string[] {
    if (plan.blocked) return [`blocked: ${plan.blocked.reason}`];
    return [
        ...plan.steps.map((s, i) => `${i + 1}. ${describeCall(s.call)} — ${s.why}`),
        ...plan.notes.map((n) => `note: ${n}`),
    ];
}

export function describeCall(call: ApiCall): string {
    switch (call.api) {
        case "RotateSecret": {
            const parts = [
                call.rotationLambdaArn ? `lambda=${call.rotationLambdaArn}` : undefined,
                call.rotationRules ? `rules=${JSON.stringify(call.rotationRules)}` : undefined,
                `rotateImmediately=${call.rotateImmediately}`,
            ].filter(Boolean);
            return `RotateSecret(${parts.join(", ")})`;
        }
        case "CancelRotateSecret":
            return "CancelRotateSecret()";
        case "UpdateSecretVersionStage": {
            const parts = [
                `stage=${call.versionStage}`,
                call.moveToVersionId ? `moveTo=${call.moveToVersionId}` : undefined,
                call.removeFromVersionId ? `removeFrom=${call.removeFromVersionId}` : undefined,
            ].filter(Boolean);
            return `UpdateSecretVersionStage(${parts.join(", ")})`;
        }
        case "TagResource":
            return `TagResource(${call.tags.map((tag) => `${tag.key}=${tag.value}`).join(", ")})`;
        case "UntagResource":
            return `UntagResource(${call.keys.join(", ")})`;
    }
}
