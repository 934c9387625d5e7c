// End to end, under moto's IAM enforcement: one stack manages the secrets of two accounts through
// assumed roles. The pulumi CLI runs as a "deployer" whose only policy is the shipped
// policy/assume-role-policy.json (it may assume the rotation roles, nothing else); each account's
// role "secret-rotation" holds exactly the shipped policy/minimal-iam-policy.json. Each declaration
// names the same secret name and says, in its `aws` input, which role to act through.
//
// moto is spoken to directly here (no AWS front): the front's IAM mode reads one account's IAM
// (test/support/iam.ts), so its rules cannot judge a role session of another account. What this
// test proves is about accounts and permissions: which account each call acts in, and that the
// shipped policies suffice and are needed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";

import { actingAs, credentialsIn } from "../support/accounts";
import { Credentials } from "../support/iam";
import { ADMIN_POLICY, createUser, setUserPolicy, shippedPolicy } from "../support/least-privilege";
import { AwsTestEnv, MotoServer, useAwsEnv } from "../support/moto";
import { repoRoot, TestStack, withTranscript } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret } from "../support/seed";

const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const ACCOUNTS = ["111111111111", "222222222222"] as const;
const NAME = "app/db";
const DEPLOYER_POLICY = shippedPolicy("assume-role-policy");

let moto: MotoServer;
let homeEnv: AwsTestEnv;
let deployer: Credentials;
const accounts = new Map<string, { admin: Credentials; role: string; lambda: string; arn: string }>();
let homeArn: string;
const restores: (() => void)[] = [];

before(async () => {
    moto = await MotoServer.start();
    restores.push(useAwsEnv(moto.awsEnv()));
    const homeAdmin = await createUser("admin", ADMIN_POLICY);
    homeEnv = { ...moto.awsEnv(), AWS_ACCESS_KEY_ID: homeAdmin.accessKeyId, AWS_SECRET_ACCESS_KEY: homeAdmin.secretAccessKey };
    restores.push(useAwsEnv(homeEnv));
    deployer = await createUser("deployer", DEPLOYER_POLICY);
    homeArn = (await createSecret(NAME, "home-value")).arn;
    for (const account of ACCOUNTS) {
        // Seeded in each account as its administrator would, before IAM is enforced.
        const seeding = await credentialsIn(account);
        const seeded = await actingAs(homeEnv, seeding, async () => {
            const iam = new IAMClient({});
            const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::123456789012:user/deployer` }, Action: "sts:AssumeRole" }] };
            const role = await iam.send(new CreateRoleCommand({ RoleName: "secret-rotation", AssumeRolePolicyDocument: JSON.stringify(trust) }));
            await iam.send(new PutRolePolicyCommand({ RoleName: "secret-rotation", PolicyName: "minimal", PolicyDocument: JSON.stringify(shippedPolicy("minimal-iam-policy")) }));
            return {
                admin: await createUser("admin", ADMIN_POLICY),
                role: role.Role!.Arn!,
                lambda: await createRotationLambda(),
                arn: (await createSecret(NAME, `value-in-${account}`)).arn,
            };
        });
        accounts.set(account, seeded);
    }
    await moto.enforceIam(true);
});
after(async () => {
    while (restores.length > 0) restores.pop()!();
    await moto?.stop();
});

/** DescribeSecret as the account's administrator. */
function describeIn(account: string, arn: string) {
    return actingAs(homeEnv, accounts.get(account)!.admin, () => describeSecret(arn));
}

const deployerEnv = () => ({ ...moto.awsEnv(), AWS_ACCESS_KEY_ID: deployer.accessKeyId, AWS_SECRET_ACCESS_KEY: deployer.secretAccessKey });

const declarations = () =>
    ACCOUNTS.map((account) => ({
        name: `db-${account}`,
        secretId: NAME,
        rotationLambdaArn: accounts.get(account)!.lambda,
        schedule: { automaticallyAfterDays: 30 },
        rotateImmediately: false,
        aws: { assumeRoles: [{ roleArn: accounts.get(account)!.role, sessionName: "secret-rotation" }] },
    }));

describe("two accounts in one stack, through assumed roles, under IAM enforcement", () => {
    test("each declaration acts in its own account with the shipped minimal policy; the deployer may only assume the roles", async (t) => {
        for (const [account, seeded] of accounts) assert.match(seeded.arn, new RegExp(`:${account}:secret:`));
        // The deployer can do nothing in Secrets Manager itself.
        const denied = await actingAs(homeEnv, deployer, () => new SecretsManagerClient({}).send(new DescribeSecretCommand({ SecretId: NAME }))).catch((error: Error) => error);
        // moto answers the denial as an XML 403 (which the JSON protocol cannot read; the AWS front's rule auth-errors exists for this).
        assert.equal((denied as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 403, String(denied));

        const stack = await TestStack.create({ program: PROGRAM, env: deployerEnv(), config: { "e2e:rotations": declarations() } });
        t.after(() => stack.cleanup());
        await withTranscript(t, stack, async () => {
            await stack.up();
            const states = await stack.resourcesOfType("pulumi-nodejs:dynamic/secretsmanager:RotationState");
            assert.deepEqual(states.map((s) => s.id).sort(), ACCOUNTS.map((a) => accounts.get(a)!.arn).sort(), "one resource per account's secret of the name");
            for (const account of ACCOUNTS) {
                const live = await describeIn(account, accounts.get(account)!.arn);
                assert.equal(live.RotationEnabled, true, `rotation on in ${account}`);
                assert.equal(live.RotationLambdaARN, accounts.get(account)!.lambda);
            }
            assert.notEqual((await describeSecret(homeArn)).RotationEnabled, true, "the deployer's own account is untouched");
            // The setting is stored (refresh and destroy act in the same account); no credential is.
            const exported = JSON.stringify(await stack.exportState());
            for (const state of states) assert.deepEqual((state.outputs as { aws?: unknown }).aws, declarations().find((d) => state.id === accounts.get(d.name.slice(3))!.arn)!.aws);
            assert.ok(!exported.includes(deployer.secretAccessKey) && !exported.includes("ASIA"), "no key or session in state");

            await stack.refresh();
            await stack.destroy();
            for (const account of ACCOUNTS) assert.notEqual((await describeIn(account, accounts.get(account)!.arn)).RotationEnabled, true, `destroy turned rotation off in ${account}`);
        });
    });

    test("without sts:AssumeRole the deployer gets nowhere: up fails naming the role, and nothing changes", async (t) => {
        await setUserPolicy("deployer", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" }] });
        t.after(() => setUserPolicy("deployer", DEPLOYER_POLICY));
        const stack = await TestStack.create({ program: PROGRAM, env: deployerEnv(), config: { "e2e:rotations": declarations() } });
        t.after(() => stack.cleanup());
        await withTranscript(t, stack, async () => {
            const result = await stack.up([], { expectCode: 1 });
            assert.match(result.stdout + result.stderr, /could not get the credentials of the declaration's aws setting \(assuming arn:aws:iam::\d{12}:role\/secret-rotation\): AccessDenied: .*not authorized to perform: sts:AssumeRole/);
            assert.match(result.stdout + result.stderr, new RegExp(accounts.get(ACCOUNTS[0])!.role.replace(/[/]/g, "\\/")));
            for (const account of ACCOUNTS) assert.notEqual((await describeIn(account, accounts.get(account)!.arn)).RotationEnabled, true);
        });
    });
});
