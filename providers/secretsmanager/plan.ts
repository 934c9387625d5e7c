// The rotation semantics, in one place: from what is declared and what is observed, the ordered
// Secrets Manager calls that make them agree. Pure: no I/O, no clock (ages are measured from the
// observation's time), so every rule is unit-tested, and previews, reports and `up` render the
// very same plan.
import {
    AWSCURRENT,
    AWSPENDING,
    AWSPREVIOUS,
    DesiredState,
    Observation,
    ObservedSecret,
    QUARANTINE_LABEL_PREFIX,
    SUPERSEDED_LABEL_PREFIX,
    Schedule,
} from "./model";
import { deleteOwnership, isOwnershipCall, reconcileOwnership } from "./ownership";
import { describeSchedule, rulesFromSchedule, schedulesEqual } from "./schedule";

/** One Secrets Manager call. Every planned step is exactly one. */
export type ApiCall =
    | {
          api: "RotateSecret";
          rotationLambdaArn?: string;
          rotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string };
          rotateImmediately: boolean;
      }
    | { api: "CancelRotateSecret" }
    | { api: "UpdateSecretVersionStage"; versionStage: string; moveToVersionId?: string; removeFromVersionId?: string }
    /** Ownership (ownership.ts): the owner tag set or removed. */
    | { api: "TagResource"; key: string; value: string }
    | { api: "UntagResource"; key: string };

export interface PlannedStep {
    call: ApiCall;
    /** Why this call is needed, for reviewers and for `up`'s log. */
    why: string;
}

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
    /** On another version, older than the grace period: a failed or cancelled rotation left it. */
    | { kind: "stranded"; versionId: string; createdDate?: string; ageMs?: number };

export interface LabelAnalysis {
    currentVersionId?: string;
    previousVersionId?: string;
    pending: PendingState;
    quarantinedVersionIds: string[];
}

export function quarantineLabelFor(versionId: string): string {
    return `${QUARANTINE_LABEL_PREFIX}${versionId}`;
}

export function supersededLabelFor(versionId: string): string {
    return `${SUPERSEDED_LABEL_PREFIX}${versionId}`;
}

