// End to end: a rotation policy (SecretRotationPolicy) over a fleet of seeded secrets, declared in
// this repository's stack program (`policies` beside `rotations` in the stack configuration), with
// the real pulumi CLI against moto behind the AWS front. The fleet mixes names, tags and owners:
// secrets a SecretRotationState owns, secrets a service manages, replicas, secrets scheduled for
// deletion, excluded ones, ones already rotating (on time, or stricter than the policy) and plain
// ones. Then a few are broken out of band, `preview --refresh` must name each, `up --refresh` must
// repair exactly those (the front's call log), `minimum` mode must leave a stricter schedule alone,
// and the policy's destroy (deletionPolicy cancel) must turn off only what it turned on itself.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import {
    CancelRotateSecretCommand,
    CreateSecretCommand,
    DeleteSecretCommand,
    DescribeSecretCommand,
    RotateSecretCommand,
    SecretsManagerClient,
    Tag,
} from "@aws-sdk/client-secrets-manager";
import Ajv from "ajv";
import addFormats from "ajv-formats";

import type { ReviewReport } from "../../src/review/report";
import { pool } from "../support/fleet";
import { describeResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { playRotation } from "../support/rotation-lambda";
import { createRotationLambda, labelsOf, secretsManager, undated, versionIdFor } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const POLICY_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationPolicy";
const POLICY_TAG = "pulumi-secret-rotation:policy";
const TURNED_ON_TAG = "pulumi-secret-rotation:policy-turned-on";
const OWNER_TAG = "pulumi-secret-rotation:owner";
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync(join(repoRoot(), "schemas", "review-report.v1.json"), "utf8")));
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue", "CreateSecret", "DeleteSecret"];

type Kind = "plain" | "ontime" | "strict" | "declared" | "managed" | "replica" | "deleted" | "excluded-tag" | "excluded-prefix" | "unselected";

interface Seeded {
    name: string;
    arn: string;
    kind: Kind;
}

/** 200 secrets in us-east-1 (replicas: primaries in us-west-2), in the kinds above. */
const FLEET: [Kind, number, (i: number) => string][] = [
    ["plain", 120, (i) => (i % 2 === 0 ? `app/plain-${i}` : `svc/plain-${i}`)],
    ["ontime", 20, (i) => `app/ontime-${i}`],
    ["strict", 10, (i) => `svc/strict-${i}`],
    ["declared", 5, (i) => `app/declared-${i}`],
    ["managed", 3, (i) => `app/managed-${i}`],
    ["replica", 3, (i) => `app/replica-${i}`],
    ["deleted", 2, (i) => `app/deleted-${i}`],
    ["excluded-tag", 5, (i) => `app/manual-${i}`],
    ["excluded-prefix", 5, (i) => `app/tmp/x-${i}`],
    ["unselected", 27, (i) => `other/x-${i}`],
];

async function seed(lambda: string): Promise<Seeded[]> {
    const sm = secretsManager();
    const west = new SecretsManagerClient({ region: "us-west-2" });
    const plan = FLEET.flatMap(([kind, count, name]) => Array.from({ length: count }, (_, i) => ({ kind, name: name(i), i })));
    return pool(plan, 12, async ({ kind, name, i }) => {
        const tags: Tag[] = [{ Key: "team", Value: i % 3 === 0 ? "payments" : "search" }];
        if (kind === "excluded-tag") tags.push({ Key: "rotation", Value: "manual" });
        if (kind === "managed") tags.push({ Key: "aws:secretsmanager:owningService", Value: "rds" });
        if (kind === "replica") {
            const created = await west.send(new CreateSecretCommand({ Name: name, SecretString: `value-${name}`, Tags: tags, AddReplicaRegions: [{ Region: "us-east-1" }] }));
            return { name, kind, arn: created.ARN!.replace("us-west-2", "us-east-1") };
        }
        const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: `value-${name}`, Tags: tags, ClientRequestToken: versionIdFor(`${name}-v1`) }));
        const days = kind === "ontime" || kind === "declared" ? 30 : kind === "strict" ? 7 : undefined;
        if (days) await sm.send(new RotateSecretCommand({ SecretId: created.ARN!, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: days }, RotateImmediately: false }));
        if (kind === "deleted") await sm.send(new DeleteSecretCommand({ SecretId: created.ARN!, RecoveryWindowInDays: 7 }));
        return { name, kind, arn: created.ARN! };
    });
}

