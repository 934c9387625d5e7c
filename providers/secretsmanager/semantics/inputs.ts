// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// Validation of the declared inputs, before any change is made: every problem at once, each
// naming the property and the rule broken, with the value received. Pure.
//
// zod checks each property on its own (types, ranges, formats, unexpected keys), with our wording;
// the rules that relate properties (the Lambda's region, days XOR expression, the window against
// the interval) are checked by hand afterwards.
import { z } from "zod";

import { validateAwsSetting } from "./aws-settings";
import { THRESHOLD_RANGES } from "./health";
import { MAX_LABEL_LIMIT } from "./labels";
import {
    DEFAULT_PENDING_GRACE_PERIOD,
    DEFAULT_QUARANTINE_LABEL_LIMIT,
    DEFAULT_QUARANTINE_RETENTION,
    DELETION_POLICIES,
    DesiredState,
    InputFailure,
    PENDING_POLICIES,
    RotationStateInputs,
    Schedule,
    UNKNOWN,
} from "./model";
import { OWNER_IDENTITY } from "./ownership";
import { MAX_DAYS, MAX_WINDOW_HOURS, parseScheduleExpression, windowProblem } from "./schedule";

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
// Users name secrets with A-Z a-z 0-9 / _ + = . @ -; services that own secrets also use "!"
// (RDS: rds!db-<id>), and such secrets can be declared too.
const SECRET_NAME = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;
const SECRET_NAME_RULE = "1-512 characters of A-Z a-z 0-9 / _ + = . @ ! -";
const LAMBDA_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]{1,128})?$/;
/** Secrets Manager appends "-" and 6 random characters to a secret's name in its (full) ARN. */
const FULL_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

const MINUTE = 60_000;
const GRACE_MIN_MS = MINUTE;
const GRACE_MAX_MS = 30 * 24 * 60 * MINUTE;
const MAX_TOKEN_LENGTH = 256;

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
    "quarantineRetention",
    "quarantineLabelLimit",
    "takeOver",
    "aws",
    "healthThresholds",
] as const;
/** The declaration's identity, set by SecretRotationState (ownership.ts); validated, never diffed. */
export const OWNER_PROPERTY = "__owner";
const MAX_OWNER_LENGTH = 2048;
const SCHEDULE_PROPERTIES = ["automaticallyAfterDays", "scheduleExpression", "duration"] as const;
const THRESHOLD_PROPERTIES = Object.keys(THRESHOLD_RANGES) as (keyof typeof THRESHOLD_RANGES)[];

const isUnknown = (value: unknown) => value === UNKNOWN;
const isMapping = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/** The kind of value a rule expects: a string received where a string belongs needs no label. */
type Expected = "string" | "number" | "boolean" | "mapping";

function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "object") return "a mapping";
    return typeof value;
}

/** A value as a failure shows it: JSON, shortened when long, with its kind unless it is the string expected. */
function received(value: unknown, expected: Expected): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (typeof value === "number" && !Number.isFinite(value)) return `number ${value}`;
    const text =
        typeof value === "string" && value.length > 80 ? `${JSON.stringify(`${value.slice(0, 60)}…`)} (${value.length} characters)` : JSON.stringify(value) ?? String(value);
    // Quotes already show a string; for anything else the kind is named, so that `"30"` given
    // where a number belongs (the usual YAML slip) reads `string "30"`.
    if (typeof value === "string" && expected === "string") return text;
    return typeof value === "object" ? kindOf(value) : `${kindOf(value)} ${text}`;
}

/** zod's error option: every issue of a property reads "<rule> (got <value>)". */
const rule = (reason: string, expected: Expected) => ({
    error: (issue: { input?: unknown }) => `${reason} (got ${received(issue.input, expected)})`,
});

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

/**
 * The secret's name from a full ARN (without the 6-character suffix) or a partial ARN (as given);
 * anything that is not a secret ARN is returned as it is. A partial ARN whose name itself ends in
 * "-" and 6 letters or digits cannot be told from a full ARN (AWS advises against such names).
 */
export function secretNameFromArn(arn: string): string {
    const name = SECRET_ARN.exec(arn)?.[4];
    return name === undefined ? arn : name.replace(FULL_ARN_SUFFIX, "");
}

/** Whether `declared` (a name, full ARN or partial ARN) designates the secret known by `arn` and `name`. */
export function sameSecret(declared: string, known: { arn: string; name: string }): boolean {
    if (declared === known.arn || declared === known.name) return true;
    // A partial ARN is the full ARN without "-" and its 6 random characters.
    return FULL_ARN_SUFFIX.test(known.arn) && declared === known.arn.replace(FULL_ARN_SUFFIX, "");
}

