// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// Rotation schedules: Secrets Manager's RotationRules (AutomaticallyAfterDays XOR
// ScheduleExpression, plus a Duration window) as a value that can be validated, compared by
// meaning and described. Pure.
//
// The rules are AWS's, from the Secrets Manager User Guide, "Rotation schedules"
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html), and
// the API reference's RotationRulesType: rotation at most every four hours, a rate() of at most
// 999 days, cron() minutes 0 and year *, and a window (Duration) of whole hours that must not
// reach into the next rotation window nor past 24:00 UTC.
import { Schedule, ScheduleInput } from "./model";

export interface RotationRules {
    AutomaticallyAfterDays?: number;
    ScheduleExpression?: string;
    Duration?: string;
}

/** "You can rotate a secret as often as every four hours." (User Guide, Rotation schedules) */
export const MIN_INTERVAL_HOURS = 4;
/** AutomaticallyAfterDays: "Valid Range: Minimum value of 1. Maximum value of 1000." (API reference, RotationRulesType) */
export const MAX_DAYS = 1000;
/** rate(): "The maximum rotation period is 999 days." (User Guide, Rotation schedules) */
export const MAX_RATE_DAYS = 999;
/** A window is whole hours, "as small as one hour", and never past the end of its UTC day. */
export const MAX_WINDOW_HOURS = 24;

export type ParsedExpression =
    | { kind: "rate"; hours: number }
    | {
          kind: "cron";
          /** The hours of the day (UTC) at which it fires, sorted. */
          hoursOfDay: number[];
          /** The smallest time between two rotations, when the expression alone tells it. */
          intervalHours: number | undefined;
          /** Whitespace collapsed and names upper-cased, for comparing by meaning. */
          normalized: string;
      };

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The numeric range of a cron field, and the names that stand for its values (first name = low). */
interface CronField {
    name: string;
    low: number;
    high: number;
    names?: string[];
}
const HOURS: CronField = { name: "hours", low: 0, high: 23 };
const DAY_OF_MONTH: CronField = { name: "day-of-month", low: 1, high: 31 };
const MONTH: CronField = { name: "month", low: 1, high: 12, names: MONTHS };
const DAY_OF_WEEK: CronField = { name: "day-of-week", low: 1, high: 7, names: WEEKDAYS };

const RATE = /^rate\((\d+) (hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;

/**
 * Parses `rate(N hour|hours|day|days)` or a six-field `cron(...)`; returns the reason when
 * Secrets Manager would not accept it.
 */
export function parseScheduleExpression(expression: string): ParsedExpression | string {
    if (expression !== expression.trim()) return `must not start or end with spaces (got ${JSON.stringify(expression)})`;
    const rate = RATE.exec(expression);
    if (rate) return parseRate(Number(rate[1]), rate[2]!, expression);
    const cron = CRON.exec(expression);
    if (cron) return parseCron(cron[1]!);
    return `must be rate(N hours|days) or cron(minutes hours day-of-month month day-of-week year) (got ${JSON.stringify(expression)})`;
}

function parseRate(count: number, unit: string, expression: string): ParsedExpression | string {
    if (count < 1) return `rate() needs a positive whole number (got ${expression})`;
    const hours = unit.startsWith("day") ? count * 24 : count;
    if (hours < MIN_INTERVAL_HOURS) return `must be at least ${MIN_INTERVAL_HOURS} hours apart (got ${expression})`;
    if (hours > MAX_RATE_DAYS * 24) return `must be at most ${MAX_RATE_DAYS} days, Secrets Manager's longest rotation period (got ${expression})`;
    return { kind: "rate", hours };
}

function parseCron(body: string): ParsedExpression | string {
    const fields = body.trim() === "" ? [] : body.trim().split(/\s+/);
    if (fields.length !== 6) {
        return `cron() needs six fields: minutes hours day-of-month month day-of-week year (got ${fields.length}: ${body.trim()})`;
    }
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];

    // "A cron expression for Secrets Manager must have 0 in the minutes field because Secrets
    // Manager rotation windows open on the hour. It must have * in the year field, because
    // Secrets Manager does not support rotation schedules that are more than a year apart."
    if (minutes !== "0") {
        return `cron() minutes must be 0: Secrets Manager's rotation windows open on the hour (got ${minutes})`;
    }
    if (year !== "*") {
        return `cron() year must be *: Secrets Manager does not support rotation schedules more than a year apart (got ${year})`;
    }
    const hoursOfDay = expandField(hours, HOURS);
    if (typeof hoursOfDay === "string") return hoursOfDay;
    const gap = smallestGap(hoursOfDay);
    if (gap < MIN_INTERVAL_HOURS) {
        return `must run at most once every ${MIN_INTERVAL_HOURS} hours; cron() hours ${hours} are ${gap} h apart`;
    }
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
        return `cron() needs "?" in exactly one of day-of-month and day-of-week (got ${dayOfMonth} and ${dayOfWeek})`;
    }
    const problem = checkDayOfMonth(dayOfMonth) ?? expandProblem(month, MONTH) ?? checkDayOfWeek(dayOfWeek);
    if (problem) return problem;

    // One hour a day: a day apart when it may fire on consecutive days; otherwise at least that,
    // but the calendar decides how much more.
    const everyDay = (dayOfMonth === "*" && dayOfWeek === "?") || (dayOfMonth === "?" && dayOfWeek === "*");
    const intervalHours = hoursOfDay.length > 1 ? gap : everyDay ? 24 : undefined;
    return { kind: "cron", hoursOfDay, intervalHours, normalized: `cron(${fields.map((f) => f.toUpperCase()).join(" ")})` };
}

