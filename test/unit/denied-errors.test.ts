// Unit: an access denial from AWS becomes an error that names the IAM permission the caller lacks
// (providers/secretsmanager/aws-edge/aws.ts). The end-to-end proof is test/e2e/least-privilege.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";

import { deniedError, INVENTORY_ROLE_POLICY, namedPermission, permissionWaitFromEnv, REVIEW_POLICY } from "../../providers/secretsmanager/aws-edge/aws";

const denial = (message: string) => Object.assign(new Error(message), { name: "AccessDeniedException" });
const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";

test("the permission AWS names is the one reported", () => {
    assert.equal(
        namedPermission("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:1:function:f"),
        "lambda:InvokeFunction",
    );
    const error = deniedError("DescribeSecret", ARN, denial("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: secretsmanager:DescribeSecret on resource: x"));
    assert.match(error.message, new RegExp(`^DescribeSecret on ${ARN} was denied: the caller lacks the IAM permission secretsmanager:DescribeSecret `));
    assert.match(error.message, /policy\/minimal-iam-policy\.json/);
});

test("a denial names the shipped policy of the caller the gateway serves: the provider's by default, the review's, the inventory role's", () => {
    const denied = (policy?: typeof REVIEW_POLICY) => deniedError("ListSecretVersionIds", ARN, denial("You do not have sufficient access to perform this action."), policy).message;
    assert.match(denied(), /\(the provider's minimal policy is policy\/minimal-iam-policy\.json in the pulumi-secret-rotation package\)/);
    assert.match(denied(REVIEW_POLICY), /\(the review's policy is policy\/review-iam-policy\.json in the pulumi-secret-rotation package\)/);
    assert.match(denied(INVENTORY_ROLE_POLICY), /\(the policy of the role the inventory assumes is policy\/inventory-iam-policy\.json in the pulumi-secret-rotation package\)/);
    assert.doesNotMatch(denied(INVENTORY_ROLE_POLICY), /minimal-iam-policy/);
});

test("without a named action, the Secrets Manager action of the operation (labels stripped)", () => {
    assert.equal(namedPermission("You do not have sufficient access to perform this action."), undefined);
    const error = deniedError("UpdateSecretVersionStage(AWSPENDING)", ARN, denial("You do not have sufficient access to perform this action."));
    assert.match(error.message, /lacks the IAM permission secretsmanager:UpdateSecretVersionStage /);
});

test("the wait for a Lambda permission: 120 s by default; a bad value is refused, naming the variable and the rule", () => {
    assert.equal(permissionWaitFromEnv({}), 120_000);
    assert.equal(permissionWaitFromEnv({ PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS: "0" }), 0);
    assert.equal(permissionWaitFromEnv({ PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS: "30" }), 30_000);
    for (const bad of ["2m", "-1", "1.5", "3601", "x"]) {
        assert.throws(
            () => permissionWaitFromEnv({ PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS: bad }),
            new RegExp(`PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS must be a whole number of seconds from 0 to 3600, got "${bad.replace(".", "\\.")}"`),
        );
    }
});
