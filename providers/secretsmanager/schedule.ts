// Rotation schedules: Secrets Manager's RotationRules (AutomaticallyAfterDays XOR
// ScheduleExpression, plus a Duration window) as a value that can be validated, compared by
// meaning and described. Pure.
import { Schedule } from "./model";

export interface RotationRules {
    AutomaticallyAfterDays?: number;
    ScheduleExpression?: string;
    Duration?: string;
}

/** Secrets Manager rotates at most once every four hours. */
export const MIN_INTERVAL_HOURS = 4;
export const MAX_DAYS = 1000;

export type ParsedExpression = { kind: "rate"; hours: number } | { kind: "cron"; hoursOfDay: number[] | undefined; normalized: string };

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Parses `rate(...)` or `cron(...)`; returns the reason when it is not valid for Secrets Manager. */
export function parseScheduleExpression(expression: string): ParsedExpression | string {
    const text = expression.trim();
    const rate = /^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/i.exec(text);
    if (rate) {
        const n = Number(rate[1]);
        const hours = rate[2]!.toLowerCase().startsWith("day") ? n * 24 : n;
        if (n < 1) return `rate() needs a positive whole number (got ${n})`;
        if (hours < MIN_INTERVAL_HOURS) return `must be at least ${MIN_INTERVAL_HOURS} hours apart (got ${expression})`;
        if (hours > MAX_DAYS * 24) return `must be at most ${MAX_DAYS} days (got ${expression})`;
        return { kind: "rate", hours };
    }
    const cron = /^cron\((.*)\)$/i.exec(text);
    if (!cron) return `must be rate(N hours|days) or cron(minutes hours day-of-month month day-of-week year) (got ${JSON.stringify(expression)})`;
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) return `cron() needs six fields: minutes hours day-of-month month day-of-week year (got ${fields.length})`;
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
    if (!/^\d{1,2}$/.test(minutes) || Number(minutes) > 59) {
        return `cron() minutes must be one value 0-59, since rotation runs at most once every ${MIN_INTERVAL_HOURS} hours (got ${minutes})`;
    }
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) return `cron() needs "?" in exactly one of day-of-month and day-of-week`;
    const hoursOfDay = expandField(hours, 0, 23);
    if (typeof hoursOfDay === "string") return `cron() hours: ${hoursOfDay}`;
    const gap = smallestGap(hoursOfDay);
    if (gap < MIN_INTERVAL_HOURS) return `must run at most once every ${MIN_INTERVAL_HOURS} hours; cron() hours ${hours} are ${gap} h apart`;
    const checks: [string, string, RegExp][] = [
        ["day-of-month", dayOfMonth, /^(\?|\*|L|LW|\d{1,2}W|[\d,\-/*]+)$/i],
        ["month", month, new RegExp(`^(\\*|[\\d,\\-/*]+|((${MONTHS.join("|")})([,-](${MONTHS.join("|")}))*))$`, "i")],
        ["day-of-week", dayOfWeek, new RegExp(`^(\\?|\\*|[1-7]L|[1-7]#[1-5]|L|[\\d,\\-/*]+|((${WEEKDAYS.join("|")})([,-](${WEEKDAYS.join("|")}))*))$`, "i")],
        ["year", year, /^(\*|(19[7-9]\d|2[01]\d\d)([,-](19[7-9]\d|2[01]\d\d))*)$/],
    ];
    for (const [name, value, pattern] of checks) {
        if (!pattern.test(value)) return `cron() ${name} is not valid (got ${value})`;
    }
    if (!numbersWithin(dayOfMonth, 1, 31)) return `cron() day-of-month must be within 1-31 (got ${dayOfMonth})`;
    if (!numbersWithin(month, 1, 12)) return `cron() month must be within 1-12 (got ${month})`;
    if (!/#/.test(dayOfWeek) && !numbersWithin(dayOfWeek, 1, 7)) return `cron() day-of-week must be within 1-7 (got ${dayOfWeek})`;
    return { kind: "cron", hoursOfDay, normalized: `cron(${fields.map((f) => f.toUpperCase()).join(" ")})` };
}

function numbersWithin(field: string, low: number, high: number): boolean {
    return (field.match(/\d+/g) ?? []).every((n) => {
        const value = Number(n);
        // step sizes (after "/") are free; values must be in range
        return value >= low && value <= high;
    }) || /\//.test(field);
}

/** Expands a cron field of numbers into its values: `*`, `a`, `a,b`, `a-b`, `*\/n`, `a-b/n`, `a/n`. */
function expandField(field: string, low: number, high: number): number[] | string {
    const values = new Set<number>();
    for (const part of field.split(",")) {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return `not a list of numbers, ranges or steps (got ${field})`;
        const step = m[4] === undefined ? 1 : Number(m[4]);
        const start = m[1] === "*" ? low : Number(m[2]);
        const end = m[1] === "*" ? high : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? high : start;
        if (step < 1 || start < low || end > high || start > end) return `${part} is outside ${low}-${high}`;
        for (let v = start; v <= end; v += step) values.add(v);
    }
    return [...values].sort((a, b) => a - b);
}

/** The smallest gap, in hours, between consecutive firing hours, wrapping around midnight. */
function smallestGap(hours: number[]): number {
    if (hours.length === 1) return 24;
    let gap = 24;
    for (let i = 0; i < hours.length; i++) {
        const next = i + 1 < hours.length ? hours[i + 1]! : hours[0]! + 24;
        gap = Math.min(gap, next - hours[i]!);
    }
    return gap;
}

/** The (smallest) interval between rotations in hours, when it can be known. */
export function intervalHours(schedule: Schedule): number | undefined {
    if (schedule.kind === "days") return schedule.days * 24;
    const parsed = parseScheduleExpression(schedule.expression);
    if (typeof parsed === "string") return undefined;
    if (parsed.kind === "rate") return parsed.hours;
    return parsed.hoursOfDay && parsed.hoursOfDay.length > 1 ? smallestGap(parsed.hoursOfDay) : undefined;
}

/** What DescribeSecret's RotationRules mean. An expression wins over days (AWS derives days from rate()). */
export function scheduleFromRules(rules?: RotationRules): Schedule | undefined {
    if (!rules) return undefined;
    const duration = rules.Duration ? { duration: rules.Duration } : {};
    if (rules.ScheduleExpression) return { kind: "expression", expression: rules.ScheduleExpression, ...duration };
    if (rules.AutomaticallyAfterDays) return { kind: "days", days: rules.AutomaticallyAfterDays, ...duration };
    return undefined;
}

/** The RotationRules to send: never days and an expression together (Secrets Manager rejects that). */
export function rulesFromSchedule(schedule: Schedule): RotationRules {
    const rules: RotationRules =
        schedule.kind === "days" ? { AutomaticallyAfterDays: schedule.days } : { ScheduleExpression: schedule.expression };
    if (schedule.duration) rules.Duration = schedule.duration;
    return rules;
}

/** A canonical form for comparing by meaning: `days 30` = `rate(30 days)` = `rate(720 hours)`. */
function canonical(schedule: Schedule): string {
    const window = `|${schedule.duration ?? ""}`;
    if (schedule.kind === "days") return `every ${schedule.days * 24}h${window}`;
    const parsed = parseScheduleExpression(schedule.expression);
    if (typeof parsed === "string") return `raw ${schedule.expression.replace(/\s+/g, " ").trim()}${window}`;
    return parsed.kind === "rate" ? `every ${parsed.hours}h${window}` : `${parsed.normalized}${window}`;
}

export function schedulesEqual(a?: Schedule, b?: Schedule): boolean {
    if (!a || !b) return a === b;
    return canonical(a) === canonical(b);
}

/** A short human description: "every 30 days", "rate(4 hours), window 2h", "none". */
export function describeSchedule(schedule?: Schedule): string {
    if (!schedule) return "none";
    const base = schedule.kind === "days" ? `every ${schedule.days} days` : schedule.expression;
    return schedule.duration ? `${base}, window ${schedule.duration}` : base;
}
