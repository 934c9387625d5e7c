// Rotation schedules: exclusive-schedule, schedule-rules-guessed-message (its message a guess) and
// rotation-shadow (the configuration moto cannot store), with the cron/rate arithmetic they use.
import { awsError, isObject } from "./helpers";
import { Call, FrontContext, Json, Reply, RotationRules, RotationShadow } from "./types";

/** Rule exclusive-schedule: the refusal of both AutomaticallyAfterDays and ScheduleExpression, or undefined. */
export function exclusiveSchedule(front: FrontContext, call: Call, requestedRules: Json | undefined): Reply | undefined {
    // Rule exclusive-schedule. AWS API Reference, RotationRulesType (AutomaticallyAfterDays):
    // "In RotateSecret, you can set the rotation schedule in RotationRules with
    // AutomaticallyAfterDays or ScheduleExpression, but not both." AWS's answer, as quoted from
    // real accounts in hashicorp/terraform-provider-aws #30540, #33329 and PR #31915:
    // "InvalidParameterException: You cannot specify both rotation frequency and schedule
    // expression together." moto accepts both.
    if (requestedRules && requestedRules.AutomaticallyAfterDays !== undefined && requestedRules.ScheduleExpression !== undefined) {
        if (front.on("exclusive-schedule", call)) {
            return awsError(400, "InvalidParameterException", "You cannot specify both rotation frequency and schedule expression together.");
        }
    }
    return undefined;
}

/** Rule schedule-rules-guessed-message: the refusal of RotationRules AWS would refuse, or undefined. */
export function scheduleRulesGuessedMessage(front: FrontContext, call: Call, requestedRules: Json | undefined): Reply | undefined {
    // Rule schedule-rules-guessed-message. Secrets Manager User Guide, "Rotation schedules"
    // (rotate-secrets_schedule.html), and API Reference, RotationRulesType: see
    // rotationRulesProblem below for each rule and its words. A request that breaks one is
    // refused before anything changes, with InvalidParameterException ("The parameter name or
    // value is invalid", HTTP 400, in RotateSecret's error list). The message is a guess: AWS's
    // wording for these refusals is in none of the references we hold. moto stores any
    // expression and window.
    const rulesProblem = requestedRules ? rotationRulesProblem(rotationRules(requestedRules)) : undefined;
    if (rulesProblem !== undefined && front.on("schedule-rules-guessed-message", call)) {
        return awsError(400, "InvalidParameterException", rulesProblem);
    }
    return undefined;
}

/** Rule rotation-shadow, RotateSecret part: what a successful RotateSecret configured. */
export function rotationShadowOnRotate(front: FrontContext, call: Call, arn: string, secret: Json, requestedRules: Json | undefined): void {
    // Rule rotation-shadow (RotateSecret part). AWS API Reference, RotateSecret: "If you include
    // the configuration parameters, the operation sets the values for the secret". The RotateSecret
    // example (.NET reference) configures rotation with a ScheduleExpression and Duration alone;
    // moto neither stores nor returns them, and calls rotation enabled only with days > 0.
    // CancelRotateSecret: "To re-enable scheduled rotation, call RotateSecret with
    // AutomaticallyRotateAfterDays set to a value greater than 0": without new rules, a disabled
    // rotation stays disabled.
    if (front.on("rotation-shadow", call)) {
        const previous = front.shadows.get(arn) ?? shadowFromMoto(secret);
        const rules = requestedRules ? rotationRules(requestedRules) : previous.rules;
        const enabled = requestedRules ? scheduled(rules) : previous.enabled;
        const next = enabled ? nextRotationDate(rules, new Date()) : undefined;
        front.shadows.set(arn, { enabled, rules, nextRotationDate: next });
    }
}

/** Rule rotation-shadow, CancelRotateSecret part: rotation disabled, its rules kept. */
export function rotationShadowOnCancel(front: FrontContext, call: Call, arn: string, secret: Json): void {
    // Rule rotation-shadow (CancelRotateSecret part). AWS API Reference, CancelRotateSecret example:
    // "The RotationEnabled field is set to false and scheduled rotations are canceled." and
    // DescribeSecret (NextRotationDate): "If the secret isn't configured for rotation or rotation
    // has been disabled, Secrets Manager returns null." moto keeps NextRotationDate.
    if (front.on("rotation-shadow", call)) {
        const previous = front.shadows.get(arn) ?? shadowFromMoto(secret);
        front.shadows.set(arn, { enabled: false, rules: previous.rules });
    }
}

