// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// Rotation health, modelled on AWS Config's managed rules for Secrets Manager
// (secretsmanager-rotation-enabled-check, secretsmanager-secret-periodic-rotation,
// secretsmanager-scheduled-rotation-success-check), plus what only staging labels can tell:
// a stranded or long-running pending rotation. Pure: facts and a clock in, findings out, so the
// review command and the warnings in `pulumi preview` judge a secret by the very same rules.
import { Observation, Schedule } from "./model";
import { keptLabels, LABEL_QUOTA, labelCount } from "./labels";
import { analyzeLabels, HEALTHY, PendingState } from "./plan";
import { describeSchedule, intervalHours, scheduleFromInput } from "./schedule";
import type { ScheduleInput } from "./model";

/** The stable codes of findings: part of the review report's schema, never renamed. */
export const FINDING_CODES = [
    "secret-missing",
    "scheduled-for-deletion",
    "rotation-disabled",
    "interval-too-long",
    "not-rotated-recently",
    "missed-scheduled-rotation",
    "pending-stranded",
    "pending-long-running",
    "label-budget",
    // Found by the review, not from the secret's health: an aws.secretsmanager.SecretRotation of
    // the same stack manages the same secret (src/review/review.ts, declaredTwice).
    "rotation-declared-twice",
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
    code: FindingCode;
    /** One sentence naming the secret's fact and the threshold it breaks. */
    message: string;
}

export interface HealthThresholds {
    /** interval-too-long: the schedule may not rotate less often than every N days (AWS Config's maximumAllowedRotationFrequency). */
    maxIntervalDays: number;
    /** not-rotated-recently: the secret must have rotated within N days (AWS Config's maxDaysSinceRotation). */
    maxDaysSinceRotation: number;
    /** pending-long-running: a rotation still in progress after this long is reported (it is not stranded yet). */
    pendingLongRunningMs: number;
}

/** AWS Config's defaults where it has one (90 days since rotation); a Lambda's four steps take minutes, not an hour. */
export const DEFAULT_THRESHOLDS: HealthThresholds = {
    maxIntervalDays: 90,
    maxDaysSinceRotation: 90,
    pendingLongRunningMs: 3_600_000,
};

/** What health is judged on: obtainable from a fresh observation or from a resource's last-known outputs. */
export type HealthFacts =
    | { found: false; secretId: string }
    | {
          found: true;
          name: string;
          deletedDate?: string;
          rotationEnabled: boolean;
          schedule?: Schedule;
          lastRotatedDate?: string;
          createdDate?: string;
          nextRotationDate?: string;
          /** Rotation managed by another service (RDS...): the label checks are left to it. */
          owningService?: string;
          pending: PendingState;
          /** Staging labels across all versions, and how many of them this provider added (only from an observation). */
          labels?: { total: number; ours: number };
      };

export function healthFactsFromObservation(observation: Observation, pendingGracePeriodMs: number): HealthFacts {
    if (!observation.found) return { found: false, secretId: observation.secretId };
    const s = observation.secret;
    return {
        found: true,
        name: s.name,
        deletedDate: s.deletedDate,
        rotationEnabled: s.rotationEnabled,
        schedule: s.schedule,
        lastRotatedDate: s.lastRotatedDate,
        createdDate: s.createdDate,
        nextRotationDate: s.nextRotationDate,
        owningService: s.owningService,
        pending: analyzeLabels(s, pendingGracePeriodMs).pending,
        labels: { total: labelCount(s), ours: keptLabels(s).length },
    };
}

/**
 * label-budget: so few of AWS's 20 staging labels per secret are left that a failed rotation's
 * quarantine and the next rotation (AWSPENDING, and AWSPREVIOUS on its first finish) may not fit.
 */
export const LABEL_BUDGET_WARNING = LABEL_QUOTA - 4;

/** The outputs a SecretRotationState records after each up or refresh (the health-relevant ones). */
export interface RecordedRotationState {
    name: string;
    rotationEnabled: boolean;
    schedule?: ScheduleInput;
    lastRotatedDate?: string;
    nextRotationDate?: string;
    owningService?: string;
    stagingLabels: string;
    pendingVersionId?: string;
    pendingCreatedDate?: string;
}

/**
 * Facts from a resource's recorded outputs, for warnings in `pulumi preview` (which makes no AWS
 * call): as fresh as the last up or refresh, so `pulumi preview --refresh` judges the live state.
 * The outputs keep no creation date: a never-rotated secret's age is not judged from them.
 */
