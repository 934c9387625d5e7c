// The Lambda rules of RotateSecret: which function rotates (keep-lambda-arn, require-lambda-arn) and
// AWS's checks on it before any change (lambda-exists-guessed-error, a guess; invoke-permission).
import { evaluate } from "../iam";
import { identityOf, sign } from "./errors-auth";
import { awsError, CANNOT_INVOKE_FUNCTION, upstream } from "./helpers";
import { Call, FrontContext, Json, Reply, Upstream } from "./types";

/** Rule keep-lambda-arn: the function RotateSecret rotates with (`forwarded` then names it). */
export function keepLambdaArn(front: FrontContext, call: Call, lambdaArn: string | undefined, storedLambda: string | undefined, forwarded: Json): string | undefined {
    // Rule keep-lambda-arn. AWS API Reference, RotateSecret: "If you don't include the
    // configuration parameters, the operation starts a rotation with the values already stored in
    // the secret." moto instead overwrites the stored ARN with "" and takes a no-Lambda path.
    if (lambdaArn === undefined && storedLambda !== undefined && front.on("keep-lambda-arn", call)) {
        lambdaArn = storedLambda;
        forwarded.RotationLambdaARN = storedLambda;
    }
    return lambdaArn;
}

/** Rule require-lambda-arn: the refusal of a rotation without a function, or undefined. */
export function requireLambdaArn(front: FrontContext, call: Call, lambdaArn: string | undefined, secret: Json): Reply | undefined {
    // Rule require-lambda-arn. AWS API Reference, RotateSecret, InvalidRequestException: "You tried
    // to enable rotation on a secret that doesn't already have a Lambda function ARN configured and
    // you didn't include such an ARN as a parameter in this call." Secrets managed by another
    // service (OwningService) use managed rotation and need no function. moto instead moves
    // AWSCURRENT to a new, valueless version.
    if (lambdaArn === undefined && !secret.OwningService && front.on("require-lambda-arn", call)) {
        return awsError(
            400,
            "InvalidRequestException",
            "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
        );
    }
    return undefined;
}

/** Rule lambda-exists-guessed-error: the refusal of a rotation function that does not exist, or undefined. */
export async function lambdaExistsGuessedError(front: FrontContext, call: Call, lambdaArn: string | undefined): Promise<Reply | undefined> {
    // Rule lambda-exists-guessed-error. Secrets Manager User Guide, "Troubleshoot rotation" ("I
    // get 'access denied' when trying to configure rotation for my secret"): "When you add a
    // Lambda rotation function ARN to your secret, Secrets Manager checks the permissions of
    // the function." So AWS checks the function before it changes anything; moto instead stores
    // the ARN, the rules and a valueless AWSPENDING version, and only then answers 404
    // (moto-fidelity.md). What AWS answers for a function that does not exist is a GUESS: no
    // reference we hold says. We answer what AWS answers when it cannot invoke the function
    // (the guide's "access denied"; AccessDeniedException, HTTP 400, with the message Terraform's
    // provider and CloudFormation users quote from real accounts), since a function that does
    // not exist cannot grant Secrets Manager the permission either. A caller that retries
    // AccessDeniedException (a permission still propagating) retries this too.
    if (lambdaArn !== undefined && front.enabled("lambda-exists-guessed-error")) {
        if ((await lambdaExists(front, lambdaArn, call)) === false && front.on("lambda-exists-guessed-error", call)) {
            return awsError(400, "AccessDeniedException", CANNOT_INVOKE_FUNCTION);
        }
    }
    return undefined;
}

/** Rule invoke-permission: the denial of a rotation the caller may not invoke the function of, or undefined. */
export async function invokePermission(front: FrontContext, call: Call, lambdaArn: string | undefined): Promise<Reply | undefined> {
    // Rule invoke-permission (with IAM enforced). AWS API Reference, RotateSecret: "Required
    // permissions: secretsmanager:RotateSecret ... You also need lambda:InvokeFunction permissions
    // on the rotation function." moto only checks secretsmanager:RotateSecret. The denial has the
    // form of the IAM User Guide's access denied messages ("User: <arn> is not authorized to
    // perform: <action> on resource: <arn> because ..."), with AccessDeniedException's status 400.
    if (front.iam && lambdaArn !== undefined && front.enabled("invoke-permission")) {
        const identity = await identityOf(front, call);
        const decision = identity ? evaluate(identity.policies, "lambda:InvokeFunction", lambdaArn) : "implicit-deny";
        if (decision !== "allowed" && front.on("invoke-permission", call)) {
            const why = decision === "explicit-deny" ? "with an explicit deny in an identity-based policy" : "because no identity-based policy allows the lambda:InvokeFunction action";
            return awsError(400, "AccessDeniedException", `User: ${identity?.userArn ?? "unknown"} is not authorized to perform: lambda:InvokeFunction on resource: ${lambdaArn} ${why}`);
        }
    }
    return undefined;
}

/** Whether the function exists in moto's Lambda; undefined when moto's answer says neither. */
export async function lambdaExists(front: FrontContext, functionArn: string, call: Call): Promise<boolean | undefined> {
    // Region from the function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), else the
    // client's; the access key selects moto's account, as for the client's own calls.
    const credential = /Credential=([^/]+)\/(\d{8})\/([^/]+)\//.exec(String(call.headers.authorization ?? ""));
    const region = functionArn.split(":")[3] || credential?.[3] || "us-east-1";
    const accessKey = credential?.[1] ?? "AKIAIOSFODNN7EXAMPLE";
    const day = credential?.[2] ?? "20240101";
    let reply: Upstream;
    if (front.iam) {
        // By name, in the function's region (the path then needs no escaping to be signed).
        const path = `/2015-03-31/functions/${functionArn.split(":")[6] ?? functionArn}`;
        reply = await upstream(front.moto, "GET", path, await sign(front, "GET", path, {}, Buffer.alloc(0), front.iam.admin, "lambda", region), Buffer.alloc(0), true);
    } else {
        reply = await upstream(front.moto, "GET", `/2015-03-31/functions/${encodeURIComponent(functionArn)}`, {
            authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${day}/${region}/lambda/aws4_request, SignedHeaders=host, Signature=0`,
        });
    }
    if (reply.status === 200) return true;
    if (reply.status === 404) return false;
    return undefined;
}
