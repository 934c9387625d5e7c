// Unit: health thresholds from configuration (docs/health-thresholds.md): their validation on a
// declaration, a policy and stack-wide; the precedence explicit > declared > a policy's schedule >
// default; the defaults a policy's schedule raises; and that a change of them alone is no update.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
    DEFAULT_THRESHOLDS,
    defaultsForPolicySchedule,
    effectiveThresholds,
    mergeDeclaredThresholds,
    reportedThresholds,
} from "../../providers/secretsmanager/semantics/health";
import { validateHealthThresholds, validateInputs } from "../../providers/secretsmanager/semantics/inputs";
import { validatePolicyInputs } from "../../providers/secretsmanager/semantics/policy";
import { changedProperties, RotationStateOutputs, StoredInputs } from "../../providers/secretsmanager/semantics/state";
import { agreedStackThresholds } from "../../src/review/review";
import { stackWideThresholds } from "../../src/review/stack";

const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate";
const IDENTITY = "organization/project/stack/fleet";
const declaration = (healthThresholds: unknown) => ({ secretId: "app/db", rotationLambdaArn: LAMBDA, schedule: { automaticallyAfterDays: 30 }, healthThresholds });
const policy = (healthThresholds: unknown) => ({ selector: { namePrefixes: ["app/"] }, schedule: { automaticallyAfterDays: 30 }, __owner: IDENTITY, healthThresholds });

describe("healthThresholds: validated before any change, naming the property and the rule", () => {
    const cases: [string, unknown, string, RegExp][] = [
        ["zero days", { maxIntervalDays: 0 }, "healthThresholds.maxIntervalDays", /must be a whole number from 1 to 1000 \(got number 0\)/],
        ["too many days", { maxIntervalDays: 1001 }, "healthThresholds.maxIntervalDays", /from 1 to 1000 \(got number 1001\)/],
        ["a fraction", { maxDaysSinceRotation: 1.5 }, "healthThresholds.maxDaysSinceRotation", /must be a whole number from 1 to 100000 \(got number 1.5\)/],
        ["a string (the YAML slip)", { maxDaysSinceRotation: "180" }, "healthThresholds.maxDaysSinceRotation", /\(got string "180"\)/],
        ["negative minutes", { pendingLongRunningMinutes: -5 }, "healthThresholds.pendingLongRunningMinutes", /must be a whole number from 1 to 43200 \(got number -5\)/],
        ["the CLI's flag name", { pendingLongRunning: "2h" }, "healthThresholds.pendingLongRunning", /is not a health threshold; allowed: maxIntervalDays, maxDaysSinceRotation, pendingLongRunningMinutes/],
        ["not a mapping", 180, "healthThresholds", /must be a mapping of maxIntervalDays, maxDaysSinceRotation, pendingLongRunningMinutes \(got number 180\)/],
    ];
    for (const [name, value, property, reason] of cases) {
        test(`a declaration: ${name}`, () => {
            const result = validateInputs(declaration(value), { region: "us-east-1" });
            assert.equal(result.desired, undefined, "no desired state: nothing is changed");
            assert.deepEqual(result.failures.map((f) => f.property), [property]);
            assert.match(result.failures[0]!.reason, reason);
        });
        test(`a policy: ${name}`, () => {
            const result = validatePolicyInputs(policy(value), { region: "us-east-1" });
            assert.equal(result.spec, undefined);
            assert.deepEqual(result.failures.map((f) => f.property), [property]);
            assert.match(result.failures[0]!.reason, reason);
        });
        test(`stack-wide: ${name}`, () => {
            const failures = validateHealthThresholds(value, "secret-rotation:healthThresholds");
            assert.deepEqual(failures.map((f) => f.property), [property.replace("healthThresholds", "secret-rotation:healthThresholds")]);
            assert.match(failures[0]!.reason, reason);
        });
    }

    test("valid ones pass, are kept in the inputs as declared, and change nothing of the desired state", () => {
        const set = { maxIntervalDays: 180, maxDaysSinceRotation: 200, pendingLongRunningMinutes: 120 };
        const result = validateInputs(declaration(set), { region: "us-east-1" });
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.inputs.healthThresholds, set);
        assert.deepEqual(result.desired, validateInputs(declaration(undefined), { region: "us-east-1" }).desired);
        assert.deepEqual(validatePolicyInputs(policy({ maxIntervalDays: 180 }), { region: "us-east-1" }).failures, []);
        assert.deepEqual(validateHealthThresholds({}, "secret-rotation:healthThresholds"), []);
    });
});