export function healthFactsFromOutputs(outputs: RecordedRotationState, now: string): HealthFacts {
    let pending: PendingState = { kind: "none" };
    if (outputs.pendingVersionId) {
        const createdDate = outputs.pendingCreatedDate;
        const ageMs = createdDate ? Date.parse(now) - Date.parse(createdDate) : undefined;
        const versionId = outputs.pendingVersionId;
        // The provider's own verdict: stagingLabels is "healthy" unless the pending version is stranded.
        pending = outputs.stagingLabels !== HEALTHY ? { kind: "stranded", versionId, createdDate, ageMs } : { kind: "in-progress", versionId, createdDate, ageMs };
    }
    return {
        found: true,
        name: outputs.name,
        rotationEnabled: outputs.rotationEnabled,
        schedule: scheduleFromInput(outputs.schedule),
        lastRotatedDate: outputs.lastRotatedDate,
        nextRotationDate: outputs.nextRotationDate,
        owningService: outputs.owningService,
        pending,
    };
}

export interface HealthContext {
    /** When the facts are judged (ISO time). */
    now: string;
    thresholds: HealthThresholds;
    /**
     * Whether rotation is expected at all: false for a secret declared `enabled: false`, whose
     * rotation being off is what was asked for (and whose age then says nothing).
     */
    rotationExpected: boolean;
}

const DAY_MS = 86_400_000;
const days = (ms: number) => Math.floor(ms / DAY_MS);
const hoursText = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

export function assessHealth(facts: HealthFacts, context: HealthContext): Finding[] {
    if (!facts.found) return [{ code: "secret-missing", message: `secret ${facts.secretId} does not exist` }];
    if (facts.deletedDate) {
        return [{ code: "scheduled-for-deletion", message: `secret ${facts.name} is scheduled for deletion on ${facts.deletedDate}` }];
    }
    const now = Date.parse(context.now);
    const { thresholds } = context;
    const findings: Finding[] = [];

    if (context.rotationExpected && !facts.rotationEnabled) {
        findings.push({ code: "rotation-disabled", message: `rotation of ${facts.name} is off` });
    }
    if (facts.rotationEnabled && facts.schedule) {
        const hours = intervalHours(facts.schedule);
        if (hours !== undefined && hours > thresholds.maxIntervalDays * 24) {
            findings.push({
                code: "interval-too-long",
                message: `${facts.name} rotates ${describeSchedule(facts.schedule)}, less often than every ${thresholds.maxIntervalDays} days`,
            });
        }
    }
    if (context.rotationExpected) {
        // AWS Config counts from the creation date for a secret that never rotated.
        const since = facts.lastRotatedDate ?? facts.createdDate;
        if (since !== undefined && now - Date.parse(since) > thresholds.maxDaysSinceRotation * DAY_MS) {
            const what = facts.lastRotatedDate ? `last rotated on ${since}` : `never rotated since it was created on ${since}`;
            findings.push({
                code: "not-rotated-recently",
                message: `${facts.name} was ${what} (${days(now - Date.parse(since))} days ago), more than ${thresholds.maxDaysSinceRotation} days`,
            });
        }
    }
    if (facts.rotationEnabled && facts.nextRotationDate !== undefined) {
        // A rotation may start anywhere in its window: only a date past the window is a miss.
        const windowMs = windowHours(facts.schedule) * 3_600_000;
        const due = Date.parse(facts.nextRotationDate);
        if (now > due + windowMs) {
            findings.push({
                code: "missed-scheduled-rotation",
                message: `${facts.name}'s scheduled rotation of ${facts.nextRotationDate} did not happen (window ${windowHours(facts.schedule)} h; now ${context.now})`,
            });
        }
    }
    if (facts.labels && facts.labels.total >= LABEL_BUDGET_WARNING) {
        const others = facts.labels.total - facts.labels.ours;
        findings.push({
            code: "label-budget",
            message:
                `${facts.name} carries ${facts.labels.total} of the ${LABEL_QUOTA} staging labels AWS allows per secret ` +
                `(${facts.labels.ours} kept by this provider, ${others} others): a failed rotation's quarantine and the next rotation need up to 3 more. ` +
                `Lower quarantineLabelLimit or quarantineRetention, or remove labels you no longer need (aws secretsmanager update-secret-version-stage --remove-from-version-id)`,
        });
    }
    if (!facts.owningService) {
        const p = facts.pending;
        if (p.kind === "stranded") {
            const age = p.ageMs === undefined ? "" : `, ${hoursText(p.ageMs)} old`;
            findings.push({
                code: "pending-stranded",
                message: `AWSPENDING of ${facts.name} is stranded on version ${p.versionId}${age}: the next rotation will fail until it is cleaned up`,
            });
        } else if (p.kind === "in-progress" && p.ageMs !== undefined && p.ageMs >= thresholds.pendingLongRunningMs) {
            findings.push({
                code: "pending-long-running",
                message: `a rotation of ${facts.name} has been in progress for ${hoursText(p.ageMs)} (AWSPENDING on ${p.versionId}), longer than ${hoursText(thresholds.pendingLongRunningMs)}`,
            });
        }
    }
    return findings;
}

/** The rotation window: the declared Duration, else 24 h (AWS's window for a days-based schedule is the whole day). */
function windowHours(schedule?: Schedule): number {
    const declared = schedule?.duration ? /^(\d+)h$/.exec(schedule.duration)?.[1] : undefined;
    return declared ? Number(declared) : 24;
}
