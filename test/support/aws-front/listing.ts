// The reads (DescribeSecret, ListSecrets, ListSecretVersionIds) as AWS answers them: rules
// list-missing-secret, list-arn, version-dates, hide-deprecated and version-kms-keys-guessed, a
// test's secret dates; and GetSecretValue's default version (value-default-current).
import { awsError, epochSeconds, isObject, isSuccess, noteVersion } from "./helpers";
import { rotationShadowOnRead } from "./schedules";
import { Call, FrontContext, Json, Reply } from "./types";

export async function describeSecret(front: FrontContext, call: Call): Promise<Reply> {
    const reply = await front.forward(call);
    if (isSuccess(reply) && reply.json) rewriteSecretEntry(front, reply.json, call, "VersionIdsToStages");
    return reply;
}

export async function listSecrets(front: FrontContext, call: Call): Promise<Reply> {
    const reply = await front.forward(call);
    if (isSuccess(reply) && reply.json && Array.isArray(reply.json.SecretList)) {
        for (const entry of reply.json.SecretList) {
            if (isObject(entry)) rewriteSecretEntry(front, entry, call, "SecretVersionsToStages");
        }
    }
    return reply;
}

/** DescribeSecret / ListSecrets entry: rotation configuration from the shadow, labelled versions only (also lagging-listing.ts). */
export function rewriteSecretEntry(front: FrontContext, entry: Json, call: Call, versionsKey: "VersionIdsToStages" | "SecretVersionsToStages"): void {
    // Rule rotation-shadow (read part): see schedules.ts.
    rotationShadowOnRead(front, entry, call);

    // A test's elapsed time (setSecretDates), applied last so it wins over moto and the shadow.
    const dates = typeof entry.ARN === "string" ? front.secretDates.get(entry.ARN) : undefined;
    if (dates?.createdDate) entry.CreatedDate = epochSeconds(dates.createdDate);
    if (dates?.lastRotatedDate) entry.LastRotatedDate = epochSeconds(dates.lastRotatedDate);
    if (dates?.nextRotationDate && entry.NextRotationDate != null) entry.NextRotationDate = epochSeconds(dates.nextRotationDate);

    const versions = entry[versionsKey];
    if (!isObject(versions)) return;
    for (const id of Object.keys(versions)) noteVersion(front.versionDates, id);
    // Rule hide-deprecated (DescribeSecret part). AWS API Reference, DescribeSecret
    // (VersionIdsToStages): "A list of the versions of the secret that have staging labels
    // attached. Versions that don't have staging labels are considered deprecated". moto lists
    // every version, with [] for unlabelled ones.
    for (const [id, labels] of Object.entries(versions)) {
        if (Array.isArray(labels) && labels.length === 0 && front.on("hide-deprecated", call)) delete versions[id];
    }
}

export async function listSecretVersionIds(front: FrontContext, call: Call): Promise<Reply> {
    const reply = await front.forward(call);

    // Rule list-missing-secret. AWS API Reference (CancelRotateSecret and the other operations'
    // error lists): "ResourceNotFoundException: We can't find the resource that you asked for.
    // HTTP Status Code: 400". moto's ListSecretVersionIds looks the secret up without a check and
    // answers an HTML 500 page (a Python KeyError) for a missing one.
    if (reply.pageError && front.enabled("list-missing-secret")) {
        const missing = (await front.smInMoto(call, "DescribeSecret", { SecretId: call.payload.SecretId })).status === 404;
        if (missing && front.on("list-missing-secret", call)) {
            return awsError(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
        }
    }
    if (!isSuccess(reply) || !reply.json) return reply;
    const listing = reply.json;

    // Rule list-arn. AWS API Reference, ListSecretVersionIds (response ARN): "The ARN of the
    // secret." moto puts the identifier it was given there (often the name).
    if (typeof listing.ARN === "string" && !listing.ARN.startsWith("arn:") && front.enabled("list-arn")) {
        const secret = await front.describeInMoto(call, call.payload.SecretId);
        if (secret && typeof secret.ARN === "string" && front.on("list-arn", call)) listing.ARN = secret.ARN;
    }

    if (!Array.isArray(listing.Versions)) return reply;
    let versions = listing.Versions.filter(isObject);
    for (const version of versions) {
        if (typeof version.VersionId !== "string") continue;
        // Rule version-dates. AWS API Reference, ListSecretVersionIds (SecretVersionsListEntry
        // CreatedDate): "The date and time this version of the secret was created." moto reports
        // the time of the call for every version; the front reports when it first saw the version
        // (or the date a test set), so pending versions have an age.
        const first = noteVersion(front.versionDates, version.VersionId);
        if (front.on("version-dates", call)) version.CreatedDate = epochSeconds(first);
    }
    // Rule version-kms-keys-guessed. AWS API Reference, SecretVersionsListEntry (KmsKeyIds): "The
    // KMS keys used to encrypt the secret version." moto leaves the field out. Real accounts report
    // "DefaultEncryptionKey" for a version under the AWS managed key (mondoohq/mql PR #8927, seen on
    // a live account). The guess: what AWS reports for a version WITHOUT a value (the empty
    // AWSPENDING version a failed rotation can leave; RotateSecret reference) is documented nowhere,
    // so the front reports the same as for a version with a value — the case where the field tells
    // nothing, which a client must survive (docs/promote-and-empty-versions.md).
    if (versions.some((v) => v.KmsKeyIds === undefined) && front.enabled("version-kms-keys-guessed")) {
        const secret = await front.describeInMoto(call, call.payload.SecretId);
        const key = secret && typeof secret.KmsKeyId === "string" ? secret.KmsKeyId : "DefaultEncryptionKey";
        if (front.on("version-kms-keys-guessed", call)) {
            for (const version of versions) if (version.KmsKeyIds === undefined) version.KmsKeyIds = [key];
        }
    }
    // Rule hide-deprecated (ListSecretVersionIds part). AWS API Reference, ListSecretVersionIds
    // (IncludeDeprecated): "Specifies whether to include versions of secrets that don't have any
    // staging labels attached to them. Versions without staging labels are considered deprecated
    // ... By default, versions without staging labels aren't included." moto ignores the flag.
    if (call.payload.IncludeDeprecated !== true && front.enabled("hide-deprecated")) {
        const labelled = versions.filter((v) => !Array.isArray(v.VersionStages) || v.VersionStages.length > 0);
        if (labelled.length !== versions.length && front.on("hide-deprecated", call)) versions = labelled;
    }
    listing.Versions = versions;
    return reply;
}

export async function getSecretValue(front: FrontContext, call: Call): Promise<Reply> {
    // Rule value-default-current. AWS API Reference, GetSecretValue (VersionStage): "If you don't
    // specify either a VersionStage or VersionId, Secrets Manager returns the AWSCURRENT version."
    // moto returns its internal default version instead, which its RotateSecret moves to the new,
    // still empty AWSPENDING version: a plain read during (or after a failed) rotation fails there.
    const { VersionId: versionId, VersionStage: versionStage } = call.payload;
    if (versionId === undefined && versionStage === undefined && front.on("value-default-current", call)) {
        return front.forward(call, { ...call.payload, VersionStage: "AWSCURRENT" });
    }
    return front.forward(call);
}

/** Records the version a call answered (rule version-dates' first sighting). */
export function noteResponseVersion(front: FrontContext, operation: string, json: Json): void {
    if (["CreateSecret", "PutSecretValue", "UpdateSecret", "RotateSecret", "GetSecretValue"].includes(operation) && typeof json.VersionId === "string") {
        noteVersion(front.versionDates, json.VersionId);
    }
}