// ---- One schema per property: its type and its own rules ----

const ARN_RULE = "must be a Secrets Manager ARN arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name>";
const secretIdSchema = z
    .string({ error: (issue) => `must be a string (got ${kindOf(issue.input)})` })
    .min(1, { error: "is required: the secret's name, full ARN or partial ARN" })
    .superRefine((secretId, ctx) => {
        if (secretId.startsWith("arn:")) {
            const m = SECRET_ARN.exec(secretId);
            if (!m) ctx.addIssue({ code: "custom", message: `${ARN_RULE} (got ${received(secretId, "string")})` });
            else if (!SECRET_NAME.test(secretNameFromArn(secretId))) {
                ctx.addIssue({ code: "custom", message: `the secret name in the ARN must be ${SECRET_NAME_RULE} (got ${received(m[4], "string")})` });
            }
        } else if (!SECRET_NAME.test(secretId)) {
            ctx.addIssue({ code: "custom", message: `must be ${SECRET_NAME_RULE}, or an ARN (got ${received(secretId, "string")})` });
        }
    });

const BOOLEAN_RULE = "must be true or false";
const booleanSchema = z.boolean(rule(BOOLEAN_RULE, "boolean"));

const LAMBDA_RULE = "must be a Lambda function ARN arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>]";
const lambdaSchema = z.string(rule(LAMBDA_RULE, "string")).regex(LAMBDA_ARN, rule(LAMBDA_RULE, "string"));

// RotationRulesType, AutomaticallyAfterDays: "Valid Range: Minimum value of 1. Maximum value of 1000."
const DAYS_RULE = `must be a whole number from 1 to ${MAX_DAYS}`;
const daysSchema = z
    .number(rule(DAYS_RULE, "number"))
    .int(rule(DAYS_RULE, "number"))
    .min(1, rule(DAYS_RULE, "number"))
    .max(MAX_DAYS, rule(DAYS_RULE, "number"));

const expressionSchema = z.string(rule("must be a string: rate(...) or cron(...)", "string")).superRefine((expression, ctx) => {
    const parsed = parseScheduleExpression(expression);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
});

const WINDOW_RULE = `must be Nh with N from 1 to ${MAX_WINDOW_HOURS}`;
const windowSchema = z
    .string(rule(WINDOW_RULE, "string"))
    .regex(/^\d+h$/, rule(WINDOW_RULE, "string"))
    .refine((text) => Number(text.slice(0, -1)) >= 1 && Number(text.slice(0, -1)) <= MAX_WINDOW_HOURS, rule(WINDOW_RULE, "string"));

const SCHEDULE_RULE = "must be a mapping with automaticallyAfterDays or scheduleExpression, and optionally duration";
const scheduleSchema = z.strictObject(
    {
        automaticallyAfterDays: daysSchema.optional(),
        scheduleExpression: expressionSchema.optional(),
        duration: windowSchema.optional(),
    },
    rule(SCHEDULE_RULE, "mapping"),
);

const TOKEN_RULE = `must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters`;
const tokenSchema = z.string(rule(TOKEN_RULE, "string")).min(1, rule(TOKEN_RULE, "string")).max(MAX_TOKEN_LENGTH, rule(TOKEN_RULE, "string"));

const oneOf = (allowed: readonly string[]) => {
    const reason = `must be one of ${allowed.join(", ")}`;
    return z.string(rule(reason, "string")).refine((value) => allowed.includes(value), rule(reason, "string"));
};

const GRACE_RULE = "must be Nm, Nh or Nd from 1m to 30d";
const graceSchema = z.string(rule(GRACE_RULE, "string")).refine((text) => {
    const ms = parseDurationMs(text);
    return ms !== undefined && ms >= GRACE_MIN_MS && ms <= GRACE_MAX_MS;
}, rule(GRACE_RULE, "string"));

// A label that keeps a version must outlive a rotation's retries; ten years is "keep".
const RETENTION_RULE = "must be Nh or Nd from 1h to 3650d";
const retentionSchema = z.string(rule(RETENTION_RULE, "string")).refine((text) => {
    const ms = parseDurationMs(text);
    return /^\d+(h|d)$/.test(text) && ms !== undefined && ms >= 60 * MINUTE && ms <= 3650 * 24 * 60 * MINUTE;
}, rule(RETENTION_RULE, "string"));

