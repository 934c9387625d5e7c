// Identity-policy evaluation for the AWS front's least-privilege rules, and the look-up of a
// caller's policies in moto's IAM.
//
// moto enforces IAM for Secrets Manager calls itself (signature and action), but two things it does
// not do are needed to prove the shipped policy: RotateSecret's check that the caller may invoke the
// rotation function (lambda:InvokeFunction; moto checks only secretsmanager:RotateSecret), and knowing whether a call will be
// denied before the front applies a rule with side effects. Both need "is this action allowed for
// this caller?", answered here from the same policies moto holds.
//
// Evaluation follows the IAM User Guide, "Policy evaluation logic" (identity-based policies in one
// account): an explicit Deny in any policy wins; otherwise an Allow is needed; otherwise the request
// is implicitly denied. Action and Resource use the IAM wildcards `*` and `?`; action names are
// case-insensitive. Conditions are not evaluated: a policy with one is refused, so that a test can
// never pass because a condition was silently ignored.
import {
    GetAccessKeyLastUsedCommand,
    GetPolicyCommand,
    GetPolicyVersionCommand,
    GetUserCommand,
    GetUserPolicyCommand,
    IAMClient,
    ListAttachedUserPoliciesCommand,
    ListUserPoliciesCommand,
} from "@aws-sdk/client-iam";

export interface Credentials {
    accessKeyId: string;
    secretAccessKey: string;
}

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: unknown;
}

export interface PolicyDocument {
    Version?: string;
    Statement: PolicyStatement | PolicyStatement[];
}

export type Decision = "allowed" | "explicit-deny" | "implicit-deny";

/** The decision for one action on one resource under a caller's identity-based policies. */
export function evaluate(policies: PolicyDocument[], action: string, resource: string): Decision {
    let allowed = false;
    for (const policy of policies) {
        const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
        for (const statement of statements) {
            if (statement.Condition !== undefined) {
                throw new Error(`policy statement ${statement.Sid ?? JSON.stringify(statement)} has a Condition, which this evaluator does not support`);
            }
            if (!applies(statement, action, resource)) continue;
            if (statement.Effect === "Deny") return "explicit-deny";
            if (statement.Effect === "Allow") allowed = true;
        }
    }
    return allowed ? "allowed" : "implicit-deny";
}

function applies(statement: PolicyStatement, action: string, resource: string): boolean {
    const actionMatches =
        statement.Action !== undefined
            ? list(statement.Action).some((pattern) => wildcard(pattern, action, true))
            : statement.NotAction !== undefined && !list(statement.NotAction).some((pattern) => wildcard(pattern, action, true));
    if (!actionMatches) return false;
    if (statement.Resource !== undefined) return list(statement.Resource).some((pattern) => wildcard(pattern, resource, false));
    if (statement.NotResource !== undefined) return !list(statement.NotResource).some((pattern) => wildcard(pattern, resource, false));
    return false;
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** IAM's wildcard match: `*` any run of characters, `?` any one character, the rest literal. */
export function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
    const source = pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
    return new RegExp(`^${source}$`, caseInsensitive ? "is" : "s").test(value);
}

/** The access key id of a SigV4 Authorization header ("... Credential=AKID/date/region/service/aws4_request, ..."). */
export function accessKeyOf(authorization: string | undefined): string | undefined {
    return /Credential=([^/,\s]+)\//.exec(authorization ?? "")?.[1];
}

export interface Identity {
    userName: string;
    userArn: string;
    policies: PolicyDocument[];
}

/**
 * A caller's identity and identity-based policies (inline and attached managed policies of the IAM
 * user that owns the access key), read from moto's IAM with an administrator's credentials.
 * Read on every question: a test changes policies between steps, as an administrator would.
 */
export class MotoIam {
    private readonly iam: IAMClient;

    constructor(motoEndpoint: string, admin: Credentials) {
        this.iam = new IAMClient({ endpoint: motoEndpoint, region: "us-east-1", credentials: admin });
    }

    async identityOf(accessKeyId: string): Promise<Identity | undefined> {
        const used = await this.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })).catch(() => undefined);
        const userName = used?.UserName;
        if (!userName) return undefined;
        const policies: PolicyDocument[] = [];
        const inline = await this.iam.send(new ListUserPoliciesCommand({ UserName: userName }));
        for (const policyName of inline.PolicyNames ?? []) {
            const got = await this.iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }));
            policies.push(parseDocument(got.PolicyDocument));
        }
        const attached = await this.iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
        for (const entry of attached.AttachedPolicies ?? []) {
            const policy = await this.iam.send(new GetPolicyCommand({ PolicyArn: entry.PolicyArn }));
            const version = await this.iam.send(new GetPolicyVersionCommand({ PolicyArn: entry.PolicyArn, VersionId: policy.Policy?.DefaultVersionId }));
            policies.push(parseDocument(version.PolicyVersion?.Document));
        }
        const user = await this.iam.send(new GetUserCommand({ UserName: userName }));
        return { userName, userArn: user.User?.Arn ?? userName, policies };
    }

    destroy(): void {
        this.iam.destroy();
    }
}

/** IAM returns policy documents URL-encoded (moto too). */
function parseDocument(text: string | undefined): PolicyDocument {
    if (!text) return { Statement: [] };
    const decoded = text.trimStart().startsWith("{") ? text : decodeURIComponent(text);
    return JSON.parse(decoded) as PolicyDocument;
}
