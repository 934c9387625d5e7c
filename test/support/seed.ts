// Seeds moto with real SDK calls: secrets, and a rotation Lambda that Secrets Manager accepts.
// Clients are built from the environment (useAwsEnv), exactly as a user's would be.
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
    CreateSecretCommand,
    DescribeSecretCommand,
    DescribeSecretCommandOutput,
    ListSecretVersionIdsCommand,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { strToU8, zipSync } from "fflate";

export function secretsManager(): SecretsManagerClient {
    return new SecretsManagerClient({});
}

/** A ClientRequestToken (which becomes the VersionId) that tests can predict: 36 characters. */
export function versionIdFor(tag: string): string {
    const hex = Buffer.from(tag).toString("hex").padEnd(32, "0").slice(0, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface SeededSecret {
    name: string;
    arn: string;
    versionId: string;
}

export async function createSecret(name: string, value: string): Promise<SeededSecret> {
    const versionId = versionIdFor(`${name}-v1`);
    const out = await secretsManager().send(
        new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: versionId }),
    );
    return { name, arn: out.ARN!, versionId: out.VersionId! };
}

/**
 * Creates many secrets quickly: `batch` CreateSecret calls at a time, one batch after another. moto
 * looks a secret up by scanning its whole store, and a CreateSecret that lands during another
 * request's scan fails that request with a 500 ("dictionary changed size during iteration",
 * bench/run.ts); the SDK retries such a 500, and this client retries more than the default 3
 * times, so that at 10,000 secrets a batch does not give up. Values are the caller's (never printed).
 */
export async function createSecretsInBatches(names: string[], valueOf: (name: string) => string, batch = 50): Promise<SeededSecret[]> {
    const client = new SecretsManagerClient({ maxAttempts: 10 });
    const seeded: SeededSecret[] = [];
    try {
        for (let i = 0; i < names.length; i += batch) {
            const created = await Promise.all(
                names.slice(i, i + batch).map(async (name) => {
                    const out = await client.send(new CreateSecretCommand({ Name: name, SecretString: valueOf(name) }));
                    return { name, arn: out.ARN!, versionId: out.VersionId! };
                }),
            );
            seeded.push(...created);
        }
    } finally {
        client.destroy();
    }
    return seeded;
}

export async function describeSecret(secretId: string): Promise<DescribeSecretCommandOutput> {
    return secretsManager().send(new DescribeSecretCommand({ SecretId: secretId }));
}

/**
 * Version id → its staging labels, sorted, for assertions. Versions without a label (deprecated,
 * e.g. the one a RotateImmediately=false test leaves) only with includeDeprecated.
 */
export async function labelsOf(secretId: string, includeDeprecated = false): Promise<Record<string, string[]>> {
    const out = await secretsManager().send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: includeDeprecated }));
    const labels: Record<string, string[]> = {};
    for (const version of out.Versions ?? []) labels[version.VersionId!] = [...(version.VersionStages ?? [])].sort();
    return labels;
}

/**
 * The labels this provider adds carry the time they were added (QUARANTINED-<yyyymmddThhmmZ>-<id>):
 * without it, for comparing with expectations written before a run.
 */
export function undated(labels: Record<string, string[]>): Record<string, string[]> {
    const strip = (label: string) => label.replace(/^(QUARANTINED|SUPERSEDED)-\d{8}T\d{4}Z-/, "$1-");
    return Object.fromEntries(Object.entries(labels).map(([id, stages]) => [id, stages.map(strip).sort()]));
}

/**
 * A rotation Lambda as Secrets Manager requires one to exist: an IAM role and a function with a
 * small zip. With moto's Lambda in no-Docker mode its four steps do nothing when invoked.
 */
export async function createRotationLambda(name = "rotate-secret"): Promise<string> {
    const role = await new IAMClient({}).send(
        new CreateRoleCommand({
            RoleName: `${name}-role`,
            AssumeRolePolicyDocument: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
        }),
    );
    const zip = zipSync({ "index.js": strToU8("exports.handler = async () => ({});\n") });
    const fn = await new LambdaClient({}).send(
        new CreateFunctionCommand({
            FunctionName: name,
            Runtime: "nodejs22.x",
            Role: role.Role!.Arn!,
            Handler: "index.handler",
            Code: { ZipFile: zip },
        }),
    );
    return fn.FunctionArn!;
}