const LABEL_LIMIT_RULE = `must be a whole number from 1 to ${MAX_LABEL_LIMIT} (AWS allows 20 staging labels per secret; AWSCURRENT, AWSPREVIOUS and AWSPENDING need 3)`;
const labelLimitSchema = z
    .number(rule(LABEL_LIMIT_RULE, "number"))
    .int(rule(LABEL_LIMIT_RULE, "number"))
    .min(1, rule(LABEL_LIMIT_RULE, "number"))
    .max(MAX_LABEL_LIMIT, rule(LABEL_LIMIT_RULE, "number"));
const OWNER_RULE = "is set by SecretRotationState to <organization>/<project>/<stack>/<resource path>; declare rotation states through that class";
const ownerSchema = z
    .string(rule(OWNER_RULE, "string"))
    .max(MAX_OWNER_LENGTH, rule(OWNER_RULE, "string"))
    .regex(OWNER_IDENTITY, rule(OWNER_RULE, "string"));

// docs/health-thresholds.md: whole numbers in the ranges of health.ts, the review's flags' ranges.
const thresholdSchema = (key: keyof typeof THRESHOLD_RANGES) => {
    const { min, max } = THRESHOLD_RANGES[key];
    const reason = `must be a whole number from ${min} to ${max}`;
    return z.number(rule(reason, "number")).int(rule(reason, "number")).min(min, rule(reason, "number")).max(max, rule(reason, "number"));
};
const HEALTH_THRESHOLDS_RULE = `must be a mapping of ${THRESHOLD_PROPERTIES.join(", ")}`;
const healthThresholdsSchema = z.strictObject(
    {
        maxIntervalDays: thresholdSchema("maxIntervalDays").optional(),
        maxDaysSinceRotation: thresholdSchema("maxDaysSinceRotation").optional(),
        pendingLongRunningMinutes: thresholdSchema("pendingLongRunningMinutes").optional(),
    },
    rule(HEALTH_THRESHOLDS_RULE, "mapping"),
);

/**
 * The stack-wide thresholds (`secret-rotation:healthThresholds`), checked by the program before any
 * resource is declared; failures are named `<key>.<field>` with the same rules as a declaration's.
 */
export function validateHealthThresholds(raw: unknown, key: string): InputFailure[] {
    const parsed = healthThresholdsSchema.safeParse(raw);
    if (parsed.success) return [];
    return toFailures(parsed.error.issues, "healthThresholds").map((f) => ({ ...f, property: f.property === "" ? key : `${key}.${f.property}` }));
}

const declarationSchema = z.strictObject({
    secretId: secretIdSchema.optional(),
    enabled: booleanSchema.optional(),
    rotationLambdaArn: lambdaSchema.optional(),
    schedule: scheduleSchema.optional(),
    rotateImmediately: booleanSchema.optional(),
    rotateNowToken: tokenSchema.optional(),
    pendingPolicy: oneOf(PENDING_POLICIES).optional(),
    pendingGracePeriod: graceSchema.optional(),
    deletionPolicy: oneOf(DELETION_POLICIES).optional(),
    quarantineRetention: retentionSchema.optional(),
    quarantineLabelLimit: labelLimitSchema.optional(),
    takeOver: booleanSchema.optional(),
    healthThresholds: healthThresholdsSchema.optional(),
    [OWNER_PROPERTY]: ownerSchema.optional(),
    // Checked on its own below (aws-settings.ts), with failures named aws.<key>.
    aws: z.unknown().optional(),
});

/**
 * The names other tools give a property of ours, answered with ours rather than accepted as
 * aliases: one name per property keeps the state, the diffs and the review in one vocabulary, and
 * two names for one value would need a rule for both given. `migrate` writes ours.
 */
const FOREIGN_NAMES: Record<string, string> = {
    rotationRules:
        "is @pulumi/aws's name (aws.secretsmanager.SecretRotation); here it is schedule, with the same fields (automaticallyAfterDays, scheduleExpression, duration): rename rotationRules to schedule",
    rotationEnabled: "is @pulumi/aws's name; here it is enabled: rename rotationEnabled to enabled",
};

