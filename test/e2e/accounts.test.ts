// End to end (real CLI, moto behind the AWS front): the stack's AWS settings with @pulumi/aws's
// meaning. A profile from a shared config file written by the test points the stack at another
// account, and a declaration by name acts only on that account's secret of the name; the account
// guard refuses each wrong-account case before any Secrets Manager call; a proxy on 127.0.0.1 sees
// every Secrets Manager and STS request when aws:httpProxy is set, and none when NO_PROXY covers
// the endpoints. moto keeps one state per account and picks the account from the access key
// (test/support/accounts.ts).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, TestContext } from "node:test";

import { actingAs, credentialsIn, SessionCredentials } from "../support/accounts";
import { RecordingProxy } from "../support/http-proxy";
import { TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from "../support/moto";
import { describeResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import type { ReviewReport } from "../../src/review/report";
import { createRotationLambda, createSecret, describeSecret, SeededSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const HOME_ACCOUNT = "123456789012"; // moto's account for keys it does not know: the environment's
const PROD_ACCOUNT = "222222222222";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "PutSecretValue", "TagResource", "UntagResource"];

const aws = useLocalAws();
let prod: SessionCredentials;
let files: { dir: string; config: string; credentials: string };
let count = 0;



/** The same name in the home account and in prod, and a rotation Lambda in prod. */
async function seedBothAccounts(tag: string): Promise<{ name: string; home: SeededSecret; prod: SeededSecret; lambda: string }> {
    // moto is reset before each test (useLocalAws), sessions included: a session of this test.
    prod = await credentialsIn(PROD_ACCOUNT);
    const name = `shared/${tag}-${++count}`;
    const home = await createSecret(name, "home-value");
    return actingAs(aws.env, prod, async () => ({ name, home, prod: await createSecret(name, "prod-value"), lambda: await createRotationLambda(`rotate-${count}`) }));
}

async function newStack(t: TestContext, config: Record<string, unknown>, env: Record<string, string> = {}): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: { ...aws.env, ...env }, config });
    t.after(() => stack.cleanup());
    return stack;
}

const profileConfig = () => ({ "aws:profile": "prod", "aws:sharedConfigFiles": [files.config], "aws:sharedCredentialsFiles": [files.credentials] });
const smCalls = () => aws.front.calls().filter((c) => !c.operation.includes(" "));

