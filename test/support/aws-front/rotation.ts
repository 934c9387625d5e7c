// RotateSecret and CancelRotateSecret, their rules in the order AWS applies them (the schedule and
// Lambda rules they call live in schedules.ts and lambda.ts, the test run in test-runs.ts).
import { awsError, isObject, isSuccess, nonEmptyString, noteVersion, ok, versionStages, versionWith } from "./helpers";
import { invokePermission, keepLambdaArn, lambdaExistsGuessedError, requireLambdaArn } from "./lambda";
import { cancelManagedSecret, managedRotate } from "./managed";
import { exclusiveSchedule, rotationShadowOnCancel, rotationShadowOnRotate, scheduleRulesGuessedMessage } from "./schedules";
import { scheduleTestRun } from "./test-runs";
import { Call, FrontContext, Json, Reply } from "./types";

// ---- RotateSecret ----

export async function rotateSecret(front: FrontContext, call: Call): Promise<Reply> {
    const request = call.payload;
    const requestedRules = isObject(request.RotationRules) ? request.RotationRules : undefined;

    // Rules exclusive-schedule and schedule-rules-guessed-message: see schedules.ts.
    const scheduleRefused = exclusiveSchedule(front, call, requestedRules) ?? scheduleRulesGuessedMessage(front, call, requestedRules);
    if (scheduleRefused) return scheduleRefused;

    const secret = await front.describeInMoto(call, request.SecretId);
    // Missing, deleted or replica secrets: moto's own answer is right (its 404 is made a 400).
    if (!secret || secret.DeletedDate || secret.PrimaryRegion) return front.forward(call);
    const arn = String(secret.ARN);
    const stages = versionStages(secret);
    const current = versionWith(stages, "AWSCURRENT");
    const pending = versionWith(stages, "AWSPENDING");
    const token = typeof request.ClientRequestToken === "string" ? request.ClientRequestToken : undefined;

    // Rule idempotent-rotate. AWS API Reference, RotateSecret (ClientRequestToken): "You only need
    // to specify this value if you implement your own retry logic and you want to ensure that
    // Secrets Manager doesn't attempt to create a secret version twice." A retry whose token is
    // already a version of the secret is the same request again: AWS answers it without a second
    // rotation. moto instead re-creates that version, dropping its value and labels (even
    // AWSCURRENT after a finished rotation). The SDK fills ClientRequestToken in and reuses it on
    // its own retries, so a response lost after moto applied the call comes back here.
    if (token !== undefined && stages.has(token) && front.on("idempotent-rotate", call)) {
        return ok({ ARN: arn, Name: secret.Name, VersionId: token }, false);
    }

    // Rule stranded-rotation. AWS API Reference, RotateSecret: "If the AWSPENDING staging label is
    // present but not attached to the same version as AWSCURRENT, then any later invocation of
    // RotateSecret assumes that a previous rotation request is still in progress and returns an
    // error." (also CancelRotateSecret: "If the staging label AWSPENDING is attached to a different
    // version than the version with AWSCURRENT then the attempt to rotate fails."). The message is
    // the one the user guide's "Troubleshoot rotation" quotes. moto strips the label and rotates.
    if (pending !== undefined && pending !== current && front.on("stranded-rotation", call)) {
        return awsError(400, "InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.");
    }

    const forwarded: Json = { ...request };
    const storedLambda = nonEmptyString(secret.RotationLambdaARN);
    let lambdaArn = nonEmptyString(request.RotationLambdaARN);

    // Rules keep-lambda-arn, require-lambda-arn, lambda-exists-guessed-error and invoke-permission
    // (with IAM enforced): see lambda.ts. Each refusal comes before anything changes.
    lambdaArn = keepLambdaArn(front, call, lambdaArn, storedLambda, forwarded);
    const lambdaRefused =
        requireLambdaArn(front, call, lambdaArn, secret) ??
        (await lambdaExistsGuessedError(front, call, lambdaArn)) ??
        (await invokePermission(front, call, lambdaArn));
    if (lambdaRefused) return lambdaRefused;

    // Rules managed-configure-guessed and managed-rotate-now-guessed: see managed.ts.
    const managed = await managedRotate(front, call, secret, lambdaArn, requestedRules);
    if (managed) return managed;

    // Rule pending-on-current. AWS API Reference, CancelRotateSecret: "To successfully start a
    // rotation, the staging label AWSPENDING must be in one of the following states: Not be
    // attached to any version at all; Attached to the same version as the staging label
    // AWSCURRENT". moto rejects the second state ("Previous rotation request is still in
    // progress"); removing the label first gives moto the first state, which is where AWS ends.
    // It is the front's last step before the call reaches moto (every rule that may refuse has
    // run), and it is undone when moto refuses the call after all: a failed RotateSecret
    // changes nothing on AWS, so it must change nothing here.
    const movedPendingOff = pending !== undefined && pending === current && front.on("pending-on-current", call) ? pending : undefined;
    if (movedPendingOff !== undefined) {
        await front.smInMoto(call, "UpdateSecretVersionStage", { SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: movedPendingOff });
    }

    const reply = await front.forward(call, forwarded);
    if (!isSuccess(reply)) {
        if (movedPendingOff !== undefined) await putPendingBack(front, call, arn, movedPendingOff);
        return reply;
    }

    // Rule rotate-not-immediately. AWS API Reference, RotateSecret (RotateImmediately): "if you
    // don't immediately rotate the secret, Secrets Manager tests the rotation configuration by
    // running the testSecret step of the Lambda rotation function. The test creates an AWSPENDING
    // version of the secret and then removes it." and RotateSecret: "Configures and starts the
    // asynchronous process of rotating the secret." The run therefore ends after the response:
    // a DescribeSecret right after RotateSecret may see the AWSPENDING version, and a change
    // the caller makes meanwhile meets a rotation in progress. The front removes the label
    // testRunDelayMs after the response (delayTestRuns; settled() and finishTestRuns() for the
    // harness). moto leaves that version labelled AWSPENDING for good, which looks like a
    // stranded rotation to every later call.
    if (request.RotateImmediately === false && front.enabled("rotate-not-immediately")) {
        const after = await front.describeInMoto(call, arn);
        const afterStages = after ? versionStages(after) : new Map<string, string[]>();
        const left = versionWith(afterStages, "AWSPENDING");
        if (left !== undefined && left !== versionWith(afterStages, "AWSCURRENT") && front.on("rotate-not-immediately", call)) {
            noteVersion(front.versionDates, left);
            call.afterResponse.push(() => scheduleTestRun(front, call, arn, left));
        }
    }

    // Rule rotation-shadow (RotateSecret part): see schedules.ts.
    rotationShadowOnRotate(front, call, arn, secret, requestedRules);
    return reply;
}

