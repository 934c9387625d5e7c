// Unit: the health rules (health.ts), from observations and from recorded outputs, at fixed times.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { assessHealth, DEFAULT_THRESHOLDS, FindingCode, healthFactsFromObservation, healthFactsFromOutputs } from "../../providers/secretsmanager/semantics/health";
import { Observation, ObservedSecret } from "../../providers/secretsmanager/semantics/model";

const NOW = "2026-06-01T12:00:00.000Z";
const HOUR = 3_600_000;
const before = (ms: number) => new Date(Date.parse(NOW) - ms).toISOString();
const GRACE = 2 * HOUR;

function secret(overrides: Partial<ObservedSecret> = {}): Observation {
    return {
        found: true,
        secret: {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf",
            name: "app/db",
            region: "us-east-1",
            rotationEnabled: true,
            rotationLambdaArn: "arn:aws:lambda:us-east-1:123456789012:function:rotate",
            schedule: { kind: "days", days: 30 },
            lastRotatedDate: before(24 * HOUR),
            nextRotationDate: before(-29 * 24 * HOUR),
            createdDate: before(400 * 24 * HOUR),
            versions: [{ versionId: "v1", labels: ["AWSCURRENT"] }],
            observedAt: NOW,
            ...overrides,
        },
    };
}

const codes = (observation: Observation, rotationExpected = true, thresholds = DEFAULT_THRESHOLDS): FindingCode[] =>
    assessHealth(healthFactsFromObservation(observation, GRACE), { now: NOW, thresholds, rotationExpected }).map((f) => f.code);

describe("health findings", () => {
    test("a healthy secret has none", () => assert.deepEqual(codes(secret()), []));

    test("secret-missing and scheduled-for-deletion stand alone", () => {
        assert.deepEqual(codes({ found: false, secretId: "app/gone", region: "us-east-1" }), ["secret-missing"]);
        assert.deepEqual(codes(secret({ deletedDate: before(-7 * 24 * HOUR), rotationEnabled: false })), ["scheduled-for-deletion"]);
    });

    test("rotation-disabled only where rotation is expected (not for a secret declared enabled: false)", () => {
        const off = secret({ rotationEnabled: false, nextRotationDate: undefined });
        assert.deepEqual(codes(off), ["rotation-disabled"]);
        assert.deepEqual(codes(off, false), []);
    });

    test("interval-too-long: days and expressions, against the configurable maximum", () => {
        assert.deepEqual(codes(secret({ schedule: { kind: "days", days: 91 } })), ["interval-too-long"]);
        assert.deepEqual(codes(secret({ schedule: { kind: "days", days: 90 } })), []);
        assert.deepEqual(codes(secret({ schedule: { kind: "expression", expression: "rate(100 days)" } })), ["interval-too-long"]);
        assert.deepEqual(codes(secret({ schedule: { kind: "days", days: 30 } }), true, { ...DEFAULT_THRESHOLDS, maxIntervalDays: 29 }), ["interval-too-long"]);
    });

    test("not-rotated-recently: from LastRotatedDate, else from CreatedDate; not when rotation is declared off", () => {
        const stale = secret({ lastRotatedDate: before(91 * 24 * HOUR) });
        assert.deepEqual(codes(stale), ["not-rotated-recently"]);
        assert.deepEqual(codes(stale, true, { ...DEFAULT_THRESHOLDS, maxDaysSinceRotation: 100 }), []);
        assert.deepEqual(codes(secret({ lastRotatedDate: undefined })), ["not-rotated-recently"], "never rotated, created 400 days ago");
        assert.deepEqual(codes(secret({ lastRotatedDate: undefined, createdDate: before(HOUR) })), []);
        assert.deepEqual(codes(secret({ rotationEnabled: false, nextRotationDate: undefined, lastRotatedDate: before(200 * 24 * HOUR) }), false), []);
    });

    test("missed-scheduled-rotation: NextRotationDate past its window (Duration, else 24 h)", () => {
        assert.deepEqual(codes(secret({ nextRotationDate: before(23 * HOUR) })), [], "still within the 24 h window");
        assert.deepEqual(codes(secret({ nextRotationDate: before(25 * HOUR) })), ["missed-scheduled-rotation"]);
        const withWindow = { kind: "expression" as const, expression: "rate(10 days)", duration: "2h" };
        assert.deepEqual(codes(secret({ schedule: withWindow, nextRotationDate: before(3 * HOUR) })), ["missed-scheduled-rotation"]);
        assert.deepEqual(codes(secret({ rotationEnabled: false, nextRotationDate: before(25 * HOUR) }), false), [], "no schedule to miss when off");
    });

    test("label-budget: 16 or more of AWS's 20 labels per secret, counting ours and others'", () => {
        const labelled = (n: number) => [
            { versionId: "v1", labels: ["AWSCURRENT"] },
            ...Array.from({ length: n - 1 }, (_, i) => ({ versionId: `q${i}`, labels: [i % 2 === 0 ? `QUARANTINED-20260501T0000Z-q${i}` : `release-${i}`] })),
        ];
        assert.deepEqual(codes(secret({ versions: labelled(15) })), []);
        assert.deepEqual(codes(secret({ versions: labelled(16) })), ["label-budget"]);
        const [finding] = assessHealth(healthFactsFromObservation(secret({ versions: labelled(17) }), GRACE), { now: NOW, thresholds: DEFAULT_THRESHOLDS, rotationExpected: true });
        assert.match(finding!.message, /app\/db carries 17 of the 20 staging labels AWS allows per secret \(8 kept by this provider, 9 others\)/);
    });

    test("pending-stranded past the grace period; pending-long-running before it, after the threshold", () => {
        const withPending = (ageMs: number) =>
            secret({ versions: [{ versionId: "v1", labels: ["AWSCURRENT"] }, { versionId: "v2", labels: ["AWSPENDING"], createdDate: before(ageMs) }] });
        assert.deepEqual(codes(withPending(3 * HOUR)), ["pending-stranded"]);
        assert.deepEqual(codes(withPending(1.5 * HOUR)), ["pending-long-running"]);
        assert.deepEqual(codes(withPending(10 * 60_000)), []);
        assert.deepEqual(codes(secret({ versions: [{ versionId: "v1", labels: ["AWSCURRENT", "AWSPENDING"] }] })), [], "pending with current is healthy");
        const stranded = withPending(3 * HOUR) as { found: true; secret: ObservedSecret };
        assert.deepEqual(codes({ found: true, secret: { ...stranded.secret, owningService: "rds" } }), [], "the labels of a managed secret are its owner's");
    });

    test("messages name the secret, the fact and the threshold", () => {
        const [finding] = assessHealth(healthFactsFromObservation(secret({ schedule: { kind: "days", days: 120 } }), GRACE), {
            now: NOW,
            thresholds: DEFAULT_THRESHOLDS,
            rotationExpected: true,
        });
        assert.equal(finding?.message, "app/db rotates every 120 days, less often than every 90 days");
    });

    test("from recorded outputs: the provider's stagingLabels verdict decides stranded vs in progress", () => {
        const outputs = { name: "app/db", rotationEnabled: true, pendingVersionId: "v2", pendingCreatedDate: before(3 * HOUR) };
        const judge = (stagingLabels: string) =>
            assessHealth(healthFactsFromOutputs({ ...outputs, stagingLabels }, NOW), { now: NOW, thresholds: DEFAULT_THRESHOLDS, rotationExpected: true }).map((f) => f.code);
        assert.deepEqual(judge("AWSPENDING stranded on version v2"), ["pending-stranded"]);
        assert.deepEqual(judge("healthy"), ["pending-long-running"]);
    });
});
