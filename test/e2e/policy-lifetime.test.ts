// End to end: a rotation policy (SecretRotationPolicy) over its lifetime, with the real pulumi CLI
// against moto behind the AWS front. A listing that lags (AWS: "ListSecrets might not reflect
// changes from the last five minutes"; the front's lagListings) must not make the policy act on
// what the listing says rather than on what the secret is: every secret with work is described
// before any call on it, and destroy finds the secrets the state records as governed even when the
// listing does not show their marks yet.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import { CreateSecretCommand, DescribeSecretCommand, RotateSecretCommand, TagResourceCommand } from "@aws-sdk/client-secrets-manager";

import type { ReviewReport } from "../../src/review/report";
import { describeResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { createRotationLambda, secretsManager } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const POLICY_TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationPolicy";
const POLICY_TAG = "pulumi-secret-rotation:policy";
const TURNED_ON_TAG = "pulumi-secret-rotation:policy-turned-on";
const OWNER_TAG = "pulumi-secret-rotation:owner";
const STANDBY_TAG = "pulumi-secret-rotation:policy-standby";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource"];

async function newStack(t: TestContext, config: Record<string, unknown>): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config });
    t.after(() => stack.cleanup());
    return stack;
}

async function seed(names: string[]): Promise<Map<string, string>> {
    const arns = new Map<string, string>();
    for (const name of names) arns.set(name, (await secretsManager().send(new CreateSecretCommand({ Name: name, SecretString: `${name}-value` }))).ARN!);
    return arns;
}

interface Live {
    enabled: boolean;
    tags: Record<string, string>;
}
async function live(arn: string): Promise<Live> {
    const d = await secretsManager().send(new DescribeSecretCommand({ SecretId: arn }));
    return { enabled: d.RotationEnabled === true, tags: Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value!])) };
}

/** The mutating calls the front logged, per secret ARN. */
function mutationsBySecret(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const call of aws.front.calls()) {
        if (!MUTATING.includes(call.operation) || !call.secretId) continue;
        out.set(call.secretId, [...(out.get(call.secretId) ?? []), call.operation]);
    }
    return out;
}

const policy = (lambda: string, overrides: Record<string, unknown> = {}) => ({
    name: "fleet",
    selector: { namePrefixes: ["life/"] },
    rotationLambdaArn: lambda,
    schedule: { automaticallyAfterDays: 30 },
    rotateImmediately: false,
    ...overrides,
});