/** zod's issues in our terms: the dotted property, and the rule with the value received. */
function toFailures(issues: readonly z.core.$ZodIssue[], root: "declaration" | "healthThresholds" = "declaration"): InputFailure[] {
    const failures: InputFailure[] = [];
    for (const issue of issues) {
        const at = issue.path.join(".");
        if (issue.code === "unrecognized_keys") {
            const inThresholds = root === "healthThresholds" ? at === "" : at === "healthThresholds";
            for (const key of issue.keys) {
                const property = at === "" ? key : `${at}.${key}`;
                failures.push(
                    inThresholds
                        ? { property, reason: `is not a health threshold; allowed: ${THRESHOLD_PROPERTIES.join(", ")}` }
                        : at === ""
                          ? { property: key, reason: FOREIGN_NAMES[key] ?? `is not a property of a rotation state; allowed: ${DECLARED_PROPERTIES.join(", ")}` }
                          : { property, reason: `is not a schedule property; allowed: ${SCHEDULE_PROPERTIES.join(", ")}` },
                );
            }
        } else if (!failures.some((f) => f.property === at)) {
            // One failure per property: a value too small and not whole is one broken rule.
            failures.push({ property: at, reason: issue.message });
        }
    }
    return failures;
}

/** The declaration without Pulumi's own keys, absent values, and (for validation) unknown values. */
function split(raw: Record<string, unknown>): { declared: Record<string, unknown>; checked: Record<string, unknown>; unknowns: string[] } {
    const declared: Record<string, unknown> = {};
    const checked: Record<string, unknown> = {};
    const unknowns: string[] = [];
    const allowed = (key: string, names: readonly string[]) => names.includes(key);
    for (const [key, value] of Object.entries(raw)) {
        if ((key.startsWith("__") && key !== OWNER_PROPERTY) || value === undefined) continue;
        declared[key] = value;
        if (key === "healthThresholds" && containsUnknown(value)) {
            // Only judged by the review and warnings, never planned: an unknown value holds up nothing (checked at up).
            continue;
        } else if (isUnknown(value) && allowed(key, [...DECLARED_PROPERTIES, OWNER_PROPERTY])) {
            unknowns.push(key);
        } else if (key === "schedule" && isMapping(value)) {
            const schedule: Record<string, unknown> = {};
            for (const [field, fieldValue] of Object.entries(value)) {
                if (fieldValue === undefined) continue;
                if (isUnknown(fieldValue) && allowed(field, SCHEDULE_PROPERTIES)) unknowns.push(`schedule.${field}`);
                else schedule[field] = fieldValue;
            }
            checked[key] = schedule;
        } else {
            checked[key] = value;
        }
    }
    return { declared, checked, unknowns };
}

export interface ValidationResult {
    /** The inputs with defaults applied: what Pulumi stores. Unknown values are kept as they are. */
    inputs: RotationStateInputs;
    /** Only when there is no failure and no unknown value. */
    desired?: DesiredState;
    failures: InputFailure[];
}

