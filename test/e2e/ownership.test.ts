// End to end: one owner per secret. The real pulumi CLI runs the stack program (or a program with a
// component) against moto behind the AWS front; every command's Secrets Manager calls are read from
// the front's log, and the owner tag from DescribeSecret, as anyone with read access would see it.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import { UntagResourceCommand } from "@aws-sdk/client-secrets-manager";
import Ajv from "ajv";
import addFormats from "ajv-formats";

import type { ReviewReport } from "../../src/review/report";
import { describeResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const COMPONENT_PROGRAM = join(repoRoot(), "dist", "test", "e2e", "programs", "component-move.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";
// The documented tag (docs/design.md, "One owner per secret"): spelled out here, not imported.
const OWNER_TAG = "pulumi-secret-rotation:owner";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue"];

const operations = () => aws.front.calls().map((c) => c.operation);

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync(join(repoRoot(), "schemas", "review-report.v1.json"), "utf8")));

/** `pulumi-secret-rotation review --format json` in the project, as a user runs it. */
async function review(stack: TestStack): Promise<ReviewReport> {
    const result = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json", "--no-progress"], stack.projectDir, stack.env, 300_000);
    stack.history.push(result);
    assert.ok([0, 2, 4, 6].includes(result.code), describeResult(result));
    const report = JSON.parse(result.stdout) as ReviewReport;
    assert.ok(validateReport(report), `the report must match the schema: ${ajv.errorsText(validateReport.errors)}`);
    return report;
}
const mutatingCalls = () => aws.front.calls().filter((c) => MUTATING.includes(c.operation));

async function newStack(t: TestContext, stack: string, rotations: unknown[]): Promise<TestStack> {
    const created = await TestStack.create({ program: PROGRAM, env: aws.env, stack, config: { "e2e:rotations": rotations } });
    t.after(() => created.cleanup());
    return created;
}

/** Whether rotation is on, its rules, and the owner tag: what another stack's command must not change. */
async function live(arn: string) {
    const d = await describeSecret(arn);
    return { enabled: d.RotationEnabled === true, rules: d.RotationRules, owner: d.Tags?.find((tag) => tag.Key === OWNER_TAG)?.Value };
}

/** The owner tag names `organization/<project>/<stack>/<path>` ("organization": a file backend's organization). */
const owner = (tag: string | undefined, rest: string) => {
    assert.equal(tag, `organization/${rest}`, "the owner tag");
    return tag!;
};

