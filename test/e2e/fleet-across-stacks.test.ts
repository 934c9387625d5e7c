// End to end: one fleet split into one stack per account × region, the split Pulumi users run in a
// CI matrix (examples/ci/fleet-matrix.yml), on one self-managed S3 backend: moto's S3, a bucket
// created through S3's API, `PULUMI_BACKEND_URL=s3://bucket?endpoint=…&s3ForcePathStyle=true`, the
// real pulumi CLI. Each stack has a checkout and a PULUMI_HOME of its own (a CI job's machine); all
// share the base credentials (the CI role, which owns the state bucket) and reach their account by
// aws:assumeRoles. A holding gate (test/support/holding-gate.ts) before the AWS front stops an
// `up` inside its update, which is how the test knows, without a timer, that the three ups were in
// flight at the same time and that the first holds its lock while the second is refused.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, TestContext } from "node:test";

import type { InventoryReport } from "../../src/review/inventory";
import type { ReviewReport } from "../../src/review/report";
import { actingAs, credentialsIn } from "../support/accounts";
import type { CallRecord } from "../support/aws-front/types";
import { HoldingGate } from "../support/holding-gate";
import { TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from "../support/moto";
import { describeResult, PulumiResult, repoRoot, runProcess, TestStack } from "../support/pulumi";
import { S3Bucket } from "../support/s3";
import { createRotationLambda, createSecret, describeSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const CLI = join(repoRoot(), "dist", "src", "cli", "main.js");
const PROJECT = "fleet";
const NAMESPACE = "platform";
const MUTATING = ["RotateSecret", "CancelRotateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "PutSecretValue", "CreateSecret", "DeleteSecret"];
const OWNER_TAG = "pulumi-secret-rotation:owner";
const SECRETS_PER_STACK = 2;

/** One CI matrix cell: a target account and region, its stack, and the gate its Secrets Manager calls pass. */
interface Cell {
    account: string;
    region: string;
    stackName: string;
    stack: TestStack;
    gate: HoldingGate;
    secrets: string[];
    /** The secrets' ARNs: the provider names a secret by ARN once it has described it. */
    arns: string[];
}

const TARGETS = [
    { account: "111111111111", region: "us-east-1" },
    { account: "111111111111", region: "eu-west-1" },
    { account: "222222222222", region: "us-east-1" },
];

let gates: HoldingGate[] = [];

/** Seeds the cell's secrets and rotation Lambda in its account and region, and creates its stack on the shared backend. */
async function newCell(t: TestContext, bucket: S3Bucket, target: (typeof TARGETS)[number], days: number): Promise<Cell> {
    const stackName = `${target.account}-${target.region}`;
    const credentials = await credentialsIn(target.account);
    const { secrets, arns, lambda } = await actingAs({ ...aws.env, AWS_REGION: target.region }, credentials, async () => {
        const names = Array.from({ length: SECRETS_PER_STACK }, (_, i) => `fleet/${stackName}/app-${i}`);
        const seeded = [];
        for (const name of names) seeded.push(await createSecret(name, `value-${name}`));
        return { secrets: names, arns: seeded.map((s) => s.arn), lambda: await createRotationLambda(`rotate-${target.region}`) };
    });
    const gate = await HoldingGate.start(aws.front.endpoint);
    gates.push(gate);
    const stack = await TestStack.create({
        program: PROGRAM,
        project: PROJECT,
        stack: stackName,
        backendUrl: bucket.backendUrl,
        // The Secrets Manager endpoint is the cell's gate (open unless the test holds it).
        env: { ...aws.env, AWS_ENDPOINT_URL_SECRETS_MANAGER: gate.endpoint },
        config: cellConfig(target, lambda, secrets, days),
    });
    t.after(() => stack.cleanup());
    return { ...target, stackName, stack, gate, secrets, arns };
}

function cellConfig(target: (typeof TARGETS)[number], lambda: string, secrets: string[], days: number): Record<string, unknown> {
    return {
        "aws:region": target.region,
        "aws:assumeRoles": [{ roleArn: `arn:aws:iam::${target.account}:role/secret-rotation-deployer` }],
        "aws:allowedAccountIds": [target.account],
        "secret-rotation:ownerNamespace": NAMESPACE,
        "secret-rotation:rotations": secrets.map((secretId, i) => ({ name: `app-${i}`, secretId, rotationLambdaArn: lambda, schedule: { automaticallyAfterDays: days }, rotateImmediately: false })),
    };
}

/** DescribeSecret in the cell's account and region, as the test (not through the stack). */
async function describeIn(cell: Cell, secretId: string) {
    return actingAs({ ...aws.env, AWS_REGION: cell.region }, await credentialsIn(cell.account), () => describeSecret(secretId));
}

/** The Secrets Manager calls among `calls` (the front's log) for the cell's secrets, by name (as declared) or by ARN. */
const callsOf = (cell: Cell, calls: CallRecord[]) => calls.filter((c) => c.secretId !== undefined && (cell.secrets.includes(c.secretId) || cell.arns.includes(c.secretId)));
const operations = (calls: { operation: string }[]) => calls.map((c) => c.operation).sort();

/** The backend's objects other than locks, with their ETags: what a refused update must not touch. */
async function stateObjects(bucket: S3Bucket): Promise<string[]> {
    return (await bucket.list(".pulumi/")).filter((o) => !o.key.startsWith(".pulumi/locks/")).map((o) => `${o.key} ${o.etag}`);
}

const lockPrefix = (cell: Cell) => `.pulumi/locks/organization/${PROJECT}/${cell.stackName}/`;

describe("a fleet split across stacks on one S3 backend", () => {
    before(() => {
        gates = [];
    });
    after(async () => {
        for (const gate of gates) await gate.stop();
    });

    test("three account × region stacks up at once from separate processes, each converges its own secrets; a second up of a held stack is refused by the S3 lock and changes nothing; one review reads all three from the backend; the organization's inventory names each secret's stack", async (t) => {
        const bucket = await S3Bucket.create(aws.moto.endpoint, "psr-pulumi-state", { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY });
        const cells: Cell[] = [];
        for (const target of TARGETS) cells.push(await newCell(t, bucket, target, 30));
        const transcript = () => cells.map((c) => `=== ${c.stackName}\n${c.stack.transcript()}`).join("\n\n");
        try {
            // The stacks are in the bucket, one state object each, under the project.
            const created = (await bucket.list(".pulumi/stacks/")).map((o) => o.key).filter((key) => key.endsWith(".json")).sort();
            assert.deepEqual(created, cells.map((c) => `.pulumi/stacks/${PROJECT}/${c.stackName}.json`).sort(), "stack init wrote each stack to the S3 backend");

            // ---- three ups at once: each is held at its first Secrets Manager call until all three are
            // inside their update (each holding its own stack's lock), then all go on together.
            aws.front.clearCalls();
            for (const cell of cells) cell.gate.hold();
            const ups = cells.map((cell) => cell.stack.up());
            await Promise.all(cells.map((cell) => Promise.race([cell.gate.arrivals(), ups[cells.indexOf(cell)]!.then(() => assert.fail(`${cell.stackName}: up ended without a Secrets Manager call`))])));
            const locks = await bucket.list(".pulumi/locks/");
            assert.deepEqual(
                cells.map((cell) => locks.filter((o) => o.key.startsWith(lockPrefix(cell))).length),
                [1, 1, 1],
                `while all three are in flight, each stack has exactly one lock object: ${locks.map((o) => o.key).join(", ")}`,
            );
            for (const cell of cells) cell.gate.open();
            await Promise.all(ups);
            const upCalls = aws.front.calls();

            for (const cell of cells) {
                const calls = callsOf(cell, upCalls);
                // Per declaration: the owner claim, then rotation on without rotating now.
                assert.equal(calls.filter((c) => c.operation === "RotateSecret").length, SECRETS_PER_STACK, `${cell.stackName}: ${operations(calls).join(",")}`);
                assert.equal(calls.filter((c) => c.operation === "TagResource").length, SECRETS_PER_STACK, `${cell.stackName}: ${operations(calls).join(",")}`);
                assert.ok(calls.every((c) => c.status === 200), `${cell.stackName}: every call succeeded`);
                for (const [i, secretId] of cell.secrets.entries()) {
                    const live = await describeIn(cell, secretId);
                    assert.equal(live.RotationEnabled, true, `${cell.stackName} ${secretId}`);
                    assert.equal(live.RotationRules?.AutomaticallyAfterDays, 30);
                    assert.ok(live.ARN!.includes(`:${cell.region}:${cell.account}:`), `${secretId} is the secret of ${cell.stackName}'s account and region: ${live.ARN}`);
                    assert.equal(live.Tags?.find((tag) => tag.Key === OWNER_TAG)?.Value, `${NAMESPACE}/${PROJECT}/${cell.stackName}/app-${i}`);
                }
                const states = await cell.stack.resourcesOfType("pulumi-nodejs:dynamic/secretsmanager:RotationState");
                assert.equal(states.length, SECRETS_PER_STACK, `${cell.stackName}: its state in the bucket holds its own declarations`);
            }
            // Each stack's calls were signed with one role session (ASIA…) of its own: its assumed
            // role, once per provider process; none with the CI key, none shared between stacks.
            const keysOf = (cell: Cell) => [...new Set(callsOf(cell, upCalls).map((c) => c.accessKeyId ?? "(unsigned)"))];
            assert.deepEqual(cells.map((cell) => keysOf(cell).length), cells.map(() => 1), `one session per stack: ${JSON.stringify(cells.map(keysOf))}`);
            const allKeys = cells.flatMap(keysOf);
            assert.ok(allKeys.every((key) => key.startsWith("ASIA")), `role sessions only, never the CI key: ${allKeys.join(", ")}`);
            assert.equal(new Set(allKeys).size, allKeys.length, `no session key used by two stacks: ${allKeys.join(", ")}`);
            assert.deepEqual(await bucket.list(".pulumi/locks/"), [], "every lock is gone once the ups ended");
            const history = await bucket.list(".pulumi/history/");
            for (const cell of cells) {
                assert.ok(history.some((o) => o.key.startsWith(`.pulumi/history/${PROJECT}/${cell.stackName}/`)), `${cell.stackName}: its update history is in the bucket`);
            }

            // ---- the lock: a schedule change for the first cell; its up is held inside the update
            // (lock taken), and a second up of the same stack from another process (another checkout,
            // another PULUMI_HOME: another CI job) straight to the front is refused.
            const [first] = cells as [Cell, ...Cell[]];
            const lambda = (await describeIn(first, first.secrets[0]!)).RotationLambdaARN!;
            const changed = cellConfig(first, lambda, first.secrets, 60);
            first.stack.writeConfig(changed);
            first.gate.hold();
            aws.front.clearCalls();
            const heldUp = first.stack.up();
            // Both declarations' first calls at the gate: both updates have begun (the engine records
            // an operation in the state before it calls the provider), so nothing more is written
            // to the backend until the gate opens.
            await Promise.race([first.gate.arrivals(SECRETS_PER_STACK), heldUp.then(() => assert.fail("the held up ended before both declarations called Secrets Manager"))]);
            const lockObjects = (await bucket.list(".pulumi/locks/")).map((o) => o.key);
            assert.equal(lockObjects.length, 1, `the held up holds one lock: ${lockObjects.join(", ")}`);
            assert.ok(lockObjects[0]!.startsWith(lockPrefix(first)), lockObjects[0]);
            const stateBefore = await stateObjects(bucket);

            // Another CI job: its own PULUMI_HOME, its calls straight to the front (not through the gate).
            const otherHome = mkdtempSync(join(tmpdir(), "psr-other-job-"));
            t.after(() => rmSync(otherHome, { recursive: true, force: true }));
            const refused = await runProcess(
                "pulumi",
                ["up", "--yes", "--skip-preview", "--non-interactive", "--color=never", "--stack", first.stackName],
                first.stack.projectDir,
                { ...first.stack.env, PULUMI_HOME: otherHome, AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.front.endpoint },
                300_000,
            );
            first.stack.history.push(refused);
            assert.notEqual(refused.code, 0, describeResult(refused));
            assert.match(refused.stdout + refused.stderr, /the stack is currently locked by 1 lock\(s\)/, describeResult(refused));
            assert.deepEqual(aws.front.calls(), [], "the refused up made no Secrets Manager call (the held one's are still at its gate)");
            assert.deepEqual(await stateObjects(bucket), stateBefore, "the refused up wrote nothing to the backend (every state and history object unchanged)");
            assert.deepEqual((await bucket.list(".pulumi/locks/")).map((o) => o.key), lockObjects, "the held up's lock is still the only one");

            first.gate.open();
            await heldUp;
            for (const secretId of first.secrets) assert.equal((await describeIn(first, secretId)).RotationRules?.AutomaticallyAfterDays, 60);
            assert.equal(aws.front.calls().filter((c) => c.operation === "RotateSecret").length, SECRETS_PER_STACK, "the schedule change: one RotateSecret per secret, all from the held up");
            assert.deepEqual(await bucket.list(".pulumi/locks/"), []);

            // ---- one review of the whole split, from the backend: a checkout with every stack's file.
            const checkout = cells[0]!.stack;
            for (const cell of cells.slice(1)) copyFileSync(join(cell.stack.projectDir, `Pulumi.${cell.stackName}.yaml`), join(checkout.projectDir, `Pulumi.${cell.stackName}.yaml`));
            await aws.front.settled(); // the CLI is not a pulumi command: nothing else waits for the front here
            aws.front.clearCalls();
            const review = await reviewCli(checkout, [...cells.flatMap((c) => ["--stack", c.stackName]), "--from-state", "--format", "json"]);
            const report = JSON.parse(review.stdout) as ReviewReport;
            assert.deepEqual(report.stacks.map((s) => s.stack), cells.map((c) => c.stackName));
            for (const [i, cell] of cells.entries()) {
                const reviewed = report.stacks[i]!.secrets;
                assert.deepEqual(reviewed.map((s) => s.secretId).sort(), [...cell.secrets].sort(), cell.stackName);
                for (const secret of reviewed) {
                    assert.ok(secret.live.arn?.includes(`:${cell.region}:${cell.account}:`), `${cell.stackName}: read in its own account and region: ${secret.live.arn}`);
                    assert.deepEqual([secret.step, secret.drift, secret.findings, secret.plan.calls, secret.error], ["same", [], [], [], undefined], `${cell.stackName} ${secret.secretId}`);
                    assert.equal(secret.live.owner, `${NAMESPACE}/${PROJECT}/${cell.stackName}/${secret.resource}`);
                }
            }
            assert.equal(report.summary.secrets, cells.length * SECRETS_PER_STACK);
            assert.equal(report.exitCode, 0);
            assert.equal(aws.front.callCount("DescribeSecret"), cells.length * SECRETS_PER_STACK, "one DescribeSecret per secret");
            assert.deepEqual(aws.front.calls().filter((c) => MUTATING.includes(c.operation)), [], "the review is read-only");
            assert.deepEqual(await bucket.list(".pulumi/locks/"), [], "the review left no lock");

            // ---- the organization's inventory over the fleet's accounts and regions: every secret,
            // and which stack declares it, from the owner tags the three stacks wrote.
            const accounts = [...new Set(cells.map((c) => c.account))];
            const regions = [...new Set(cells.map((c) => c.region))];
            // A rotation's test run the front still owes would leave AWSPENDING on a version of its own,
            // which the inventory dates (ListSecretVersionIds): wait for the front's asynchronous work.
            await aws.front.settled();
            aws.front.clearCalls();
            const listed = await runProcess(
                "node",
                [CLI, "inventory", "--accounts", accounts.join(","), "--regions", regions.join(","), "--role-name", "secret-rotation-deployer", "--format", "json"],
                checkout.projectDir,
                checkout.env,
                300_000,
            );
            checkout.history.push(listed);
            assert.equal(listed.code, 0, describeResult(listed));
            const inventory = JSON.parse(listed.stdout) as InventoryReport;
            assert.deepEqual(inventory.errors, []);
            assert.equal(inventory.places.length, accounts.length * regions.length);
            const expected = cells.flatMap((cell) => cell.secrets.map((name, i) => `${cell.account} ${cell.region} ${name} ${NAMESPACE}/${PROJECT}/${cell.stackName} app-${i}`)).sort();
            const found = inventory.secrets.map((s) => `${s.account} ${s.region} ${s.name} ${s.declaredBy?.stack} ${s.declaredBy?.resource}`).sort();
            assert.deepEqual(found, expected, "every secret of the fleet, each declared by its own stack");
            assert.ok(inventory.secrets.every((s) => s.rotationEnabled && s.declaredBy?.kind === "declaration"));
            assert.deepEqual([inventory.summary.declared, inventory.summary.undeclared], [cells.length * SECRETS_PER_STACK, 0]);
            assert.deepEqual(aws.front.calls().filter((c) => c.operation !== "ListSecrets"), [], "the inventory lists, it does not describe or change");
        } catch (error) {
            t.diagnostic(transcript());
            throw error;
        }
    });
});

async function reviewCli(stack: TestStack, args: string[]): Promise<PulumiResult> {
    const result = await runProcess("node", [CLI, "review", ...args], stack.projectDir, stack.env, 300_000);
    stack.history.push(result);
    assert.equal(result.code, 0, `review exited ${result.code}\n${describeResult(result)}`);
    return result;
}
