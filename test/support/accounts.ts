// Several AWS accounts in one moto. moto keeps separate state per account and picks a request's
// account from its access key: a key of an IAM user of that account, or the temporary key of an
// STS AssumeRole session into a role of that account (see /work/shared/notes/moto-fidelity.md).
// While IAM is not enforced, AssumeRole works for any role ARN, existing or not: that is how the
// tests reach another account to seed it, with real API calls only.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

import { AwsTestEnv, useAwsEnv } from "./moto";

export interface SessionCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

/** Temporary credentials acting in `account` (an AssumeRole into a bootstrap role there; call while IAM is not enforced). */
export async function credentialsIn(account: string, roleName = "moto-bootstrap"): Promise<SessionCredentials> {
    const sts = new STSClient({});
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: "test-seeding" }));
    sts.destroy();
    return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
}

/** Runs `body` with this process's SDK clients acting as `credentials` (the rest of `env` unchanged). */
export async function actingAs<T>(env: AwsTestEnv, credentials: SessionCredentials, body: () => Promise<T>): Promise<T> {
    const restore = useAwsEnv({
        ...env,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    });
    try {
        return await body();
    } finally {
        restore();
        if (!credentials.sessionToken) delete process.env.AWS_SESSION_TOKEN;
    }
}
