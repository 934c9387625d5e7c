// Validation of the declared inputs, before any change is made: every problem at once, each
// naming the property and the rule broken, with the value received. Pure.
import { z } from "zod";

import {
    DEFAULT_PENDING_GRACE_PERIOD,
    DELETION_POLICIES,
    DesiredState,
    InputFailure,
    PENDING_POLICIES,
    RotationStateInputs,
    Schedule,
    UNKNOWN,
} from "./model";
import { intervalHours, parseScheduleExpression } from "./schedule";

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
// Users name secrets with A-Z a-z 0-9 / _ + = . @ -; services that own secrets also use "!"
// (RDS: rds!db-<id>), and such secrets can be declared too.
const SECRET_NAME = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;
const LAMBDA_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]{1,128})?$/;
const FULL_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

const MINUTE = 60_000;
const GRACE_MIN_MS = MINUTE;
const GRACE_MAX_MS = 30 * 24 * 60 * MINUTE;

/** The properties a declaration may have. */
export const DECLARED_PROPERTIES = [
    "secretId",
    "enabled",
    "rotationLambdaArn",
    "schedule",
    "rotateImmediately",
    "rotateNowToken",
    "pendingPolicy",
    "pendingGracePeriod",
    "deletionPolicy",
] as const;
const SCHEDULE_PROPERTIES = ["automaticallyAfterDays", "scheduleExpression", "duration"] as const;

const isUnknown = (value: unknown) => value === UNKNOWN;
const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : value === undefined ? "nothing" : JSON.stringify(value));
const typeOf = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "a list" : typeof value);

/** `Nm`, `Nh` or `Nd` in milliseconds, or undefined when it is not one. */
export function parseDurationMs(text: string): number | undefined {
    const m = /^(\d+)(m|h|d)$/.exec(text);
    if (!m) return undefined;
    return Number(m[1]) * { m: MINUTE, h: 60 * MINUTE, d: 24 * 60 * MINUTE }[m[2] as "m" | "h" | "d"];
}

/** The region of a secret ARN; undefined for a name. */
export function regionOfSecretArn(secretId: string): string | undefined {
    return SECRET_ARN.exec(secretId)?.[2];
}

/** The secret's name from a full ARN (without the 6-character suffix) or a partial ARN. */
export function secretNameFromArn(arn: string): string {
    const name = SECRET_ARN.exec(arn)?.[4] ?? arn;
    return name.replace(FULL_ARN_SUFFIX, "");
}

/** Whether `declared` (a name, full ARN or partial ARN) designates the secret known by `arn` and `name`. */
export function sameSecret(declared: string, known: { arn: string; name: string }): boolean {
    if (declared === known.arn || declared === known.name) return true;
    // A partial ARN is the full ARN without "-" and its 6 random characters.
    return FULL_ARN_SUFFIX.test(known.arn) && declared === known.arn.replace(FULL_ARN_SUFFIX, "");
}

// The structure and the types, with zod; the domain rules are checked below, in our wording.
const scheduleShape = z.object({
    automaticallyAfterDays: z.unknown().optional(),
    scheduleExpression: z.unknown().optional(),
    duration: z.unknown().optional(),
});

export interface ValidationResult {
    /** The inputs with defaults applied: what Pulumi stores. Unknown values are kept as they are. */
    inputs: RotationStateInputs;
    /** Only when there is no failure and no unknown value. */
    desired?: DesiredState;
    failures: InputFailure[];
}