interface Live {
    enabled: boolean;
    days?: number;
    policyTag?: string;
    turnedOnTag?: string;
    ownerTag?: string;
    team?: string;
}

async function liveOf(secrets: Seeded[]): Promise<Map<string, Live>> {
    const sm = secretsManager();
    const entries = await pool(secrets, 12, async (s) => {
        const d = await sm.send(new DescribeSecretCommand({ SecretId: s.arn }));
        const tag = (key: string) => d.Tags?.find((t) => t.Key === key)?.Value;
        return [s.name, { enabled: d.RotationEnabled === true, days: d.RotationRules?.AutomaticallyAfterDays, policyTag: tag(POLICY_TAG), turnedOnTag: tag(TURNED_ON_TAG), ownerTag: tag(OWNER_TAG), team: tag("team") }] as const;
    });
    return new Map(entries);
}

/** The secrets each mutating call of the front's log was about, by operation. */
function mutatedSecrets(fleet: Seeded[]): Record<string, string[]> {
    const byArn = new Map(fleet.map((s) => [s.arn, s.name]));
    const out: Record<string, string[]> = {};
    for (const call of aws.front.calls().filter((c) => MUTATING.includes(c.operation) && c.status === 200)) {
        (out[call.operation] ??= []).push(byArn.get(call.secretId ?? "") ?? call.secretId ?? "?");
    }
    for (const names of Object.values(out)) names.sort();
    return out;
}

/**
 * How the front's log (in order of completion) orders each secret's DescribeSecret and its own
 * calls: `describedFirst`, every secret acted on was described before its first mutating call;
 * `pipelined`, some mutating call ended before the last DescribeSecret (the describes run in the
 * executor's pool with the calls, not as a pass before them).
 */
function describeOrder(fleet: Seeded[]): { describedFirst: boolean; pipelined: boolean } {
    const nameOf = new Map(fleet.flatMap((s) => [[s.arn, s.name], [s.name, s.name]] as const));
    const secretOf = (call: { secretId?: string }) => nameOf.get(call.secretId ?? "") ?? call.secretId ?? "";
    const log = aws.front.calls().filter((c) => c.status === 200 && (c.operation === "DescribeSecret" || MUTATING.includes(c.operation)));
    const describedAt = new Map<string, number>();
    let describedFirst = true;
    log.forEach((call, index) => {
        if (call.operation === "DescribeSecret") describedAt.set(secretOf(call), index);
        else if (!describedAt.has(secretOf(call))) describedFirst = false;
    });
    const lastDescribe = Math.max(...describedAt.values());
    return { describedFirst, pipelined: log.findIndex((call) => call.operation !== "DescribeSecret") < lastDescribe };
}

const POLICY = (lambda: string, overrides: Record<string, unknown> = {}) => ({
    name: "fleet",
    selector: { namePrefixes: ["app/", "svc/"] },
    exclude: { namePrefixes: ["app/tmp/"], tags: [{ key: "rotation", value: "manual" }] },
    mode: "minimum",
    rotationLambdaArn: lambda,
    schedule: { automaticallyAfterDays: 30 },
    rotateImmediately: false,
    ...overrides,
});

/** The stack's policy resources: the one named fleet, and the one named card-data (undefined when absent). */
async function policiesByName(stack: TestStack) {
    const resources = await stack.resourcesOfType(POLICY_TYPE);
    return [resources.find((r) => r.urn.endsWith("::fleet")), resources.find((r) => r.urn.endsWith("::card-data"))] as const;
}

async function newStack(t: TestContext, config: Record<string, unknown>): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config });
    t.after(() => stack.cleanup());
    return stack;
}

