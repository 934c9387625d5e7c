// Fixtures shared by the unit tests of the plan: a declaration with every default applied.
import { DesiredState, Observation, ObservedSecret } from "../../providers/secretsmanager/semantics/model";

export const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";
export const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate";
export const HOUR = 3_600_000;

/** The desired state of `app/db`: rotation on every 30 days through LAMBDA, every other input at its default. */
export function desiredState(overrides: Partial<DesiredState> = {}): DesiredState {
    return {
        secretId: "app/db",
        enabled: true,
        rotationLambdaArn: LAMBDA,
        schedule: { kind: "days", days: 30 },
        rotateImmediately: true,
        pendingPolicy: "quarantine",
        pendingGracePeriodMs: 2 * HOUR,
        deletionPolicy: "cancel",
        quarantineRetentionMs: 30 * 24 * HOUR,
        quarantineLabelLimit: 10,
        ...overrides,
    };
}

/** `app/db` as observed at `2026-11-23T12:00:00Z`: rotation on every 30 days through LAMBDA, one version (AWSCURRENT). */
export function observedSecret(overrides: Partial<ObservedSecret> = {}): ObservedSecret {
    return {
        arn: ARN,
        name: "app/db",
        region: "us-east-1",
        rotationEnabled: true,
        rotationLambdaArn: LAMBDA,
        schedule: { kind: "days", days: 30 },
        versions: [{ versionId: "v1", labels: ["AWSCURRENT"] }],
        observedAt: "2026-11-23T12:00:00.000Z",
        ...overrides,
    };
}

export const found = (secret: ObservedSecret): Observation => ({ found: true, secret });