describe("precedence: explicit (the review's flags) > declared (own over stack-wide) > a policy's schedule > default", () => {
    const rate180 = { kind: "expression" as const, expression: "rate(180 days)" };

    test("the declaration's own over the stack-wide ones, field by field; nothing set stays unset", () => {
        assert.deepEqual(mergeDeclaredThresholds({ maxIntervalDays: 180, maxDaysSinceRotation: 200 }, { maxIntervalDays: 30 }), { maxIntervalDays: 30, maxDaysSinceRotation: 200 });
        assert.deepEqual(mergeDeclaredThresholds(undefined, { pendingLongRunningMinutes: 5 }), { pendingLongRunningMinutes: 5 });
        assert.equal(mergeDeclaredThresholds(undefined, undefined), undefined);
        assert.equal(mergeDeclaredThresholds({}, {}), undefined);
    });

    test("each threshold from the first source that sets it", () => {
        assert.deepEqual(effectiveThresholds({}), DEFAULT_THRESHOLDS);
        assert.deepEqual(effectiveThresholds({ declared: { maxIntervalDays: 180, pendingLongRunningMinutes: 30 } }), {
            maxIntervalDays: 180,
            maxDaysSinceRotation: 90,
            pendingLongRunningMs: 30 * 60_000,
        });
        // A policy's schedule raises the defaults only: what is declared is taken as declared.
        assert.deepEqual(effectiveThresholds({ governingSchedule: rate180 }), { maxIntervalDays: 180, maxDaysSinceRotation: 182, pendingLongRunningMs: 3_600_000 });
        assert.deepEqual(effectiveThresholds({ governingSchedule: rate180, declared: { maxIntervalDays: 90 } }).maxIntervalDays, 90);
        // The flags given override everything, the others still come from below.
        assert.deepEqual(effectiveThresholds({ explicit: { maxIntervalDays: 100 }, declared: { maxIntervalDays: 30, maxDaysSinceRotation: 10 }, governingSchedule: rate180 }), {
            maxIntervalDays: 100,
            maxDaysSinceRotation: 10,
            pendingLongRunningMs: 3_600_000,
        });
        // A caller's own defaults replace DEFAULT_THRESHOLDS at the bottom (and are raised likewise).
        const defaults = { maxIntervalDays: 60, maxDaysSinceRotation: 60, pendingLongRunningMs: 600_000 };
        assert.deepEqual(effectiveThresholds({ defaults }), defaults);
        assert.deepEqual(effectiveThresholds({ defaults, governingSchedule: rate180 }).maxIntervalDays, 180);
    });

    test("the report's terms: minutes for the pending threshold", () => {
        assert.deepEqual(reportedThresholds(DEFAULT_THRESHOLDS), { maxIntervalDays: 90, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 });
    });
});

describe("a policy's schedule raises its secrets' defaults, never lowers them", () => {
    const raised = (schedule: Parameters<typeof defaultsForPolicySchedule>[0]) => {
        const t = defaultsForPolicySchedule(schedule);
        return [t.maxIntervalDays, t.maxDaysSinceRotation];
    };
    test("days and rate(): the interval; since rotation: the interval, its window and a day", () => {
        assert.deepEqual(raised({ kind: "expression", expression: "rate(180 days)" }), [180, 182]);
        assert.deepEqual(raised({ kind: "days", days: 120 }), [120, 122]);
        // A declared window of 4 h: 120 days + 4 h round up to 121 days, and a day.
        assert.deepEqual(raised({ kind: "days", days: 120, duration: "4h" }), [120, 122]);
        assert.deepEqual(raised({ kind: "expression", expression: "rate(100 hours)" }), [90, 90], "a policy stricter than the defaults loosens nothing");
        assert.deepEqual(raised({ kind: "days", days: 89 }), [90, 91]);
    });
    test("a cron(): its longest gap on the calendar (longestIntervalHours), as minimum mode judges it", () => {
        // The first day of January and of July: the longest gap is 184 days (July to January).
        assert.deepEqual(raised({ kind: "expression", expression: "cron(0 0 1 1,7 ? *)" }), [184, 186]);
    });
});

