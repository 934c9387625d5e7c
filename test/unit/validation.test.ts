// Unit: input validation (providers/secretsmanager/semantics/inputs.ts) and schedules (schedule.ts).
// Every invalid declaration must be rejected naming the property and the rule.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { parseDurationMs, sameSecret, secretNameFromArn, validateInputs } from "../../providers/secretsmanager/semantics/inputs";
import { UNKNOWN } from "../../providers/secretsmanager/semantics/model";
import { describeSchedule, intervalHours, parseScheduleExpression, rulesFromSchedule, scheduleFromRules, schedulesEqual } from "../../providers/secretsmanager/semantics/schedule";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";
const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate";

describe("invalid declarations: each names the property and the rule", () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
        ["missing secretId", {}, "secretId", /is required/],
        ["empty secretId", { secretId: "" }, "secretId", /is required/],
        ["secretId of the wrong type", { secretId: 42 }, "secretId", /must be a string \(got number\)/],
        ["secretId with a space", { secretId: "app db" }, "secretId", /1-512 characters/],
        ["secretId too long", { secretId: "a".repeat(513) }, "secretId", /1-512 characters/],
        ["malformed secret ARN", { secretId: "arn:aws:secretsmanager:us-east-1:123:secret:x" }, "secretId", /Secrets Manager ARN/],
        ["ARN of another service", { secretId: "arn:aws:s3:::bucket" }, "secretId", /Secrets Manager ARN/],
        ["enabled as a string (YAML)", { secretId: "a", enabled: "true" }, "enabled", /must be true or false \(got string "true"\)/],
        ["enabled as a number", { secretId: "a", enabled: 1 }, "enabled", /must be true or false/],
        ["rotateImmediately as a string", { secretId: "a", rotateImmediately: "no" }, "rotateImmediately", /must be true or false/],
        ["Lambda ARN malformed", { secretId: "a", rotationLambdaArn: "rotate" }, "rotationLambdaArn", /Lambda function ARN/],
        ["Lambda ARN of another service", { secretId: "a", rotationLambdaArn: "arn:aws:iam::123456789012:role/x" }, "rotationLambdaArn", /Lambda function ARN/],
        ["Lambda in another region than the secret ARN", { secretId: ARN, rotationLambdaArn: LAMBDA.replace("us-east-1", "eu-west-1") }, "rotationLambdaArn", /secret's region us-east-1; the function is in eu-west-1/],
        ["schedule not a mapping", { secretId: "a", schedule: "30 days" }, "schedule", /must be a mapping/],
        ["schedule a list", { secretId: "a", schedule: [30] }, "schedule", /must be a mapping/],
        ["schedule empty", { secretId: "a", schedule: {} }, "schedule", /needs automaticallyAfterDays or scheduleExpression/],
        ["days and expression together", { secretId: "a", schedule: { automaticallyAfterDays: 30, scheduleExpression: "rate(10 days)" } }, "schedule", /not both/],
        ["days zero", { secretId: "a", schedule: { automaticallyAfterDays: 0 } }, "schedule.automaticallyAfterDays", /whole number from 1 to 1000 \(got number 0\)/],
        ["days too many", { secretId: "a", schedule: { automaticallyAfterDays: 1001 } }, "schedule.automaticallyAfterDays", /1 to 1000/],
        ["days fractional", { secretId: "a", schedule: { automaticallyAfterDays: 1.5 } }, "schedule.automaticallyAfterDays", /whole number/],
        ["days as a string (YAML)", { secretId: "a", schedule: { automaticallyAfterDays: "30" } }, "schedule.automaticallyAfterDays", /got string "30"/],
        ["rate under 4 hours", { secretId: "a", schedule: { scheduleExpression: "rate(3 hours)" } }, "schedule.scheduleExpression", /at least 4 hours/],
        ["rate over 999 days", { secretId: "a", schedule: { scheduleExpression: "rate(1000 days)" } }, "schedule.scheduleExpression", /at most 999 days/],
        ["rate in minutes", { secretId: "a", schedule: { scheduleExpression: "rate(300 minutes)" } }, "schedule.scheduleExpression", /rate\(N hours\|days\) or cron/],
        ["not rate nor cron", { secretId: "a", schedule: { scheduleExpression: "every day" } }, "schedule.scheduleExpression", /rate\(N hours\|days\) or cron/],
        ["cron with five fields", { secretId: "a", schedule: { scheduleExpression: "cron(0 16 * * ?)" } }, "schedule.scheduleExpression", /six fields/],
        ["cron every 2 hours", { secretId: "a", schedule: { scheduleExpression: "cron(0 */2 * * ? *)" } }, "schedule.scheduleExpression", /at most once every 4 hours/],
        ["cron hours 1 and 3", { secretId: "a", schedule: { scheduleExpression: "cron(0 1,3 * * ? *)" } }, "schedule.scheduleExpression", /2 h apart/],
        ["cron every hour", { secretId: "a", schedule: { scheduleExpression: "cron(0 * * * ? *)" } }, "schedule.scheduleExpression", /at most once every 4 hours/],
        ["cron every minute", { secretId: "a", schedule: { scheduleExpression: "cron(* 16 * * ? *)" } }, "schedule.scheduleExpression", /minutes must be 0/],
        ["cron with two ?", { secretId: "a", schedule: { scheduleExpression: "cron(0 16 ? * ? *)" } }, "schedule.scheduleExpression", /exactly one of day-of-month and day-of-week/],
        ["cron with no ?", { secretId: "a", schedule: { scheduleExpression: "cron(0 16 1 * MON *)" } }, "schedule.scheduleExpression", /exactly one/],
        ["cron month 13", { secretId: "a", schedule: { scheduleExpression: "cron(0 16 1 13 ? *)" } }, "schedule.scheduleExpression", /month/],
        ["duration in minutes", { secretId: "a", schedule: { automaticallyAfterDays: 30, duration: "90m" } }, "schedule.duration", /Nh with N from 1 to 24/],
        ["duration 25h", { secretId: "a", schedule: { automaticallyAfterDays: 30, duration: "25h" } }, "schedule.duration", /1 to 24/],
        ["duration longer than the interval", { secretId: "a", schedule: { scheduleExpression: "rate(4 hours)", duration: "5h" } }, "schedule.duration", /at most the 4h between two rotations/],
        ["duration alone", { secretId: "a", schedule: { duration: "2h" } }, "schedule", /needs automaticallyAfterDays or scheduleExpression/],
        ["unknown schedule property", { secretId: "a", schedule: { automaticallyAfterDays: 3, window: "2h" } }, "schedule.window", /not a schedule property/],
        ["empty rotateNowToken", { secretId: "a", rotateNowToken: "" }, "rotateNowToken", /non-empty string/],
        ["rotateNowToken a number", { secretId: "a", rotateNowToken: 7 }, "rotateNowToken", /non-empty string/],
        ["pendingPolicy unknown", { secretId: "a", pendingPolicy: "delete" }, "pendingPolicy", /one of quarantine, promote, fail \(got "delete"\)/],
        ["deletionPolicy unknown", { secretId: "a", deletionPolicy: "destroy" }, "deletionPolicy", /one of cancel, retain/],
        ["grace period without unit", { secretId: "a", pendingGracePeriod: "120" }, "pendingGracePeriod", /Nm, Nh or Nd/],
        ["grace period zero", { secretId: "a", pendingGracePeriod: "0m" }, "pendingGracePeriod", /from 1m to 30d/],
        ["grace period too long", { secretId: "a", pendingGracePeriod: "31d" }, "pendingGracePeriod", /from 1m to 30d/],
        ["typo in a property", { secretId: "a", shedule: { automaticallyAfterDays: 3 } }, "shedule", /not a property of a rotation state; allowed: secretId/],
    ];
    for (const [name, raw, property, reason] of cases) {
        test(name, () => {
            const result = validateInputs(raw);
            const failure = result.failures.find((f) => f.property === property);
            assert.ok(failure, `no failure for ${property}: ${JSON.stringify(result.failures)}`);
            assert.match(failure.reason, reason);
            assert.equal(result.desired, undefined);
        });
    }

    test("every problem is reported at once", () => {
        const result = validateInputs({ secretId: "", enabled: "yes", pendingPolicy: "x", schedule: { automaticallyAfterDays: 0 } });
        assert.deepEqual(result.failures.map((f) => f.property).sort(), ["enabled", "pendingPolicy", "schedule.automaticallyAfterDays", "secretId"]);
    });

    test("the Lambda's region is checked against the stack's region for a secret declared by name", () => {
        const result = validateInputs({ secretId: "app/db", rotationLambdaArn: LAMBDA }, { region: "eu-west-1" });
        assert.match(result.failures[0]!.reason, /secret's region eu-west-1; the function is in us-east-1/);
    });
});