export function analyzeLabels(secret: ObservedSecret, gracePeriodMs: number): LabelAnalysis {
    const holder = (label: string) => secret.versions.find((v) => v.labels.includes(label));
    const current = holder(AWSCURRENT);
    const pendingVersion = holder(AWSPENDING);
    const quarantinedVersionIds = secret.versions
        .filter((v) => v.labels.some((l) => l.startsWith(QUARANTINE_LABEL_PREFIX)))
        .map((v) => v.versionId);

    let pending: PendingState = { kind: "none" };
    if (pendingVersion && pendingVersion.versionId === current?.versionId) {
        pending = { kind: "with-current", versionId: pendingVersion.versionId };
    } else if (pendingVersion) {
        const createdDate = pendingVersion.createdDate;
        const ageMs = createdDate === undefined ? undefined : Date.parse(secret.observedAt) - Date.parse(createdDate);
        if (ageMs !== undefined && ageMs >= gracePeriodMs) {
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
    /** The declaration's identity then (ownership.ts). */
    owner?: string;
}

export interface ReconcileContext {
    operation: "create" | "update";
    previous?: PreviousDeclaration;
}

const ageText = (ms?: number) =>
    ms === undefined ? "age unknown" : ms < 3_600_000 ? `${Math.floor(ms / 60_000)} min old` : `${(ms / 3_600_000).toFixed(1)} h old`;

/** The secret cannot be acted on at all: gone, scheduled for deletion, or a replica. */
function refusal(observation: Observation, action: string): string | undefined {
    if (!observation.found) {
        return `secret ${observation.secretId} does not exist in ${observation.region}; nothing to ${action}`;
    }
    const s = observation.secret;
    if (s.deletedDate) {
        return (
            `secret ${s.arn} is scheduled for deletion on ${s.deletedDate}; nothing was changed. ` +
            `Restore it (aws secretsmanager restore-secret --secret-id ${s.arn}) or remove this declaration`
        );
    }
    if (s.primaryRegion && s.primaryRegion !== s.region) {
        return (
            `secret ${s.arn} is a replica; rotation happens on its primary in ${s.primaryRegion} only. ` +
            `Declare the rotation for the primary secret (its ARN in ${s.primaryRegion}); nothing was changed`
        );
    }
    return undefined;
}

/** Cleanup of a stranded AWSPENDING per policy, or why it must stop. */
function cleanupSteps(
    secret: ObservedSecret,
    analysis: LabelAnalysis,
    desired: DesiredState,
): { steps: PlannedStep[]; blocked?: string } {
    const pending = analysis.pending;
    if (pending.kind !== "stranded") return { steps: [] };
    const v = pending.versionId;
    const current = analysis.currentVersionId;
    const age = ageText(pending.ageMs);
    switch (desired.pendingPolicy) {
        case "quarantine":
            return { steps: quarantineSteps(secret, v, age) };
        case "promote":
            if (!current) {
                return { steps: [], blocked: `AWSPENDING is stranded on ${v} but no version carries AWSCURRENT` };
            }
            return { steps: promoteSteps(secret, v, current, age) };
        case "fail":
            return { steps: [], blocked: strandedInstructions(secret, v, current, age) };
    }
}

/** Keep the stranded candidate under a label of its own, then take AWSPENDING off it. */
function quarantineSteps(secret: ObservedSecret, v: string, age: string): PlannedStep[] {
    const label = quarantineLabelFor(v);
    // A run that stopped between the two calls (a crash, a failed call) left the label on
    // already: moving it again would be a wasted call.
    const labelled = secret.versions.find((version) => version.versionId === v)?.labels.includes(label) === true;
    return [
        ...(labelled
            ? []
            : [
                  {
                      // Label first: the version is never without a label, so its value can
                      // never become deprecated and be deleted, even if the next call fails.
                      call: { api: "UpdateSecretVersionStage", versionStage: label, moveToVersionId: v } as const,
                      why: `keep the stranded candidate version ${v} (${age}) labelled ${label}`,
                  },
              ]),
        {
            call: { api: "UpdateSecretVersionStage", versionStage: AWSPENDING, removeFromVersionId: v },
            why: `take AWSPENDING off stranded version ${v} so rotation can run again`,
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
    return [
        ...(keepPrevious
            ? [
                  {
                      call: {
                          api: "UpdateSecretVersionStage",
                          versionStage: supersededLabelFor(previous.versionId),
                          moveToVersionId: previous.versionId,
                      } as const,
                      why: `keep version ${previous.versionId}, which loses AWSPREVIOUS, labelled ${supersededLabelFor(previous.versionId)}`,
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

/** pendingPolicy fail: change nothing, and say how to do by hand what quarantine or promote would. */
function strandedInstructions(secret: ObservedSecret, v: string, current: string | undefined, age: string): string {
    const cli = (step: PlannedStep) => {
        const call = step.call;
        if (call.api !== "UpdateSecretVersionStage") throw new Error(`not a label move: ${call.api}`);
        return (
            `  aws secretsmanager update-secret-version-stage --secret-id ${secret.arn} --version-stage ${call.versionStage}` +
            (call.moveToVersionId ? ` --move-to-version-id ${call.moveToVersionId}` : "") +
            (call.removeFromVersionId ? ` --remove-from-version-id ${call.removeFromVersionId}` : "")
        );
    };
    return [
        `AWSPENDING is stranded on version ${v} (${age}); AWSCURRENT is on ${current ?? "no version"}. ` +
            `Nothing was changed (pendingPolicy: fail). Labels: ${labelsText(secret)}.`,
        `To keep the candidate and unblock rotation:`,
        ...quarantineSteps(secret, v, age).map(cli),
        ...(current
            ? [`Or, if the service already uses the new credential, roll forward:`, ...promoteSteps(secret, v, current, age).map(cli)]
            : []),
        `Or set pendingPolicy to quarantine or promote and run pulumi up again.`,
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
            `could break it. Retry when it has finished, or ${when}, when a pending version that is still there counts as stranded`,
        retryAfter: p.strandedAt,
    };
}

/**
 * The plan for create and update: make the secret's rotation match the declaration.
 *
 * Rules (each unit-tested):
 * - a secret that is missing, scheduled for deletion or a replica: refuse, no call;
 * - a stranded AWSPENDING is cleaned up per pendingPolicy, before RotateSecret (which AWS rejects
 *   while one is stranded) and after CancelRotateSecret (which is how AWS's own recovery goes);
 * - a rotation in progress blocks every change, and only then;
 * - turning rotation on rotates now only when the declaration turns it on (create, or enabled
 *   false -> true) and rotateImmediately says so; restoring it after an out-of-band change, or
 *   changing the Lambda or the schedule, never rotates; a new rotateNowToken always does;
 * - a secret without a value yet (no AWSCURRENT) is never rotated now, only configured;
 * - RotateSecret always carries the Lambda ARN (the declared one, else the live one) and the
 *   rules, never days and an expression together;
 * - managed secrets (OwningService) need no Lambda, cannot be turned off here, and their labels
 *   are left to their owner.
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
    const analysis = analyzeLabels(secret, desired.pendingGracePeriodMs);

    const lambdaChanged =
        desired.rotationLambdaArn !== undefined && desired.rotationLambdaArn !== secret.rotationLambdaArn;
    const scheduleChanged = desired.schedule !== undefined && !schedulesEqual(desired.schedule, secret.schedule);
    const needEnable = desired.enabled && !secret.rotationEnabled;
    const needDisable = !desired.enabled && secret.rotationEnabled;
    const needReconfigure = desired.enabled && secret.rotationEnabled && (lambdaChanged || scheduleChanged);
    const needRotateNow =
        desired.enabled &&
        context.operation === "update" &&
        desired.rotateNowToken !== undefined &&
        desired.rotateNowToken !== context.previous?.rotateNowToken;

    if (managedBy) {
        if (desired.rotationLambdaArn !== undefined) {
            return block(plan, `rotationLambdaArn: secret ${secret.arn} is managed by ${managedBy}, which rotates it itself; remove rotationLambdaArn`);
        }
        if (needDisable) {
            return block(
                plan,
                `enabled: secret ${secret.arn} is managed by ${managedBy}; its rotation cannot be turned off through Secrets Manager. ` +
                    `Change it in ${managedBy}, or declare enabled: true; nothing was changed`,
            );
        }
    }

    const mustRotate = needEnable || needReconfigure || needRotateNow;
    const lambda = managedBy ? undefined : desired.rotationLambdaArn ?? secret.rotationLambdaArn;
    const schedule: Schedule | undefined = desired.schedule ?? secret.schedule;
    if (mustRotate && !managedBy && !lambda) {
        return block(plan, `rotationLambdaArn: required to turn rotation on, and secret ${secret.arn} has no rotation function`);
    }
    if (needEnable && !schedule) {
        return block(plan, `schedule: required to turn rotation on, and secret ${secret.arn} has no rotation schedule`);
    }

    // Labels: cleanup is part of every operation, so a stranded AWSPENDING alone is also repaired.
    let cleanup: PlannedStep[] = [];
    if (analysis.pending.kind === "stranded" && managedBy) {
        plan.notes.push(`AWSPENDING is stranded on ${analysis.pending.versionId}, but ${managedBy} manages this secret's labels: left to it`);
    } else {
        const result = cleanupSteps(secret, analysis, desired);
        if (result.blocked) return block(plan, result.blocked);
        cleanup = result.steps;
    }

    const changes = mustRotate || needDisable;
    if (changes) {
        const inProgress = inProgressBlock(analysis, desired.pendingGracePeriodMs);
        if (inProgress) return { ...plan, steps: [], blocked: inProgress };
    } else if (analysis.pending.kind === "in-progress") {
        plan.notes.push(`a rotation is in progress (AWSPENDING on ${analysis.pending.versionId}); left alone`);
    }

    if (needDisable) {
        plan.steps.push({ call: { api: "CancelRotateSecret" }, why: "rotation is declared off and is on" });
        plan.steps.push(...cleanup);
        return plan;
    }

    plan.steps.push(...cleanup);
    if (mustRotate) {
        const turnsOn = needEnable && (context.operation === "create" || context.previous?.enabled === false);
        // A secret with no value yet has nothing to rotate from: its Lambda would run against an
        // empty secret (Terraform's #10619). Rotation is turned on; the first rotation waits.
        const hasValue = analysis.currentVersionId !== undefined;
        const rotateImmediately = hasValue && (needRotateNow || (turnsOn && desired.rotateImmediately));
        const reasons = [
            needEnable ? (turnsOn ? "rotation is declared on and is off" : "rotation was turned off out of band; restoring it without rotating") : undefined,
            lambdaChanged ? `rotation function ${secret.rotationLambdaArn ?? "none"} -> ${desired.rotationLambdaArn}` : undefined,
            scheduleChanged ? `schedule ${describeSchedule(secret.schedule)} -> ${describeSchedule(desired.schedule)}` : undefined,
            needRotateNow ? `rotateNowToken changed to ${JSON.stringify(desired.rotateNowToken)}: rotate now` : undefined,
            !hasValue && (needRotateNow || (turnsOn && desired.rotateImmediately)) ? "the secret has no value yet, so it is not rotated now" : undefined,
        ].filter((r): r is string => r !== undefined);
        plan.steps.push({
            call: {
                api: "RotateSecret",
                ...(lambda ? { rotationLambdaArn: lambda } : {}),
                ...(schedule ? { rotationRules: rulesFromSchedule(schedule) } : {}),
                rotateImmediately,
            },
            why: `${reasons.join("; ")}${rotateImmediately ? "" : " (no rotation now)"}`,
        });
    }
    if (plan.steps.every(isOwnershipCall)) plan.notes.push(`the live rotation already matches the declaration${plan.steps.length === 0 ? ": no call" : ""}`);
    return plan;
}

/** The plan for destroy, per deletionPolicy. A secret that is already gone is success. */
export function planDelete(desired: DesiredState, observation: Observation): Plan {
    if (!observation.found) {
        return { steps: [], notes: [`secret ${observation.secretId} no longer exists: nothing to clean up`] };
    }
    const secret = observation.secret;
    const plan: Plan = { arn: secret.arn, steps: [], notes: [] };
    if (secret.deletedDate) {
        plan.notes.push(`secret ${secret.arn} is scheduled for deletion on ${secret.deletedDate}: nothing to clean up`);
        return plan;
    }
    // Another declaration's secret is left to it; this one's is released after everything else.
    const ownership = deleteOwnership(secret, desired);
    if (ownership.leave) return { ...plan, notes: [ownership.leave] };
    plan.notes.push(...ownership.notes);
    if (desired.deletionPolicy === "retain") {
        plan.notes.push("deletionPolicy is retain: the secret's rotation is left as it is");
        plan.steps.push(...ownership.steps);
        return plan;
    }
    if (secret.owningService) {
        plan.notes.push(`secret ${secret.arn} is managed by ${secret.owningService}: its rotation is left to it`);
        return plan;
    }
    const refused = refusal(observation, "clean up");
    if (refused) return block(plan, refused);

    const analysis = analyzeLabels(secret, desired.pendingGracePeriodMs);
    const cleanup = cleanupSteps(secret, analysis, desired);
    if (cleanup.blocked) return block(plan, cleanup.blocked);
    if (secret.rotationEnabled || cleanup.steps.length > 0) {
        const inProgress = inProgressBlock(analysis, desired.pendingGracePeriodMs);
        if (inProgress) return { ...plan, blocked: inProgress };
    }
    if (secret.rotationEnabled) {
        plan.steps.push({ call: { api: "CancelRotateSecret" }, why: "deletionPolicy is cancel: turn rotation off" });
    }
    plan.steps.push(...cleanup.steps);
    if (plan.steps.length === 0) plan.notes.push(`rotation is already off and the labels are healthy${ownership.steps.length === 0 ? ": no call" : ""}`);
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
            return `TagResource(${call.key}=${call.value})`;
        case "UntagResource":
            return `UntagResource(${call.key})`;
    }
}
