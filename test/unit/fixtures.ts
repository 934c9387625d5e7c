// Fixtures shared by the unit tests of the plan: a declaration with every default applied.
import { DesiredState } from "../../providers/secretsmanager/model";

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
