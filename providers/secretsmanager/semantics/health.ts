// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// Rotation health, modelled on AWS Config's managed rules for Secrets Manager
// (secretsmanager-rotation-enabled-check, secretsmanager-secret-periodic-rotation,
// secretsmanager-scheduled-rotation-success-check), plus what only staging labels can tell:
// a stranded or long-running pending rotation. Pure: facts and a clock in, findings out, so the
// review command and the warnings in `pulumi preview` judge a secret by the very same rules.
import { Observation, Schedule } from "./model";
import { keptLabels, LABEL_QUOTA, labelCount } from "./labels";
import { analyzeLabels, HEALTHY, PendingState } from "./plan";
import { describeSchedule, intervalHours, longestIntervalHours, scheduleFromInput } from "./schedule";
import type { DeclaredThresholds, ScheduleInput } from "./model";

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

/**
 * The range of each threshold a stack, a declaration or a policy may set (inputs.ts checks them;
 * the review's flags allow the same): days as Secrets Manager's schedules count them (1 to 1,000
 * days between rotations), and a rotation in progress from a minute to 30 days, the longest
 * pendingGracePeriod.
 */
export const THRESHOLD_RANGES: Record<keyof DeclaredThresholds, { min: number; max: number }> = {
    maxIntervalDays: { min: 1, max: 1000 },
    maxDaysSinceRotation: { min: 1, max: 100_000 },
    pendingLongRunningMinutes: { min: 1, max: 43_200 },
};

const MINUTE_MS = 60_000;

/** Thresholds in the report's terms (minutes for the pending one), as the review's JSON shows them. */
export function reportedThresholds(t: HealthThresholds): Required<DeclaredThresholds> {
    return { maxIntervalDays: t.maxIntervalDays, maxDaysSinceRotation: t.maxDaysSinceRotation, pendingLongRunningMinutes: Math.round(t.pendingLongRunningMs / MINUTE_MS) };
}

/** Thresholds declared at two levels, field by field: the closer one (a declaration's, a policy's) over the stack-wide one. Only what is set. */
export function mergeDeclaredThresholds(stackWide: DeclaredThresholds | undefined, own: DeclaredThresholds | undefined): DeclaredThresholds | undefined {
    const merged: DeclaredThresholds = {};
    for (const source of [stackWide, own]) {
        for (const [key, value] of Object.entries(source ?? {})) if (value !== undefined) merged[key as keyof DeclaredThresholds] = value as number;
    }
    return Object.keys(merged).length > 0 ? merged : undefined;
}

/**
 * The thresholds a secret is judged by, each one from the first source that sets it:
 *   1. `explicit`: the review's flags given on its command line (that run only);
 *   2. `declared`: the declaration's or policy's own, else the stack-wide ones (the program merged
 *      them, mergeDeclaredThresholds, and they are recorded in the resource's inputs);
 *   3. for a secret a policy governs, the default raised to the policy's schedule (below);
 *   4. DEFAULT_THRESHOLDS (or `defaults`).
 * A single declaration's own schedule does not raise its default: its schedule is one team's
 * choice for one secret, and interval-too-long is there to flag exactly a choice longer than the
 * organization's limit; a policy is that limit for its fleet (docs/health-thresholds.md).
 */
export function effectiveThresholds(sources: {
    explicit?: Partial<HealthThresholds>;
    declared?: DeclaredThresholds;
    governingSchedule?: Schedule;
    /** What 4. is: DEFAULT_THRESHOLDS unless a caller of the review replaces them. */
    defaults?: HealthThresholds;
}): HealthThresholds {
    const defaults = sources.defaults ?? DEFAULT_THRESHOLDS;
    const base = sources.governingSchedule ? defaultsForPolicySchedule(sources.governingSchedule, defaults) : defaults;
    const declared = sources.declared ?? {};
    const explicit = sources.explicit ?? {};
    return {
        maxIntervalDays: explicit.maxIntervalDays ?? declared.maxIntervalDays ?? base.maxIntervalDays,
        maxDaysSinceRotation: explicit.maxDaysSinceRotation ?? declared.maxDaysSinceRotation ?? base.maxDaysSinceRotation,
        pendingLongRunningMs:
            explicit.pendingLongRunningMs ?? (declared.pendingLongRunningMinutes !== undefined ? declared.pendingLongRunningMinutes * MINUTE_MS : base.pendingLongRunningMs),
    };
}

/**
 * The defaults for the secrets a policy governs: never stricter than the policy's own schedule, so
 * a fleet on `rate(180 days)` is not warned about on every secret in every preview.
 *   - interval-too-long: the schedule's longest interval (longestIntervalHours, as minimum mode
 *     judges it), in whole days rounded up.
 *   - not-rotated-recently: that interval plus the rotation window (AWS starts a scheduled
 *     rotation anywhere in it: the declared duration, else the whole UTC day, so two rotations can
 *     be interval + window apart) plus one day for the rotation itself to run and finish. A
 *     rotation that did not happen is reported sooner anyway, by missed-scheduled-rotation, right
 *     after its window; this check is the backstop and must not flap on a rotation that is merely
 *     late in its window.
 * Each is at least the plain default: a policy of 30 days does not loosen anything.
 */
export function defaultsForPolicySchedule(schedule: Schedule, defaults: HealthThresholds = DEFAULT_THRESHOLDS): HealthThresholds {
    const longest = longestIntervalHours(schedule);
    if (longest === undefined) return defaults;
    return {
        ...defaults,
        maxIntervalDays: Math.max(defaults.maxIntervalDays, Math.ceil(longest / 24)),
        maxDaysSinceRotation: Math.max(defaults.maxDaysSinceRotation, Math.ceil((longest + windowHours(schedule)) / 24) + 1),
    };
}

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