describe("valid declarations", () => {
    test("defaults are applied", () => {
        const result = validateInputs({ secretId: "app/db" });
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.inputs, {
            secretId: "app/db",
            enabled: true,
            rotateImmediately: true,
            pendingPolicy: "quarantine",
            pendingGracePeriod: "2h",
            deletionPolicy: "cancel",
        });
        assert.equal(result.desired?.pendingGracePeriodMs, 2 * 3_600_000);
    });

    test("a full declaration becomes the desired state", () => {
        const result = validateInputs({
            secretId: ARN,
            enabled: true,
            rotationLambdaArn: `${LAMBDA}:live`,
            schedule: { scheduleExpression: "cron(0 22,2 * * ? *)", duration: "2h" },
            rotateImmediately: false,
            rotateNowToken: "pr-7",
            pendingPolicy: "promote",
            pendingGracePeriod: "90m",
            deletionPolicy: "retain",
            __provider: "serialized code is ignored",
        });
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.desired, {
            secretId: ARN,
            enabled: true,
            rotationLambdaArn: `${LAMBDA}:live`,
            schedule: { kind: "expression", expression: "cron(0 22,2 * * ? *)", duration: "2h" },
            rotateImmediately: false,
            rotateNowToken: "pr-7",
            pendingPolicy: "promote",
            pendingGracePeriodMs: 90 * 60_000,
            deletionPolicy: "retain",
            quarantineRetentionMs: 30 * 86_400_000,
            quarantineLabelLimit: 10,
        });
        assert.equal("__provider" in result.inputs, false);
    });

    test("managed secrets' names (rds!...) are accepted", () => {
        assert.deepEqual(validateInputs({ secretId: "rds!db-0a1b2c3d" }).failures, []);
    });

    test("unknown values during preview are accepted, and give no desired state yet", () => {
        const result = validateInputs({ secretId: UNKNOWN, rotationLambdaArn: UNKNOWN, schedule: { automaticallyAfterDays: UNKNOWN } });
        assert.deepEqual(result.failures, []);
        assert.equal(result.desired, undefined);
        assert.equal(result.inputs.secretId, UNKNOWN);
    });

    test("durations", () => {
        assert.equal(parseDurationMs("15m"), 15 * 60_000);
        assert.equal(parseDurationMs("2h"), 7_200_000);
        assert.equal(parseDurationMs("1d"), 86_400_000);
        assert.equal(parseDurationMs("2 h"), undefined);
    });
});