describe("a change of healthThresholds alone is no update", () => {
    test("changedProperties does not list it (the engine records the new inputs on a step without changes)", () => {
        const olds = { enabled: true, rotateImmediately: true, pendingPolicy: "quarantine", pendingGracePeriod: "2h", deletionPolicy: "cancel", stagingLabels: "healthy" } as unknown as Partial<RotationStateOutputs>;
        const news = { ...olds, secretId: "app/db", healthThresholds: { maxIntervalDays: 180 } } as unknown as StoredInputs;
        assert.deepEqual(changedProperties(olds, news), []);
        assert.deepEqual(changedProperties(olds, { ...news, rotateNowToken: "t1" }), ["rotateNowToken"], "another property still is");
    });
});

describe("review --all: the stack-wide thresholds its undeclared secrets are judged by", () => {
    const config = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, { value: JSON.stringify(value) }]));
    test("stackWideThresholds: the package's namespace, else the project's; a project named secret-rotation is one namespace, not a double setting", () => {
        assert.deepEqual(stackWideThresholds(config({ "secret-rotation:healthThresholds": { maxIntervalDays: 180 } }), "platform"), { maxIntervalDays: 180 });
        assert.deepEqual(stackWideThresholds(config({ "platform:healthThresholds": { maxIntervalDays: 120 } }), "platform"), { maxIntervalDays: 120 });
        assert.deepEqual(stackWideThresholds(config({ "secret-rotation:healthThresholds": { maxIntervalDays: 180 } }), "secret-rotation"), { maxIntervalDays: 180 });
        assert.equal(stackWideThresholds(config({ "secret-rotation:healthThresholds": { maxIntervalDays: 1 }, "platform:healthThresholds": { maxIntervalDays: 2 } }), "platform"), undefined, "set twice: the program refuses it");
        assert.equal(stackWideThresholds(config({ "secret-rotation:healthThresholds": { maxIntervalDays: "180" } }), "platform"), undefined, "invalid: the program refuses it");
        assert.equal(stackWideThresholds(config({}), "platform"), undefined);
    });
    test("agreedStackThresholds: stacks that judge alike agree (key order, a value equal to the default); stacks that differ give none", () => {
        const snapshot = (healthThresholds?: Record<string, number>) => ({ stack: "s", resources: [], identityPrefix: "o/p/s", ...(healthThresholds ? { healthThresholds } : {}) });
        assert.deepEqual(agreedStackThresholds([snapshot({ maxIntervalDays: 180, maxDaysSinceRotation: 200 }), snapshot({ maxDaysSinceRotation: 200, maxIntervalDays: 180 })]), {
            maxIntervalDays: 180,
            maxDaysSinceRotation: 200,
        });
        assert.deepEqual(effectiveThresholds({ declared: agreedStackThresholds([snapshot({ maxIntervalDays: 90 }), snapshot()]) }), DEFAULT_THRESHOLDS, "90 is the default: alike");
        assert.equal(agreedStackThresholds([snapshot({ maxIntervalDays: 180 }), snapshot()]), undefined);
        assert.equal(agreedStackThresholds([snapshot({ maxIntervalDays: 180 }), snapshot({ maxIntervalDays: 120 })]), undefined);
        assert.deepEqual(agreedStackThresholds([snapshot({ maxIntervalDays: 180 })]), { maxIntervalDays: 180 });
    });
});
