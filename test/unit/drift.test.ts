// Unit: which out-of-band changes count as drift (the review's drift section and diff agree on it).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ObservedSecret } from "../../providers/secretsmanager/semantics/model";
import { driftBetween, ObservedProperties, outputsFrom, RotationStateOutputs } from "../../providers/secretsmanager/semantics/state";

const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate";
const OTHER_LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:other";

const recorded: Partial<RotationStateOutputs> = {
    enabled: true,
    rotationLambdaArn: LAMBDA,
    schedule: { automaticallyAfterDays: 30 },
    stagingLabels: "healthy",
};
const live = (changes: Partial<ObservedProperties> = {}): ObservedProperties => ({
    enabled: true,
    rotationLambdaArn: LAMBDA,
    schedule: { automaticallyAfterDays: 30 },
    stagingLabels: "healthy",
    ...changes,
});
const fullyDeclared = { enabled: true, rotationLambdaArn: LAMBDA, schedule: { automaticallyAfterDays: 30 } };

describe("drift between the recorded and the live observation", () => {
    test("every declared property that changed is drift", () => {
        const changed = live({ enabled: false, rotationLambdaArn: OTHER_LAMBDA, schedule: { automaticallyAfterDays: 7 }, stagingLabels: "AWSPENDING stranded on version v2" });
        assert.deepEqual(driftBetween(recorded, changed, fullyDeclared), ["enabled", "rotationLambdaArn", "schedule", "stagingLabels"]);
    });

    test("nothing changed: no drift", () => {
        assert.deepEqual(driftBetween(recorded, live(), fullyDeclared), []);
    });

    test("a Lambda or schedule the declaration leaves open may change: not drift", () => {
        const changed = live({ rotationLambdaArn: OTHER_LAMBDA, schedule: { scheduleExpression: "rate(4 hours)" } });
        assert.deepEqual(driftBetween(recorded, changed, { enabled: true }), []);
    });

    test("with rotation declared off, only enabled and the labels are drift", () => {
        const changed = live({ enabled: true, rotationLambdaArn: OTHER_LAMBDA, schedule: { automaticallyAfterDays: 7 } });
        assert.deepEqual(driftBetween({ ...recorded, enabled: false }, changed, { ...fullyDeclared, enabled: false }), ["enabled"]);
    });

    test("a schedule written another way with the same meaning is not drift", () => {
        const respelled = live({ schedule: { scheduleExpression: "rate(30 days)" } });
        assert.deepEqual(driftBetween(recorded, respelled, fullyDeclared), []);
    });
});

describe("the stagingLabels output", () => {
    // AWSPENDING on v2, three hours old: stranded for the default grace period of 2 h.
    const stranded = (owningService?: string): ObservedSecret => ({
        arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf",
        name: "rds!db-1",
        region: "us-east-1",
        rotationEnabled: true,
        ...(owningService ? { owningService } : {}),
        versions: [
            { versionId: "v1", labels: ["AWSCURRENT"] },
            { versionId: "v2", labels: ["AWSPENDING"], createdDate: "2026-01-01T09:00:00.000Z" },
        ],
        observedAt: "2026-01-01T12:00:00.000Z",
    });
    const outputs = (secret: ObservedSecret) => outputsFrom(secret, { secretId: secret.arn }, ["DescribeSecret"], { enabled: true });

    test("a stranded AWSPENDING of a secret this reconciler cleans up is named", () => {
        assert.equal(outputs(stranded()).stagingLabels, "AWSPENDING stranded on version v2 (created 2026-01-01T09:00:00.000Z)");
    });

    test("a secret managed by another service reads healthy (its labels are left to it), the pending version still shows", () => {
        const out = outputs(stranded("rds"));
        assert.equal(out.stagingLabels, "healthy", "not drift: nothing here will clean it");
        assert.equal(out.pendingVersionId, "v2");
        assert.equal(out.owningService, "rds");
    });
});