describe("secret identity: name, full ARN, partial ARN", () => {
    const known = { arn: ARN, name: "app/db" };
    test("the name, the full ARN and the partial ARN are the same secret", () => {
        assert.ok(sameSecret("app/db", known));
        assert.ok(sameSecret(ARN, known));
        assert.ok(sameSecret(ARN.slice(0, -7), known));
    });
    test("another secret is not", () => {
        assert.ok(!sameSecret("app/db2", known));
        assert.ok(!sameSecret(ARN.replace("AbCdEf", "ZzZzZz"), known));
        assert.ok(!sameSecret(ARN.replace("us-east-1", "eu-west-1"), known));
    });
    test("names from ARNs drop the random suffix", () => {
        assert.equal(secretNameFromArn(ARN), "app/db");
        assert.equal(secretNameFromArn(ARN.slice(0, -7)), "app/db");
    });
});

describe("schedules", () => {
    test("equal by meaning: 30 days = rate(30 days) = rate(720 hours)", () => {
        assert.ok(schedulesEqual({ kind: "days", days: 30 }, { kind: "expression", expression: "rate(30 days)" }));
        assert.ok(schedulesEqual({ kind: "expression", expression: "rate(720 hours)" }, { kind: "days", days: 30 }));
        assert.ok(schedulesEqual({ kind: "expression", expression: "rate(1 day)" }, { kind: "expression", expression: "rate(1 days)" }));
        assert.ok(schedulesEqual({ kind: "expression", expression: "cron(0 16 1,15 jan ? *)" }, { kind: "expression", expression: "cron(0  16 1,15 JAN ? *)" }));
    });
    test("different: interval, window, or one missing", () => {
        assert.ok(!schedulesEqual({ kind: "days", days: 30 }, { kind: "days", days: 31 }));
        assert.ok(!schedulesEqual({ kind: "days", days: 30, duration: "2h" }, { kind: "days", days: 30 }));
        assert.ok(!schedulesEqual({ kind: "days", days: 30 }, undefined));
        assert.ok(schedulesEqual(undefined, undefined));
    });
    test("rules sent never carry days and an expression together", () => {
        assert.deepEqual(rulesFromSchedule({ kind: "days", days: 7, duration: "2h" }), { AutomaticallyAfterDays: 7, Duration: "2h" });
        assert.deepEqual(rulesFromSchedule({ kind: "expression", expression: "rate(10 days)" }), { ScheduleExpression: "rate(10 days)" });
    });
    test("rules read back: an expression wins over the days AWS derives from it", () => {
        assert.deepEqual(scheduleFromRules({ AutomaticallyAfterDays: 10, ScheduleExpression: "rate(10 days)" }), { kind: "expression", expression: "rate(10 days)" });
        assert.deepEqual(scheduleFromRules({ AutomaticallyAfterDays: 10 }), { kind: "days", days: 10 });
        assert.equal(scheduleFromRules({}), undefined);
    });
    test("intervals", () => {
        assert.equal(intervalHours({ kind: "days", days: 2 }), 48);
        assert.equal(intervalHours({ kind: "expression", expression: "rate(6 hours)" }), 6);
        assert.equal(intervalHours({ kind: "expression", expression: "cron(0 22,2 * * ? *)" }), 4);
    });
    test("cron at midnight-spanning 4-hour gaps and steps of 4 are accepted; minutes other than 0 are not", () => {
        assert.equal(typeof parseScheduleExpression("cron(0 22,2 * * ? *)"), "object");
        assert.equal(typeof parseScheduleExpression("cron(0 */4 * * ? *)"), "object");
        assert.equal(typeof parseScheduleExpression("cron(0 8 ? * MON-FRI *)"), "object");
        assert.match(String(parseScheduleExpression("cron(30 8 ? * MON-FRI *)")), /minutes must be 0/);
    });
    test("descriptions", () => {
        assert.equal(describeSchedule({ kind: "days", days: 30 }), "every 30 days");
        assert.equal(describeSchedule({ kind: "expression", expression: "rate(4 hours)", duration: "2h" }), "rate(4 hours), window 2h");
        assert.equal(describeSchedule(undefined), "none");
    });
});