describe("a rotation policy over a fleet, end to end", () => {
    test("200 seeded secrets: governs the right ones, names out-of-band breakage in preview --refresh, repairs exactly it, leaves stricter schedules alone, and its destroy turns off only what it turned on", async (t) => {
        const lambda = await createRotationLambda();
        const fleet = await seed(lambda);
        assert.equal(fleet.length, 200);
        const named = (kind: Kind) => fleet.filter((s) => s.kind === kind);
        const declared = named("declared").map((s) => ({ secretId: s.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }));
        // The single declarations come first: they own their secrets before the policy exists.
        const stack = await newStack(t, { "e2e:rotations": declared });
        await withTranscript(t, stack, async () => {
            await stack.up();
            stack.writeConfig({ "e2e:rotations": declared, "e2e:policies": [POLICY(lambda)] });

            // First up of the policy: the plain secrets are marked and turned on; nothing else is touched.
            aws.front.clearCalls();
            const first = await stack.up();
            const plain = named("plain").map((s) => s.name).sort();
            const declaredNames = named("declared").map((s) => s.name).sort();
            assert.deepEqual(
                mutatedSecrets(fleet),
                { TagResource: [...plain, ...declaredNames].sort(), RotateSecret: plain },
                "exactly the plain secrets: mark, then turn on; and it stands by for its stack's declared secrets (the standby tag)",
            );
            // Selected by listing; each secret it acts on described once before its calls, no other.
            const byArn = new Map(fleet.map((s) => [s.arn, s.name]));
            const described = aws.front.calls("DescribeSecret").map((c) => byArn.get(c.secretId ?? "") ?? c.secretId).sort();
            assert.deepEqual(described, [...plain, ...declaredNames].sort(), "one DescribeSecret per secret acted on, none for the others");
            // Each secret described right before its own calls, in the executor's pool: 150 secrets
            // over 32 workers, so a worker's first secret is done before the 33rd is described.
            assert.deepEqual(describeOrder(fleet), { describedFirst: true, pipelined: true }, "each secret described before its calls, the describes overlapping the others' calls");
            const pages = aws.front.callCount("ListSecrets");
            assert.ok(pages <= Math.ceil(188 / 100), `ListSecrets pages: ${pages}`);
            const [policy] = await stack.resourcesOfType(POLICY_TYPE);
            assert.equal((policy!.outputs!.governed as string[]).length, 120 + 20 + 10);
            assert.deepEqual(policy!.outputs!.passedOver, { excluded: 10, scheduledForDeletion: 2, replica: 3, managedByService: 3, ownedByDeclaration: 5, otherPolicy: 0, tagQuota: 0 });
            assert.match(first.stdout, /governs 150 secret\(s\)/);
            const bytesPerSecret = Buffer.byteLength(JSON.stringify(policy)) / 150;
            t.diagnostic(`policy state: ${Buffer.byteLength(JSON.stringify(policy))} bytes, ${bytesPerSecret.toFixed(0)} per governed secret`);
            let live = await liveOf(fleet);
            for (const s of fleet) {
                const l = live.get(s.name)!;
                const expectOn = ["plain", "ontime", "strict", "declared"].includes(s.kind);
                if (s.kind !== "replica" && s.kind !== "deleted") assert.equal(l.enabled, expectOn, `${s.name} (${s.kind}) rotation`);
                assert.equal(l.policyTag !== undefined, s.kind === "plain", `${s.name} (${s.kind}) carries the policy's mark only if the policy acted on it`);
                assert.equal(l.turnedOnTag, l.policyTag, `${s.name} (${s.kind}): both marks, as the policy turned it on`);
            }
            assert.equal(live.get("svc/strict-0")!.days, 7, "minimum mode: a stricter schedule is left alone");

            aws.front.clearCalls();
            await stack.up(["--expect-no-changes"]);
            assert.deepEqual(mutatedSecrets(fleet), {}, "a no-op up makes no call");
            assert.equal(aws.front.calls().length, 0);

            // Out of band: rotation off, a schedule made longer than the maximum (and one made
            // stricter, which is not drift in minimum mode), a failed rotation, a new matching secret.
            const sm = secretsManager();
            const off = named("plain")[4]!;
            const longer = named("ontime")[2]!;
            const stricter = named("ontime")[3]!;
            const failed = named("plain")[9]!;
            await sm.send(new CancelRotateSecretCommand({ SecretId: off.arn }));
            await sm.send(new RotateSecretCommand({ SecretId: longer.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 120 }, RotateImmediately: false }));
            await sm.send(new RotateSecretCommand({ SecretId: stricter.arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 10 }, RotateImmediately: false }));
            await sm.send(new RotateSecretCommand({ SecretId: failed.arn, ClientRequestToken: versionIdFor("policy-failed-candidate") }));
            const { pendingVersionId } = await playRotation(failed.arn, "candidate-value", "testSecret");
            aws.front.setVersionCreatedDate(pendingVersionId, new Date(Date.now() - 3 * 3_600_000));
            const created = await sm.send(new CreateSecretCommand({ Name: "app/new-one", SecretString: "new-value", Tags: [{ Key: "team", Value: "payments" }] }));
            const newOne: Seeded = { name: "app/new-one", arn: created.ARN!, kind: "plain" };
            fleet.push(newOne);

            // preview --refresh names each of them, and makes no mutating call.
            aws.front.clearCalls();
            const preview = await stack.preview(["--refresh"]);
            assert.deepEqual(mutatedSecrets(fleet), {});
            assert.match(preview.stdout, /~ 1 to update/);
            assert.match(preview.stdout, /RotationPolicy fleet update \[diff: ~drift\]/);
            // The lines naming each secret land on the policy resource (Diagnostics), not on the stack.
            const onPolicy = /\n  pulumi-nodejs:dynamic\/secretsmanager:RotationPolicy \(fleet\):\n((?:    [^\n]*\n)*)/.exec(preview.stdout)?.[1] ?? "";
            for (const s of [off, longer, failed, newOne]) assert.match(onPolicy, new RegExp(`^    drift: secret ${s.name}: `, "m"), `preview --refresh names ${s.name}`);
            assert.equal(onPolicy.match(/^    drift: /gm)?.length, 4, onPolicy);
            assert.match(onPolicy, /secret app\/new-one: newly governed: rotation is declared on and is off/);
            assert.match(onPolicy, new RegExp(`secret ${off.name}: rotation was turned off out of band`));
            assert.match(onPolicy, new RegExp(`secret ${longer.name}: schedule every 120 days -> every 30 days`));
            assert.match(onPolicy, new RegExp(`secret ${failed.name}: keep the stranded candidate version ${pendingVersionId}`));
            assert.doesNotMatch(preview.stdout, /pulumi:pulumi:Stack[^\n]*drift:/, "no drift line on the stack");

            // review lists, per secret, what up will call and why, with the drift by property;
            // exit code 6 (drift, and findings: rotation off, a stranded AWSPENDING). Read-only.
            aws.front.clearCalls();
            const reviewed = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json"], stack.projectDir, stack.env, 300_000);
            stack.history.push(reviewed);
            assert.equal(reviewed.code, 6, describeResult(reviewed));
            assert.deepEqual(mutatedSecrets(fleet), {}, "review is read-only");
            const report = JSON.parse(reviewed.stdout) as ReviewReport;
            assert.ok(validateReport(report), ajv.errorsText(validateReport.errors));
            const [policyReview] = report.stacks[0]!.policies!;
            assert.deepEqual(
                { governed: policyReview!.governed, inLine: policyReview!.inLine, step: policyReview!.step, mode: policyReview!.mode },
                { governed: 151, inLine: 147, step: "same", mode: "minimum" },
            );
            assert.equal(policyReview!.passedOver.ownedByDeclaration, 5);
            const bySecret = new Map(report.stacks[0]!.secrets.filter((r) => r.policy === "fleet").map((r) => [r.secretId, r]));
            assert.deepEqual([...bySecret.keys()].sort(), [newOne.name, off.name, longer.name, failed.name].sort());
            const expected: Record<string, { apis: string[]; drift: string[] }> = {
                [off.name]: { apis: ["RotateSecret"], drift: ["enabled"] },
                [longer.name]: { apis: ["TagResource", "RotateSecret"], drift: ["schedule"] },
                [failed.name]: { apis: ["UpdateSecretVersionStage", "UpdateSecretVersionStage"], drift: ["stagingLabels"] },
                [newOne.name]: { apis: ["TagResource", "RotateSecret"], drift: ["secret"] },
            };
            for (const [name, want] of Object.entries(expected)) {
                const r = bySecret.get(name)!;
                assert.deepEqual({ apis: r.plan.calls.map((c) => c.api), drift: r.drift.map((d) => d.property) }, want, name);
                assert.ok(r.plan.calls.every((c) => c.why.length > 0));
                assert.ok(r.plan.notes.some((n) => /pulumi up --refresh/.test(n)), "plain up makes none of these calls");
            }
            assert.deepEqual(bySecret.get(longer.name)!.drift[0], { property: "schedule", recorded: { automaticallyAfterDays: 30 }, live: { automaticallyAfterDays: 120 } });
            const table = await runProcess("node", [CLI, "review", "--stack", stack.stack], stack.projectDir, stack.env, 300_000);
            assert.match(table.stdout, /policy fleet \(same, minimum, 123456789012\/us-east-1\): governs 151 of \d+ listed secret\(s\), 147 in line and not listed; passed over: 10 excluded, 2 scheduledForDeletion, 3 replica, 3 managedByService, 5 ownedByDeclaration/);

            // up --refresh repairs exactly those, and nothing else.
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual(mutatedSecrets(fleet), {
                RotateSecret: [newOne.name, off.name, longer.name].sort(),
                // The new secret: both marks; the one rotating on its own until now: governed (it turned nothing on).
                TagResource: [newOne.name, longer.name].sort(),
                UpdateSecretVersionStage: [failed.name, failed.name],
            });
            const onOff = aws.front.calls("RotateSecret").find((c) => c.secretId === off.arn)!;
            assert.ok(onOff, "rotation restored on the secret turned off");
            assert.deepEqual(undated(await labelsOf(failed.arn)), { [versionIdFor(`${failed.name}-v1`)]: ["AWSCURRENT"], [pendingVersionId]: ["QUARANTINED-" + pendingVersionId] });
            live = await liveOf(fleet);
            assert.equal(live.get(off.name)!.enabled, true);
            assert.equal(live.get(longer.name)!.days, 30);
            assert.equal(live.get(stricter.name)!.days, 10, "minimum mode leaves the stricter schedule");
            assert.equal(live.get(newOne.name)!.policyTag, "organization/e2e/test/fleet");
            assert.equal(live.get(newOne.name)!.turnedOnTag, "organization/e2e/test/fleet");
            assert.deepEqual([live.get(longer.name)!.policyTag, live.get(longer.name)!.turnedOnTag], ["organization/e2e/test/fleet", undefined], "governed, not turned on");
            aws.front.clearCalls();
            await stack.preview(["--refresh", "--expect-no-changes"]);

            // Enforce mode: the same secrets, now every one must have exactly 30 days: only the
            // stricter ones are reconfigured, each marked as governed first (their rotation was on already).
            stack.writeConfig({ "e2e:rotations": declared, "e2e:policies": [POLICY(lambda, { mode: "enforce" })] });
            aws.front.clearCalls();
            await stack.up();
            const reconfigured = [...named("strict").map((s) => s.name), stricter.name].sort();
            assert.deepEqual(mutatedSecrets(fleet), { RotateSecret: reconfigured, TagResource: reconfigured });

            // A second policy over part of the same secrets, listed after the first (the stack
            // program runs policies in order; its name sorts before the first's, so neither up nor
            // the review may go by name): team payments, every 7 days, retain. It passes over
            // every secret the first one marked and acts only on those the first has never acted on
            // (in line with it, so unmarked): each secret ends up with one policy, and the two never
            // undo each other. Before marks on every act, each up flipped these back and forth. One
            // of them (contested) drifts first, so the first policy acts on it in the same up, before
            // the second: the order decides, in up and in the review alike.
            const fleetPolicy = "organization/e2e/test/fleet";
            const cardDataPolicy = "organization/e2e/test/card-data";
            const CARD_DATA = { name: "card-data", selector: { namePrefixes: ["app/", "svc/"], tags: [{ key: "team", value: "payments" }] }, exclude: POLICY(lambda).exclude, mode: "enforce", rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 7 }, rotateImmediately: false, deletionPolicy: "retain" };
            live = await liveOf(fleet);
            const payments = fleet.filter((s) => live.get(s.name)!.team === "payments");
            const unmarked = payments.filter((s) => s.kind === "ontime" && live.get(s.name)!.policyTag === undefined).map((s) => s.name).sort();
            const [contested, ...takenBySecond] = unmarked;
            const keptByFirst = payments.filter((s) => live.get(s.name)!.policyTag === fleetPolicy);
            assert.ok(contested !== undefined && takenBySecond.length > 0 && keptByFirst.length > 0);
            // The second stands by for the payments secrets the first policy holds (for the declared ones, the first stands by already).
            const standingBySecond = [...keptByFirst.map((s) => s.name), contested];
            const contestedArn = fleet.find((s) => s.name === contested)!.arn;
            await sm.send(new RotateSecretCommand({ SecretId: contestedArn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 120 }, RotateImmediately: false }));
            stack.writeConfig({ "e2e:rotations": declared, "e2e:policies": [POLICY(lambda, { mode: "enforce" }), CARD_DATA] });
            // The review judges the policies in the same order as up: the second's calls are exactly those.
            const overlapReview = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json"], stack.projectDir, stack.env, 300_000);
            stack.history.push(overlapReview);
            const overlapReport = JSON.parse(overlapReview.stdout) as ReviewReport;
            const reviewedCalls = (policy: string) =>
                overlapReport.stacks[0]!.secrets.filter((r) => r.policy === policy && r.plan.calls.length > 0).map((r) => `${r.secretId}: ${r.plan.calls.map((c) => c.api).join(",")}`).sort();
            assert.deepEqual(reviewedCalls("fleet"), [`${contested}: TagResource,RotateSecret`]);
            assert.deepEqual(reviewedCalls("card-data"), [...takenBySecond.map((name) => `${name}: TagResource,RotateSecret`), ...standingBySecond.map((name) => `${name}: TagResource`)].sort());
            assert.equal(overlapReport.stacks[0]!.policies!.find((p) => p.resource === "card-data")!.passedOver.otherPolicy, keptByFirst.length + 1);
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual(mutatedSecrets(fleet), { TagResource: [...unmarked, ...standingBySecond].sort(), RotateSecret: unmarked }, "each unmarked secret gets one policy's calls, once");
            live = await liveOf(fleet);
            assert.deepEqual([live.get(contested)!.days, live.get(contested)!.policyTag], [30, fleetPolicy], "the first policy acted on the contested secret first");
            let [, second] = await policiesByName(stack);
            assert.equal((second!.outputs!.passedOver as Record<string, number>).otherPolicy, keptByFirst.length + 1, "and the second passes over every secret the first one marked");
            // The first policy sees those secrets taken (no longer governed), and neither acts again.
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual(mutatedSecrets(fleet), { TagResource: takenBySecond }, "the first policy does not undo the second: it stands by");
            aws.front.clearCalls();
            await stack.up(["--refresh", "--expect-no-changes"]);
            assert.deepEqual(mutatedSecrets(fleet), {}, "and then neither acts again");
            live = await liveOf(fleet);
            for (const name of takenBySecond) assert.deepEqual([live.get(name)!.days, live.get(name)!.policyTag], [7, cardDataPolicy], name);
            // The second policy leaves (retain): it releases its marks and nothing else; the first takes those secrets back.
            stack.writeConfig({ "e2e:rotations": declared, "e2e:policies": [POLICY(lambda, { mode: "enforce" })] });
            aws.front.clearCalls();
            await stack.up();
            // What it took is handed to the first policy, which stood by; its own standby tags are released.
            assert.deepEqual(mutatedSecrets(fleet), { TagResource: takenBySecond, UntagResource: [...takenBySecond, ...standingBySecond].sort() });
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual(mutatedSecrets(fleet), { RotateSecret: takenBySecond }, "the first reconfigures them to its schedule, as an update");
            [, second] = await policiesByName(stack);
            assert.equal(second, undefined);

            // A later single declaration takes a secret over from the policy without takeOver; the
            // policy passes it over from then on and releases its mark.
            const handedOver = named("plain")[0]!;
            const declaredLater = [...declared, { secretId: handedOver.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }];
            stack.writeConfig({ "e2e:rotations": declaredLater, "e2e:policies": [POLICY(lambda, { mode: "enforce" })] });
            aws.front.clearCalls();
            await stack.up();
            await stack.up(["--refresh"]);
            live = await liveOf(fleet);
            assert.equal(live.get(handedOver.name)!.ownerTag, `organization/e2e/test/${handedOver.name}`);
            assert.equal(live.get(handedOver.name)!.policyTag, undefined, "the policy released its mark");
            // The declaration's claim, then the policy's release of its marks and its standby tag.
            assert.deepEqual(mutatedSecrets(fleet), { TagResource: [handedOver.name, handedOver.name], UntagResource: [handedOver.name] });
            const [after] = await stack.resourcesOfType(POLICY_TYPE);
            assert.equal((after!.outputs!.passedOver as Record<string, number>).ownedByDeclaration, 6);

            // The policy leaves the stack (its destroy, deletionPolicy cancel): it turns off exactly
            // the rotation it turned on and releases its marks; everything else stays as it is.
            const before = await liveOf(fleet);
            stack.writeConfig({ "e2e:rotations": declaredLater });
            aws.front.clearCalls();
            await stack.up();
            const turnedOn = fleet.filter((s) => before.get(s.name)?.turnedOnTag !== undefined).map((s) => s.name).sort();
            const marked = fleet.filter((s) => before.get(s.name)?.policyTag !== undefined).map((s) => s.name).sort();
            assert.equal(turnedOn.length, 120, "119 plain secrets and the new one");
            assert.equal(marked.length, 120 + 12 + unmarked.length, "and those it reconfigured (10 strict, one made stricter, one made longer, the contested one, those it took back)");
            assert.deepEqual(mutatedSecrets(fleet), { CancelRotateSecret: turnedOn, UntagResource: [...marked, ...declaredNames, handedOver.name].sort() }, "and its standby tags released");
            assert.deepEqual(describeOrder(fleet), { describedFirst: true, pipelined: true }, "destroy too: each secret described right before its release");
            live = await liveOf(fleet);
            for (const s of fleet) {
                const l = live.get(s.name)!;
                assert.equal(l.policyTag, undefined, `${s.name}: no mark left`);
                assert.equal(l.turnedOnTag, undefined, `${s.name}: no mark left`);
                if (turnedOn.includes(s.name)) assert.equal(l.enabled, false, `${s.name}: the policy turned it on, its destroy turns it off`);
                else if (s.kind !== "replica" && s.kind !== "deleted") assert.equal(l.enabled, before.get(s.name)!.enabled, `${s.name}: left as it was`);
            }
            assert.equal(live.get(handedOver.name)!.enabled, true, "the secret a declaration took over keeps its rotation");
            assert.equal(live.get("app/ontime-0")!.enabled, true, "rotation the policy found on stays on");
            assert.equal(live.get(longer.name)!.enabled, true, "rotation the policy found on and reconfigured stays on");
            assert.equal(live.get("svc/strict-0")!.enabled, true, "rotation the policy found on and reconfigured stays on");
        });
    });

    test("minimum mode never loosens a calendar cron: under a 90-day minimum, crons of days of the month, the last day and the first Monday keep their schedule; rate(120 days) is tightened (issue 21, item 4)", async (t) => {
        const lambda = await createRotationLambda();
        const sm = secretsManager();
        // name → the schedule the team set, and whether it rotates at least every 90 days.
        const schedules: [string, string, boolean][] = [
            ["cal/twice-a-month", "cron(0 4 1,15 * ? *)", true], // at most 17 days apart
            ["cal/last-day", "cron(0 4 L * ? *)", true], // at most 31
            ["cal/first-monday", "cron(0 4 ? * MON#1 *)", true], // at most 35
            ["cal/lax", "rate(120 days)", false],
        ];
        const fleet: Seeded[] = await pool(schedules, 4, async ([name, expression]) => {
            const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: `value-${name}` }));
            await sm.send(new RotateSecretCommand({ SecretId: created.ARN!, RotationLambdaARN: lambda, RotationRules: { ScheduleExpression: expression }, RotateImmediately: false }));
            return { name, arn: created.ARN!, kind: "strict" as const };
        });
        const stack = await newStack(t, {
            "e2e:policies": [POLICY(lambda, { name: "calendar", selector: { namePrefixes: ["cal/"] }, exclude: undefined, schedule: { automaticallyAfterDays: 90 } })],
        });
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(mutatedSecrets(fleet).RotateSecret, ["cal/lax"], "only the 120-day schedule is changed");
            for (const [name, expression, stricter] of schedules) {
                const rules = (await sm.send(new DescribeSecretCommand({ SecretId: fleet.find((s) => s.name === name)!.arn }))).RotationRules;
                assert.deepEqual(rules, stricter ? { ScheduleExpression: expression } : { AutomaticallyAfterDays: 90 }, name);
            }
            // And the crons are in line, not drift.
            await stack.preview(["--refresh", "--expect-no-changes"]);
        });
    });

    test("one failing secret does not stop the others; the error names every failed secret and its cause; a re-run finishes the rest", async (t) => {
        const lambda = await createRotationLambda();
        const sm = secretsManager();
        const fleet: Seeded[] = await pool(Array.from({ length: 12 }, (_, i) => `app/p-${String(i).padStart(2, "0")}`), 6, async (name) => {
            const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: `value-${name}` }));
            return { name, arn: created.ARN!, kind: "plain" as const };
        });
        const failingCalls = [fleet[3]!, fleet[8]!];
        // Its DescribeSecret fails: described in the pool just before its calls, that is this
        // secret's failure alone, not the run's (no call on any secret, as when all were described first).
        const undescribed = fleet[5]!;
        const failing = [fleet[3]!, undescribed, fleet[8]!];
        // Every attempt the SDK makes (8) fails for these: beyond the retries.
        aws.front.script([
            ...failingCalls.flatMap((s) => Array.from({ length: 8 }, () => ({ operation: "RotateSecret", secretId: s.arn, fault: "server-error" as const }))),
            ...Array.from({ length: 8 }, () => ({ operation: "DescribeSecret", secretId: undescribed.arn, fault: "server-error" as const })),
        ]);
        const stack = await newStack(t, { "e2e:policies": [POLICY(lambda, { selector: { namePrefixes: ["app/p-"] }, exclude: undefined, mode: "enforce" })] });
        await withTranscript(t, stack, async () => {
            const first = await stack.up([], { expectCode: 1 });
            const output = first.stdout + first.stderr;
            // The engine shows the failure's reasons, one per failed secret, on the policy.
            assert.match(output, /error: 3 errors occurred:/);
            for (const s of failingCalls) assert.match(output, new RegExp(`\\* secret ${s.name}: RotateSecret on ${s.arn} failed: InternalServiceError`), `names ${s.name} and its cause`);
            assert.match(output, new RegExp(`\\* secret ${undescribed.name}: DescribeSecret on ${undescribed.arn} failed: InternalServiceError`), "names the secret whose DescribeSecret failed");
            assert.equal(aws.front.scriptRemaining(), 0);
            let live = await liveOf(fleet);
            for (const s of fleet) assert.equal(live.get(s.name)!.enabled, !failing.includes(s), `${s.name}: the others are reconciled`);
            for (const s of failingCalls) assert.equal(live.get(s.name)!.policyTag, "organization/e2e/test/fleet", "marked before the call that failed");
            assert.equal(live.get(undescribed.name)!.policyTag, undefined, "no call on a secret that could not be described");
            // The engine kept the partial outputs: the failures, and the nine governed.
            const [policy] = await stack.resourcesOfType(POLICY_TYPE);
            assert.deepEqual(Object.keys(policy!.outputs!.failed as object).sort(), failing.map((s) => s.name));
            assert.equal((policy!.outputs!.governed as string[]).length, 9);

            // Plain up (no refresh) retries exactly the three (the undescribed one marked first).
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(mutatedSecrets(fleet), { RotateSecret: failing.map((s) => s.name), TagResource: [undescribed.name] });
            live = await liveOf(fleet);
            for (const s of fleet) assert.equal(live.get(s.name)!.enabled, true);
            await stack.up(["--expect-no-changes"]);
            await stack.preview(["--refresh", "--expect-no-changes"]);
        });
    });
});
