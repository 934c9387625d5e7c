// The shipped IAM policies, and IAM users in moto to hold them, for the tests that prove least
// privilege under moto's IAM enforcement.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";

import { Credentials, PolicyDocument, PolicyStatement } from "./iam";
import { repoRoot } from "./pulumi";

export type ShippedPolicy =
    | "minimal-iam-policy"
    | "review-iam-policy"
    | "assume-role-policy"
    | "rotation-policy-iam-policy"
    | "inventory-iam-policy"
    | "inventory-caller-iam-policy";

export function shippedPolicy(name: ShippedPolicy): PolicyDocument {
    return JSON.parse(readFileSync(join(repoRoot(), "policy", `${name}.json`), "utf8")) as PolicyDocument;
}

const statements = (policy: PolicyDocument): PolicyStatement[] => (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]);
const actions = (statement: PolicyStatement): string[] => (statement.Action === undefined ? [] : Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** Every action a policy allows, in order. */
export function permissionsOf(policy: PolicyDocument): string[] {
    return statements(policy).flatMap(actions);
}

/** The same policy without one action (a statement left with no action is dropped). */
export function withoutPermission(policy: PolicyDocument, permission: string): PolicyDocument {
    const kept = statements(policy)
        .map((statement) => ({ ...statement, Action: actions(statement).filter((a) => a !== permission) }))
        .filter((statement) => statement.Action.length > 0);
    if (permissionsOf(policy).length === permissionsOf({ ...policy, Statement: kept }).length) throw new Error(`${permission} is not in the policy`);
    return { ...policy, Statement: kept };
}

export const ADMIN_POLICY: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/**
 * An IAM user in moto with one inline policy and an access key. Call it while IAM is not enforced,
 * or with an administrator's credentials in the environment.
 */
export async function createUser(userName: string, policy: PolicyDocument): Promise<Credentials> {
    const iam = new IAMClient({});
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await setUserPolicy(userName, policy);
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
}

/** Replaces the user's inline policy (moto applies it to the next request, as IAM does eventually). */
export async function setUserPolicy(userName: string, policy: PolicyDocument): Promise<void> {
    await new IAMClient({}).send(new PutUserPolicyCommand({ UserName: userName, PolicyName: "policy", PolicyDocument: JSON.stringify(policy) }));
}
