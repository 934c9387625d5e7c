// Integration: the AWS front with moto enforcing IAM. A "deployer" user holds the shipped policy
// (policy/minimal-iam-policy.json); an "admin" user seeds and inspects. These tests show that the
// enforcement is real through the front (a bad signature is refused, a missing permission denies)
// and that the front's IAM rules (auth-errors, invoke-permission) supply what moto lacks, each
// shown once with the rule switched off.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";

import {
    CreateSecretCommand,
    DescribeSecretCommand,
    RotateSecretCommand,
    SecretsManagerClient,
    UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";

import { AwsFront, FrontRule } from "../support/aws-front";
import { Credentials } from "../support/iam";
import { ADMIN_POLICY, createUser, setUserPolicy, shippedPolicy, withoutPermission } from "../support/least-privilege";
import { MotoServer, useAwsEnv } from "../support/moto";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager, versionIdFor } from "../support/seed";

const POLICY = shippedPolicy("minimal-iam-policy");

let moto: MotoServer;
let admin: Credentials;
let deployer: Credentials;
let lambdaArn: string;
const restores: (() => void)[] = [];
const fronts: AwsFront[] = [];
let count = 0;

before(async () => {
    moto = await MotoServer.start();
    restores.push(useAwsEnv(moto.awsEnv()));
    admin = await createUser("admin", ADMIN_POLICY);
    deployer = await createUser("deployer", POLICY);
    // From here on this process's own clients (seeding, checks) are the administrator.
    restores.push(useAwsEnv({ ...moto.awsEnv(), AWS_ACCESS_KEY_ID: admin.accessKeyId, AWS_SECRET_ACCESS_KEY: admin.secretAccessKey }));
    lambdaArn = await createRotationLambda();
    await moto.enforceIam(true);
});
after(async () => {
    for (const front of fronts) await front.stop();
    while (restores.length > 0) restores.pop()!();
    await moto?.stop();
});
beforeEach(async () => setUserPolicy("deployer", POLICY));

async function startFront(options: { disabledRules?: FrontRule[] } = {}): Promise<AwsFront> {
    const front = await AwsFront.start(moto.endpoint, { iam: { admin, callers: [deployer] }, disabledRules: options.disabledRules });
    fronts.push(front);
    return front;
}

/** The deployer's client, through a front, without the SDK's retries (one call, one answer). */
function deployerClient(front: AwsFront, credentials: Credentials = deployer): SecretsManagerClient {
    return new SecretsManagerClient({ endpoint: front.endpoint, credentials, maxAttempts: 1 });
}

async function freshSecret(): Promise<{ name: string; arn: string; versionId: string }> {
    return createSecret(`iam/secret-${++count}`, "value-not-read-by-anyone");
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
    try {
        await promise;
    } catch (error) {
        return error as Error & { $metadata?: { httpStatusCode?: number } };
    }
    assert.fail("the call was expected to fail");
}

