// Test code that plays a rotation Lambda's four steps with real Secrets Manager calls, so each
// outcome (success, or failure at any step) leaves exactly the labels and values AWS would.
// moto's own Lambda runs nothing without Docker; RotateSecret there only creates the pending
// version, as AWS does before invoking createSecret.
import { GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";

import { labelsOf, secretsManager } from "./seed";

export const ROTATION_STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The version carrying a label, from ListSecretVersionIds. */
export async function versionWith(secretId: string, label: string): Promise<string | undefined> {
    const labels = await labelsOf(secretId);
    return Object.entries(labels).find(([, stages]) => stages.includes(label))?.[0];
}

/**
 * Runs the rotation that RotateSecret started (the version carrying AWSPENDING) up to, and not
 * including, `failAt`; without `failAt` it completes (AWSCURRENT moves to the new version).
 */
export async function playRotation(secretId: string, newValue: string, failAt?: RotationStep): Promise<{ pendingVersionId: string }> {
    const pendingVersionId = await versionWith(secretId, "AWSPENDING");
    const currentVersionId = await versionWith(secretId, "AWSCURRENT");
    if (!pendingVersionId || !currentVersionId) throw new Error(`no rotation to play on ${secretId}: ${JSON.stringify(await labelsOf(secretId))}`);
    const sm = secretsManager();
    for (const step of ROTATION_STEPS) {
        if (step === failAt) break;
        if (step === "createSecret") {
            // The template's createSecret: the new value as the AWSPENDING version (token = version id).
            await sm.send(
                new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: pendingVersionId, SecretString: newValue, VersionStages: ["AWSPENDING"] }),
            );
        } else if (step === "finishSecret") {
            await sm.send(
                new UpdateSecretVersionStageCommand({
                    SecretId: secretId,
                    VersionStage: "AWSCURRENT",
                    MoveToVersionId: pendingVersionId,
                    RemoveFromVersionId: currentVersionId,
                }),
            );
            await sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSPENDING", RemoveFromVersionId: pendingVersionId }));
        }
        // setSecret and testSecret act on the database/service, not on Secrets Manager.
    }
    return { pendingVersionId };
}

/** A version's value, read by the test (the provider itself never reads one). */
export async function valueOf(secretId: string, selector: { versionId?: string; stage?: string }): Promise<string | undefined> {
    const out = await secretsManager().send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: selector.versionId, VersionStage: selector.stage }),
    );
    return out.SecretString;
}
