// Unit: rotation schedules (providers/secretsmanager/semantics/schedule.ts): which expressions Secrets
// Manager accepts, the interval they give, RotationRules both ways, equality by meaning. Pure.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Schedule } from "../../providers/secretsmanager/semantics/model";
import {
    describeSchedule,
    intervalHours,
    longestIntervalHours,
    parseScheduleExpression,
    rulesFromSchedule,
    scheduleFromRules,
    schedulesEqual,
    windowProblem,
} from "../../providers/secretsmanager/semantics/schedule";

const days = (n: number, duration?: string): Schedule => (duration ? { kind: "days", days: n, duration } : { kind: "days", days: n });
const expr = (expression: string, duration?: string): Schedule =>
    duration ? { kind: "expression", expression, duration } : { kind: "expression", expression };

describe("rate() expressions", () => {
    const valid: [string, number][] = [
        ["rate(4 hours)", 4],
        ["rate(5 hour)", 5],
        ["rate(1 day)", 24],
        ["rate(1 days)", 24],
        ["rate(30 days)", 720],
        // "The maximum rotation period is 999 days."
        ["rate(999 days)", 23_976],
        ["rate(23976 hours)", 23_976],
    ];
    for (const [expression, hours] of valid) {
        test(`${expression} is every ${hours} hours`, () => {
            assert.deepEqual(parseScheduleExpression(expression), { kind: "rate", hours });
        });
    }

    const invalid: [string, RegExp][] = [
        ["rate(3 hours)", /must be at least 4 hours apart \(got rate\(3 hours\)\)/],
        ["rate(1 hour)", /at least 4 hours/],
        ["rate(0 days)", /positive whole number/],
        ["rate(0 hours)", /positive whole number/],
        ["rate(1000 days)", /at most 999 days, Secrets Manager's longest rotation period \(got rate\(1000 days\)\)/],
        ["rate(23977 hours)", /at most 999 days/],
        ["rate(300 minutes)", /must be rate\(N hours\|days\) or cron/],
        ["rate(1 week)", /must be rate\(N hours\|days\) or cron/],
        ["rate(-4 hours)", /must be rate\(N hours\|days\) or cron/],
        ["rate(4.5 hours)", /must be rate\(N hours\|days\) or cron/],
        ["rate(4hours)", /must be rate\(N hours\|days\) or cron/],
        ["rate(4 HOURS)", /must be rate\(N hours\|days\) or cron/],
        [" rate(4 hours)", /must not start or end with spaces/],
        ["rate(4 hours) ", /must not start or end with spaces/],
        ["", /must be rate\(N hours\|days\) or cron.*\(got ""\)/],
        ["every day", /must be rate\(N hours\|days\) or cron.*\(got "every day"\)/],
    ];
    for (const [expression, reason] of invalid) {
        test(`${JSON.stringify(expression)} is rejected`, () => {
            const parsed = parseScheduleExpression(expression);
            assert.equal(typeof parsed, "string", `accepted: ${JSON.stringify(parsed)}`);
            assert.match(parsed as string, reason);
        });
    }
});

describe("cron() expressions", () => {
    // expression → the hours of the day it fires at
    const valid: [string, number[]][] = [
        ["cron(0 16 1,15 * ? *)", [16]],
        ["cron(0 */4 * * ? *)", [0, 4, 8, 12, 16, 20]],
        ["cron(0 22,2 * * ? *)", [2, 22]],
        ["cron(0 0-20/4 * * ? *)", [0, 4, 8, 12, 16, 20]],
        ["cron(0 2/6 * * ? *)", [2, 8, 14, 20]],
        ["cron(0 1,5,9,13,17,21 * * ? *)", [1, 5, 9, 13, 17, 21]],
        ["cron(0 8-12/4 * * ? *)", [8, 12]],
        ["cron(0 23 * * ? *)", [23]],
        ["cron(0 8 ? * MON-FRI *)", [8]],
        ["cron(0 8 ? * mon-fri *)", [8]],
        ["cron(0 9 ? * 2-6 *)", [9]],
        ["cron(0 9 ? * SUN,SAT *)", [9]],
        ["cron(0 9 ? * L *)", [9]],
        ["cron(0 9 ? * 6L *)", [9]],
        ["cron(0 9 ? * FRIL *)", [9]],
        ["cron(0 9 ? * MON#2 *)", [9]],
        ["cron(0 9 ? * 3#5 *)", [9]],
        ["cron(0 9 L * ? *)", [9]],
        ["cron(0 9 LW * ? *)", [9]],
        ["cron(0 9 15W * ? *)", [9]],
        ["cron(0 9 1-7 * ? *)", [9]],
        ["cron(0 9 */10 * ? *)", [9]],
        ["cron(0 9 1 JAN-MAR ? *)", [9]],
        ["cron(0 9 1 jan,jul ? *)", [9]],
        ["cron(0 9 1 */3 ? *)", [9]],
        // the User Guide's examples
        ["cron(0 10 * * ? *)", [10]],
        ["cron(0 18 ? * SAT *)", [18]],
        ["cron(0 8 1 * ? *)", [8]],
        // (The guide's "cron(0 1 * 1/3 SUN *)" breaks its own rule that one of day-of-month and
        // day-of-week must be "?"; the same schedule written with "?" is accepted.)
        ["cron(0 1 ? 1/3 SUN *)", [1]],
        ["cron(0 17 L * ? *)", [17]],
        ["cron(0 8 ? * MON-FRI *)", [8]],
        ["cron(0 0 ? * SUN#1 *)", [0]],
        ["cron(0 4/12 * * ? *)", [4, 16]],
        ["cron(0  9  1  1  ?  *)", [9]],
    ];
    for (const [expression, hoursOfDay] of valid) {
        test(`${expression} is accepted`, () => {
            const parsed = parseScheduleExpression(expression);
            assert.equal(typeof parsed, "object", `rejected: ${String(parsed)}`);
            assert.equal((parsed as { kind: string }).kind, "cron");
            assert.deepEqual((parsed as { hoursOfDay: number[] }).hoursOfDay, hoursOfDay);
        });
    }

    const invalid: [string, RegExp][] = [
        // the shape
        ["cron(0 16 * * ?)", /needs six fields.*\(got 5/],
        ["cron(0 16 * * ? * *)", /needs six fields.*\(got 7/],
        ["cron()", /needs six fields.*\(got 0/],
        ["CRON(0 16 * * ? *)", /must be rate\(N hours\|days\) or cron/],
        // minutes: "Must be 0", since rotation windows open on the hour (these were accepted before)
        ["cron(* 16 * * ? *)", /minutes must be 0: Secrets Manager's rotation windows open on the hour \(got \*\)/],
        ["cron(0,30 16 * * ? *)", /minutes must be 0/],
        ["cron(0/15 16 * * ? *)", /minutes must be 0/],
        ["cron(0-5 16 * * ? *)", /minutes must be 0/],
        ["cron(60 16 * * ? *)", /minutes must be 0/],
        ["cron(15 2/6 * * ? *)", /minutes must be 0: .*\(got 15\)/],
        ["cron(59 23 * * ? *)", /minutes must be 0/],
        ["cron(05 4 * * ? *)", /minutes must be 0: .*\(got 05\)/],
        ["cron(30 8 ? * MON-FRI *)", /minutes must be 0/],
        // hours: at most once every 4 hours, wrapping around midnight
        ["cron(0 */2 * * ? *)", /at most once every 4 hours; cron\(\) hours \*\/2 are 2 h apart/],
        ["cron(0 */3 * * ? *)", /3 h apart/],
        ["cron(0 * * * ? *)", /at most once every 4 hours.* 1 h apart/],
        ["cron(0 1,3 * * ? *)", /cron\(\) hours 1,3 are 2 h apart/],
        ["cron(0 22,0 * * ? *)", /hours 22,0 are 2 h apart/],
        ["cron(0 23,2 * * ? *)", /3 h apart/],
        ["cron(0 0-23/3 * * ? *)", /3 h apart/],
        ["cron(0 4-6 * * ? *)", /1 h apart/],
        ["cron(0 0,4,8,12,16,20,23 * * ? *)", /1 h apart/],
        ["cron(0 24 * * ? *)", /hours: 24 is outside 0-23/],
        ["cron(0 5-2 * * ? *)", /hours: the range 5-2 runs backwards/],
        ["cron(0 */0 * * ? *)", /hours: the step in \*\/0 must be at least 1/],
        ["cron(0 x * * ? *)", /hours: x is not a value 0-23/],
        ["cron(0 1,,5 * * ? *)", /hours: "" is not a value/],
        // day-of-month XOR day-of-week
        ["cron(0 16 ? * ? *)", /needs "\?" in exactly one of day-of-month and day-of-week/],
        ["cron(0 16 1 * MON *)", /exactly one of day-of-month and day-of-week \(got 1 and MON\)/],
        ["cron(0 16 * * * *)", /exactly one/],
        // day-of-month
        ["cron(0 16 32 * ? *)", /day-of-month: 32 is outside 1-31/],
        ["cron(0 16 0 * ? *)", /day-of-month: 0 is outside 1-31/],
        ["cron(0 16 32W * ? *)", /day-of-month: 32W is outside 1-31/],
        ["cron(0 16 L-3 * ? *)", /day-of-month: L is not a value 1-31/],
        ["cron(0 16 MON * ? *)", /day-of-month: MON is not a value 1-31/],
        // month
        ["cron(0 16 1 13 ? *)", /month: 13 is outside 1-12/],
        ["cron(0 16 1 0 ? *)", /month: 0 is outside 1-12/],
        ["cron(0 16 1 JANUARY ? *)", /month: JANUARY is not a value 1-12 or JAN-DEC/],
        ["cron(0 16 1 DEC-JAN ? *)", /month: the range DEC-JAN runs backwards/],
        // day-of-week
        ["cron(0 16 ? * 8 *)", /day-of-week: 8 is outside 1-7/],
        ["cron(0 16 ? * 0 *)", /day-of-week: 0 is outside 1-7/],
        ["cron(0 16 ? * FUN *)", /day-of-week: FUN is not a value 1-7 or SUN-SAT/],
        ["cron(0 16 ? * 2#6 *)", /day-of-week: #6 must be #1 to #5/],
        ["cron(0 16 ? * 8L *)", /day-of-week: 8 is not a day 1-7 or SUN-SAT/],
        ["cron(0 16 ? * W *)", /day-of-week: W is not a value/],
        // year: "Must be *", since schedules more than a year apart are not supported (these were accepted before)
        ["cron(0 9 1 12 ? 2026)", /year must be \*: Secrets Manager does not support rotation schedules more than a year apart \(got 2026\)/],
        ["cron(0 9 1 1 ? 1970-2199)", /year must be \*/],
        ["cron(0 9 1 1 ? 2026/2)", /year must be \*/],
        ["cron(0 16 1 1 ? 1969)", /year must be \*/],
        ["cron(0 16 1 1 ? ?)", /year must be \*: .*\(got \?\)/],
    ];
    for (const [expression, reason] of invalid) {
        test(`${expression} is rejected`, () => {
            const parsed = parseScheduleExpression(expression);
            assert.equal(typeof parsed, "string", `accepted: ${JSON.stringify(parsed)}`);
            assert.match(parsed as string, reason);
        });
    }
});

describe("intervalHours: the smallest time between two rotations", () => {
    const cases: [string, Schedule, number | undefined][] = [
        ["days × 24", days(30), 720],
        ["one day", days(1), 24],
        ["rate in hours", expr("rate(6 hours)"), 6],
        ["rate in days", expr("rate(2 days)"), 48],
        ["cron every 4 hours", expr("cron(0 */4 * * ? *)"), 4],
        ["cron's smallest gap, not its largest", expr("cron(0 1,5,12 * * ? *)"), 4],
        ["cron's gap across midnight", expr("cron(0 22,2 * * ? *)"), 4],
        ["cron once every day (day-of-month *)", expr("cron(0 16 * * ? *)"), 24],
        ["cron once every day (day-of-week *)", expr("cron(0 16 ? * * *)"), 24],
        ["cron on some days only: the calendar decides", expr("cron(0 16 1,15 * ? *)"), undefined],
        ["cron on weekdays only", expr("cron(0 16 ? * MON-FRI *)"), undefined],
        ["an invalid expression", expr("rate(1 minute)"), undefined],
    ];
    for (const [name, schedule, hours] of cases) {
        test(name, () => assert.equal(intervalHours(schedule), hours));
    }
    test("the window does not change the interval", () => {
        assert.equal(intervalHours(days(2, "3h")), 48);
    });
});

describe("longestIntervalHours: the longest gap on the real calendar, for every cron AWS accepts", () => {
    // Each expectation is worked out by hand from the calendar (the comment says how).
    const cases: [string, string, number | undefined][] = [
        ["days of the month: Jan 15 to Feb 1", "cron(0 4 1,15 * ? *)", 17 * 24],
        ["the last day (L): Feb 28 to Mar 31", "cron(0 4 L * ? *)", 31 * 24],
        ["the first Monday (#1): the 1st to the next month's 7th", "cron(0 4 ? * MON#1 *)", 35 * 24],
        ["the last Friday (6L): the 22nd to the next month's 31st", "cron(0 4 ? * 6L *)", 35 * 24],
        ["the 31st: only in 31-day months, Jul 31 to Aug 31 is short, Aug 31 to Oct 31 is long", "cron(0 4 31 * ? *)", 61 * 24],
        ["nearest weekday (15W): a Saturday 15th moves to the 14th; 31 days on, a Tuesday, stays", "cron(0 4 15W * ? *)", 32 * 24],
        ["last weekday (LW): a Sunday 31st moves to Fri 29th; the next 31-day month ends on a Wednesday", "cron(0 4 LW * ? *)", 33 * 24],
        ["a month list, across the year's end: Jul 1 to Jan 1", "cron(0 4 1 1,7 ? *)", 184 * 24],
        ["February 29th: eight years across 2100, which is not a leap year", "cron(0 4 29 2 ? *)", (8 * 365 + 1) * 24],
        ["two hours a day on two days: 16:00 on the 15th to 04:00 on the 1st", "cron(0 4,16 1,15 * ? *)", 17 * 24 - 12],
        ["day-of-week L is Saturday: a week", "cron(0 4 ? * L *)", 7 * 24],
        ["weekdays: Friday to Monday", "cron(0 2 ? * MON-FRI *)", 72],
        ["February 30th never comes: no bound", "cron(0 4 30 2 ? *)", undefined],
        ["an invalid expression: no bound", "rate(1 minute)", undefined],
    ];
    for (const [name, expression, hours] of cases) {
        test(name, () => assert.equal(longestIntervalHours(expr(expression)), hours));
    }
    test("days and rate() are their own interval", () => {
        assert.equal(longestIntervalHours(days(90)), 90 * 24);
        assert.equal(longestIntervalHours(expr("rate(120 days)")), 120 * 24);
    });
});

describe("windowProblem: a window fits its schedule as AWS's User Guide says", () => {
    // [name, schedule, window hours, undefined when it fits, else a fragment of the reason]
    const cases: [string, Schedule, number, RegExp | undefined][] = [
        // A window may be exactly as long as the time between rotations (it was refused before).
        ["rate(4 hours) with a 4h window", expr("rate(4 hours)"), 4, undefined],
        ["rate(12 hours) with a 12h window", expr("rate(12 hours)"), 12, undefined],
        ["rate(4 hours) with a 5h window", expr("rate(4 hours)"), 5, /at most the 4h between two rotations of rate\(4 hours\)/],
        // A schedule in days opens at midnight: 0 + up to 24h (24h was refused before for one day).
        ["days 1 with a 24h window", days(1), 24, undefined],
        ["days 30 with a 24h window", days(30), 24, undefined],
        ["rate(1 day) with a 24h window", expr("rate(1 day)"), 24, undefined],
        ["rate(36 hours) with a 24h window", expr("rate(36 hours)"), 24, undefined],
        // cron: the start hour plus the window must be at most 24.
        ["a daily cron at 00:00 with 24h", expr("cron(0 0 * * ? *)"), 24, undefined],
        ["a daily cron at 16:00 with 8h", expr("cron(0 16 * * ? *)"), 8, undefined],
        ["a daily cron at 16:00 with 9h", expr("cron(0 16 * * ? *)"), 9, /must end by 24:00 UTC: cron\(0 16 \* \* \? \*\) opens a window at 16:00 UTC, so the window can be at most 8h/],
        ["the 1st and 15th at 16:00 with 24h (accepted before)", expr("cron(0 16 1,15 * ? *)"), 24, /at most 8h/],
        ["a daily cron at 23:00 with 2h", expr("cron(0 23 * * ? *)"), 2, /opens a window at 23:00 UTC, so the window can be at most 1h/],
        // cron in hours: at most the gap, and the day's last window closes by midnight.
        ["every 4 hours from 0 with 4h", expr("cron(0 */4 * * ? *)"), 4, undefined],
        ["every 4 hours from 0 with 5h", expr("cron(0 */4 * * ? *)"), 5, /at most the 4h between two rotations/],
        ["4:00 and 16:00 with 8h", expr("cron(0 4/12 * * ? *)"), 8, undefined],
        ["4:00 and 16:00 with 9h: the 16:00 window would pass midnight", expr("cron(0 4/12 * * ? *)"), 9, /must end by 24:00 UTC: .* at 16:00 UTC, so the window can be at most 8h/],
        ["2:00 and 22:00 with 3h (accepted before)", expr("cron(0 22,2 * * ? *)"), 3, /at 22:00 UTC, so the window can be at most 2h/],
        ["1:00 and 5:00 with 5h", expr("cron(0 1,5 * * ? *)"), 5, /at most the 4h between two rotations/],
        // An invalid expression reports its own problem, not the window's.
        ["an invalid expression", expr("rate(1 minute)"), 24, undefined],
    ];
    for (const [name, schedule, hours, reason] of cases) {
        test(name, () => {
            const problem = windowProblem(schedule, hours);
            if (reason === undefined) assert.equal(problem, undefined);
            else assert.match(problem ?? "(fits)", reason);
        });
    }
});

describe("RotationRules: what DescribeSecret says, what RotateSecret gets", () => {
    const read: [string, Parameters<typeof scheduleFromRules>[0], Schedule | undefined][] = [
        ["no rules", undefined, undefined],
        ["empty rules", {}, undefined],
        ["only a window", { Duration: "2h" }, undefined],
        ["days", { AutomaticallyAfterDays: 30 }, days(30)],
        ["days and a window", { AutomaticallyAfterDays: 30, Duration: "4h" }, days(30, "4h")],
        ["an expression", { ScheduleExpression: "cron(0 16 1,15 * ? *)" }, expr("cron(0 16 1,15 * ? *)")],
        ["an expression wins over the days AWS derives from it", { AutomaticallyAfterDays: 10, ScheduleExpression: "rate(10 days)" }, expr("rate(10 days)")],
        [
            "an expression, derived days and a window",
            { AutomaticallyAfterDays: 1, ScheduleExpression: "rate(4 hours)", Duration: "2h" },
            expr("rate(4 hours)", "2h"),
        ],
        ["an empty window is no window", { AutomaticallyAfterDays: 7, Duration: "" }, days(7)],
    ];
    for (const [name, rules, schedule] of read) {
        test(`read: ${name}`, () => assert.deepEqual(scheduleFromRules(rules), schedule));
    }

    const sent: [Schedule, ReturnType<typeof rulesFromSchedule>][] = [
        [days(7), { AutomaticallyAfterDays: 7 }],
        [days(7, "2h"), { AutomaticallyAfterDays: 7, Duration: "2h" }],
        [expr("rate(10 days)"), { ScheduleExpression: "rate(10 days)" }],
        [expr("cron(0 16 1,15 * ? *)", "2h"), { ScheduleExpression: "cron(0 16 1,15 * ? *)", Duration: "2h" }],
    ];
    for (const [schedule, rules] of sent) {
        test(`sent: ${describeSchedule(schedule)} → ${JSON.stringify(rules)}`, () => {
            assert.deepEqual(rulesFromSchedule(schedule), rules);
            assert.ok(!("AutomaticallyAfterDays" in rules && "ScheduleExpression" in rules), "never days and an expression together");
            assert.deepEqual(scheduleFromRules(rulesFromSchedule(schedule)), schedule, "reads back as sent");
        });
    }
});

describe("schedulesEqual: equal by meaning", () => {
    const equal: [string, Schedule | undefined, Schedule | undefined][] = [
        ["days N = rate(N days)", days(30), expr("rate(30 days)")],
        ["days N = rate(N×24 hours)", days(30), expr("rate(720 hours)")],
        ["rate(N days) = rate(N×24 hours)", expr("rate(2 days)"), expr("rate(48 hours)")],
        ["rate(1 day) = rate(1 days)", expr("rate(1 day)"), expr("rate(1 days)")],
        ["rate(1 day) = days 1", expr("rate(1 day)"), days(1)],
        ["rate(5 hour) = rate(5 hours)", expr("rate(5 hour)"), expr("rate(5 hours)")],
        ["the same window", days(7, "2h"), expr("rate(7 days)", "2h")],
        ["a window written 02h = 2h", days(7, "02h"), days(7, "2h")],
        ["cron with other whitespace", expr("cron(0 16 1,15 * ? *)"), expr("cron(0  16 1,15  * ? *)")],
        ["cron with month names in another case", expr("cron(0 16 1,15 jan ? *)"), expr("cron(0 16 1,15 JAN ? *)")],
        ["cron with day names in another case", expr("cron(0 8 ? * mon-fri *)"), expr("cron(0 8 ? * MON-FRI *)")],
        ["the same cron and window", expr("cron(0 16 1,15 * ? *)", "3h"), expr("cron(0 16 1,15 * ? *)", "3h")],
        ["two absent schedules", undefined, undefined],
        ["the same invalid expression", expr("rate(1 minute)"), expr("rate(1 minute)")],
    ];
    for (const [name, a, b] of equal) {
        test(`equal: ${name}`, () => {
            assert.ok(schedulesEqual(a, b));
            assert.ok(schedulesEqual(b, a), "symmetric");
        });
    }

    const different: [string, Schedule | undefined, Schedule | undefined][] = [
        ["other days", days(30), days(31)],
        ["days vs a rate of other days", days(30), expr("rate(31 days)")],
        ["days vs hours that are not a whole day's multiple", days(1), expr("rate(23 hours)")],
        ["a window vs none", days(30, "2h"), days(30)],
        ["other windows", expr("rate(7 days)", "2h"), expr("rate(7 days)", "3h")],
        ["another cron", expr("cron(0 16 1,15 * ? *)"), expr("cron(0 17 1,15 * ? *)")],
        ["a cron vs the rate it resembles", expr("cron(0 0 * * ? *)"), expr("rate(1 day)")],
        ["a cron vs days", expr("cron(0 0 * * ? *)"), days(1)],
        ["one absent", days(30), undefined],
        ["the other absent", undefined, expr("rate(4 hours)")],
    ];
    for (const [name, a, b] of different) {
        test(`different: ${name}`, () => {
            assert.ok(!schedulesEqual(a, b));
            assert.ok(!schedulesEqual(b, a), "symmetric");
        });
    }
});

describe("describeSchedule", () => {
    const cases: [Schedule | undefined, string][] = [
        [days(30), "every 30 days"],
        [days(1), "every day"],
        [days(7, "2h"), "every 7 days, window 2h"],
        [expr("rate(4 hours)", "2h"), "rate(4 hours), window 2h"],
        [expr("cron(0 16 1,15 * ? *)", "3h"), "cron(0 16 1,15 * ? *), window 3h"],
        [expr("rate(10 days)"), "rate(10 days)"],
        [undefined, "none"],
    ];
    for (const [schedule, text] of cases) {
        test(text, () => assert.equal(describeSchedule(schedule), text));
    }
});
