// End to end (real CLI, moto behind the AWS front): a rotation policy acts in the account and
// region it recorded, not in whatever the configuration or the shell says now (issue 21, item 1).
// A change of aws:region replaces it: the new half acts in the new region, the old half releases
// the old region by its deletionPolicy — with a plain `up` and with `up --refresh` alike; a
// destroy from a shell whose AWS_REGION differs releases the recorded region; credentials that now
// reach another account are refused by refresh, preview, up and destroy, naming both accounts,
// before any Secrets Manager call, and a policy moved to another account by an aws setting of its
// own releases the old one. One moto for the file; each test seeds a few secrets per region.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import { CreateSecretCommand, DescribeSecretCommand, RotateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import { actingAs, credentialsIn, SessionCredentials } from "../support/accounts";
import type { ReviewReport } from "../../src/review/report";
import { describeResult, PulumiResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { createRotationLambda } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const POLICY_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationPolicy";
const POLICY_TAG = "pulumi-secret-rotation:policy";
const TURNED_ON_TAG = "pulumi-secret-rotation:policy-turned-on";
const IDENTITY = "organization/e2e/test/fleet";
const HOME_ACCOUNT = "123456789012"; // moto's account for the environment's keys
const PROD_ACCOUNT = "222222222222";
const EAST = "us-east-1";
const WEST = "us-west-2";

interface Seeded {
    name: string;
    arn: string;
    region: string;
    /** plain: rotation off (the policy turns it on); longer: rotating every 60 days (the policy only reconfigures it). */
    kind: "plain" | "longer";
}

interface Region {
    region: string;
    lambda: string;
    secrets: Seeded[];
}

/** In `region` (with the credentials in use): a rotation Lambda, two secrets with rotation off and one rotating every 60 days. */
async function seedRegion(region: string, tag: string): Promise<Region> {
    const previous = process.env.AWS_REGION;
    process.env.AWS_REGION = region; // the IAM and Lambda clients of createRotationLambda
    try {
        const lambda = await createRotationLambda(`rotate-${tag}`);
        const sm = new SecretsManagerClient({ region });
        const secrets: Seeded[] = [];
        for (const [name, kind] of [[`app/${tag}-plain-0`, "plain"], [`app/${tag}-plain-1`, "plain"], [`app/${tag}-longer`, "longer"]] as const) {
            const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: `value-${name}` }));
            if (kind === "longer") await sm.send(new RotateSecretCommand({ SecretId: created.ARN!, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 60 }, RotateImmediately: false }));
            secrets.push({ name, arn: created.ARN!, region, kind });
        }
        sm.destroy();
        return { region, lambda, secrets };
    } finally {
        process.env.AWS_REGION = previous;
    }
}

interface Live {
    enabled: boolean;
    days?: number;
    marks: [string | undefined, string | undefined];
}

/** Each secret as it is now: rotation on, its days, the policy's two marks. */
async function liveOf(secrets: Seeded[]): Promise<Record<string, Live>> {
    const out: Record<string, Live> = {};
    for (const s of secrets) {
        const sm = new SecretsManagerClient({ region: s.region });
        const d = await sm.send(new DescribeSecretCommand({ SecretId: s.arn }));
        sm.destroy();
        const tag = (key: string) => d.Tags?.find((t) => t.Key === key)?.Value;
        out[s.name] = { enabled: d.RotationEnabled === true, days: d.RotationRules?.AutomaticallyAfterDays, marks: [tag(POLICY_TAG), tag(TURNED_ON_TAG)] };
    }
    return out;
}

/** What the policy leaves in a region it governs: plain ones turned on (both marks), the longer one reconfigured to 30 days (governed, not turned on). */
async function assertGoverned(place: Region): Promise<void> {
    const live = await liveOf(place.secrets);
    for (const s of place.secrets) {
        const want: Live = s.kind === "plain" ? { enabled: true, days: 30, marks: [IDENTITY, IDENTITY] } : { enabled: true, days: 30, marks: [IDENTITY, undefined] };
        assert.deepEqual(live[s.name], want, `${s.name} in ${s.region}: governed by the policy`);
    }
}

/** What the policy's release (deletionPolicy cancel) leaves: rotation it turned on off, rotation it found on kept, no mark. */
async function assertReleased(place: Region): Promise<void> {
    const live = await liveOf(place.secrets);
    for (const s of place.secrets) {
        const l = live[s.name]!;
        assert.deepEqual([l.enabled, l.marks], [s.kind === "longer", [undefined, undefined]], `${s.name} in ${s.region}: released (${JSON.stringify(l)})`);
    }
}

/** Never governed: rotation as seeded, no mark. */
async function assertUntouched(place: Region): Promise<void> {
    const live = await liveOf(place.secrets);
    for (const s of place.secrets) {
        assert.deepEqual(live[s.name], { enabled: s.kind === "longer", days: s.kind === "longer" ? 60 : undefined, marks: [undefined, undefined] }, `${s.name} in ${s.region}: untouched`);
    }
}

