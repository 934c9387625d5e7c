// Unit: validation of the declared inputs (providers/secretsmanager/semantics/inputs.ts). Every invalid
// declaration is rejected naming the exact property and the rule, with the value received; valid
// ones get their defaults; unknown values (preview) are let through. Pure.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
    parseDurationMs,
    regionOfSecretArn,
    sameSecret,
    secretNameFromArn,
    validateInputs,
} from "../../providers/secretsmanager/semantics/inputs";
import { DesiredState, UNKNOWN } from "../../providers/secretsmanager/semantics/model";

const ACCOUNT = "123456789012";
const FULL_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db-AbCdEf`;
const PARTIAL_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db`;
const LAMBDA = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rotate`;
const LAMBDA_EU = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:rotate`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A declaration that is valid except for what the case changes. */
const with_ = (changes: Record<string, unknown>) => ({ secretId: "app/db", ...changes });

describe("invalid declarations: the exact property and the rule, with the value received", () => {
    // [case, declaration, property, reason fragment]
    const cases: [string, unknown, string, RegExp][] = [
        // the declaration itself
        ["not a mapping", "app/db", "secretId", /must be a mapping with at least secretId \(got string "app\/db"\)/],
        ["a list", [{ secretId: "app/db" }], "secretId", /must be a mapping.*\(got a list\)/],
        ["null", null, "secretId", /must be a mapping.*\(got null\)/],
        // secretId
        ["secretId missing", {}, "secretId", /is required: the secret's name, full ARN or partial ARN/],
        ["secretId empty", { secretId: "" }, "secretId", /is required/],
        ["secretId a number", { secretId: 42 }, "secretId", /must be a string \(got number\)/],
        ["secretId a mapping", { secretId: { name: "app/db" } }, "secretId", /must be a string \(got a mapping\)/],
        ["secretId with a space", { secretId: "app db" }, "secretId", /must be 1-512 characters of A-Z a-z 0-9 .* or an ARN \(got "app db"\)/],
        ["secretId with a colon", { secretId: "app:db" }, "secretId", /1-512 characters.*\(got "app:db"\)/],
        ["secretId of 513 characters", { secretId: "a".repeat(513) }, "secretId", /1-512 characters.*\(513 characters\)/],
        ["secret ARN with a short account", { secretId: "arn:aws:secretsmanager:us-east-1:123:secret:x" }, "secretId", /must be a Secrets Manager ARN arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name> \(got "arn:aws:secretsmanager:us-east-1:123:secret:x"\)/],
        ["secret ARN without a name", { secretId: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:` }, "secretId", /Secrets Manager ARN/],
        ["secret ARN without a region", { secretId: `arn:aws:secretsmanager::${ACCOUNT}:secret:x` }, "secretId", /Secrets Manager ARN/],
        ["ARN of another service", { secretId: "arn:aws:s3:::bucket" }, "secretId", /Secrets Manager ARN .*\(got "arn:aws:s3:::bucket"\)/],
        ["ARN of another resource type", { secretId: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:thing:x` }, "secretId", /Secrets Manager ARN/],
        ["secret ARN with a space in the name", { secretId: `${PARTIAL_ARN} v2` }, "secretId", /the secret name in the ARN must be 1-512 characters.*\(got "app\/db v2"\)/],
        // booleans: no coercion of YAML strings
        ["enabled as the string true", with_({ enabled: "true" }), "enabled", /must be true or false \(got string "true"\)/],
        ["enabled as 1", with_({ enabled: 1 }), "enabled", /must be true or false \(got number 1\)/],
        ["enabled null", with_({ enabled: null }), "enabled", /must be true or false \(got null\)/],
        ["rotateImmediately as no", with_({ rotateImmediately: "no" }), "rotateImmediately", /must be true or false \(got string "no"\)/],
        ["rotateImmediately as 0", with_({ rotateImmediately: 0 }), "rotateImmediately", /must be true or false \(got number 0\)/],
        // rotationLambdaArn
        ["Lambda by name only", with_({ rotationLambdaArn: "rotate" }), "rotationLambdaArn", /must be a Lambda function ARN arn:<partition>:lambda:<region>:<12-digit account>:function:<name>\[:<qualifier>\] \(got "rotate"\)/],
        ["Lambda ARN of an IAM role", with_({ rotationLambdaArn: `arn:aws:iam::${ACCOUNT}:role/x` }), "rotationLambdaArn", /Lambda function ARN/],
        ["Lambda layer ARN", with_({ rotationLambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:x:1` }), "rotationLambdaArn", /Lambda function ARN/],
        ["Lambda ARN with an empty qualifier", with_({ rotationLambdaArn: `${LAMBDA}:` }), "rotationLambdaArn", /Lambda function ARN/],
        ["Lambda ARN with two qualifiers", with_({ rotationLambdaArn: `${LAMBDA}:live:1` }), "rotationLambdaArn", /Lambda function ARN/],
        ["Lambda ARN as a number", with_({ rotationLambdaArn: 7 }), "rotationLambdaArn", /Lambda function ARN.*\(got number 7\)/],
        ["Lambda in another region than the secret's ARN", { secretId: FULL_ARN, rotationLambdaArn: LAMBDA_EU }, "rotationLambdaArn", /must be in the secret's region us-east-1; the function is in eu-west-1/],
        ["Lambda in another region than the partial ARN", { secretId: PARTIAL_ARN, rotationLambdaArn: LAMBDA_EU }, "rotationLambdaArn", /secret's region us-east-1; the function is in eu-west-1/],
        // schedule: its shape
        ["schedule a string", with_({ schedule: "30 days" }), "schedule", /must be a mapping with automaticallyAfterDays or scheduleExpression, and optionally duration \(got string "30 days"\)/],
        ["schedule a list", with_({ schedule: [30] }), "schedule", /must be a mapping.*\(got a list\)/],
        ["schedule a number", with_({ schedule: 30 }), "schedule", /must be a mapping.*\(got number 30\)/],
        ["schedule empty", with_({ schedule: {} }), "schedule", /needs automaticallyAfterDays or scheduleExpression/],
        ["schedule with only a window", with_({ schedule: { duration: "2h" } }), "schedule", /needs automaticallyAfterDays or scheduleExpression \(duration is only the window/],
        ["days and an expression together", with_({ schedule: { automaticallyAfterDays: 30, scheduleExpression: "rate(10 days)" } }), "schedule", /not both: Secrets Manager rejects both together/],
        ["a typo in a schedule property", with_({ schedule: { automaticallyAfterDays: 3, window: "2h" } }), "schedule.window", /is not a schedule property; allowed: automaticallyAfterDays, scheduleExpression, duration/],
        // schedule.automaticallyAfterDays
        ["days 0", with_({ schedule: { automaticallyAfterDays: 0 } }), "schedule.automaticallyAfterDays", /must be a whole number from 1 to 1000 \(got number 0\)/],
        ["days negative", with_({ schedule: { automaticallyAfterDays: -5 } }), "schedule.automaticallyAfterDays", /from 1 to 1000 \(got number -5\)/],
        ["days 1001", with_({ schedule: { automaticallyAfterDays: 1001 } }), "schedule.automaticallyAfterDays", /from 1 to 1000 \(got number 1001\)/],
        ["days fractional", with_({ schedule: { automaticallyAfterDays: 1.5 } }), "schedule.automaticallyAfterDays", /whole number.*\(got number 1.5\)/],
        ["days as a YAML string", with_({ schedule: { automaticallyAfterDays: "30" } }), "schedule.automaticallyAfterDays", /whole number.*\(got string "30"\)/],
        ["days NaN", with_({ schedule: { automaticallyAfterDays: Number.NaN } }), "schedule.automaticallyAfterDays", /whole number.*\(got number NaN\)/],
        // schedule.scheduleExpression (every rule of schedule.ts reaches the property)
        ["rate under 4 hours", with_({ schedule: { scheduleExpression: "rate(3 hours)" } }), "schedule.scheduleExpression", /must be at least 4 hours apart \(got rate\(3 hours\)\)/],
        ["rate over 999 days", with_({ schedule: { scheduleExpression: "rate(1000 days)" } }), "schedule.scheduleExpression", /at most 999 days/],
        ["rate in minutes", with_({ schedule: { scheduleExpression: "rate(300 minutes)" } }), "schedule.scheduleExpression", /must be rate\(N hours\|days\) or cron/],
        ["cron every 2 hours", with_({ schedule: { scheduleExpression: "cron(0 */2 * * ? *)" } }), "schedule.scheduleExpression", /at most once every 4 hours; cron\(\) hours \*\/2 are 2 h apart/],
        ["cron at 1 and 3", with_({ schedule: { scheduleExpression: "cron(0 1,3 * * ? *)" } }), "schedule.scheduleExpression", /2 h apart/],
        ["cron with five fields", with_({ schedule: { scheduleExpression: "cron(0 16 * * ?)" } }), "schedule.scheduleExpression", /six fields/],
        ["cron with two ?", with_({ schedule: { scheduleExpression: "cron(0 16 ? * ? *)" } }), "schedule.scheduleExpression", /exactly one of day-of-month and day-of-week/],
        ["cron month 13", with_({ schedule: { scheduleExpression: "cron(0 16 1 13 ? *)" } }), "schedule.scheduleExpression", /month: 13 is outside 1-12/],
        ["cron minutes other than 0", with_({ schedule: { scheduleExpression: "cron(30 8 ? * MON-FRI *)" } }), "schedule.scheduleExpression", /minutes must be 0: Secrets Manager's rotation windows open on the hour \(got 30\)/],
        ["cron year other than *", with_({ schedule: { scheduleExpression: "cron(0 9 1 12 ? 2026)" } }), "schedule.scheduleExpression", /year must be \*.*\(got 2026\)/],
        ["expression as a number", with_({ schedule: { scheduleExpression: 30 } }), "schedule.scheduleExpression", /must be a string: rate\(\.\.\.\) or cron\(\.\.\.\) \(got number 30\)/],
        // schedule.duration
        ["window in minutes", with_({ schedule: { automaticallyAfterDays: 30, duration: "90m" } }), "schedule.duration", /must be Nh with N from 1 to 24 \(got "90m"\)/],
        ["window 0h", with_({ schedule: { automaticallyAfterDays: 30, duration: "0h" } }), "schedule.duration", /from 1 to 24 \(got "0h"\)/],
        ["window 25h", with_({ schedule: { automaticallyAfterDays: 30, duration: "25h" } }), "schedule.duration", /from 1 to 24 \(got "25h"\)/],
        ["window as a number", with_({ schedule: { automaticallyAfterDays: 30, duration: 2 } }), "schedule.duration", /Nh.*\(got number 2\)/],
        ["window longer than a rate in hours", with_({ schedule: { scheduleExpression: "rate(4 hours)", duration: "5h" } }), "schedule.duration", /must be at most the 4h between two rotations of rate\(4 hours\).*\(got "5h"\)/],
        ["window longer than a cron's gap", with_({ schedule: { scheduleExpression: "cron(0 1,5 * * ? *)", duration: "5h" } }), "schedule.duration", /at most the 4h between two rotations/],
        ["window past 24:00 UTC for a daily cron", with_({ schedule: { scheduleExpression: "cron(0 16 * * ? *)", duration: "24h" } }), "schedule.duration", /must end by 24:00 UTC: .* opens a window at 16:00 UTC, so the window can be at most 8h .*\(got "24h"\)/],
        ["window past 24:00 UTC for a cron's last hour", with_({ schedule: { scheduleExpression: "cron(0 22,2 * * ? *)", duration: "3h" } }), "schedule.duration", /at 22:00 UTC, so the window can be at most 2h/],
        // rotateNowToken
        ["token empty", with_({ rotateNowToken: "" }), "rotateNowToken", /must be a non-empty string of at most 256 characters \(got ""\)/],
        ["token too long", with_({ rotateNowToken: "t".repeat(257) }), "rotateNowToken", /at most 256 characters.*\(257 characters\)/],
        ["token a number", with_({ rotateNowToken: 7 }), "rotateNowToken", /non-empty string.*\(got number 7\)/],
        // policies
        ["pendingPolicy unknown", with_({ pendingPolicy: "delete" }), "pendingPolicy", /must be one of quarantine, promote, fail \(got "delete"\)/],
        ["pendingPolicy in capitals", with_({ pendingPolicy: "Quarantine" }), "pendingPolicy", /one of quarantine, promote, fail \(got "Quarantine"\)/],
        ["pendingPolicy a boolean", with_({ pendingPolicy: true }), "pendingPolicy", /one of quarantine, promote, fail \(got boolean true\)/],
        ["deletionPolicy unknown", with_({ deletionPolicy: "destroy" }), "deletionPolicy", /must be one of cancel, retain \(got "destroy"\)/],
        // pendingGracePeriod
        ["grace period without a unit", with_({ pendingGracePeriod: "120" }), "pendingGracePeriod", /must be Nm, Nh or Nd from 1m to 30d \(got "120"\)/],
        ["grace period in seconds", with_({ pendingGracePeriod: "90s" }), "pendingGracePeriod", /Nm, Nh or Nd/],
        ["grace period with a space", with_({ pendingGracePeriod: "2 h" }), "pendingGracePeriod", /Nm, Nh or Nd/],
        ["grace period zero", with_({ pendingGracePeriod: "0m" }), "pendingGracePeriod", /from 1m to 30d \(got "0m"\)/],
        ["grace period 31 days", with_({ pendingGracePeriod: "31d" }), "pendingGracePeriod", /from 1m to 30d \(got "31d"\)/],
        ["grace period 721 hours", with_({ pendingGracePeriod: "721h" }), "pendingGracePeriod", /from 1m to 30d/],
        ["grace period as a number", with_({ pendingGracePeriod: 120 }), "pendingGracePeriod", /Nm, Nh or Nd.*\(got number 120\)/],
        // unknown properties
        ["a typo in a property", with_({ shedule: { automaticallyAfterDays: 3 } }), "shedule", /is not a property of a rotation state; allowed: secretId, enabled, rotationLambdaArn, schedule, rotateImmediately, rotateNowToken, pendingPolicy, pendingGracePeriod, deletionPolicy/],
        ["another provider's property", with_({ region: "us-east-1" }), "region", /is not a property of a rotation state/],
        ["a typo whose value is unknown", with_({ rotationLamdaArn: UNKNOWN }), "rotationLamdaArn", /is not a property of a rotation state/],
        // @pulumi/aws's names, copied from an aws.secretsmanager.SecretRotation: answered with ours (docs/migration.md)
        ["@pulumi/aws's rotationRules", with_({ rotationRules: { automaticallyAfterDays: 30 } }), "rotationRules", /^is @pulumi\/aws's name \(aws\.secretsmanager\.SecretRotation\); here it is schedule, with the same fields .*: rename rotationRules to schedule$/],
        ["@pulumi/aws's rotationEnabled", with_({ rotationEnabled: false }), "rotationEnabled", /here it is enabled: rename rotationEnabled to enabled$/],
    ];

    for (const [name, raw, property, reason] of cases) {
        test(name, () => {
            const result = validateInputs(raw);
            assert.deepEqual(
                result.failures.map((f) => f.property),
                [property],
                `exactly one failure, on ${property}: ${JSON.stringify(result.failures)}`,
            );
            assert.match(result.failures[0]!.reason, reason);
            assert.equal(result.desired, undefined, "no desired state with a failure");
        });
    }

    test(`the catalog has at least 35 invalid declarations (${cases.length})`, () => {
        assert.ok(cases.length >= 35);
    });

    test("every problem is reported at once", () => {
        const result = validateInputs({
            secretId: "",
            enabled: "yes",
            rotationLambdaArn: "rotate",
            schedule: { automaticallyAfterDays: 0, scheduleExpression: "rate(1 hours)", duration: "0h", extra: 1 },
            rotateNowToken: "",
            pendingPolicy: "x",
            pendingGracePeriod: "forever",
            deletionPolicy: "x",
            shedule: {},
        });
        assert.deepEqual(result.failures.map((f) => f.property).sort(), [
            "deletionPolicy",
            "enabled",
            "pendingGracePeriod",
            "pendingPolicy",
            "rotateNowToken",
            "rotationLambdaArn",
            "schedule",
            "schedule.automaticallyAfterDays",
            "schedule.duration",
            "schedule.extra",
            "schedule.scheduleExpression",
            "secretId",
            "shedule",
        ]);
        assert.equal(result.desired, undefined);
    });

    test("a failure still gives the inputs, with defaults, as declared", () => {
        const result = validateInputs({ secretId: "app/db", enabled: "true" });
        assert.equal(result.inputs.enabled, "true");
        assert.equal(result.inputs.pendingPolicy, "quarantine");
    });
});

describe("the rotation function's region", () => {
    const cases: [string, Record<string, unknown>, { region?: string } | undefined, string | undefined][] = [
        ["a name: the stack's region", { secretId: "app/db", rotationLambdaArn: LAMBDA }, { region: "eu-west-1" }, "must be in the secret's region eu-west-1; the function is in us-east-1"],
        ["a name and the same region", { secretId: "app/db", rotationLambdaArn: LAMBDA }, { region: "us-east-1" }, undefined],
        ["a name and no region known: nothing to compare", { secretId: "app/db", rotationLambdaArn: LAMBDA_EU }, undefined, undefined],
        ["a full ARN: its own region, not the stack's", { secretId: FULL_ARN, rotationLambdaArn: LAMBDA }, { region: "eu-west-1" }, undefined],
        ["a full ARN in another region than the function", { secretId: FULL_ARN, rotationLambdaArn: LAMBDA_EU }, { region: "eu-west-1" }, "must be in the secret's region us-east-1; the function is in eu-west-1"],
        ["a partial ARN: its own region", { secretId: PARTIAL_ARN, rotationLambdaArn: LAMBDA }, undefined, undefined],
        ["a secret not known yet may be anywhere", { secretId: UNKNOWN, rotationLambdaArn: LAMBDA_EU }, { region: "us-east-1" }, undefined],
        ["an invalid secretId is reported once, not as a region problem", { secretId: "arn:aws:secretsmanager:bad", rotationLambdaArn: LAMBDA_EU }, { region: "us-east-1" }, undefined],
    ];
    for (const [name, raw, context, reason] of cases) {
        test(name, () => {
            const failures = validateInputs(raw, context).failures.filter((f) => f.property === "rotationLambdaArn");
            assert.deepEqual(failures.map((f) => f.reason), reason ? [reason] : []);
        });
    }
});

describe("valid declarations", () => {
    test("the defaults are applied to the inputs and the desired state", () => {
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
        assert.deepEqual(result.desired, {
            secretId: "app/db",
            enabled: true,
            rotateImmediately: true,
            pendingPolicy: "quarantine",
            pendingGracePeriodMs: 2 * HOUR,
            deletionPolicy: "cancel",
            quarantineRetentionMs: 30 * 24 * HOUR,
            quarantineLabelLimit: 10,
        } satisfies DesiredState);
    });

    test("every property declared becomes the desired state; Pulumi's own keys are dropped", () => {
        const result = validateInputs({
            secretId: FULL_ARN,
            enabled: false,
            rotationLambdaArn: `${LAMBDA}:live`,
            schedule: { scheduleExpression: "cron(0 16 1,15 * ? *)", duration: "3h" },
            rotateImmediately: false,
            rotateNowToken: "pr-7",
            pendingPolicy: "promote",
            pendingGracePeriod: "90m",
            deletionPolicy: "retain",
            quarantineRetention: "7d",
            quarantineLabelLimit: 4,
            __provider: "serialized code",
            __id: "x",
        });
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.desired, {
            secretId: FULL_ARN,
            enabled: false,
            rotationLambdaArn: `${LAMBDA}:live`,
            schedule: { kind: "expression", expression: "cron(0 16 1,15 * ? *)", duration: "3h" },
            rotateImmediately: false,
            rotateNowToken: "pr-7",
            pendingPolicy: "promote",
            pendingGracePeriodMs: 90 * MINUTE,
            deletionPolicy: "retain",
            quarantineRetentionMs: 7 * 24 * HOUR,
            quarantineLabelLimit: 4,
        } satisfies DesiredState);
        assert.deepEqual(Object.keys(result.inputs).filter((k) => k.startsWith("__")), []);
    });

    test("absent values count as not declared", () => {
        const result = validateInputs({ secretId: "app/db", enabled: undefined, schedule: { automaticallyAfterDays: 7, duration: undefined } });
        assert.deepEqual(result.failures, []);
        assert.equal(result.desired?.enabled, true);
        assert.deepEqual(result.desired?.schedule, { kind: "days", days: 7 });
    });

    // [declaration changes, the desired schedule]
    const schedules: [Record<string, unknown>, DesiredState["schedule"]][] = [
        [{ automaticallyAfterDays: 1 }, { kind: "days", days: 1 }],
        [{ automaticallyAfterDays: 1000 }, { kind: "days", days: 1000 }],
        [{ automaticallyAfterDays: 30, duration: "24h" }, { kind: "days", days: 30, duration: "24h" }],
        [{ automaticallyAfterDays: 1, duration: "23h" }, { kind: "days", days: 1, duration: "23h" }],
        // Days are a schedule in days: the window opens at 00:00 UTC, so a whole day fits (refused before).
        [{ automaticallyAfterDays: 1, duration: "24h" }, { kind: "days", days: 1, duration: "24h" }],
        // A window may be exactly as long as the time between rotations (refused before).
        [{ scheduleExpression: "rate(4 hours)", duration: "4h" }, { kind: "expression", expression: "rate(4 hours)", duration: "4h" }],
        [{ scheduleExpression: "cron(0 */4 * * ? *)", duration: "4h" }, { kind: "expression", expression: "cron(0 */4 * * ? *)", duration: "4h" }],
        [{ scheduleExpression: "rate(999 days)" }, { kind: "expression", expression: "rate(999 days)" }],
        [{ scheduleExpression: "rate(4 hours)", duration: "3h" }, { kind: "expression", expression: "rate(4 hours)", duration: "3h" }],
        [{ scheduleExpression: "rate(10 days)" }, { kind: "expression", expression: "rate(10 days)" }],
        [{ scheduleExpression: "cron(0 */4 * * ? *)", duration: "1h" }, { kind: "expression", expression: "cron(0 */4 * * ? *)", duration: "1h" }],
        [{ scheduleExpression: "cron(0 22,2 * * ? *)" }, { kind: "expression", expression: "cron(0 22,2 * * ? *)" }],
        // At 16:00 on some days: the window may run until 24:00 UTC, 8h.
        [{ scheduleExpression: "cron(0 16 1,15 * ? *)", duration: "8h" }, { kind: "expression", expression: "cron(0 16 1,15 * ? *)", duration: "8h" }],
    ];
    for (const [schedule, expected] of schedules) {
        test(`schedule ${JSON.stringify(schedule)}`, () => {
            const result = validateInputs(with_({ schedule }));
            assert.deepEqual(result.failures, []);
            assert.deepEqual(result.desired?.schedule, expected);
        });
    }

    // [pendingGracePeriod, milliseconds]
    const grace: [string, number][] = [
        ["1m", MINUTE],
        ["90m", 90 * MINUTE],
        ["2h", 2 * HOUR],
        ["720h", 30 * DAY],
        ["1d", DAY],
        ["30d", 30 * DAY],
        ["43200m", 30 * DAY],
    ];
    for (const [text, ms] of grace) {
        test(`pendingGracePeriod ${text} is ${ms} ms`, () => {
            const result = validateInputs(with_({ pendingGracePeriod: text }));
            assert.deepEqual(result.failures, []);
            assert.equal(result.desired?.pendingGracePeriodMs, ms);
            assert.equal(result.inputs.pendingGracePeriod, text);
        });
    }

    test("a token of 256 characters", () => {
        assert.deepEqual(validateInputs(with_({ rotateNowToken: "t".repeat(256) })).failures, []);
    });
    test("each pending and deletion policy", () => {
        for (const pendingPolicy of ["quarantine", "promote", "fail"]) assert.equal(validateInputs(with_({ pendingPolicy })).desired?.pendingPolicy, pendingPolicy);
        for (const deletionPolicy of ["cancel", "retain"]) assert.equal(validateInputs(with_({ deletionPolicy })).desired?.deletionPolicy, deletionPolicy);
    });
});

describe("secretId: name, full ARN, partial ARN", () => {
    const valid: string[] = [
        "app/db",
        "MyTestDatabaseSecret",
        "a",
        "a".repeat(512),
        "prod/app_1+2=3.x@y-z",
        "rds!db-0a1b2c3d", // owned by RDS
        FULL_ARN,
        PARTIAL_ARN,
        `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:app/db-AbCdEf`,
        `arn:aws-us-gov:secretsmanager:us-gov-west-1:${ACCOUNT}:secret:app/db`,
    ];
    for (const secretId of valid) {
        test(`${secretId.length > 40 ? `${secretId.slice(0, 20)}… (${secretId.length})` : secretId} is accepted`, () => {
            const result = validateInputs({ secretId });
            assert.deepEqual(result.failures, []);
            assert.equal(result.desired?.secretId, secretId);
        });
    }

    const regions: [string, string | undefined][] = [
        [FULL_ARN, "us-east-1"],
        [PARTIAL_ARN, "us-east-1"],
        [`arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:x`, "cn-north-1"],
        ["app/db", undefined],
        ["arn:aws:s3:::bucket", undefined],
    ];
    for (const [secretId, region] of regions) {
        test(`regionOfSecretArn(${secretId}) = ${region}`, () => assert.equal(regionOfSecretArn(secretId), region));
    }

    const names: [string, string][] = [
        [FULL_ARN, "app/db"],
        [PARTIAL_ARN, "app/db"],
        [`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`, "db"],
        [`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:a/b/c-123456`, "a/b/c"],
        [`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:rds!db-0a1b2c3d-e5F6g7`, "rds!db-0a1b2c3d"],
        ["app/db-AbCdEf", "app/db-AbCdEf"], // a name, not an ARN: as given
    ];
    for (const [arn, name] of names) {
        test(`secretNameFromArn(${arn}) = ${name}`, () => assert.equal(secretNameFromArn(arn), name));
    }

    const known = { arn: FULL_ARN, name: "app/db" };
    const same: [string, boolean][] = [
        ["app/db", true],
        [FULL_ARN, true],
        [PARTIAL_ARN, true],
        ["app/db2", false],
        ["app", false],
        [FULL_ARN.replace("AbCdEf", "ZzZzZz"), false], // a secret of the same name, deleted and created again
        [FULL_ARN.replace("us-east-1", "eu-west-1"), false],
        [PARTIAL_ARN.replace("us-east-1", "eu-west-1"), false],
        [PARTIAL_ARN.replace(ACCOUNT, "210987654321"), false],
        [`${PARTIAL_ARN}-AbCdE`, false],
    ];
    for (const [declared, expected] of same) {
        test(`sameSecret(${declared}) is ${expected}`, () => assert.equal(sameSecret(declared, known), expected));
    }
});

describe("unknown values during preview", () => {
    const properties: [string, Record<string, unknown>][] = [
        ["secretId", { secretId: UNKNOWN }],
        ["enabled", with_({ enabled: UNKNOWN })],
        ["rotationLambdaArn", with_({ rotationLambdaArn: UNKNOWN })],
        ["schedule", with_({ schedule: UNKNOWN })],
        ["schedule.automaticallyAfterDays", with_({ schedule: { automaticallyAfterDays: UNKNOWN } })],
        ["schedule.scheduleExpression", with_({ schedule: { scheduleExpression: UNKNOWN, duration: "2h" } })],
        ["schedule.duration", with_({ schedule: { automaticallyAfterDays: 7, duration: UNKNOWN } })],
        ["rotateImmediately", with_({ rotateImmediately: UNKNOWN })],
        ["rotateNowToken", with_({ rotateNowToken: UNKNOWN })],
        ["pendingPolicy", with_({ pendingPolicy: UNKNOWN })],
        ["pendingGracePeriod", with_({ pendingGracePeriod: UNKNOWN })],
        ["deletionPolicy", with_({ deletionPolicy: UNKNOWN })],
    ];
    for (const [property, raw] of properties) {
        test(`${property} unknown: no failure, kept as it is, no desired state yet`, () => {
            const result = validateInputs(raw, { region: "us-east-1" });
            assert.deepEqual(result.failures, []);
            assert.equal(result.desired, undefined);
            const [top, field] = property.split(".") as [keyof typeof result.inputs, string | undefined];
            const kept = field === undefined ? result.inputs[top] : (result.inputs[top] as Record<string, unknown>)[field];
            assert.equal(kept, UNKNOWN);
        });
    }

    test("an unknown value does not hide the problems of the values next to it", () => {
        const result = validateInputs({ secretId: UNKNOWN, enabled: "yes", schedule: { automaticallyAfterDays: UNKNOWN, duration: "99h" } });
        assert.deepEqual(result.failures.map((f) => f.property).sort(), ["enabled", "schedule.duration"]);
    });

    test("days unknown next to an expression: the unknown may turn out absent, so no conflict yet", () => {
        const result = validateInputs(with_({ schedule: { automaticallyAfterDays: UNKNOWN, scheduleExpression: "rate(10 days)" } }));
        assert.deepEqual(result.failures, []);
        assert.equal(result.desired, undefined);
    });

    test("a known window against an unknown interval is not compared", () => {
        const result = validateInputs(with_({ schedule: { scheduleExpression: UNKNOWN, duration: "24h" } }));
        assert.deepEqual(result.failures, []);
    });

    test("only the exact sentinel is unknown: anything like it is checked", () => {
        const result = validateInputs(with_({ enabled: `${UNKNOWN} ` }));
        assert.deepEqual(result.failures.map((f) => f.property), ["enabled"]);
    });
});

describe("parseDurationMs", () => {
    const cases: [string, number | undefined][] = [
        ["1m", MINUTE],
        ["15m", 15 * MINUTE],
        ["2h", 2 * HOUR],
        ["1d", DAY],
        ["30d", 30 * DAY],
        ["0m", 0],
        ["2 h", undefined],
        ["2H", undefined],
        ["1.5h", undefined],
        ["-1h", undefined],
        ["h", undefined],
        ["90s", undefined],
        ["", undefined],
    ];
    for (const [text, ms] of cases) {
        test(`${JSON.stringify(text)} → ${ms}`, () => assert.equal(parseDurationMs(text), ms));
    }
});
