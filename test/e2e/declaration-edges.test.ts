// End to end: the edges of a declaration that a review found wrong — a secret another service
// manages, a region that changes under a declaration by name, and where the provider's lines land.
// The real pulumi CLI on a file backend, the stack program, moto behind the AWS front.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test, TestContext } from "node:test";

import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand, RotateSecretCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";

import type { ReviewReport } from "../../src/review/report";
import { describeResult, repoRoot, runProcess, TestStack, withTranscript } from "../support/pulumi";
import { playRotation } from "../support/rotation-lambda";
import { createRotationLambda, secretsManager, versionIdFor } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const TYPE = "pulumi-nodejs:dynamic/secretsmanager:RotationState";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "PutSecretValue", "CreateSecret", "DeleteSecret"];
const THREE_HOURS_AGO = () => new Date(Date.now() - 3 * 3_600_000);

async function newStack(t: TestContext, config: Record<string, unknown>): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: aws.env, config });
    t.after(() => stack.cleanup());
    return stack;
}

const mutatingCalls = () => aws.front.calls().filter((c) => MUTATING.includes(c.operation));

describe("declaration edges", () => {
    test("a service-managed secret with a stranded AWSPENDING: no diff on refresh (its labels are its owner's), and the review still shows it", async (t) => {
        const lambda = await createRotationLambda();
        const sm = secretsManager();
        const created = await sm.send(
            new CreateSecretCommand({ Name: "rds!db-stranded", SecretString: "managed-value", Tags: [{ Key: "aws:secretsmanager:owningService", Value: "rds" }] }),
        );
        const arn = created.ARN!;
        // The owner's rotation failed at testSecret three hours ago: its candidate keeps AWSPENDING.
        await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: lambda, RotationRules: { AutomaticallyAfterDays: 7 }, ClientRequestToken: versionIdFor("rds-candidate") }));
        const { pendingVersionId } = await playRotation(arn, "managed-candidate-value", "testSecret");
        aws.front.setVersionCreatedDate(pendingVersionId, THREE_HOURS_AGO());

        const stack = await newStack(t, { "e2e:rotations": [{ name: "owned", secretId: arn }] });
        await withTranscript(t, stack, async () => {
            const up = await stack.up();
            assert.match(up.stdout, new RegExp(`AWSPENDING is stranded on ${pendingVersionId}, but rds manages this secret's labels: left to it`));

            aws.front.clearCalls();
            // The drift gate and up agree: nothing to do, nothing changed.
            await stack.preview(["--refresh", "--expect-no-changes"]);
            await stack.up(["--refresh", "--expect-no-changes"]);
            assert.deepEqual(mutatingCalls(), [], "the owner's labels are not touched");
            const [state] = await stack.resourcesOfType(TYPE);
            assert.equal(state?.outputs?.stagingLabels, "healthy", "nothing this reconciler would clean up");
            assert.equal(state?.outputs?.pendingVersionId, pendingVersionId, "the pending version is still in the outputs");

            // The review still reports it: the labels as they are, and the plan's note.
            const review = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json"], stack.projectDir, stack.env, 300_000);
            stack.history.push(review);
            assert.equal(review.code, 0, describeResult(review));
            const secret = (JSON.parse(review.stdout) as ReviewReport).stacks[0]!.secrets[0]!;
            assert.ok(
                secret.labels.some((l) => l.label === "AWSPENDING" && l.versionId === pendingVersionId),
                `the review lists AWSPENDING on ${pendingVersionId}: ${JSON.stringify(secret.labels)}`,
            );
            assert.ok(secret.plan.notes.some((n) => /stranded on .* rds manages this secret's labels: left to it/.test(n)), JSON.stringify(secret.plan));
            assert.deepEqual(secret.drift, [], "the review's drift and preview --refresh agree");
        });
    });

    test("secrets another service manages: a declaration changes the schedule and turns rotation off (after the owner's rotation in progress); policies pass over, schedule or disable them as managedSecrets says; destroy leaves their rotation as it is", async (t) => {
        const lambda = await createRotationLambda();
        const sm = secretsManager();
        const OWNED_BY_RDS = [{ Key: "aws:secretsmanager:owningService", Value: "rds" }];
        // As RDS leaves a master user secret: rotation on, every 7 days, no Lambda (managed rotation).
        const managed = async (name: string) => {
            const arn = (await sm.send(new CreateSecretCommand({ Name: name, SecretString: `${name}-value`, ClientRequestToken: versionIdFor(`${name}-v1`), Tags: OWNED_BY_RDS }))).ARN!;
            await sm.send(new RotateSecretCommand({ SecretId: arn, RotationRules: { AutomaticallyAfterDays: 7 }, RotateImmediately: false }));
            return arn;
        };
        const declared = await managed("rds!declared");
        const passed = await managed("mpass/rds-db");
        const scheduled = await managed("msched/rds-db");
        const plain = (await sm.send(new CreateSecretCommand({ Name: "msched/plain", SecretString: "plain-value" }))).ARN!;
        const disabled = await managed("moff/rds-db");
        const live = async (arn: string) => {
            const d = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
            return { enabled: d.RotationEnabled === true, lambda: d.RotationLambdaARN, rules: d.RotationRules, labels: d.VersionIdsToStages };
        };
        const before = { declared: await live(declared), scheduled: await live(scheduled), disabled: await live(disabled) };
        const callsOn = (arn: string) => aws.front.calls().filter((c) => c.secretId === arn && (MUTATING.includes(c.operation) || c.operation.endsWith("Resource"))).map((c) => c.operation);
        const policy = (name: string, prefix: string, managedSecrets?: string) => ({
            name,
            selector: { namePrefixes: [prefix] },
            rotationLambdaArn: lambda,
            schedule: { automaticallyAfterDays: 30 },
            rotateImmediately: false,
            ...(managedSecrets ? { managedSecrets } : {}),
        });
        const policies = [policy("fleet-pass", "mpass/"), policy("fleet-schedule", "msched/", "schedule"), policy("fleet-disable", "moff/", "disable")];
        const declaration = { name: "rds-master", secretId: declared, schedule: { automaticallyAfterDays: 30 } };

        const stack = await newStack(t, { "e2e:rotations": [declaration], "e2e:policies": policies });
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            await stack.up();
            // The declaration's schedule reaches the managed secret: RotateSecret with the rules alone, no rotation now.
            assert.deepEqual(callsOn(declared), ["TagResource", "RotateSecret"]);
            const rotate = aws.front.calls("RotateSecret").find((c) => c.secretId === declared)!;
            assert.ok(rotate.rules.includes("managed-configure-guessed"), "a configuration change, no Lambda");
            assert.deepEqual(await live(declared), { ...before.declared, rules: { AutomaticallyAfterDays: 30 } });
            // passOver (the default): no call, counted.
            assert.deepEqual(callsOn(passed), []);
            const byName = Object.fromEntries((await stack.resourcesOfType("pulumi-nodejs:dynamic/secretsmanager:RotationPolicy")).map((r) => [r.urn.split("::").pop()!, r.outputs!]));
            assert.equal((byName["fleet-pass"]!.passedOver as Record<string, number>).managedByService, 1);
            assert.deepEqual(byName["fleet-pass"]!.governed, []);
            // schedule: the policy's schedule, never its Lambda; the plain secret gets both.
            assert.deepEqual(byName["fleet-schedule"]!.governed, ["msched/plain", "msched/rds-db"]);
            assert.deepEqual(callsOn(scheduled), ["TagResource", "RotateSecret"]);
            assert.deepEqual(await live(scheduled), { ...before.scheduled, rules: { AutomaticallyAfterDays: 30 } });
            assert.equal((await live(plain)).lambda, lambda);
            // disable: its rotation turned off.
            assert.deepEqual(byName["fleet-disable"]!.governed, ["moff/rds-db"]);
            assert.deepEqual(callsOn(disabled), ["TagResource", "CancelRotateSecret"]);
            assert.deepEqual(await live(disabled), { ...before.disabled, enabled: false });

            // enabled: false while RDS is rotating the secret: up waits (fails, nothing changed) rather than cancel that rotation.
            stack.writeConfig({ "e2e:rotations": [{ ...declaration, enabled: false }], "e2e:policies": policies });
            const candidate = versionIdFor("rds-declared-candidate");
            await sm.send(new PutSecretValueCommand({ SecretId: declared, SecretString: "rds-new-password", ClientRequestToken: candidate, VersionStages: ["AWSPENDING"] }));
            aws.front.clearCalls();
            const waiting = await stack.up([], { expectCode: 1 });
            assert.match(waiting.stdout, new RegExp(`enabled: rds is rotating this secret \\(AWSPENDING on version ${candidate}.*Nothing was changed: run up again when it has finished`));
            assert.deepEqual(callsOn(declared), []);
            // RDS finishes: the candidate becomes AWSCURRENT. Now enabled: false turns its rotation off: CancelRotateSecret alone.
            await sm.send(new UpdateSecretVersionStageCommand({ SecretId: declared, VersionStage: "AWSCURRENT", MoveToVersionId: candidate, RemoveFromVersionId: versionIdFor("rds!declared-v1") }));
            await sm.send(new UpdateSecretVersionStageCommand({ SecretId: declared, VersionStage: "AWSPENDING", RemoveFromVersionId: candidate }));
            const finished = (await live(declared)).labels;
            aws.front.clearCalls();
            await stack.up();
            assert.deepEqual(callsOn(declared), ["CancelRotateSecret"]);
            assert.deepEqual(await live(declared), { ...before.declared, enabled: false, rules: { AutomaticallyAfterDays: 30 }, labels: finished });

            aws.front.clearCalls();
            await stack.up(["--refresh", "--expect-no-changes"]);
            assert.deepEqual(mutatingCalls(), [], "in line: nothing to do");

            // The review shows each policy's choice.
            const review = await runProcess("node", [CLI, "review", "--stack", stack.stack, "--format", "json"], stack.projectDir, stack.env, 300_000);
            stack.history.push(review);
            assert.equal(review.code, 0, describeResult(review));
            const shown = Object.fromEntries(((JSON.parse(review.stdout) as ReviewReport).stacks[0]!.policies ?? []).map((p) => [p.resource, p.managedSecrets]));
            assert.deepEqual(shown, { "fleet-pass": "passOver", "fleet-schedule": "schedule", "fleet-disable": "disable" });

            // Destroy releases the tags and leaves every managed secret's rotation as it is.
            aws.front.clearCalls();
            await stack.destroy();
            for (const arn of [declared, scheduled, disabled]) assert.deepEqual(callsOn(arn), ["UntagResource"], `only the tags are released on ${arn}`);
            assert.equal((await live(declared)).enabled, false);
            assert.equal((await live(scheduled)).enabled, true);
            assert.equal((await live(disabled)).enabled, false);
        });
    });

    test("aws:region changed under a secret declared by name: the declaration now means the other region's secret, a replacement, and the output says why", async (t) => {
        const east = new SecretsManagerClient({ region: "us-east-1" });
        const west = new SecretsManagerClient({ region: "eu-west-1" });
        const eastArn = (await east.send(new CreateSecretCommand({ Name: "app/regional", SecretString: "east-value" }))).ARN!;
        const westArn = (await west.send(new CreateSecretCommand({ Name: "app/regional", SecretString: "west-value" }))).ARN!;
        const declaration = { "e2e:rotations": [{ secretId: "app/regional", enabled: false }] };

        const stack = await newStack(t, { "aws:region": "us-east-1", ...declaration });
        await withTranscript(t, stack, async () => {
            await stack.up();
            assert.equal((await stack.resourcesOfType(TYPE))[0]?.id, eastArn);

            stack.writeConfig({ "aws:region": "eu-west-1", ...declaration });
            const preview = await stack.preview(["--diff"]);
            assert.match(preview.stdout, /\+-\s*pulumi-nodejs:dynamic\/secretsmanager:RotationState: \(replace\)/, "a replacement, as for another secretId");
            assert.match(
                preview.stdout + preview.stderr,
                /app\/regional is declared by name and its region is now eu-west-1 \(aws:region, else the AWS SDK's default\): it means the secret of that name in eu-west-1, no longer arn:aws:secretsmanager:us-east-1:/,
            );

            aws.front.clearCalls();
            await stack.up();
            const [state] = await stack.resourcesOfType(TYPE);
            assert.equal(state?.id, westArn, "the resource now manages the eu-west-1 secret");
            assert.equal(state?.outputs?.region, "eu-west-1");
            assert.ok(
                aws.front.calls("DescribeSecret").some((c) => c.secretId === eastArn),
                "the replaced declaration of the us-east-1 secret was destroyed by its own ARN (its deletionPolicy ran there)",
            );
            await stack.preview(["--refresh", "--expect-no-changes"]);
        });
    });

    test("the provider's lines land on the resource they are about, not on the stack", async (t) => {
        const lambda = await createRotationLambda();
        const names = ["app/lines-a", "app/lines-b"];
        const arns: string[] = [];
        for (const name of names) arns.push((await secretsManager().send(new CreateSecretCommand({ Name: name, SecretString: `${name}-value` }))).ARN!);
        const stack = await newStack(t, {
            "e2e:rotations": names.map((secretId) => ({ secretId, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false })),
        });
        await withTranscript(t, stack, async () => {
            const up = await stack.up();
            const diagnostics = up.stdout.slice(up.stdout.indexOf("Diagnostics:"));
            names.forEach((name, i) => {
                const section = new RegExp(`  ${TYPE.replace(/[/]/g, "\\/")} \\(${name.replace(/[/]/g, "\\/")}\\):\\n((?:    .*\\n)+)`).exec(diagnostics)?.[1] ?? "";
                assert.match(section, new RegExp(`secret ${arns[i]}: RotateSecret\\(`), `the RotateSecret line of ${name} is under its resource\n${diagnostics}`);
            });
            // The stack's own lines: at most the program's one warning about the stack itself (a
            // self-managed backend without secret-rotation:ownerNamespace), never a provider line.
            const onStack = /\n  pulumi:pulumi:Stack [^\n]*:\n((?:    [^\n]*\n)*)/.exec(diagnostics)?.[1] ?? "";
            assert.deepEqual(onStack.split("\n").filter((line) => line.trim() !== "" && !/^    warning: this stack's backend is self-managed/.test(line)), [], `no provider line on the stack\n${diagnostics}`);
            t.diagnostic(diagnostics);
        });
    });

    test("AWS's tag quota (50 per secret): a policy passes a full secret over (tagQuota) and acts on its neighbour; a declaration of it is refused before any call, naming the quota", async (t) => {
        const lambda = await createRotationLambda();
        const sm = secretsManager();
        const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `cost-centre-${i}`, Value: "x" }));
        const full = (await sm.send(new CreateSecretCommand({ Name: "quota/full", SecretString: "full-value", Tags: tags(50) }))).ARN!;
        const roomy = (await sm.send(new CreateSecretCommand({ Name: "quota/roomy", SecretString: "roomy-value", Tags: tags(48) }))).ARN!;
        const policy = { name: "quota-fleet", selector: { namePrefixes: ["quota/"] }, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false };
        const stack = await newStack(t, { "e2e:policies": [policy] });
        const callsOn = (arn: string) => aws.front.calls().filter((c) => c.secretId === arn && (MUTATING.includes(c.operation) || c.operation === "TagResource")).map((c) => c.operation);
        await withTranscript(t, stack, async () => {
            aws.front.clearCalls();
            await stack.up();
            const [resource] = await stack.resourcesOfType("pulumi-nodejs:dynamic/secretsmanager:RotationPolicy");
            assert.equal((resource!.outputs!.passedOver as Record<string, number>).tagQuota, 1);
            assert.deepEqual(resource!.outputs!.governed, ["quota/roomy"]);
            assert.deepEqual(callsOn(full), [], "no call on the full secret");
            assert.deepEqual(callsOn(roomy), ["TagResource", "RotateSecret"]);

            // A declaration of the full secret: refused before any call, the error naming the quota and what to do.
            stack.writeConfig({ "e2e:policies": [policy], "e2e:rotations": [{ secretId: "quota/full", rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false }] });
            aws.front.clearCalls();
            const refused = await stack.up([], { expectCode: 1 });
            assert.match(refused.stdout + refused.stderr, /quota\/full-\w+: the secret has 50 tag\(s\); the owner tag pulumi-secret-rotation:owner, which this declaration sets before any other call, would make 51, over the 50 tags AWS allows per secret/);
            assert.match(refused.stdout + refused.stderr, /Remove 1 tag\(s\) from the secret, then run up again/);
            assert.deepEqual(callsOn(full), [], "still no call on it");
        });
    });
});
