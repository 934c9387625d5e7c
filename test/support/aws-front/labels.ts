// Staging labels: rules label-moves (a label sits on one version) and label-quota (at most 20 labels
// on a secret), on UpdateSecretVersionStage and PutSecretValue.
import { awsError, noteVersion, versionStages, versionWith } from "./helpers";
import { Call, FrontContext, Reply } from "./types";

// ---- UpdateSecretVersionStage ----

export async function updateSecretVersionStage(front: FrontContext, call: Call): Promise<Reply> {
    const { VersionStage: stage, MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = call.payload;
    if (typeof moveTo === "string") noteVersion(front.versionDates, moveTo);
    if (typeof removeFrom === "string") noteVersion(front.versionDates, removeFrom);

    // Rule label-moves. AWS API Reference, UpdateSecretVersionStage (RemoveFromVersionId): "If the
    // staging label is already attached to a different version of the secret, then you must also
    // specify this parameter" (a label sits on at most one version). moto enforces it for
    // AWSCURRENT only, so AWSPENDING could end up on two versions.
    if (typeof stage === "string" && stage !== "AWSCURRENT" && typeof moveTo === "string" && front.enabled("label-moves")) {
        const secret = await front.describeInMoto(call, call.payload.SecretId);
        const holder = secret ? versionWith(versionStages(secret), stage) : undefined;
        if (holder !== undefined && holder !== moveTo && holder !== removeFrom && front.on("label-moves", call)) {
            return awsError(
                400,
                "InvalidParameterException",
                `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
            );
        }
    }
    // Rule label-quota (UpdateSecretVersionStage part): see labelQuotaRefusal.
    if (typeof stage === "string") {
        const refused = await labelQuotaRefusal(front, call, (stages) => {
            if (typeof removeFrom === "string" && stages.has(removeFrom)) stages.set(removeFrom, stages.get(removeFrom)!.filter((l) => l !== stage));
            if (typeof moveTo === "string") attachLabel(stages, moveTo, stage);
        });
        if (refused) return refused;
    }
    return front.forward(call);
}

// ---- PutSecretValue ----

export async function putSecretValue(front: FrontContext, call: Call): Promise<Reply> {
    // Rule label-quota (PutSecretValue part): a new version's labels (AWSCURRENT when none are
    // given) are attached to it, and taken off the versions that had them.
    const { ClientRequestToken: token, VersionStages: given } = call.payload;
    const labels = Array.isArray(given) ? given.map(String) : ["AWSCURRENT"];
    const versionId = typeof token === "string" ? token : "(new version)";
    const refused = await labelQuotaRefusal(front, call, (stages) => {
        for (const label of labels) attachLabel(stages, versionId, label);
    });
    return refused ?? front.forward(call);
}

/**
 * Rule label-quota. AWS Secrets Manager user guide, "Secrets Manager quotas": "Staging labels
 * attached across all versions of a secret: 20" (not adjustable); UpdateSecretVersionStage and
 * PutSecretValue list "LimitExceededException: The request failed because it would exceed one
 * of the Secrets Manager quotas. HTTP Status Code: 400". moto has no such limit. A call that
 * would leave the secret with more than 20 labels in all, and more than it has, is refused
 * and changes nothing; one that moves or removes labels is not.
 */
async function labelQuotaRefusal(front: FrontContext, call: Call, change: (stages: Map<string, string[]>) => void): Promise<Reply | undefined> {
    if (!front.enabled("label-quota")) return undefined;
    const secret = await front.describeInMoto(call, call.payload.SecretId);
    if (!secret) return undefined;
    const stages = versionStages(secret);
    const before = countLabels(stages);
    change(stages);
    const after = countLabels(stages);
    if (after <= LABEL_QUOTA || after <= before || !front.on("label-quota", call)) return undefined;
    return awsError(400, "LimitExceededException", "The request failed because it would exceed one of the Secrets Manager quotas.");
}

/** Staging labels attached across all versions of a secret (Secrets Manager quotas page). */
const LABEL_QUOTA = 20;

function countLabels(stages: Map<string, string[]>): number {
    let n = 0;
    for (const labels of stages.values()) n += labels.length;
    return n;
}

/**
 * A label attached to a version, as Secrets Manager does it: taken off whichever version had it (a
 * label sits on one version), and AWSCURRENT leaves AWSPREVIOUS on the version it left.
 */
function attachLabel(stages: Map<string, string[]>, versionId: string, label: string): void {
    const from = versionWith(stages, label);
    if (from === versionId) return;
    if (from !== undefined) stages.set(from, stages.get(from)!.filter((l) => l !== label));
    stages.set(versionId, [...(stages.get(versionId) ?? []), label]);
    if (label === "AWSCURRENT" && from !== undefined) attachLabel(stages, from, "AWSPREVIOUS");
}