export function validateInputs(raw: unknown, context: { region?: string } = {}): ValidationResult {
    if (!isMapping(raw)) {
        return {
            inputs: { secretId: "" },
            failures: [{ property: "secretId", reason: `the declaration must be a mapping with at least secretId (got ${received(raw, "mapping")})` }],
        };
    }
    const { declared, checked, unknowns } = split(raw);
    const parsed = declarationSchema.safeParse(checked);
    const failures = parsed.success ? [] : toFailures(parsed.error.issues);
    const failed = (property: string) => failures.some((f) => f.property === property);
    const unknown = (property: string) => unknowns.includes(property);

    // The account, credentials and endpoints to act with (aws-settings.ts): every failure is
    // named aws.<key>; an unknown value inside it is left for up (preview then knows nothing yet).
    let awsRegion: string | undefined;
    if (checked.aws !== undefined && !containsUnknown(checked.aws)) {
        const aws = validateAwsSetting(checked.aws);
        failures.push(...aws.failures);
        awsRegion = aws.setting?.region;
    } else if (checked.aws !== undefined) {
        unknowns.push("aws");
    }

    if (checked.secretId === undefined && !unknown("secretId")) {
        failures.push({ property: "secretId", reason: "is required: the secret's name, full ARN or partial ARN" });
    }

    // The rotation function must live in the secret's region. A secret named (not an ARN) is in
    // the region the provider talks to; a secret not known yet may be anywhere.
    const lambda = checked.rotationLambdaArn;
    const secretId = checked.secretId;
    if (typeof lambda === "string" && typeof secretId === "string" && !failed("rotationLambdaArn") && !failed("secretId")) {
        const secretRegion = secretId.startsWith("arn:") ? regionOfSecretArn(secretId) : (awsRegion ?? context.region);
        const lambdaRegion = LAMBDA_ARN.exec(lambda)![2]!;
        if (secretRegion !== undefined && lambdaRegion !== secretRegion) {
            failures.push({ property: "rotationLambdaArn", reason: `must be in the secret's region ${secretRegion}; the function is in ${lambdaRegion}` });
        }
    }

    const schedule = isMapping(checked.schedule) && !failed("schedule") ? checkSchedule(checked.schedule, failures, unknown) : undefined;

    const inputs: RotationStateInputs = {
        ...(declared as Partial<RotationStateInputs>),
        secretId: (declared.secretId as string | undefined) ?? "",
        enabled: (declared.enabled as boolean | undefined) ?? true,
        rotateImmediately: (declared.rotateImmediately as boolean | undefined) ?? true,
        pendingPolicy: (declared.pendingPolicy as RotationStateInputs["pendingPolicy"]) ?? "quarantine",
        pendingGracePeriod: (declared.pendingGracePeriod as string | undefined) ?? DEFAULT_PENDING_GRACE_PERIOD,
        deletionPolicy: (declared.deletionPolicy as RotationStateInputs["deletionPolicy"]) ?? "cancel",
        // The label lifecycle's defaults are applied below, not stored: state stays small, and a
        // stack from before these inputs existed shows no change.
    };
    if (failures.length > 0 || unknowns.length > 0) return { inputs, failures };
    const desired: DesiredState = {
        secretId: inputs.secretId,
        enabled: inputs.enabled!,
        ...(inputs.rotationLambdaArn !== undefined ? { rotationLambdaArn: inputs.rotationLambdaArn } : {}),
        ...(schedule ? { schedule } : {}),
        rotateImmediately: inputs.rotateImmediately!,
        ...(inputs.rotateNowToken !== undefined ? { rotateNowToken: inputs.rotateNowToken } : {}),
        pendingPolicy: inputs.pendingPolicy!,
        pendingGracePeriodMs: parseDurationMs(inputs.pendingGracePeriod!)!,
        deletionPolicy: inputs.deletionPolicy!,
        quarantineRetentionMs: parseDurationMs(inputs.quarantineRetention ?? DEFAULT_QUARANTINE_RETENTION)!,
        quarantineLabelLimit: inputs.quarantineLabelLimit ?? DEFAULT_QUARANTINE_LABEL_LIMIT,
        ...(inputs.__owner !== undefined ? { owner: inputs.__owner } : {}),
        ...(inputs.takeOver !== undefined ? { takeOver: inputs.takeOver } : {}),
    };
    return { inputs, desired, failures };
}

/** Whether a value holds Pulumi's unknown marker anywhere (e.g. a role ARN another resource of the same up creates). */
function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isMapping(value)) return Object.values(value).some(containsUnknown);
    return false;
}

/**
 * The rules between a schedule's fields, once each field is checked on its own: days XOR an
 * expression, and a window that fits the schedule (schedule.ts, windowProblem: at most the time
 * between two rotations, and closed by 24:00 UTC). Returns the schedule when it is complete, valid
 * and known.
 */
function checkSchedule(
    schedule: Record<string, unknown>,
    failures: InputFailure[],
    unknown: (property: string) => boolean,
): Schedule | undefined {
    const { automaticallyAfterDays: days, scheduleExpression: expression, duration } = schedule;
    const failed = (field: string) => failures.some((f) => f.property === `schedule.${field}`);
    const hasDays = days !== undefined || unknown("schedule.automaticallyAfterDays");
    const hasExpression = expression !== undefined || unknown("schedule.scheduleExpression");
    // An unknown value may still turn out absent, so only two known values conflict.
    if (days !== undefined && expression !== undefined) {
        failures.push({ property: "schedule", reason: "set automaticallyAfterDays or scheduleExpression, not both: Secrets Manager rejects both together" });
        return undefined;
    }
    if (!hasDays && !hasExpression) {
        const alone = duration !== undefined || unknown("schedule.duration") ? " (duration is only the window of a rotation)" : "";
        failures.push({ property: "schedule", reason: `needs automaticallyAfterDays or scheduleExpression${alone}` });
        return undefined;
    }
    if (failed("automaticallyAfterDays") || failed("scheduleExpression") || failed("duration")) return undefined;
    if (unknown("schedule.automaticallyAfterDays") || unknown("schedule.scheduleExpression")) return undefined;

    const base: Schedule = days !== undefined ? { kind: "days", days: days as number } : { kind: "expression", expression: expression as string };
    if (unknown("schedule.duration") || duration === undefined) return base;
    const problem = windowProblem(base, Number((duration as string).slice(0, -1)));
    if (problem) {
        failures.push({ property: "schedule.duration", reason: `${problem} (got ${received(duration, "string")})` });
        return undefined;
    }
    return { ...base, duration: duration as string };
}
