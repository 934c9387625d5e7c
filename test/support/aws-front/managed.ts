// Secrets another service manages (DescribeSecret OwningService: RDS, Aurora, Redshift,
// DocumentDB...), which rotate by managed rotation, without a Lambda: what RotateSecret and
// CancelRotateSecret do to them (managed-configure-guessed, managed-rotate-now-guessed,
// cancel-managed-secret). moto knows OwningService only as a tag it shows: it rotates such a
// secret as any other, and refuses to cancel it (no Lambda ARN). docs/managed-secrets.md lists the
// references.
import { randomBytes, randomUUID } from "node:crypto";

import { awsError, ok } from "./helpers";
import { rotationShadowOnRotate } from "./schedules";
import { dropTestRuns, scheduleTestRun } from "./test-runs";
import { Call, FrontContext, Json, Reply } from "./types";

/** A managed secret's RotateSecret without a function, answered here (moto would move AWSCURRENT to a new version); undefined otherwise. */
export async function managedRotate(front: FrontContext, call: Call, secret: Json, lambdaArn: string | undefined, requestedRules: Json | undefined): Promise<Reply | undefined> {
    if (typeof secret.OwningService !== "string" || lambdaArn !== undefined) return undefined;
    const arn = String(secret.ARN);
    if (call.payload.RotateImmediately === false) {
        // Rule managed-configure-guessed. Secrets Manager User Guide, "Managed rotation": the
        // schedule of a managed secret is changed with RotateSecret carrying only the rules
        // ("To change the schedule for managed rotation"); Terraform's aws_secretsmanager_secret_rotation
        // does exactly that (PR #34180, acceptance tests against AWS). AWS API Reference,
        // RotateSecret (RotateImmediately): "If you don't immediately rotate the secret, Secrets
        // Manager tests the rotation configuration by running the testSecret step of the Lambda
        // rotation function." A managed secret has no function, so no test version: A GUESS (no
        // reference says what happens to the versions): the configuration changes and no version
        // does. moto instead creates a version and moves AWSCURRENT to it (the old one keeps only
        // AWSPREVIOUS). The response's VersionId is left out (also a guess: there is no new version).
        if (!front.on("managed-configure-guessed", call)) return undefined;
        rotationShadowOnRotate(front, call, arn, secret, requestedRules);
        return ok({ ARN: arn, Name: secret.Name }, false);
    }
    // Rule managed-rotate-now-guessed. Secrets Manager User Guide, "Managed rotation": "Rotation for
    // managed secrets typically completes within one minute." AWS API Reference, RotateSecret:
    // "Configures and starts the asynchronous process of rotating the secret." The owning service
    // rotates as a Lambda rotation does (User Guide, "How rotation works": AWSPENDING on the new
    // version while in progress; at the end AWSCURRENT on it, AWSPREVIOUS on the old one). So the
    // front answers at once with the new version's id, the version labelled AWSPENDING and
    // AWSCURRENT not moved (DescribeSecret shows the rotation in progress), and finishes the
    // rotation after the response, with the delay of rule rotate-not-immediately's test runs
    // (delayTestRuns; settled() and finishTestRuns() for the harness; a call on the secret after
    // it is due sees it over). A GUESS in its details: the new version holds its value (the
    // service's new password, of the front's making) from the start, as after a rotation's
    // createSecret step (moto can make a version without a value only by moving AWSCURRENT to it);
    // and how long the service takes is the front's delay, not up to a minute. moto instead moves
    // AWSCURRENT to a version without a value at once.
    if (!front.on("managed-rotate-now-guessed", call)) return undefined;
    const versionId = typeof call.payload.ClientRequestToken === "string" ? call.payload.ClientRequestToken : randomUUID();
    const written = await front.smInMoto(call, "PutSecretValue", {
        SecretId: arn,
        ClientRequestToken: versionId,
        SecretString: JSON.stringify({ password: randomBytes(18).toString("base64url") }),
        VersionStages: ["AWSPENDING"],
    });
    // moto refused its own write (it should not: the secret exists and is not deleted): say so as AWS says an internal failure.
    if (written.status !== 200) return awsError(500, "InternalServiceError", `the front could not write the managed rotation's version (moto answered ${written.status})`);
    call.afterResponse.push(() => scheduleTestRun(front, call, arn, versionId, "managed-rotation"));
    rotationShadowOnRotate(front, call, arn, secret, requestedRules);
    return ok({ ARN: arn, Name: secret.Name, VersionId: versionId }, false);
}

/** A managed secret's CancelRotateSecret, answered here (moto refuses a secret without a Lambda ARN); undefined otherwise. */
export function cancelManagedSecret(front: FrontContext, call: Call, secret: Json): Reply | undefined {
    // Rule cancel-managed-secret. Terraform's provider, PR #49659 ("support disabling rotation",
    // merged 2026-08, acceptance tests against AWS): `rotation_enabled = false` "cancels rotation
    // on the secret" for "secrets whose rotation is otherwise managed by AWS, such as RDS master
    // user password secrets created with manage_master_user_password", with CancelRotateSecret.
    // AWS API Reference, CancelRotateSecret: "Turns off automatic rotation, and if a rotation is
    // currently in progress, cancels the rotation." moto refuses it (InvalidRequestException: no
    // Lambda function ARN). The response carries ARN and Name (VersionId by rule cancel-version-id,
    // rotation disabled by rule rotation-shadow, both after). A managed rotation in progress (rule
    // managed-rotate-now-guessed) is cancelled: it does not complete, and its version keeps
    // AWSPENDING (CancelRotateSecret, VersionId: "you might need to remove the staging label
    // AWSPENDING from the partially created version").
    if (typeof secret.OwningService !== "string" || !front.on("cancel-managed-secret", call)) return undefined;
    dropTestRuns(front, { work: "managed-rotation", arn: String(secret.ARN) });
    return ok({ ARN: secret.ARN, Name: secret.Name }, false);
}