describe("one owner per secret, end to end", () => {
    test("a rename without alias keeps rotation on: the new declaration takes over, the old one's delete leaves rotation as it is", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/renamed", "value-renamed");
        const declare = (name: string) => [{ name, secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }];
        const stack = await newStack(t, "prod", declare("db-old"));
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource", "RotateSecret", "DescribeSecret"], "enable claims ownership before RotateSecret");
            owner((await live(secret.arn)).owner, "e2e/prod/db-old");

            stack.writeConfig({ "e2e:rotations": declare("db-new") });
            // The review says what up will do: the new declaration claims the secret, and so the
            // old one's delete (which runs after it) makes no call.
            const planned = Object.fromEntries((await review(stack)).stacks[0]!.secrets.map((r) => [r.resource, r]));
            assert.equal(planned["db-new"]?.step, "create");
            assert.deepEqual(planned["db-new"]?.plan.calls.map((c) => c.call), [`TagResource(${OWNER_TAG}=${(await live(secret.arn)).owner?.replace(/db-old$/, "db-new")})`]);
            assert.equal(planned["db-old"]?.step, "delete");
            assert.deepEqual(planned["db-old"]?.plan.calls, []);
            assert.match(planned["db-old"]?.plan.notes.join("\n") ?? "", /is owned by \S+\/e2e\/prod\/db-new .*its rotation is left as it is/);
            assert.match(planned["db-old"]?.live.owner ?? "", /\/e2e\/prod\/db-old$/, "the live owner is reported as it is now");

            aws.front.clearCalls();
            const renamed = await stack.up();
            // create db-new (observe, take over), then delete db-old (observe; another declaration owns it).
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource", "DescribeSecret"]);
            const after = await live(secret.arn);
            assert.equal(after.enabled, true, "rotation stays on");
            assert.deepEqual(after.rules, { AutomaticallyAfterDays: 30 });
            const newOwner = owner(after.owner, "e2e/prod/db-new");
            assert.match(renamed.stdout, new RegExp(`is owned by ${newOwner.replace(/[/$]/g, "\\$&")} .*its rotation is left as it is`));
            assert.deepEqual((await stack.resourcesOfType(TYPE)).map((r) => r.urn.slice(r.urn.lastIndexOf("::") + 2)), ["db-new"]);

            aws.front.clearCalls();
            await stack.up(["--expect-no-changes"]);
            assert.deepEqual(operations(), [], "a no-op up makes no call");

            aws.front.clearCalls();
            await stack.destroy();
            assert.deepEqual(operations(), ["DescribeSecret", "CancelRotateSecret", "UntagResource"], "the owner's destroy cancels, then releases");
            assert.deepEqual(await live(secret.arn), { enabled: false, rules: { AutomaticallyAfterDays: 30 }, owner: undefined });
        });
    });

    test("moving a declaration into a component without an alias keeps rotation on", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/moved", "value-moved");
        const config = (inComponent: boolean) => ({ "e2e:secretId": secret.arn, "e2e:lambda": lambda, "e2e:inComponent": inComponent });
        const stack = await TestStack.create({ program: COMPONENT_PROGRAM, env: aws.env, stack: "prod", config: config(false) });
        t.after(() => stack.cleanup());
        await withTranscript(t, stack, async () => {
            await stack.up();
            owner((await live(secret.arn)).owner, "e2e/prod/db");

            stack.writeConfig(config(true));
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource", "DescribeSecret"]);
            const after = await live(secret.arn);
            assert.equal(after.enabled, true, "rotation stays on");
            // The child's identity has its parent's type, as its URN does; `$` is not a tag character, so the value ends in a hash.
            assert.match(after.owner ?? "", /^[^/]+\/e2e\/prod\/e2e:index:Rotations_db@sha256:[0-9a-f]{16}$/);
            assert.deepEqual(mutatingCalls().map((c) => c.operation), ["TagResource"]);
        });
    });

    test("two stacks on one secret: the second fails at create naming the owner, with zero mutating calls", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/shared", "value-shared");
        const declaration = [{ name: "db", secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }];
        const prod = await newStack(t, "prod", declaration);
        await withTranscript(t, prod, async () => void (await prod.up()));
        const before = await live(secret.arn);
        const prodOwner = owner(before.owner, "e2e/prod/db");

        // The same declaration, in another stack; the live rotation matches, so before ownership this adopted silently.
        const staging = await newStack(t, "staging", declaration);
        await withTranscript(t, staging, async () => {
            const reviewed = (await review(staging)).stacks[0]!.secrets[0]!;
            assert.match(reviewed.plan.blocked ?? "", /is owned by \S+\/e2e\/prod\/db /, "review shows the refusal before up");
            aws.front.clearCalls();
            const refused = await staging.up([], { expectCode: 1 });
            const text = refused.stdout + refused.stderr;
            assert.match(text, new RegExp(`is owned by ${prodOwner.replace(/[/$]/g, "\\$&")} \\(tag ${OWNER_TAG}\\), stack [^ ]+/e2e/prod; nothing was changed`));
            assert.match(text, /takeOver: true/);
            assert.deepEqual(operations(), ["DescribeSecret"], "refused after one observation");
            assert.deepEqual(mutatingCalls(), []);
            assert.deepEqual(await live(secret.arn), before, "rotation and owner unchanged");
            assert.deepEqual(await staging.resourcesOfType(TYPE), [], "nothing was created");
        });
    });

    /** prod owns the secret; staging takes it over with takeOver: true. */
    async function handOver(t: TestContext, name: string) {
        const lambda = await createRotationLambda();
        const secret = await createSecret(name, `value-${name}`);
        const declare = (days: number, extra: Record<string, unknown> = {}) => [
            { name: "db", secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: days }, rotateImmediately: false, ...extra },
        ];
        const prod = await newStack(t, "prod", declare(30));
        await withTranscript(t, prod, async () => void (await prod.up()));
        const staging = await newStack(t, "staging", declare(30, { takeOver: true }));
        await withTranscript(t, staging, async () => {
            aws.front.clearCalls();
            const taken = await staging.up();
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource"], "adopt with takeOver: observe, re-tag");
            assert.match(taken.stdout, /takeOver: take ownership over from [^ ]+\/e2e\/prod\/db/);
        });
        return { secret, prod, staging, declare };
    }

    test("a hand-over between stacks: takeOver re-tags; the old owner's next change is refused naming the new one", async (t) => {
        const { secret, prod, declare } = await handOver(t, "app/handed-over");
        const stagingOwner = owner((await live(secret.arn)).owner, "e2e/staging/db");
        assert.equal((await live(secret.arn)).enabled, true);

        await withTranscript(t, prod, async () => {
            prod.writeConfig({ "e2e:rotations": declare(7) });
            aws.front.clearCalls();
            const refused = await prod.up([], { expectCode: 1 });
            assert.match(refused.stdout + refused.stderr, new RegExp(`is owned by ${stagingOwner.replace(/[/$]/g, "\\$&")} `));
            assert.deepEqual(mutatingCalls(), []);
            assert.deepEqual((await live(secret.arn)).rules, { AutomaticallyAfterDays: 30 }, "the old owner changed nothing");
        });
    });

    test("destroy of the old owner after a hand-over leaves rotation on; the new owner's destroy turns it off", async (t) => {
        const { secret, prod, staging } = await handOver(t, "app/handed-then-destroyed");
        const labels = await labelsOf(secret.arn);
        await withTranscript(t, prod, async () => {
            aws.front.clearCalls();
            const destroyed = await prod.destroy();
            assert.deepEqual(operations(), ["DescribeSecret"], "no call but the observation");
            assert.match(destroyed.stdout, /is owned by [^ ]+\/e2e\/staging\/db .*its rotation is left as it is, and the tag too/);
            const after = await live(secret.arn);
            assert.equal(after.enabled, true, "rotation stays on");
            owner(after.owner, "e2e/staging/db");
            assert.deepEqual(await labelsOf(secret.arn), labels);
            assert.deepEqual(await prod.resourcesOfType(TYPE), []);
        });
        await withTranscript(t, staging, async () => {
            aws.front.clearCalls();
            await staging.destroy();
            assert.deepEqual(operations(), ["DescribeSecret", "CancelRotateSecret", "UntagResource"]);
            assert.deepEqual(await live(secret.arn), { enabled: false, rules: { AutomaticallyAfterDays: 30 }, owner: undefined });
        });
    });

    test("destroy releases the tag (retain leaves rotation on): another stack then declares the secret without takeOver", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/released", "value-released");
        const declaration = [{ name: "db", secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false, deletionPolicy: "retain" }];
        const prod = await newStack(t, "prod", declaration);
        await withTranscript(t, prod, async () => {
            await prod.up();
            aws.front.clearCalls();
            await prod.destroy();
            assert.deepEqual(operations(), ["DescribeSecret", "UntagResource"]);
            assert.deepEqual(await live(secret.arn), { enabled: true, rules: { AutomaticallyAfterDays: 30 }, owner: undefined });
        });
        const staging = await newStack(t, "staging", declaration);
        await withTranscript(t, staging, async () => {
            aws.front.clearCalls();
            await staging.up();
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource"], "adopting an untagged secret claims it");
            owner((await live(secret.arn)).owner, "e2e/staging/db");
        });
    });

    test("secrets declared before ownership tags keep working: a no-op up makes no call, the first update tags, an untagged destroy cancels", async (t) => {
        const lambda = await createRotationLambda();
        const secret = await createSecret("app/legacy", "value-legacy");
        const declare = (days: number) => [{ name: "db", secretId: secret.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: days }, rotateImmediately: false }];
        const stack = await newStack(t, "prod", declare(30));
        await withTranscript(t, stack, async () => {
            await stack.up();
            // What a stack from before ownership tags looks like: no tag on the secret, no identity in state.
            await secretsManager().send(new UntagResourceCommand({ SecretId: secret.arn, TagKeys: [OWNER_TAG] }));
            const state = await stack.exportState();
            for (const resource of state.deployment.resources ?? []) {
                if (resource.type !== TYPE) continue;
                delete resource.inputs?.__owner;
                delete (resource.outputs?.declared as Record<string, unknown> | undefined)?.owner;
            }
            const file = join(stack.root, "legacy-state.json");
            writeFileSync(file, JSON.stringify(state));
            await stack.run(["stack", "import", "--file", file, "--stack", stack.stack]);

            aws.front.clearCalls();
            await stack.up(["--expect-no-changes"]);
            assert.deepEqual(operations(), [], "upgrading shows no change and makes no call");

            stack.writeConfig({ "e2e:rotations": declare(7) });
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(operations(), ["DescribeSecret", "TagResource", "RotateSecret", "DescribeSecret"], "the first update claims it");
            owner((await live(secret.arn)).owner, "e2e/prod/db");

            // Untagged again (e.g. by hand): destroy acts as its only known declaration, as before ownership tags.
            await secretsManager().send(new UntagResourceCommand({ SecretId: secret.arn, TagKeys: [OWNER_TAG] }));
            aws.front.clearCalls();
            const destroyed = await stack.destroy();
            assert.deepEqual(operations(), ["DescribeSecret", "CancelRotateSecret"]);
            assert.match(destroyed.stdout, /has no pulumi-secret-rotation:owner tag: this declaration acts on it as its only known declaration/);
            assert.equal((await live(secret.arn)).enabled, false);
        });
    });

    test("owner namespace (secret-rotation:ownerNamespace): unset on a file backend, one warning per stack; set, the next up re-tags with no Cancel and no Rotate; another repo on another backend with the same project and stack names is refused naming the owner; stack export | import into a third backend keeps the identity", async (t) => {
        const lambda = await createRotationLambda();
        const one = await createSecret("ns/one", "value-ns-one");
        const two = await createSecret("ns/two", "value-ns-two");
        const governed = await createSecret("nsfleet/x", "value-nsfleet-x");
        const rotations = [one, two].map((s) => ({ secretId: s.name, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }));
        const policies = [{ name: "fleet", selector: { namePrefixes: ["nsfleet/"] }, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }];
        const config = (namespace?: string) => ({ "e2e:rotations": rotations, "e2e:policies": policies, ...(namespace ? { "secret-rotation:ownerNamespace": namespace } : {}) });
        const repo = async (stackConfig: Record<string, unknown>) => {
            const created = await TestStack.create({ program: PROGRAM, env: aws.env, stack: "prod", config: stackConfig });
            t.after(() => created.cleanup());
            return created;
        };
        const tagsOf = async (arn: string) => Object.fromEntries(((await describeSecret(arn)).Tags ?? []).map((tag) => [tag.Key!, tag.Value!]));
        const SHARED = /another repository on another self-managed backend with the same project and stack names would share them/g;

        const first = await repo(config());
        await withTranscript(t, first, async () => {
            const up = await first.up();
            // The engine prints each warning as it comes and again under Diagnostics: counted there.
            const diagnostics = (text: string) => text.slice(text.lastIndexOf("Diagnostics:"));
            assert.equal((diagnostics(up.stdout).match(SHARED) ?? []).length, 1, "one warning for the stack, not one per resource");
            assert.match(up.stdout, /pulumi config set secret-rotation:ownerNamespace <team-or-repo>/);
            owner((await live(one.arn)).owner, "e2e/prod/ns/one");

            // The namespace set on the existing stack: a new identity, re-tagged from the recorded one.
            first.writeConfig(config("team-a"));
            aws.front.clearCalls();
            const renamed = await first.up();
            assert.equal((renamed.stdout.match(SHARED) ?? []).length, 0, "no warning once a namespace is set");
            assert.equal(aws.front.callCount("CancelRotateSecret"), 0);
            assert.equal(aws.front.callCount("RotateSecret"), 0);
            assert.deepEqual([...new Set(mutatingCalls().map((c) => c.operation))], ["TagResource"], "re-tagging only");
            assert.equal((await live(one.arn)).owner, "team-a/e2e/prod/ns/one");
            assert.equal((await live(two.arn)).owner, "team-a/e2e/prod/ns/two");
            const marks = await tagsOf(governed.arn);
            assert.deepEqual([marks["pulumi-secret-rotation:policy"], marks["pulumi-secret-rotation:policy-turned-on"]], ["team-a/e2e/prod/fleet", "team-a/e2e/prod/fleet"], "the policy re-marked under the namespace");
            assert.equal((await live(one.arn)).enabled, true);
        });

        // Another repository, another file backend, the same project and stack names: before the
        // namespace, its identity was the same and it took ns/one as its own without a word.
        const second = await repo({ "e2e:rotations": [rotations[0]], "secret-rotation:ownerNamespace": "team-b" });
        await withTranscript(t, second, async () => {
            aws.front.clearCalls();
            const refused = await second.up([], { expectCode: 1 });
            assert.match(refused.stdout + refused.stderr, /is owned by team-a\/e2e\/prod\/ns\/one \(tag pulumi-secret-rotation:owner\), stack team-a\/e2e\/prod; nothing was changed/);
            assert.deepEqual(mutatingCalls(), []);
            const bad = await repo({ "e2e:rotations": [rotations[0]], "secret-rotation:ownerNamespace": "team/b" });
            const invalid = await bad.up([], { expectCode: 1 });
            assert.match(invalid.stdout + invalid.stderr, /secret-rotation:ownerNamespace: must be 1-64 characters .*\(got "team\/b"\)/);
        });

        // A deliberate move to another backend: export, import with the same configuration.
        const exported = await first.run(["stack", "export", "--stack", "prod"]);
        const moved = await repo(config("team-a"));
        await withTranscript(t, moved, async () => {
            const file = join(moved.root, "exported.json");
            writeFileSync(file, exported.stdout);
            await moved.run(["stack", "import", "--stack", "prod", "--file", file]);
            aws.front.clearCalls();
            await moved.up(["--refresh"]);
            assert.deepEqual(mutatingCalls(), [], "the same identity: nothing to re-tag, nothing to change");
            assert.equal((await live(one.arn)).owner, "team-a/e2e/prod/ns/one");
        });
    });
});