describe("accounts and credentials, the Pulumi way", () => {
    // In the suite, so that the local AWS (useLocalAws, at the top) is up first.
    before(async () => {
        // A shared config file as a platform team writes one: profile prod assumes a role in the prod
        // account from the base profile's keys (here the environment's dummy keys).
        const dir = mkdtempSync(join(tmpdir(), "psr-aws-files-"));
        files = { dir, config: join(dir, "config"), credentials: join(dir, "credentials") };
        writeFileSync(files.config, `[profile prod]\nrole_arn = arn:aws:iam::${PROD_ACCOUNT}:role/deployer\nsource_profile = base\nregion = us-east-1\n`);
        writeFileSync(files.credentials, `[base]\naws_access_key_id = ${TEST_ACCESS_KEY_ID}\naws_secret_access_key = ${TEST_SECRET_ACCESS_KEY}\n`);
    });
    after(() => rmSync(files.dir, { recursive: true, force: true }));

    test("aws:profile from a shared config file written by the test: a declaration by name acts only in that profile's account", async (t) => {
        const seeded = await seedBothAccounts("profile");
        const stack = await newStack(t, {
            ...profileConfig(),
            "e2e:rotations": [{ secretId: seeded.name, rotationLambdaArn: seeded.lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }],
        });
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            await stack.up();
            const byUp = smCalls();
            const [state] = await stack.resourcesOfType("pulumi-nodejs:dynamic/secretsmanager:RotationState");
            assert.equal(state!.id, seeded.prod.arn, "the resource is the prod account's secret");
            assert.equal((await actingAs(aws.env, prod, () => describeSecret(seeded.prod.arn))).RotationEnabled, true);
            assert.notEqual((await describeSecret(seeded.home.arn)).RotationEnabled, true, "the home account's secret of the same name is untouched");
            // Every Secrets Manager call was made with the role session the profile assumed, none with the environment's keys.
            assert.ok(byUp.some((c) => MUTATING.includes(c.operation)));
            assert.deepEqual(byUp.filter((c) => c.accessKeyId === TEST_ACCESS_KEY_ID), []);
            assert.ok(byUp.every((c) => c.accessKeyId?.startsWith("ASIA")), JSON.stringify(byUp.map((c) => c.accessKeyId)));
            await stack.destroy();
            assert.notEqual((await actingAs(aws.env, prod, () => describeSecret(seeded.prod.arn))).RotationEnabled, true, "destroy acted in prod too");
        });
    });

    test("static keys in stack config (aws:accessKey, aws:secretKey, aws:token) act in their account and reach no state, output or log of ours", async (t) => {
        const seeded = await seedBothAccounts("static");
        const stack = await newStack(t, {
            "e2e:rotations": [{ secretId: seeded.name, rotationLambdaArn: seeded.lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }],
        });
        await withTranscript(t, stack, async () => {
            // As docs/accounts.md says to set them: secrets, encrypted in Pulumi.<stack>.yaml. (The engine
            // stores the default dynamic provider's inputs — the whole stack configuration — in state,
            // encrypted where the configuration is secret, plain where it is not.)
            await stack.run(["config", "set", "aws:accessKey", prod.accessKeyId]);
            await stack.run(["config", "set", "--secret", "aws:secretKey", prod.secretAccessKey]);
            await stack.run(["config", "set", "--secret", "aws:token", prod.sessionToken!]);
            aws.front.clearCalls();
            // The most verbose engine log, with the provider's output flowing into it.
            await stack.up(["--logtostderr", "--logflow", "-v=9"]);
            const calls = smCalls();
            const [state] = await stack.resourcesOfType("pulumi-nodejs:dynamic/secretsmanager:RotationState");
            assert.equal(state!.id, seeded.prod.arn, "the keys' account's secret of the name");
            assert.notEqual((await describeSecret(seeded.home.arn)).RotationEnabled, true, "the environment's account is untouched");
            assert.ok(calls.length > 0 && calls.every((c) => c.accessKeyId === prod.accessKeyId), `every call signed with the configured key: ${JSON.stringify(calls.map((c) => c.accessKeyId))}`);
            await stack.refresh(["--logtostderr", "--logflow", "-v=9"]);
            // At -v=9 the engine itself logs the inputs of every provider's Configure call. The Node.js
            // dynamic-provider host does not accept secrets (its ConfigureResponse says so), so the
            // engine hands it the stack's configuration decrypted, and that one engine line shows it:
            // Pulumi's behaviour for every secret config value of a project with dynamic resources
            // (docs/accounts.md). Everything else — the state, the CLI's output, the provider's own
            // output, the rest of the engine's log — is searched.
            const engineConfigureLine = /"msg":"Marshaling property for RPC\[Provider\[0x[0-9a-f]+\]\.Configure\(\)\.inputs\]/;
            const sources: [string, string][] = [
                ["pulumi stack export", JSON.stringify(await stack.exportState())],
                ...stack.history.flatMap((r): [string, string][] => [[`stdout of ${r.command}`, r.stdout], [`stderr of ${r.command}`, r.stderr]]),
            ];
            for (const [name, value] of [["aws:secretKey", prod.secretAccessKey], ["aws:token", prod.sessionToken!]] as const) {
                for (const [where, text] of sources) {
                    const leaks = text.split("\n").filter((line) => line.includes(value) && !engineConfigureLine.test(line));
                    // Shown with the value masked, so that a failure does not print it either.
                    assert.deepEqual(leaks.map((line) => line.split(value).join("<the value>").slice(0, 300)), [], `${name} appears in the ${where}`);
                }
            }
        });
    });

    test("the account guard refuses each wrong-account case before any Secrets Manager call, naming both accounts and the setting", async (t) => {
        const seeded = await seedBothAccounts("guard");
        const declare = (extra: Record<string, unknown> = {}) => ({ secretId: seeded.name, rotationLambdaArn: seeded.lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false, ...extra });
        const cases: [string, Record<string, unknown>, RegExp][] = [
            [
                "the secret's ARN names another account",
                { "e2e:rotations": [declare({ secretId: seeded.prod.arn })] },
                new RegExp(`refused: secret ${seeded.prod.arn} is in account ${PROD_ACCOUNT}, but the credentials of the stack's aws:\\* configuration act in account ${HOME_ACCOUNT}\\. Nothing was changed`),
            ],
            [
                "the account is outside allowedAccountIds",
                { "aws:allowedAccountIds": [PROD_ACCOUNT], "e2e:rotations": [declare()] },
                new RegExp(`act in account ${HOME_ACCOUNT}, which is not in allowedAccountIds \\(${PROD_ACCOUNT}\\)`),
            ],
            [
                "the account is inside forbiddenAccountIds",
                { "aws:forbiddenAccountIds": [HOME_ACCOUNT], "e2e:rotations": [declare()] },
                new RegExp(`act in account ${HOME_ACCOUNT}, which is in forbiddenAccountIds \\(${HOME_ACCOUNT}\\)`),
            ],
            [
                "a declaration's own setting reaches a forbidden account",
                { "e2e:rotations": [declare({ aws: { profile: "prod", sharedConfigFiles: [files.config], sharedCredentialsFiles: [files.credentials], forbiddenAccountIds: [PROD_ACCOUNT] } })] },
                new RegExp(`the credentials of the declaration's aws setting act in account ${PROD_ACCOUNT}, which is in forbiddenAccountIds`),
            ],
        ];
        const stack = await newStack(t, {});
        await withTranscript(t, stack, async () => {
            for (const [what, config, refusal] of cases) {
                stack.writeConfig(config);
                aws.front.clearCalls();
                const result = await stack.up([], { expectCode: 1 });
                assert.match(result.stdout + result.stderr, refusal, what);
                assert.deepEqual(smCalls(), [], `${what}: no Secrets Manager call at all, so none that changes anything`);
            }
            for (const arn of [seeded.home.arn]) assert.notEqual((await describeSecret(arn)).RotationEnabled, true);
            assert.notEqual((await actingAs(aws.env, prod, () => describeSecret(seeded.prod.arn))).RotationEnabled, true);
        });
    });

    test("a proxy on 127.0.0.1 sees every Secrets Manager and STS request with aws:httpProxy set, and none when NO_PROXY covers the endpoints", async (t) => {
        const proxy = await RecordingProxy.start();
        t.after(() => proxy.stop());
        const secret = await createSecret(`proxied/db-${++count}`, "value");
        const lambda = await createRotationLambda(`rotate-proxied-${count}`);
        const rotations = [{ secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }];

        const proxied = await newStack(t, { "aws:httpProxy": proxy.url, "e2e:rotations": rotations });
        await withTranscript(t, proxied, async () => {
            aws.front.clearCalls();
            await proxied.up();
            await proxied.destroy();
            const viaFront = smCalls().map((c) => `secretsmanager.${c.operation}`).sort();
            const viaProxy = proxy.calls().filter((c) => c.startsWith("secretsmanager.")).sort();
            assert.ok(viaFront.includes("secretsmanager.RotateSecret") && viaFront.includes("secretsmanager.CancelRotateSecret"), viaFront.join(", "));
            assert.deepEqual(viaProxy, viaFront, "every Secrets Manager request the front saw came through the proxy");
            assert.ok(proxy.calls().includes("sts.GetCallerIdentity"), `STS went through the proxy too: ${proxy.calls().join(", ")}`);
            assert.ok(proxy.requests.every((r) => r.url.startsWith("http://127.0.0.1:")));
        });

        proxy.requests.length = 0;
        const direct = await newStack(t, { "aws:httpProxy": proxy.url, "e2e:rotations": rotations }, { NO_PROXY: "127.0.0.1" });
        await withTranscript(t, direct, async () => {
            aws.front.clearCalls();
            await direct.up();
            await direct.destroy();
            assert.ok(smCalls().some((c) => c.operation === "RotateSecret"), "the calls were made");
            assert.deepEqual(proxy.calls(), [], "NO_PROXY covers 127.0.0.1: nothing through the proxy");
        });
    });

    test("review resolves credentials as up does, per declaration, and --all lists each account the stack reaches", async (t) => {
        const seeded = await seedBothAccounts("review");
        const homeOnly = await createSecret(`home-only/db-${count}`, "value");
        // The stack acts in prod through its profile; one declaration acts in the home account
        // through a setting of its own (the environment's keys: no profile, no role).
        const stack = await newStack(t, {
            ...profileConfig(),
            "e2e:rotations": [
                { secretId: seeded.name, rotationLambdaArn: seeded.lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false },
                { name: "home", secretId: homeOnly.name, enabled: false, aws: { region: "us-east-1" } },
            ],
        });
        await withTranscript(t, stack, async () => {
            await stack.up();
            aws.front.clearCalls();
            const result = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json", "--all", "--no-progress"], stack.projectDir, stack.env, 300_000);
            stack.history.push(result);
            assert.ok([0, 4].includes(result.code), describeResult(result));
            const report = JSON.parse(result.stdout) as ReviewReport;
            const secrets = report.stacks[0]!.secrets;
            assert.equal(secrets.find((s) => s.secretId === seeded.name)?.live.arn, seeded.prod.arn, "observed in prod, as up acted");
            assert.equal(secrets.find((s) => s.resource === "home")?.live.arn, homeOnly.arn, "observed in the home account, as its own setting says");
            assert.deepEqual(report.inventory?.accounts?.map((a) => a.account).sort(), [HOME_ACCOUNT, PROD_ACCOUNT]);
            const undeclared = report.inventory!.undeclared.map((u) => u.arn);
            assert.ok(undeclared.includes(seeded.home.arn), "the home account's secret of the same name is listed as undeclared");
            assert.ok(!undeclared.includes(seeded.prod.arn) && !undeclared.includes(homeOnly.arn));
            assert.deepEqual(smCalls().filter((c) => MUTATING.includes(c.operation)), [], "the review is read-only");
        });
    });
});