/** The secrets of the front's successful calls of `operation`, sorted. */
function called(operation: string): string[] {
    return aws.front
        .calls(operation)
        .filter((c) => c.status === 200)
        .map((c) => c.secretId ?? "?")
        .sort();
}

const plainArns = (place: Region) => place.secrets.filter((s) => s.kind === "plain").map((s) => s.arn).sort();
const markedArns = (place: Region) => place.secrets.map((s) => s.arn).sort();

const POLICY = (lambda: string) => ({ name: "fleet", selector: { namePrefixes: ["app/"] }, mode: "minimum", rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false });

async function newStack(t: TestContext, config: Record<string, unknown>): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: { ...aws.env }, config });
    t.after(() => stack.cleanup());
    return stack;
}

async function recordedPlace(stack: TestStack): Promise<[unknown, unknown] | undefined> {
    const [policy] = await stack.resourcesOfType(POLICY_TYPE);
    return policy ? [policy.outputs!.account, policy.outputs!.region] : undefined;
}

describe("a rotation policy acts where it recorded", () => {
    test("a destroy from a shell whose AWS_REGION differs releases the recorded region, and touches no other; the review shows that release", async (t) => {
        const east = await seedRegion(EAST, "e");
        const west = await seedRegion(WEST, "w");
        // No aws:region: the place is the SDK's default, AWS_REGION (us-east-1) of the shell.
        const stack = await newStack(t, { "e2e:policies": [POLICY(east.lambda)] });
        await withTranscript(t, stack, async () => {
            await stack.up();
            await assertGoverned(east);
            assert.deepEqual(await recordedPlace(stack), [HOME_ACCOUNT, EAST]);
            // Another shell: AWS_REGION=us-west-2. The policy leaves the stack's configuration: the
            // review shows its release in the recorded region, as destroy then does it.
            stack.env.AWS_REGION = WEST;
            stack.writeConfig({});
            const reviewed = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json", "--no-progress"], stack.projectDir, stack.env, 300_000);
            stack.history.push(reviewed);
            const report = JSON.parse(reviewed.stdout) as ReviewReport;
            const [policyReview] = report.stacks[0]!.policies!;
            assert.deepEqual([policyReview!.step, policyReview!.account, policyReview!.region, policyReview!.error], ["delete", HOME_ACCOUNT, EAST, undefined], describeResult(reviewed));
            const releases = report.stacks[0]!.secrets.filter((r) => r.policy === "fleet").map((r) => `${r.region} ${r.secretId}: ${r.plan.calls.map((c) => c.api).join(",")}`).sort();
            assert.deepEqual(releases, [`${EAST} app/e-longer: UntagResource`, `${EAST} app/e-plain-0: CancelRotateSecret,UntagResource`, `${EAST} app/e-plain-1: CancelRotateSecret,UntagResource`]);
            aws.front.clearCalls();
            const destroyed = await stack.destroy();
            assert.match(destroyed.stdout, /released the marks on 3 secret\(s\)/);
            await assertReleased(east);
            await assertUntouched(west);
            assert.deepEqual(called("CancelRotateSecret"), plainArns(east));
            assert.deepEqual(called("UntagResource"), markedArns(east));
        });
    });

    test("a change of aws:region with a plain up replaces the policy: the old region is released, the new one governed, nothing in it cancelled", async (t) => {
        const east = await seedRegion(EAST, "e");
        const west = await seedRegion(WEST, "w");
        const stack = await newStack(t, { "aws:region": EAST, "e2e:policies": [POLICY(east.lambda)] });
        await withTranscript(t, stack, async () => {
            await stack.up();
            await assertGoverned(east);
            await assertUntouched(west);

            stack.writeConfig({ "aws:region": WEST, "e2e:policies": [POLICY(west.lambda)] });
            aws.front.clearCalls();
            const moved = await stack.up();
            assert.match(moved.stdout, /\+-\s*pulumi-nodejs:dynamic\/secretsmanager:RotationPolicy fleet replaced/);
            await assertGoverned(west);
            await assertReleased(east);
            assert.deepEqual(called("CancelRotateSecret"), plainArns(east), "the only cancellations are the old region's, of what the policy turned on there");
            assert.deepEqual(called("UntagResource"), markedArns(east));
            assert.deepEqual(await recordedPlace(stack), [HOME_ACCOUNT, WEST]);
            await stack.up(["--refresh", "--expect-no-changes"]);

            aws.front.clearCalls();
            await stack.destroy();
            await assertReleased(west);
            assert.deepEqual(called("CancelRotateSecret"), plainArns(west));
        });
    });

    test("a change of aws:region with up --refresh: refresh keeps the recorded region, the old region is released, the new one governed", async (t) => {
        const east = await seedRegion(EAST, "e");
        const west = await seedRegion(WEST, "w");
        const stack = await newStack(t, { "aws:region": EAST, "e2e:policies": [POLICY(east.lambda)] });
        await withTranscript(t, stack, async () => {
            await stack.up();
            await assertGoverned(east);

            stack.writeConfig({ "aws:region": WEST, "e2e:policies": [POLICY(west.lambda)] });
            aws.front.clearCalls();
            const moved = await stack.up(["--refresh"]);
            assert.match(moved.stdout, /\+-\s*pulumi-nodejs:dynamic\/secretsmanager:RotationPolicy fleet replaced/);
            await assertGoverned(west);
            await assertReleased(east);
            assert.deepEqual(called("CancelRotateSecret"), plainArns(east));
            assert.deepEqual(called("UntagResource"), markedArns(east));
            assert.deepEqual(await recordedPlace(stack), [HOME_ACCOUNT, WEST]);
        });
    });

    test("a shell whose credentials reach another account: refresh, preview, up and destroy refuse, naming both accounts, before any Secrets Manager call; moved by an aws setting of its own, the old account is released", async (t) => {
        const home = await seedRegion(EAST, "home");
        const prodCredentials: SessionCredentials = await credentialsIn(PROD_ACCOUNT);
        const prod = await actingAs(aws.env, prodCredentials, () => seedRegion(EAST, "prod"));
        const stack = await newStack(t, { "e2e:policies": [POLICY(home.lambda)] });
        await withTranscript(t, stack, async () => {
            await stack.up();
            await assertGoverned(home);
            assert.deepEqual(await recordedPlace(stack), [HOME_ACCOUNT, EAST]);
            const before = await liveOf(home.secrets);

            // Another shell: its credentials reach prod. The stack's configuration is unchanged.
            const homeKeys = { AWS_ACCESS_KEY_ID: stack.env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: stack.env.AWS_SECRET_ACCESS_KEY! };
            Object.assign(stack.env, { AWS_ACCESS_KEY_ID: prodCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: prodCredentials.secretAccessKey, AWS_SESSION_TOKEN: prodCredentials.sessionToken! });
            const refusal = new RegExp(`refused: rotation policy ${IDENTITY} acts in account ${HOME_ACCOUNT}, region ${EAST} \\(as recorded in its state\\), but the credentials of the stack's aws:\\* configuration now act in account ${PROD_ACCOUNT}\\. Nothing was changed`);
            const refused = { expectCode: 1 };
            const attempts: [string, () => Promise<PulumiResult>][] = [
                ["refresh", () => stack.refresh([], refused)],
                ["preview", () => stack.preview([], refused)],
                ["up", () => stack.up([], refused)],
                ["up --refresh", () => stack.up(["--refresh"], refused)],
                ["destroy", () => stack.destroy([], refused)],
            ];
            for (const [what, attempt] of attempts) {
                aws.front.clearCalls();
                const result = await attempt();
                assert.match(result.stdout + result.stderr, refusal, `${what} refuses, naming both accounts`);
                t.diagnostic(`${what}: ${(result.stdout + result.stderr).split("\n").find((line) => refusal.test(line))!.trim()}`);
                assert.deepEqual(aws.front.calls().filter((c) => !c.operation.includes(" ")).map((c) => c.operation), [], `${what}: no Secrets Manager call at all`);
            }
            assert.deepEqual(await liveOf(home.secrets), before, "the home account's secrets are as they were");
            assert.deepEqual(await recordedPlace(stack), [HOME_ACCOUNT, EAST], "the recorded place is kept");
            await actingAs(aws.env, prodCredentials, () => assertUntouched(prod));

            // Back in a shell of the home account, the way docs/policies.md gives to move the policy to
            // prod: an aws setting of its own (a profile that assumes a role in prod) while the
            // stack's credentials still reach home. A replacement: prod is governed, then home released.
            delete stack.env.AWS_SESSION_TOKEN;
            Object.assign(stack.env, homeKeys);
            const dir = mkdtempSync(join(tmpdir(), "psr-place-files-"));
            t.after(() => rmSync(dir, { recursive: true, force: true }));
            const files = { config: join(dir, "config"), credentials: join(dir, "credentials") };
            writeFileSync(files.config, `[profile prod]\nrole_arn = arn:aws:iam::${PROD_ACCOUNT}:role/deployer\nsource_profile = base\nregion = us-east-1\n`);
            writeFileSync(files.credentials, `[base]\naws_access_key_id = ${homeKeys.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${homeKeys.AWS_SECRET_ACCESS_KEY}\n`);
            const inProd = { ...POLICY(prod.lambda), aws: { profile: "prod", sharedConfigFiles: [files.config], sharedCredentialsFiles: [files.credentials] } };
            stack.writeConfig({ "e2e:policies": [inProd] });
            aws.front.clearCalls();
            const moved = await stack.up();
            assert.match(moved.stdout, /\+-\s*pulumi-nodejs:dynamic\/secretsmanager:RotationPolicy fleet replaced/);
            await assertReleased(home);
            await actingAs(aws.env, prodCredentials, () => assertGoverned(prod));
            assert.deepEqual(called("CancelRotateSecret"), plainArns(home));
            assert.deepEqual(await recordedPlace(stack), [PROD_ACCOUNT, EAST]);
            await stack.destroy();
            await actingAs(aws.env, prodCredentials, () => assertReleased(prod));
        });
    });
});