export function validateInputs(raw: unknown, context: { region?: string } = {}): ValidationResult {
    const failures: InputFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    let unknowns = false;

    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        return { inputs: { secretId: "" }, failures: [{ property: "secretId", reason: `the declaration must be a mapping (got ${typeOf(raw)})` }] };
    }
    const declared: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        if (key.startsWith("__") || value === undefined) continue;
        if (!(DECLARED_PROPERTIES as readonly string[]).includes(key)) {
            fail(key, `is not a property of a rotation state; allowed: ${DECLARED_PROPERTIES.join(", ")}`);
            continue;
        }
        declared[key] = value;
    }
    const known = (key: string) => declared[key] !== undefined && !(isUnknown(declared[key]) && (unknowns = true));

    // secretId
    const secretId = declared.secretId;
    let secretRegion: string | undefined;
    if (secretId === undefined || secretId === "") {
        fail("secretId", "is required: the secret's name, full ARN or partial ARN");
    } else if (known("secretId")) {
        if (typeof secretId !== "string") {
            fail("secretId", `must be a string (got ${typeOf(secretId)})`);
        } else if (secretId.startsWith("arn:")) {
            const m = SECRET_ARN.exec(secretId);
            if (!m) fail("secretId", `must be a Secrets Manager ARN arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name> (got ${shown(secretId)})`);
            else if (!SECRET_NAME.test(m[4]!)) fail("secretId", `the secret name in the ARN must be 1-512 characters of A-Z a-z 0-9 / _ + = . @ ! - (got ${shown(m[4])})`);
            else secretRegion = m[2];
        } else if (!SECRET_NAME.test(secretId)) {
            fail("secretId", `must be 1-512 characters of A-Z a-z 0-9 / _ + = . @ ! - , or an ARN (got ${shown(secretId)})`);
        }
    }

    for (const key of ["enabled", "rotateImmediately"] as const) {
        if (known(key) && typeof declared[key] !== "boolean") fail(key, `must be true or false (got ${typeOf(declared[key])} ${shown(declared[key])})`);
    }

    const lambda = declared.rotationLambdaArn;
    if (known("rotationLambdaArn")) {
        const m = typeof lambda === "string" ? LAMBDA_ARN.exec(lambda) : null;
        if (!m) {
            fail("rotationLambdaArn", `must be a Lambda function ARN arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>] (got ${shown(lambda)})`);
        } else {
            const region = secretRegion ?? context.region;
            if (region && m[2] !== region) {
                fail("rotationLambdaArn", `must be in the secret's region ${region}; the function is in ${m[2]}`);
            }
        }
    }

    let schedule: Schedule | undefined;
    if (known("schedule")) {
        const parsed = scheduleShape.safeParse(declared.schedule);
        if (!parsed.success || typeof declared.schedule !== "object" || Array.isArray(declared.schedule)) {
            fail("schedule", `must be a mapping with automaticallyAfterDays or scheduleExpression, and optionally duration (got ${typeOf(declared.schedule)})`);
        } else {
            schedule = validateSchedule(declared.schedule as Record<string, unknown>, fail, () => (unknowns = true));
        }
    }

    if (known("rotateNowToken")) {
        const token = declared.rotateNowToken;
        if (typeof token !== "string" || token.length === 0 || token.length > 256) {
            fail("rotateNowToken", `must be a non-empty string of at most 256 characters (got ${typeOf(token)} ${shown(token)})`);
        }
    }
    if (known("pendingPolicy") && !(PENDING_POLICIES as readonly unknown[]).includes(declared.pendingPolicy)) {
        fail("pendingPolicy", `must be one of ${PENDING_POLICIES.join(", ")} (got ${shown(declared.pendingPolicy)})`);
    }
    if (known("deletionPolicy") && !(DELETION_POLICIES as readonly unknown[]).includes(declared.deletionPolicy)) {
        fail("deletionPolicy", `must be one of ${DELETION_POLICIES.join(", ")} (got ${shown(declared.deletionPolicy)})`);
    }
    let graceMs = parseDurationMs(DEFAULT_PENDING_GRACE_PERIOD)!;
    if (known("pendingGracePeriod")) {
        const text = declared.pendingGracePeriod;
        const ms = typeof text === "string" ? parseDurationMs(text) : undefined;
        if (ms === undefined || ms < GRACE_MIN_MS || ms > GRACE_MAX_MS) {
            fail("pendingGracePeriod", `must be Nm, Nh or Nd from 1m to 30d (got ${shown(text)})`);
        } else {
            graceMs = ms;
        }
    }

    const inputs: RotationStateInputs = {
        ...(declared as Partial<RotationStateInputs>),
        secretId: (declared.secretId as string) ?? "",
        enabled: (declared.enabled as boolean | undefined) ?? true,
        rotateImmediately: (declared.rotateImmediately as boolean | undefined) ?? true,
        pendingPolicy: (declared.pendingPolicy as RotationStateInputs["pendingPolicy"]) ?? "quarantine",
        pendingGracePeriod: (declared.pendingGracePeriod as string | undefined) ?? DEFAULT_PENDING_GRACE_PERIOD,
        deletionPolicy: (declared.deletionPolicy as RotationStateInputs["deletionPolicy"]) ?? "cancel",
    };
    if (failures.length > 0 || unknowns) return { inputs, failures };
    const desired: DesiredState = {
        secretId: inputs.secretId,
        enabled: inputs.enabled!,
        ...(inputs.rotationLambdaArn !== undefined ? { rotationLambdaArn: inputs.rotationLambdaArn } : {}),
        ...(schedule ? { schedule } : {}),
        rotateImmediately: inputs.rotateImmediately!,
        ...(inputs.rotateNowToken !== undefined ? { rotateNowToken: inputs.rotateNowToken } : {}),
        pendingPolicy: inputs.pendingPolicy!,
        pendingGracePeriodMs: graceMs,
        deletionPolicy: inputs.deletionPolicy!,
    };
    return { inputs, desired, failures };
}