/** Rule rotation-shadow, read part: a DescribeSecret or ListSecrets entry shows the shadow. */
export function rotationShadowOnRead(front: FrontContext, entry: Json, call: Call): void {
    const shadow = typeof entry.ARN === "string" ? front.shadows.get(entry.ARN) : undefined;
    // Rule rotation-shadow (read part): see rotationShadowOnRotate and rotationShadowOnCancel above.
    if (front.enabled("rotation-shadow")) {
        if (shadow && front.on("rotation-shadow", call)) {
            entry.RotationEnabled = shadow.enabled;
            if (Object.keys(shadow.rules).length > 0) entry.RotationRules = { ...shadow.rules };
            else delete entry.RotationRules;
            if (shadow.nextRotationDate !== undefined) entry.NextRotationDate = shadow.nextRotationDate;
        }
        // DescribeSecret (NextRotationDate): "If the secret isn't configured for rotation or
        // rotation has been disabled, Secrets Manager returns null."
        if (entry.RotationEnabled !== true && entry.NextRotationDate != null && front.on("rotation-shadow", call)) {
            delete entry.NextRotationDate;
        }
    }
}

function shadowFromMoto(secret: Json): RotationShadow {
    const rules = isObject(secret.RotationRules) ? rotationRules(secret.RotationRules) : {};
    if (rules.AutomaticallyAfterDays === 0) delete rules.AutomaticallyAfterDays;
    const next = typeof secret.NextRotationDate === "number" ? secret.NextRotationDate : undefined;
    return { enabled: secret.RotationEnabled === true, rules, nextRotationDate: next };
}

function rotationRules(input: Json): RotationRules {
    const rules: RotationRules = {};
    if (typeof input.AutomaticallyAfterDays === "number") rules.AutomaticallyAfterDays = input.AutomaticallyAfterDays;
    if (typeof input.ScheduleExpression === "string") rules.ScheduleExpression = input.ScheduleExpression;
    if (typeof input.Duration === "string") rules.Duration = input.Duration;
    return rules;
}

/**
 * Why Secrets Manager refuses these RotationRules in RotateSecret, or undefined (rule
 * schedule-rules-guessed-message; the reasons are ours, AWS's wording is unknown). The front's own
 * reading of the references, independent of the provider's validation (schedule.ts), so that each
 * can catch the other's mistakes. It checks the rules the references state, not every detail of
 * cron's grammar (L, W and # are let through).
 * - API Reference, RotationRulesType, AutomaticallyAfterDays: "Valid Range: Minimum value of 1.
 *   Maximum value of 1000."
 * - User Guide, "Rotation schedules": "You can rotate a secret as often as every four hours. The
 *   maximum rotation period is 999 days." rate(): "Value is a positive integer and Unit can be
 *   hour, hours, day, or days". cron(): "Minutes: Must be 0", "Year: Must be *"; day-of-month and
 *   day-of-week: "If you specify a value in one of the fields, you must use a ? in the other."
 * - Window (Duration): "You can set the rotation window as small as one hour. The rotation window
 *   must not extend into the next rotation window. In other words, for a rotation schedule in
 *   hours, confirm that the rotation window is less than or equal to the number of hours between
 *   rotations. For a rotation schedule in days, confirm that the start hour plus the window
 *   duration is less than or equal to 24 hours." A rate() in days (and AutomaticallyAfterDays, a
 *   schedule in days) opens its window at midnight; a cron() at its hours, and the API
 *   reference's Duration says for every schedule "The window must not extend into the next
 *   rotation window or the next UTC day."
 */
export function rotationRulesProblem(rules: RotationRules): string | undefined {
    const { AutomaticallyAfterDays: days, ScheduleExpression: expression, Duration: duration } = rules;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) {
        return `RotationRules.AutomaticallyAfterDays must be from 1 to 1000 (got ${days})`;
    }
    // The hours of the UTC day at which windows open, and the fewest hours between two of them.
    let opens = [0];
    let gap = 24;
    if (expression !== undefined) {
        const rate = /^rate\((\d+) (hour|hours|day|days)\)$/.exec(expression);
        const cron = /^cron\((.*)\)$/.exec(expression);
        if (rate) {
            const hours = Number(rate[1]) * (rate[2]!.startsWith("day") ? 24 : 1);
            if (hours < 4) return `RotationRules.ScheduleExpression: rotation runs at most every four hours (got ${expression})`;
            if (hours > 999 * 24) return `RotationRules.ScheduleExpression: the maximum rotation period is 999 days (got ${expression})`;
            gap = Math.min(hours, 24);
        } else if (cron) {
            const fields = cron[1]!.trim().split(/\s+/);
            if (fields.length !== 6) return `RotationRules.ScheduleExpression: a cron() expression has six fields (got ${expression})`;
            const [minutes, hourField, dayOfMonth, , dayOfWeek, year] = fields as [string, string, string, string, string, string];
            if (minutes !== "0") return `RotationRules.ScheduleExpression: the minutes field of cron() must be 0 (got ${expression})`;
            if (year !== "*") return `RotationRules.ScheduleExpression: the year field of cron() must be * (got ${expression})`;
            if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
                return `RotationRules.ScheduleExpression: one of day-of-month and day-of-week must be ? (got ${expression})`;
            }
            const hours = cronField(hourField, 0, 23);
            if (!hours) return `RotationRules.ScheduleExpression: invalid hours field (got ${expression})`;
            opens = [...hours].sort((a, b) => a - b);
            // Gaps within the day and across midnight (the next day's first hour).
            for (let i = 0; i < opens.length; i++) {
                const next = i + 1 < opens.length ? opens[i + 1]! : opens[0]! + 24;
                if (next - opens[i]! < 4) return `RotationRules.ScheduleExpression: rotation runs at most every four hours (got ${expression})`;
                if (i + 1 < opens.length) gap = Math.min(gap, next - opens[i]!);
            }
        } else {
            return `RotationRules.ScheduleExpression must be a rate() or cron() expression (got ${expression})`;
        }
    }
    if (duration !== undefined) {
        const window = /^(\d+)h$/.exec(duration);
        const hours = window ? Number(window[1]) : NaN;
        if (!(hours >= 1 && hours <= 24)) return `RotationRules.Duration must be 1h to 24h (got ${duration})`;
        if (hours > gap) return `RotationRules.Duration must not extend into the next rotation window: at most ${gap}h (got ${duration})`;
        const last = opens[opens.length - 1]!;
        if (last + hours > 24) return `RotationRules.Duration must not extend into the next UTC day: the window opens at ${last}:00, so at most ${24 - last}h (got ${duration})`;
    }
    return undefined;
}