function checkDayOfMonth(field: string): string | undefined {
    if (field === "?" || /^(L|LW)$/i.test(field)) return undefined;
    const weekday = /^(\d{1,2})W$/i.exec(field);
    if (weekday) {
        const day = Number(weekday[1]);
        return day >= DAY_OF_MONTH.low && day <= DAY_OF_MONTH.high ? undefined : `cron() day-of-month: ${day}W is outside 1-31 (got ${field})`;
    }
    return expandProblem(field, DAY_OF_MONTH);
}

function checkDayOfWeek(field: string): string | undefined {
    if (field === "?" || /^L$/i.test(field)) return undefined;
    // `5L`: the last Thursday of the month; `MON#2`: its second Monday.
    const special = /^([A-Z]{3}|\d)(L|#(\d))$/i.exec(field);
    if (special) {
        if (typeof singleValue(special[1]!, DAY_OF_WEEK) === "string") return `cron() day-of-week: ${special[1]} is not a day 1-7 or SUN-SAT (got ${field})`;
        const nth = special[3] === undefined ? 1 : Number(special[3]);
        return nth >= 1 && nth <= 5 ? undefined : `cron() day-of-week: #${nth} must be #1 to #5 (got ${field})`;
    }
    return expandProblem(field, DAY_OF_WEEK);
}

function expandProblem(field: string, spec: CronField): string | undefined {
    const values = expandField(field, spec);
    return typeof values === "string" ? values : undefined;
}

/** One number or name of a field, or the reason it is not one. */
function singleValue(text: string, spec: CronField): number | string {
    const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
    const value = named >= 0 ? spec.low + named : /^\d+$/.test(text) ? Number(text) : NaN;
    if (Number.isNaN(value)) {
        const allowed = spec.names ? `${spec.low}-${spec.high} or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : `${spec.low}-${spec.high}`;
        return `${text} is not a value ${allowed}`;
    }
    if (value < spec.low || value > spec.high) return `${text} is outside ${spec.low}-${spec.high}`;
    return value;
}

/**
 * Expands a cron field into its values: `*`, `a`, `a,b`, `a-b`, `*\/n`, `a/n`, `a-b/n`, with names
 * where the field has them. Returns the reason when it is not such a field.
 */
function expandField(field: string, spec: CronField): number[] | string {
    const fail = (why: string) => `cron() ${spec.name}: ${why} (got ${field})`;
    const values = new Set<number>();
    for (const part of field.split(",")) {
        const m = /^(\*|([A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return fail(`${JSON.stringify(part)} is not a value, a range a-b, a step /n or *`);
        let start = spec.low;
        let end = spec.high;
        if (m[1] !== "*") {
            const first = singleValue(m[2]!, spec);
            if (typeof first === "string") return fail(first);
            const last = m[3] === undefined ? (m[4] === undefined ? first : spec.high) : singleValue(m[3], spec);
            if (typeof last === "string") return fail(last);
            if (first > last) return fail(`the range ${part} runs backwards`);
            start = first;
            end = last;
        }
        const step = m[4] === undefined ? 1 : Number(m[4]);
        if (step < 1) return fail(`the step in ${part} must be at least 1`);
        for (let value = start; value <= end; value += step) values.add(value);
    }
    return [...values].sort((a, b) => a - b);
}

/** The smallest gap, in hours, between consecutive firing hours, wrapping around midnight. */
function smallestGap(hours: number[]): number {
    let gap = 24;
    for (let i = 0; i < hours.length; i++) {
        const next = i + 1 < hours.length ? hours[i + 1]! : hours[0]! + 24;
        gap = Math.min(gap, next - hours[i]!);
    }
    return gap;
}

/**
 * The (smallest) interval between rotations in hours, when it can be known: days × 24, a rate's
 * hours, a cron's smallest gap between firing hours (24 for once every day). Undefined for an
 * invalid expression, or a cron firing once on some days only.
 */
export function intervalHours(schedule: Schedule): number | undefined {
    if (schedule.kind === "days") return schedule.days * 24;
    const parsed = parseScheduleExpression(schedule.expression);
    if (typeof parsed === "string") return undefined;
    return parsed.kind === "rate" ? parsed.hours : parsed.intervalHours;
}

/**
 * The LONGEST time between two rotations in hours: days × 24, a rate's hours, and for a cron() the
 * longest gap between two of its firings on the real (Gregorian, UTC) calendar — month lengths,
 * leap years, `L`, `LW`, `nW`, `xL`, `x#n`, month lists and ranges, across the end of a year. This
 * is what "rotates at least every N days" is judged by (a rotation policy's minimum mode);
 * intervalHours, the smallest gap, is what a window must fit in.
 *
 * The calendar repeats every 400 years (146,097 days, exactly 20,871 weeks), so the longest gap
 * over one such cycle, wrapping from its end to its start, is the longest gap there will ever be:
 * an exact bound, never an estimate that could be too short. Undefined for an invalid expression
 * and for a cron() that never fires (`cron(0 4 30 2 ? *)`, February 30th): no bound exists.
 */
export function longestIntervalHours(schedule: Schedule): number | undefined {
    if (schedule.kind === "days") return schedule.days * 24;
    const parsed = parseScheduleExpression(schedule.expression);
    if (typeof parsed === "string") return undefined;
    if (parsed.kind === "rate") return parsed.hours;
    if (!longestCronGaps.has(parsed.normalized)) {
        // Memoized by meaning: a policy judges thousands of secrets, most on a handful of schedules.
        if (longestCronGaps.size >= LONGEST_CRON_GAPS_KEPT) longestCronGaps.clear();
        longestCronGaps.set(parsed.normalized, longestCronGap(parsed.normalized, parsed.hoursOfDay));
    }
    return longestCronGaps.get(parsed.normalized);
}

const longestCronGaps = new Map<string, number | undefined>();
const LONGEST_CRON_GAPS_KEPT = 1_000;
/** 400 Gregorian years: the calendar's period (dates and weekdays alike: 146,097 = 7 × 20,871). */
const GREGORIAN_CYCLE_YEARS = 400;
const GREGORIAN_CYCLE_DAYS = 146_097;

/** Whether a cron's day fields pick a day, given the day's place in its month and week. */
type DayMatcher = (day: number, weekday: number, monthLength: number) => boolean;

/** The longest gap, in hours, between two firings of a valid cron() (normalized), or undefined when it never fires. */
function longestCronGap(normalized: string, hoursOfDay: number[]): number | undefined {
    const [, , dayOfMonth, month, dayOfWeek] = normalized.slice("cron(".length, -1).split(" ") as [string, string, string, string, string, string];
    const months = expandField(month, MONTH);
    if (typeof months === "string") return undefined;
    const matches = dayOfMonth === "?" ? weekdayMatcher(dayOfWeek) : monthDayMatcher(dayOfMonth);
    if (!matches) return undefined;
    const inMonth = new Set(months);

    // Walk one cycle from 2000-01-01 (a Saturday), day by day, keeping the longest gap in days
    // between consecutive firing days (the same hours fire on each of them).
    let weekday = 7; // cron's day-of-week: 1 = SUN ... 7 = SAT
    let index = 0;
    let first: number | undefined;
    let last: number | undefined;
    let longestDays = 0;
    for (let year = 2000; year < 2000 + GREGORIAN_CYCLE_YEARS; year++) {
        for (let m = 1; m <= 12; m++) {
            const length = daysInMonth(year, m);
            const monthFires = inMonth.has(m);
            for (let day = 1; day <= length; day++, index++, weekday = (weekday % 7) + 1) {
                if (!monthFires || !matches(day, weekday, length)) continue;
                if (last !== undefined) longestDays = Math.max(longestDays, index - last);
                first ??= index;
                last = index;
            }
        }
    }
    if (first === undefined || last === undefined) return undefined;
    longestDays = Math.max(longestDays, first + GREGORIAN_CYCLE_DAYS - last);
    // Between firing days: from the day's last hour to the next firing day's first hour. Within a
    // firing day: its own gaps, never longer than a day.
    const fromLastToFirst = longestDays * 24 - (hoursOfDay[hoursOfDay.length - 1]! - hoursOfDay[0]!);
    let withinDay = 0;
    for (let i = 1; i < hoursOfDay.length; i++) withinDay = Math.max(withinDay, hoursOfDay[i]! - hoursOfDay[i - 1]!);
    return Math.max(fromLastToFirst, withinDay);
}

function daysInMonth(year: number, month: number): number {
    if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
    return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Day-of-month (EventBridge's cron, which Secrets Manager's is): `L` the month's last day; `LW`
 * its last weekday; `nW` the weekday nearest the nth (a Saturday moves to Friday, a Sunday to
 * Monday, never out of the month; no firing in a month without an nth); else the listed days.
 */
function monthDayMatcher(field: string): DayMatcher | undefined {
    if (field === "L") return (day, _weekday, length) => day === length;
    if (field === "LW") return (day, weekday, length) => isWeekday(weekday) && lastWeekdayOf(length, weekday, day) === day;
    const nearest = /^(\d{1,2})W$/.exec(field);
    if (nearest) {
        const target = Number(nearest[1]);
        return (day, weekday, length) => target <= length && isWeekday(weekday) && nearestWeekday(target, day, weekday, length) === day;
    }
    const days = expandField(field, DAY_OF_MONTH);
    if (typeof days === "string") return undefined;
    const picked = new Set(days);
    return (day) => picked.has(day);
}

/** Day-of-week: `L` the week's last day (Saturday); `xL` the month's last such day; `x#n` its nth; else the listed days. */
function weekdayMatcher(field: string): DayMatcher | undefined {
    if (field === "L") return (_day, weekday) => weekday === 7;
    const special = /^([A-Z]{3}|\d)(L|#(\d))$/.exec(field);
    if (special) {
        const wanted = singleValue(special[1]!, DAY_OF_WEEK);
        if (typeof wanted === "string") return undefined;
        if (special[2] === "L") return (day, weekday, length) => weekday === wanted && day + 7 > length;
        const nth = Number(special[3]);
        return (day, weekday) => weekday === wanted && Math.ceil(day / 7) === nth;
    }
    const weekdays = expandField(field, DAY_OF_WEEK);
    if (typeof weekdays === "string") return undefined;
    const picked = new Set(weekdays);
    return (_day, weekday) => picked.has(weekday);
}

const isWeekday = (weekday: number) => weekday >= 2 && weekday <= 6;

/** The weekday of the month nearest `target`, seen from `day` (whose weekday is known). */
function nearestWeekday(target: number, day: number, weekday: number, length: number): number {
    const targetWeekday = ((((weekday - 1 + target - day) % 7) + 7) % 7) + 1;
    if (targetWeekday === 7) return target === 1 ? target + 2 : target - 1; // Saturday
    if (targetWeekday === 1) return target === length ? target - 2 : target + 1; // Sunday
    return target;
}

/** The month's last weekday, seen from `day` (whose weekday is known). */
function lastWeekdayOf(length: number, weekday: number, day: number): number {
    const lastWeekday = ((((weekday - 1 + length - day) % 7) + 7) % 7) + 1;
    return lastWeekday === 7 ? length - 1 : lastWeekday === 1 ? length - 2 : length;
}

/**
 * Why a window (Duration) of `windowHours` does not fit the schedule, or undefined when it does.
 * User Guide, "Rotation schedules": "The rotation window must not extend into the next rotation
 * window. In other words, for a rotation schedule in hours, confirm that the rotation window is
 * less than or equal to the number of hours between rotations. For a rotation schedule in days,
 * confirm that the start hour plus the window duration is less than or equal to 24 hours." A
 * window may therefore be exactly as long as the interval. Where it opens: "For a rotation
 * schedule that uses a rate() expression in days, the rotation window starts at midnight", a
 * cron() sets its start hours, and AutomaticallyAfterDays is a schedule in days like rate(N days)
 * (AWS accepts a Duration with it and returns both, and reports AutomaticallyAfterDays for every
 * schedule), so its window opens at 00:00 UTC and may last up to 24h. The API reference
 * (RotationRulesType, Duration) states both limits for every schedule: "The window must not extend
 * into the next rotation window or the next UTC day"; a cron() "that includes increments of hours
 * resets each day", so its last window of the day must also close by 24:00 UTC. An invalid
 * expression has no window problem: the expression's own is reported.
 */
export function windowProblem(schedule: Schedule, windowHours: number): string | undefined {
    if (schedule.kind === "days") return undefined; // opens at 00:00 UTC: 0 + at most 24h
    const parsed = parseScheduleExpression(schedule.expression);
    if (typeof parsed === "string") return undefined;
    if (parsed.kind === "rate") {
        // A rate in days opens at midnight: any window up to 24h fits its day.
        if (parsed.hours >= MAX_WINDOW_HOURS || windowHours <= parsed.hours) return undefined;
        return `must be at most the ${parsed.hours}h between two rotations of ${schedule.expression}, so that a window never reaches into the next one`;
    }
    const hours = parsed.hoursOfDay;
    const latest = hours[hours.length - 1]!;
    let gap = MAX_WINDOW_HOURS;
    for (let i = 1; i < hours.length; i++) gap = Math.min(gap, hours[i]! - hours[i - 1]!);
    const untilMidnight = MAX_WINDOW_HOURS - latest;
    if (windowHours > untilMidnight && untilMidnight < gap) {
        return (
            `must end by 24:00 UTC: ${schedule.expression} opens a window at ${String(latest).padStart(2, "0")}:00 UTC, ` +
            `so the window can be at most ${untilMidnight}h (the start hour plus the duration must be at most 24)`
        );
    }
    if (windowHours > gap) {
        return `must be at most the ${gap}h between two rotations of ${schedule.expression}, so that a window never reaches into the next one`;
    }
    return undefined;
}

/** What DescribeSecret's RotationRules mean. An expression wins over days (AWS derives days from rate()). */
export function scheduleFromRules(rules?: RotationRules): Schedule | undefined {
    if (!rules) return undefined;
    const duration = rules.Duration ? { duration: rules.Duration } : {};
    if (rules.ScheduleExpression) return { kind: "expression", expression: rules.ScheduleExpression, ...duration };
    if (rules.AutomaticallyAfterDays) return { kind: "days", days: rules.AutomaticallyAfterDays, ...duration };
    return undefined;
}

/** A schedule as declared (or as a resource's outputs record it) in its validated form. */
export function scheduleFromInput(input: ScheduleInput | undefined): Schedule | undefined {
    if (!input) return undefined;
    const duration = input.duration ? { duration: input.duration } : {};
    if (input.scheduleExpression !== undefined) return { kind: "expression", expression: input.scheduleExpression, ...duration };
    if (input.automaticallyAfterDays !== undefined) return { kind: "days", days: input.automaticallyAfterDays, ...duration };
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
    const hours = schedule.duration === undefined ? undefined : /^(\d+)h$/.exec(schedule.duration)?.[1];
    // "2h" and "02h" are the same window; anything else is compared as written.
    const window = `|${hours !== undefined ? `${Number(hours)}h` : (schedule.duration ?? "")}`;
    if (schedule.kind === "days") return `every ${schedule.days * 24}h${window}`;
    const parsed = parseScheduleExpression(schedule.expression);
    if (typeof parsed === "string") return `raw ${schedule.expression.replace(/\s+/g, " ").trim()}${window}`;
    return parsed.kind === "rate" ? `every ${parsed.hours}h${window}` : `${parsed.normalized}${window}`;
}

/** Equal by meaning (same interval or same cron, same window); two absent schedules are equal. */
export function schedulesEqual(a?: Schedule, b?: Schedule): boolean {
    if (!a || !b) return a === b;
    return canonical(a) === canonical(b);
}

/** A short human description: "every 30 days", "rate(4 hours), window 2h", "none". */
export function describeSchedule(schedule?: Schedule): string {
    if (!schedule) return "none";
    const base = schedule.kind === "days" ? (schedule.days === 1 ? "every day" : `every ${schedule.days} days`) : schedule.expression;
    return schedule.duration ? `${base}, window ${schedule.duration}` : base;
}