describe("a rotation policy over its lifetime", () => {
    test("a lagging listing: destroy minutes after up releases every secret the policy turned on; a declaration's claim made earlier in the same up is respected", async (t) => {
        const lambda = await createRotationLambda();
        const names = ["life/a", "life/b", "life/c", "life/claimed"];
        const arns = await seed(names);
        const stack = await newStack(t, { "e2e:policies": [policy(lambda)] });
        await withTranscript(t, stack, async () => {
            // The listing lags from before the first up to after the destroy: it never shows the marks.
            aws.front.lagListings();
            await stack.up();
            for (const name of ["life/a", "life/b", "life/c", "life/claimed"]) {
                const l = await live(arns.get(name)!);
                assert.deepEqual([l.enabled, l.tags[POLICY_TAG] !== undefined, l.tags[TURNED_ON_TAG] !== undefined], [true, true, true], `${name}: turned on and marked`);
            }

            // A declaration of life/claimed arrives and claims it (every 7 days). The next refreshed
            // up finds the policy's record out of date, on a listing that still shows the secret
            // unclaimed and off: the policy must see the owner tag (DescribeSecret) and let the
            // secret go — release its marks, never reconfigure nor cancel the declared rotation.
            stack.writeConfig({
                "e2e:rotations": [{ secretId: "life/claimed", rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 7 }, rotateImmediately: false, deletionPolicy: "retain" }],
                "e2e:policies": [policy(lambda)],
            });
            await stack.up(["--refresh"]);
            // The review, on the same lagging listing, says what up will do: release the marks, nothing else.
            const review = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json"], stack.projectDir, stack.env, 300_000);
            stack.history.push(review);
            const reviewed = (JSON.parse(review.stdout) as ReviewReport).stacks[0]!.secrets.filter((s) => s.policy === "fleet" && s.plan.calls.length > 0);
            assert.deepEqual(reviewed.map((s) => [s.secretId, s.plan.calls.map((c) => c.api)]), [["life/claimed", ["UntagResource", "TagResource"]]], describeResult(review));
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual(mutationsBySecret().get(arns.get("life/claimed")!), ["UntagResource", "TagResource"], "the policy only releases its marks, and stands by");
            assert.deepEqual([...mutationsBySecret().keys()], [arns.get("life/claimed")!], "and touches nothing else");
            const claimed = await live(arns.get("life/claimed")!);
            assert.match(claimed.tags[OWNER_TAG] ?? "", /\/e2e\/test\//, "owned by the declaration");
            assert.equal(claimed.enabled, true, "rotation stays on");
            assert.deepEqual([claimed.tags[POLICY_TAG], claimed.tags[TURNED_ON_TAG], claimed.tags[STANDBY_TAG]], [undefined, undefined, "organization/e2e/test/fleet"], "the policy's marks are released; it stands by");
            const described = await secretsManager().send(new DescribeSecretCommand({ SecretId: arns.get("life/claimed")! }));
            assert.equal(described.RotationRules?.AutomaticallyAfterDays, 7, "the declaration's schedule, not the policy's");
            const [resource] = await stack.resourcesOfType(POLICY_TYPE);
            assert.deepEqual(resource!.outputs!.governed, ["life/a", "life/b", "life/c"]);

            // Destroy, the listing still lagging: every secret the state records as governed is
            // described, so the ones the policy turned on are turned off and unmarked.
            aws.front.clearCalls();
            const destroyed = await stack.destroy();
            assert.match(destroyed.stdout, /released the marks on 4 secret\(s\) this policy had acted on, with CancelRotateSecret on 3/);
            for (const name of ["life/a", "life/b", "life/c"]) {
                const l = await live(arns.get(name)!);
                assert.deepEqual([l.enabled, l.tags[POLICY_TAG], l.tags[TURNED_ON_TAG]], [false, undefined, undefined], `${name}: turned off and unmarked`);
            }
            assert.equal((await live(arns.get("life/claimed")!)).enabled, true, "the declared secret keeps its rotation");
        });
    });

    test("a renamed policy hands its secrets over (the new one stands by, the old one's delete hands over): zero CancelRotateSecret, zero RotateSecret, its marks under the new name, and the next refreshed up is quiet", async (t) => {
        const lambda = await createRotationLambda();
        const arns = await seed(["life/x", "life/y", "life/z"]);
        const stack = await newStack(t, { "e2e:policies": [policy(lambda)] });
        await withTranscript(t, stack, async () => {
            await stack.up();
            for (const arn of arns.values()) assert.equal((await live(arn)).enabled, true);

            // The entry renamed (fleet -> app-fleet): the engine creates app-fleet, then deletes fleet.
            stack.writeConfig({ "e2e:policies": [policy(lambda, { name: "app-fleet" })] });
            aws.front.clearCalls();
            await stack.up();
            const calls = aws.front.calls().map((c) => c.operation);
            assert.equal(calls.filter((c) => c === "CancelRotateSecret").length, 0, "no rotation turned off");
            assert.equal(calls.filter((c) => c === "RotateSecret").length, 0, "no rotation, no reconfiguration");
            for (const [name, arn] of arns) {
                const l = await live(arn);
                assert.deepEqual([l.enabled, l.tags[POLICY_TAG], l.tags[TURNED_ON_TAG]], [true, "organization/e2e/test/app-fleet", "organization/e2e/test/app-fleet"], `${name}: handed over`);
            }
            // No burst later: a refreshed up records them as governed and makes no call.
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual([...mutationsBySecret().keys()], [], "the next refreshed up makes no call");
            const policies = await stack.resourcesOfType(POLICY_TYPE);
            assert.deepEqual(policies.map((p) => [p.urn.split("::").pop(), p.outputs!.governed]), [["app-fleet", ["life/x", "life/y", "life/z"]]]);

            // A declared change: the preview names each secret it lets go of or reconfigures, before any change.
            stack.writeConfig({ "e2e:policies": [policy(lambda, { name: "app-fleet", exclude: { names: ["life/z"] }, schedule: { automaticallyAfterDays: 45 } })] });
            aws.front.clearCalls();
            const preview = await stack.preview(["--diff"]);
            const said = preview.stdout + preview.stderr; // with --diff, the engine writes the lines on the resource to stderr
            assert.match(said, /change: secret life\/z: no longer governed \(excluded by name life\/z\): deletionPolicy is cancel: turn rotation off/, said);
            for (const name of ["life/x", "life/y"]) assert.match(said, new RegExp(`change: secret ${name}: schedule every 30 days -> every 45 days`), said);
            assert.deepEqual([...mutationsBySecret().keys()], [], "the preview changes nothing");
            await stack.up();
            assert.deepEqual(await live(arns.get("life/z")!), { enabled: false, tags: {} }, "life/z: let go (the policy had turned it on)");

            // The new name's destroy acts as the old one's would have: it turned them on.
            await stack.destroy();
            for (const [name, arn] of arns) assert.deepEqual(await live(arn), { enabled: false, tags: {} }, `${name}: turned off and unmarked`);
        });
    });

    test("a declaration removed hands its secret to the policy standing by: no gap, no rotation; and back: a declaration takes a governed secret without a gap", async (t) => {
        const lambda = await createRotationLambda();
        const arns = await seed(["life/held", "life/free"]);
        const held = arns.get("life/held")!;
        const declaration = { secretId: "life/held", rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false };
        const stack = await newStack(t, { "e2e:rotations": [declaration], "e2e:policies": [policy(lambda)] });
        await withTranscript(t, stack, async () => {
            await stack.up();
            const standing = await live(held);
            assert.deepEqual([standing.enabled, standing.tags[STANDBY_TAG], standing.tags[POLICY_TAG]], [true, "organization/e2e/test/fleet", undefined], "declared, the policy stands by");

            // The declaration removed: its delete hands the secret over instead of cancelling.
            stack.writeConfig({ "e2e:policies": [policy(lambda)] });
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(mutationsBySecret().get(held), ["TagResource", "UntagResource"], "no CancelRotateSecret: the gap of a delete then a re-enable is gone");
            const handed = await live(held);
            assert.deepEqual([handed.enabled, handed.tags[POLICY_TAG], handed.tags[OWNER_TAG], handed.tags[STANDBY_TAG]], [true, "organization/e2e/test/fleet", undefined, undefined]);
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual(mutationsBySecret().get(held), undefined, "no rotation because of the move: the policy finds it in line");
            const [resource] = await stack.resourcesOfType(POLICY_TYPE);
            assert.deepEqual(resource!.outputs!.governed, ["life/free", "life/held"]);

            // And back: a declaration of a governed secret claims it; rotation is never off in between.
            stack.writeConfig({ "e2e:rotations": [declaration], "e2e:policies": [policy(lambda)] });
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.ok(!(mutationsBySecret().get(held) ?? []).includes("CancelRotateSecret"));
            assert.equal((await live(held)).enabled, true);
        });
    });

    test("a lost state (stack rm --force): before, the new stack's policy passes every secret over forever; the review --all names the orphaned marks and owner tag with how to reclaim; takeOverFrom takes them over with 0 RotateSecret and 0 CancelRotateSecret, shown in the preview and the review first", async (t) => {
        const lambda = await createRotationLambda();
        const arns = await seed(["orph/a", "orph/b", "orph/db"]);
        const db = arns.get("orph/db")!;
        // orph/db: what a SecretRotationState create that failed after its claim leaves (the claim is
        // its first call): the owner tag of a declaration the state never recorded, rotation on.
        await secretsManager().send(new RotateSecretCommand({ SecretId: db, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
        await secretsManager().send(new TagResourceCommand({ SecretId: db, Tags: [{ Key: OWNER_TAG, Value: "organization/e2e/test/orph-db" }] }));
        const old = { name: "old-fleet", selector: { namePrefixes: ["orph/"] }, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false };
        const stack = await newStack(t, { "e2e:policies": [old] });
        await withTranscript(t, stack, async () => {
            await stack.up();
            assert.deepEqual((await live(arns.get("orph/a")!)).tags[TURNED_ON_TAG], "organization/e2e/test/old-fleet");

            // The state is lost: the stack removed without destroy, and made again with a policy of another name.
            await stack.run(["stack", "rm", "--force", "--yes", stack.stack]);
            await stack.run(["stack", "init", stack.stack]);
            // The default rotateImmediately (true): a secret newly governed the ordinary way would rotate now.
            const fleet = { name: "new-fleet", selector: { namePrefixes: ["orph/"] }, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 } };
            stack.writeConfig({ "e2e:policies": [fleet] });
            await stack.up();
            const [before] = await stack.resourcesOfType(POLICY_TYPE);
            assert.deepEqual(before!.outputs!.governed, [], "before: nothing governed");
            assert.deepEqual([(before!.outputs!.passedOver as Record<string, number>).otherPolicy, (before!.outputs!.passedOver as Record<string, number>).ownedByDeclaration], [2, 1], "every secret passed over");

            // The review (--all lists the region) names the orphans, each with how to reclaim it.
            const reviewOrphans = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--all", "--format", "json", "--no-progress"], stack.projectDir, stack.env, 300_000);
            stack.history.push(reviewOrphans);
            const orphans = (JSON.parse(reviewOrphans.stdout) as ReviewReport).stacks[0]!.orphans!;
            assert.equal(orphans.identityPrefix, "organization/e2e/test");
            const ours = orphans.orphaned.filter((o) => o.name.startsWith("orph/"));
            assert.deepEqual(
                ours.map((o) => [o.name, o.tag, o.identity]),
                [
                    ["orph/a", POLICY_TAG, "organization/e2e/test/old-fleet"],
                    ["orph/a", TURNED_ON_TAG, "organization/e2e/test/old-fleet"],
                    ["orph/b", POLICY_TAG, "organization/e2e/test/old-fleet"],
                    ["orph/b", TURNED_ON_TAG, "organization/e2e/test/old-fleet"],
                    ["orph/db", OWNER_TAG, "organization/e2e/test/orph-db"],
                    ["orph/db", STANDBY_TAG, "organization/e2e/test/old-fleet"],
                ],
                describeResult(reviewOrphans),
            );
            assert.match(ours[0]!.reclaim, /takeOverFrom: \["organization\/e2e\/test\/old-fleet"\]/);
            assert.match(ours[4]!.reclaim, /takeOver: true.*takeOverFrom: \["organization\/e2e\/test\/orph-db"\]/);

            // Reclaimed: the preview and the review show the take-over before up.
            stack.writeConfig({ "e2e:policies": [{ ...fleet, takeOverFrom: ["organization/e2e/test/old-fleet", "organization/e2e/test/orph-db"] }] });
            const preview = await stack.preview(["--diff"]);
            const previewed = preview.stdout + preview.stderr;
            for (const name of ["orph/a", "orph/b"]) assert.match(previewed, new RegExp(`change: secret ${name}: newly governed, taken over from organization/e2e/test/old-fleet \\(takeOverFrom\\)`));
            assert.match(previewed, /change: secret orph\/db: newly governed, taken over from organization\/e2e\/test\/orph-db \(takeOverFrom\)/);
            const planned = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json", "--no-progress"], stack.projectDir, stack.env, 300_000);
            stack.history.push(planned);
            const calls = Object.fromEntries((JSON.parse(planned.stdout) as ReviewReport).stacks[0]!.secrets.filter((s) => s.policy === "new-fleet").map((s) => [s.secretId, s.plan.calls.map((c) => `${c.api}: ${c.why}`)]));
            assert.deepEqual(Object.keys(calls).sort(), ["orph/a", "orph/b", "orph/db"], describeResult(planned));
            assert.match(calls["orph/a"]![0]!, /^TagResource: takeOverFrom organization\/e2e\/test\/old-fleet: take the secret over from/);
            assert.deepEqual(calls["orph/db"]!.map((c) => c.split(":")[0]), ["TagResource", "UntagResource"]);

            aws.front.clearCalls();
            const taken = await stack.up();
            assert.match(taken.stdout, /took over 3 \(takeOverFrom\): organization\/e2e\/test\/old-fleet, organization\/e2e\/test\/orph-db/);
            assert.equal(aws.front.callCount("RotateSecret"), 0, "no rotation because of the take-over");
            assert.equal(aws.front.callCount("CancelRotateSecret"), 0);
            for (const name of ["orph/a", "orph/b"]) {
                const l = await live(arns.get(name)!);
                assert.deepEqual([l.enabled, l.tags[POLICY_TAG], l.tags[TURNED_ON_TAG], l.tags[STANDBY_TAG]], [true, "organization/e2e/test/new-fleet", "organization/e2e/test/new-fleet", undefined], `${name}: taken over`);
            }
            const reclaimed = await live(db);
            assert.deepEqual(
                [reclaimed.enabled, reclaimed.tags[OWNER_TAG], reclaimed.tags[POLICY_TAG], reclaimed.tags[TURNED_ON_TAG], reclaimed.tags[STANDBY_TAG]],
                [true, undefined, "organization/e2e/test/new-fleet", undefined, undefined],
                "the orphaned claim reclaimed; not marked turned-on (this policy did not turn it on: its destroy leaves it on)",
            );
            const [after] = await stack.resourcesOfType(POLICY_TYPE);
            assert.deepEqual(after!.outputs!.governed, ["orph/a", "orph/b", "orph/db"]);
            aws.front.clearCalls();
            await stack.up(["--refresh"]);
            assert.deepEqual([...mutationsBySecret().keys()], [], "the next refreshed up is quiet");
        });
    });
});