function validateSchedule(
    raw: Record<string, unknown>,
    fail: (property: string, reason: string) => void,
    sawUnknown: () => void,
): Schedule | undefined {
    for (const key of Object.keys(raw)) {
        if (!(SCHEDULE_PROPERTIES as readonly string[]).includes(key) && raw[key] !== undefined) {
            fail(`schedule.${key}`, `is not a schedule property; allowed: ${SCHEDULE_PROPERTIES.join(", ")}`);
        }
    }
    const { automaticallyAfterDays: days, scheduleExpression: expression, duration } = raw;
    if ([days, expression, duration].some(isUnknown)) {
        sawUnknown();
        return undefined;
    }
    let schedule: Schedule | undefined;
    if (days !== undefined && expression !== undefined) {
        fail("schedule", "set automaticallyAfterDays or scheduleExpression, not both: Secrets Manager rejects both together");
        return undefined;
    }
    if (days !== undefined) {
        if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 1000) {
            fail("schedule.automaticallyAfterDays", `must be a whole number from 1 to 1000 (got ${typeOf(days)} ${shown(days)})`);
        } else {
            schedule = { kind: "days", days };
        }
    } else if (expression !== undefined) {
        const parsed = typeof expression === "string" ? parseScheduleExpression(expression) : `must be a string (got ${typeOf(expression)})`;
        if (typeof parsed === "string") fail("schedule.scheduleExpression", parsed);
        else schedule = { kind: "expression", expression: expression as string };
    } else {
        fail("schedule", "needs automaticallyAfterDays or scheduleExpression");
    }
    if (duration !== undefined) {
        const m = typeof duration === "string" ? /^(\d+)h$/.exec(duration) : null;
        const hours = m ? Number(m[1]) : NaN;
        if (!m || hours < 1 || hours > 24) {
            fail("schedule.duration", `must be Nh with N from 1 to 24 (got ${shown(duration)})`);
            return undefined;
        }
        if (schedule) {
            const interval = intervalHours(schedule);
            if (interval !== undefined && hours >= interval) {
                fail("schedule.duration", `must be shorter than the interval between rotations (${interval}h), got ${duration}`);
                return undefined;
            }
            schedule = { ...schedule, duration: duration as string };
        }
    }
    return schedule;
}
