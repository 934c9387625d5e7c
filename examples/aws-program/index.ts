// A Pulumi program that manages a secret and its rotation Lambda with @pulumi/aws, and declares
// the secret's rotation with SecretRotationState: `secretId: secret.arn` ties them together.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecretRotationState } from "pulumi-secret-rotation";

const secret = new aws.secretsmanager.Secret("db-password", { description: "Application database password" });

const role = new aws.iam.Role("rotator", {
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }),
});
new aws.iam.RolePolicyAttachment("rotator-logs", {
    role: role.name,
    policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole,
});

const rotator = new aws.lambda.Function("rotator", {
    runtime: aws.lambda.Runtime.NodeJS22dX,
    handler: "index.handler",
    role: role.arn,
    code: new pulumi.asset.AssetArchive({
        "index.js": new pulumi.asset.StringAsset("exports.handler = async (event) => { /* createSecret, setSecret, testSecret, finishSecret */ };"),
    }),
});

// Secrets Manager invokes the function; it needs permission to.
const invoke = new aws.lambda.Permission("secretsmanager-invokes-rotator", {
    action: "lambda:InvokeFunction",
    function: rotator.name,
    principal: "secretsmanager.amazonaws.com",
    sourceArn: secret.arn,
});

const rotation = new SecretRotationState(
    "db-password",
    {
        secretId: secret.arn,
        rotationLambdaArn: rotator.arn,
        schedule: { scheduleExpression: "rate(30 days)", duration: "2h" },
        pendingPolicy: "quarantine",
    },
    { dependsOn: [invoke] },
);

// Another account, reached the same way by @pulumi/aws and by the rotation: one object of
// provider arguments (an assumed role; no static keys) for an explicit aws.Provider and for the
// declaration's `aws` input. The declaration's setting is stored in state, so refresh and destroy
// act in that account too; the account guard refuses to act anywhere but in 222222222222.
const sharedServices = {
    region: "us-east-1",
    assumeRoles: [{ roleArn: "arn:aws:iam::222222222222:role/secret-rotation", sessionName: "platform-rotation" }],
    allowedAccountIds: ["222222222222"],
};
const sharedAccount = new aws.Provider("shared-services", sharedServices);
const ldapBind = new aws.secretsmanager.Secret("ldap-bind", { description: "LDAP bind password (shared services account)" }, { provider: sharedAccount });
const sharedRotation = new SecretRotationState("ldap-bind", {
    secretId: ldapBind.arn,
    rotationLambdaArn: "arn:aws:lambda:us-east-1:222222222222:function:rotate-ldap",
    schedule: { automaticallyAfterDays: 30 },
    aws: sharedServices,
});

export const secretArn = secret.arn;
export const sharedRotationEnabled = sharedRotation.rotationEnabled;
export const rotationEnabled = rotation.rotationEnabled;
export const stagingLabels = rotation.stagingLabels;