function scheduled(rules: RotationRules): boolean {
    return (rules.AutomaticallyAfterDays ?? 0) > 0 || rules.ScheduleExpression !== undefined;
}

/**
 * Epoch seconds of the next rotation window after `from`, or undefined when the expression is not
 * one the front understands (then DescribeSecret has no NextRotationDate rather than a wrong one).
 */
export function nextRotationDate(rules: RotationRules, from: Date): number | undefined {
    const seconds = Math.floor(from.getTime() / 1000);
    const expression = rules.ScheduleExpression?.trim();
    if (expression === undefined) {
        const days = rules.AutomaticallyAfterDays ?? 0;
        return days > 0 ? seconds + days * 86_400 : undefined;
    }
    const rate = /^rate\((\d+)\s+(hours?|days?)\)$/.exec(expression);
    if (rate) return seconds + Number(rate[1]) * (rate[2].startsWith("hour") ? 3_600 : 86_400);
    const cron = /^cron\((.+)\)$/.exec(expression);
    return cron ? nextCron(cron[1], from) : undefined;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

// AWS cron: minutes hours day-of-month month day-of-week year, UTC; day-of-week 1 = Sunday. The
// forms L, W and # are not supported (undefined).
function nextCron(body: string, from: Date): number | undefined {
    const fields = body.trim().split(/\s+/);
    if (fields.length !== 6) return undefined;
    const minutes = cronField(fields[0], 0, 59);
    const hours = cronField(fields[1], 0, 23);
    const days = cronField(fields[2], 1, 31);
    const months = cronField(fields[3], 1, 12, MONTHS);
    const weekdays = cronField(fields[4], 1, 7, WEEKDAYS);
    const years = cronField(fields[5], 1970, 2199);
    if (!minutes || !hours || !days || !months || !weekdays || !years) return undefined;
    const earliest = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
    const start = new Date(earliest);
    for (let offset = 0; offset < 366 * 5; offset++) {
        const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + offset));
        if (!years.has(day.getUTCFullYear()) || !months.has(day.getUTCMonth() + 1)) continue;
        if (!days.has(day.getUTCDate()) || !weekdays.has(day.getUTCDay() + 1)) continue;
        for (const hour of [...hours].sort((a, b) => a - b)) {
            for (const minute of [...minutes].sort((a, b) => a - b)) {
                const at = day.getTime() + hour * 3_600_000 + minute * 60_000;
                if (at >= earliest) return at / 1000;
            }
        }
    }
    return undefined;
}

function cronField(text: string, low: number, high: number, names: string[] = []): Set<number> | undefined {
    const values = new Set<number>();
    const value = (token: string): number | undefined => {
        const named = names.indexOf(token.toUpperCase());
        const n = named >= 0 ? named + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
        return n >= low && n <= high ? n : undefined;
    };
    for (const item of text.split(",")) {
        const [range, stepText] = item.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) return undefined;
        let first: number | undefined;
        let last: number | undefined;
        if (range === "*" || range === "?") [first, last] = [low, high];
        else if (range.includes("-")) [first, last] = range.split("-").map(value);
        else {
            first = value(range);
            last = stepText === undefined ? first : high;
        }
        if (first === undefined || last === undefined || first > last) return undefined;
        for (let n = first; n <= last; n += step) values.add(n);
    }
    return values;
}