describe("IAM enforced by moto, through the front", () => {
    test("enforcement is real: the administrator may seed, a wrong secret key is refused", async () => {
        const front = await startFront();
        await secretsManager().send(new CreateSecretCommand({ Name: `iam/seeded-${++count}`, SecretString: "x" }));
        const secret = await freshSecret();
        const forged = await rejection(
            deployerClient(front, { accessKeyId: deployer.accessKeyId, secretAccessKey: "not-the-secret-key" }).send(new DescribeSecretCommand({ SecretId: secret.arn })),
        );
        assert.equal(forged.name, "SignatureDoesNotMatch", forged.message);
        const unknown = await rejection(deployerClient(front, { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x" }).send(new DescribeSecretCommand({ SecretId: secret.arn })));
        assert.equal(unknown.name, "InvalidClientTokenId", unknown.message);
    });

    test("the shipped policy allows what the reconciler calls: DescribeSecret and RotateSecret with the function", async () => {
        const front = await startFront();
        const secret = await freshSecret();
        const client = deployerClient(front);
        const described = await client.send(new DescribeSecretCommand({ SecretId: secret.arn }));
        assert.equal(described.ARN, secret.arn);
        await client.send(
            new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }),
        );
        assert.equal((await describeSecret(secret.arn)).RotationEnabled, true);
        assert.deepEqual(front.calls().map((c) => [c.operation, c.status]), [
            ["DescribeSecret", 200],
            ["RotateSecret", 200],
        ]);
    });

    test("rule auth-errors: a denied call is AWS's 400 AccessDeniedException naming the action; nothing changes", async () => {
        const front = await startFront();
        const secret = await freshSecret();
        await setUserPolicy("deployer", withoutPermission(POLICY, "secretsmanager:RotateSecret"));
        const denied = await rejection(
            deployerClient(front).send(new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 } })),
        );
        assert.equal(denied.name, "AccessDeniedException");
        assert.equal(denied.$metadata?.httpStatusCode, 400);
        assert.match(denied.message, /user\/deployer is not authorized to perform: secretsmanager:RotateSecret on resource: arn:aws:secretsmanager:/);
        assert.deepEqual(front.calls()[0]?.rules, ["auth-errors"]);
        assert.notEqual((await describeSecret(secret.arn)).RotationEnabled, true, "rotation stays off");
        assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] });
    });

    test("moto alone (rule auth-errors off) answers an XML 403 the JSON protocol cannot name", async () => {
        const front = await startFront({ disabledRules: ["auth-errors"] });
        const secret = await freshSecret();
        await setUserPolicy("deployer", withoutPermission(POLICY, "secretsmanager:DescribeSecret"));
        const denied = await rejection(deployerClient(front).send(new DescribeSecretCommand({ SecretId: secret.arn })));
        assert.notEqual(denied.name, "AccessDeniedException");
        assert.equal(denied.$metadata?.httpStatusCode, 500, "the front reports moto's unreadable page as a server error");
    });

    test("rule invoke-permission: RotateSecret without lambda:InvokeFunction on the function is denied, naming it; nothing changes", async () => {
        const front = await startFront();
        const secret = await freshSecret();
        await setUserPolicy("deployer", withoutPermission(POLICY, "lambda:InvokeFunction"));
        const denied = await rejection(
            deployerClient(front).send(new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 } })),
        );
        assert.equal(denied.name, "AccessDeniedException");
        assert.match(denied.message, new RegExp(`not authorized to perform: lambda:InvokeFunction on resource: ${lambdaArn}`));
        assert.deepEqual(front.calls()[0]?.rules, ["invoke-permission"]);
        assert.notEqual((await describeSecret(secret.arn)).RotationEnabled, true, "rotation stays off");
        assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] });

        // moto alone checks only secretsmanager:RotateSecret, and rotates.
        const lenient = await startFront({ disabledRules: ["invoke-permission"] });
        await deployerClient(lenient).send(
            new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }),
        );
        assert.equal((await describeSecret(secret.arn)).RotationEnabled, true);
    });

    test("an explicit Deny wins over the shipped Allow", async () => {
        const front = await startFront();
        const secret = await freshSecret();
        const statements = Array.isArray(POLICY.Statement) ? POLICY.Statement : [POLICY.Statement];
        await setUserPolicy("deployer", { ...POLICY, Statement: [...statements, { Effect: "Deny", Action: "lambda:Invoke*", Resource: lambdaArn }] });
        const denied = await rejection(
            deployerClient(front).send(new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 } })),
        );
        assert.match(denied.message, /lambda:InvokeFunction .* with an explicit deny/);
    });

    test("a denied call reaches no rule with side effects: AWSPENDING on AWSCURRENT stays where it is", async () => {
        const front = await startFront();
        const versionId = versionIdFor(`iam-pending-${++count}`);
        const created = await secretsManager().send(
            new CreateSecretCommand({ Name: `iam/pending-${count}`, SecretString: "v", ClientRequestToken: versionId }),
        );
        await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: created.ARN, VersionStage: "AWSPENDING", MoveToVersionId: versionId }));
        await setUserPolicy("deployer", withoutPermission(POLICY, "secretsmanager:RotateSecret"));
        const denied = await rejection(
            deployerClient(front).send(new RotateSecretCommand({ SecretId: created.ARN, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 30 } })),
        );
        assert.equal(denied.name, "AccessDeniedException");
        assert.deepEqual(await labelsOf(created.ARN!), { [versionId]: ["AWSCURRENT", "AWSPENDING"] }, "the pending-on-current repair did not run");
    });
});