/**
 * Undoes rule pending-on-current after moto refused the call: AWSPENDING back on the version
 * it was on, unless moto itself labelled another version meanwhile (then moto changed state on
 * its own, which rule lambda-exists-guessed-error otherwise prevents).
 */
async function putPendingBack(front: FrontContext, call: Call, arn: string, versionId: string): Promise<void> {
    const secret = await front.describeInMoto(call, arn);
    if (secret && versionWith(versionStages(secret), "AWSPENDING") === undefined) {
        await front.smInMoto(call, "UpdateSecretVersionStage", { SecretId: arn, VersionStage: "AWSPENDING", MoveToVersionId: versionId });
    }
}

// ---- CancelRotateSecret ----

export async function cancelRotateSecret(front: FrontContext, call: Call): Promise<Reply> {
    const secret = await front.describeInMoto(call, call.payload.SecretId);
    if (!secret || secret.DeletedDate || secret.PrimaryRegion) return front.forward(call);
    const arn = String(secret.ARN);
    const pending = versionWith(versionStages(secret), "AWSPENDING");

    let reply: Reply;
    // Rule cancel-without-lambda-guess. A GUESS: what AWS answers for CancelRotateSecret on a
    // secret with no Lambda ARN is documented nowhere we have looked. moto fails with
    // InvalidRequestException, quoting the CancelRotateSecret error list's possible cause ("You
    // tried to enable rotation on a secret that doesn't already have a Lambda function ARN
    // configured ..."); that list is shared by the rotation operations and its cause speaks of
    // enabling, which cancelling never does. We guess success with rotation disabled, which is
    // what the operation is for: "Turns off automatic rotation, and if a rotation is currently in
    // progress, cancels the rotation." (CLI reference). The provider never depends on it: it
    // cancels only a rotation that is on, which has a function (a secret another service manages
    // has none: rule cancel-managed-secret answers for it, with a reference).
    // Rule cancel-managed-secret (a secret another service manages, which has no function either): see managed.ts.
    const managed = cancelManagedSecret(front, call, secret);
    if (managed) {
        reply = managed;
    } else if (nonEmptyString(secret.RotationLambdaARN) === undefined && front.on("cancel-without-lambda-guess", call)) {
        reply = ok({ ARN: arn, Name: secret.Name }, false);
    } else {
        reply = await front.forward(call);
    }
    if (!isSuccess(reply) || !reply.json) return reply;

    // Rule cancel-version-id. AWS API Reference, CancelRotateSecret (VersionId): "The unique
    // identifier of the version of the secret that was created during the rotation." and "you might
    // need to remove the staging label AWSPENDING from the partially created version, specified by
    // the VersionId response value." Without a pending version there is none; the reference's
    // sample response then carries only ARN and Name. moto answers its internal default version.
    if (front.on("cancel-version-id", call)) {
        if (pending !== undefined) reply.json.VersionId = pending;
        else delete reply.json.VersionId;
    }

    // Rule rotation-shadow (CancelRotateSecret part): see schedules.ts.
    rotationShadowOnCancel(front, call, arn, secret);
    return reply;
}
