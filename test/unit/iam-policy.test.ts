// Unit: the identity-policy evaluation the AWS front uses for its IAM rules (test/support/iam.ts),
// and the shipped policies' helpers (test/support/least-privilege.ts).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { accessKeyOf, evaluate, PolicyDocument, wildcard } from "../support/iam";
import { permissionsOf, shippedPolicy, withoutPermission } from "../support/least-privilege";
import { repoRoot } from "../support/pulumi";

const FN = "arn:aws:lambda:us-east-1:123456789012:function:rotate";
const allow = (Action: string | string[], Resource: string | string[] = "*"): PolicyDocument => ({ Statement: [{ Effect: "Allow", Action, Resource }] });

describe("IAM policy evaluation", () => {
    test("an Allow is needed; without one the request is implicitly denied", () => {
        assert.equal(evaluate([allow("lambda:InvokeFunction")], "lambda:InvokeFunction", FN), "allowed");
        assert.equal(evaluate([allow("lambda:GetFunction")], "lambda:InvokeFunction", FN), "implicit-deny");
        assert.equal(evaluate([], "lambda:InvokeFunction", FN), "implicit-deny");
    });

    test("an explicit Deny in any policy wins over an Allow", () => {
        const deny: PolicyDocument = { Statement: { Effect: "Deny", Action: "lambda:*", Resource: FN } };
        assert.equal(evaluate([allow("*"), deny], "lambda:InvokeFunction", FN), "explicit-deny");
        assert.equal(evaluate([allow("*"), deny], "lambda:InvokeFunction", `${FN}-other`), "allowed");
    });

    test("actions match case-insensitively with * and ?; resources case-sensitively", () => {
        assert.equal(evaluate([allow("Lambda:invoke*")], "lambda:InvokeFunction", FN), "allowed");
        assert.equal(evaluate([allow("secretsmanager:?otateSecret")], "secretsmanager:RotateSecret", "*"), "allowed");
        assert.equal(evaluate([allow("lambda:InvokeFunction", FN.toUpperCase())], "lambda:InvokeFunction", FN), "implicit-deny");
        assert.equal(evaluate([allow("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:rot*")], "lambda:InvokeFunction", FN), "allowed");
        assert.equal(wildcard("a.b", "axb", false), false, "a dot is literal");
    });

    test("NotAction and NotResource", () => {
        const notAction: PolicyDocument = { Statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" } };
        assert.equal(evaluate([notAction], "lambda:InvokeFunction", FN), "allowed");
        assert.equal(evaluate([notAction], "iam:CreateUser", "*"), "implicit-deny");
        const notResource: PolicyDocument = { Statement: { Effect: "Allow", Action: "*", NotResource: FN } };
        assert.equal(evaluate([notResource], "lambda:InvokeFunction", FN), "implicit-deny");
    });

    test("a Condition is refused rather than ignored", () => {
        const conditional: PolicyDocument = { Statement: { Sid: "Tagged", Effect: "Allow", Action: "*", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "a" } } } };
        assert.throws(() => evaluate([conditional], "lambda:InvokeFunction", FN), /Tagged has a Condition/);
    });

    test("the access key of a SigV4 Authorization header", () => {
        const header = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261124/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=abc";
        assert.equal(accessKeyOf(header), "AKIAEXAMPLE");
        assert.equal(accessKeyOf(undefined), undefined);
    });
});

describe("the shipped policies", () => {
    test("the reconciler's policy: exactly the calls the provider makes, and lambda:InvokeFunction for RotateSecret", () => {
        assert.deepEqual(permissionsOf(shippedPolicy("minimal-iam-policy")).sort(), [
            "lambda:InvokeFunction",
            "secretsmanager:CancelRotateSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:ListSecretVersionIds",
            "secretsmanager:RotateSecret",
            "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
            "secretsmanager:UpdateSecretVersionStage",
        ]);
    });

    test("the review policy is read-only", () => {
        assert.deepEqual(permissionsOf(shippedPolicy("review-iam-policy")).sort(), [
            "secretsmanager:DescribeSecret",
            "secretsmanager:ListSecretVersionIds",
            "secretsmanager:ListSecrets",
        ]);
    });

    test("a stack with rotation policies adds ListSecrets, the only call a policy makes that a single declaration does not", () => {
        assert.deepEqual(permissionsOf(shippedPolicy("rotation-policy-iam-policy")), ["secretsmanager:ListSecrets"]);
    });

    test("withoutPermission removes one action and drops a statement left empty", () => {
        const policy = shippedPolicy("minimal-iam-policy");
        const without = withoutPermission(policy, "lambda:InvokeFunction");
        assert.equal(permissionsOf(without).length, permissionsOf(policy).length - 1);
        assert.ok(!permissionsOf(without).includes("lambda:InvokeFunction"));
        assert.throws(() => withoutPermission(policy, "secretsmanager:GetSecretValue"), /not in the policy/);
    });

    test("docs/iam.md quotes the four files exactly", () => {
        const page = readFileSync(join(repoRoot(), "docs", "iam.md"), "utf8");
        const blocks = [...page.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
        const files = ["minimal-iam-policy", "review-iam-policy", "assume-role-policy", "rotation-policy-iam-policy"].map((name) => readFileSync(join(repoRoot(), "policy", `${name}.json`), "utf8").trimEnd());
        assert.deepEqual(blocks, files);
    });
});
