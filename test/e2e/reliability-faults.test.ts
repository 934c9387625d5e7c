// Reliability, end to end: `pulumi up` of 50 declared secrets through an AWS front that fails a
// large share of the requests (throttling, 500s, connection resets before and after moto applied
// the call) reaches the same final state as without faults, with no duplicate rotation; and a run
// whose faults outlast the retries fails naming the secret and the cause.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, TestContext } from "node:test";

import { TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from "../support/moto";
import { allVersions, declarations, expectedSnapshot, Fleet, invariantViolations, seedFleet, snapshot } from "../support/fleet";
import { repoRoot, TestStack } from "../support/pulumi";
import { createRotationLambda } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();
const PROGRAM = join(repoRoot(), "dist", "src", "program.js");
const SECRETS = Number(process.env.RELIABILITY_FAULT_SECRETS ?? "50");
const FAULT_RATE = Number(process.env.RELIABILITY_FAULT_RATE ?? "0.35");

async function fleetStack(t: TestContext, fleet: Fleet, env: Record<string, string> = {}): Promise<TestStack> {
    const stack = await TestStack.create({ program: PROGRAM, env: { ...aws.env, ...env }, config: { "e2e:rotations": declarations(fleet) } });
    t.after(() => stack.cleanup());
    return stack;
}

function seconds(since: number): string {
    return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

test(`faults: up of ${SECRETS} secrets with ${Math.round(FAULT_RATE * 100)} % of requests failing reaches the fault-free state, no duplicate rotation`, async (t) => {
    // 1. Without faults: the reference final state (checked against the declarations too).
    let lambda = await createRotationLambda();
    let fleet = await seedFleet(aws.front, lambda, "faults", SECRETS);
    let stack = await fleetStack(t, fleet);
    let started = performance.now();
    await stack.up();
    t.diagnostic(`fault-free up of ${SECRETS} secrets: ${seconds(started)}`);
    const reference = await snapshot(fleet);
    assert.deepEqual(reference, expectedSnapshot(fleet));

    // 2. The same fleet again, from scratch, with faults.
    await aws.moto.reset();
    aws.front.reset();
    lambda = await createRotationLambda();
    fleet = await seedFleet(aws.front, lambda, "faults", SECRETS);
    const versionsBefore = await allVersions(fleet);
    stack = await fleetStack(t, fleet);
    aws.front.clearCalls();
    // Half of the resets happen after moto applied the call (the response is lost): the SDK retries
    // with the same ClientRequestToken, which must not start a second rotation.
    aws.front.injectFaults({ rate: FAULT_RATE, kinds: ["throttle", "server-error", "reset", "reset"], seed: 20261123 });
    aws.front.script(Array.from({ length: 10 }, () => ({ operation: "RotateSecret", fault: "reset" as const, afterForward: true })));
    started = performance.now();
    const result = await stack.up([], { timeoutMs: 600_000 });
    const duration = seconds(started);
    aws.front.clearFaults();

    const calls = aws.front.calls().filter((c) => !c.operation.includes(" "));
    const failed = calls.filter((c) => c.injected !== undefined);
    const share = failed.length / calls.length;
    t.diagnostic(
        `up with faults: ${duration}; ${calls.length} requests, ${failed.length} failed (${(share * 100).toFixed(1)} %): ` +
            JSON.stringify(failed.reduce<Record<string, number>>((n, c) => ({ ...n, [`${c.injected}${c.afterForward ? "-after" : ""}`]: (n[`${c.injected}${c.afterForward ? "-after" : ""}`] ?? 0) + 1 }), {})),
    );
    assert.ok(share >= 0.3, `at least 30 % of the requests failed (got ${(share * 100).toFixed(1)} %)`);
    assert.equal(aws.front.scriptRemaining(), 0, "every scripted after-forward reset of RotateSecret happened");

    // Same final state as without faults.
    assert.deepEqual(await snapshot(fleet), reference);
    assert.deepEqual(await invariantViolations(fleet, versionsBefore, true), []);

    // No duplicate rotation: per secret, every RotateSecret request carried one token, and it
    // created at most one version (the front's idempotent-rotate rule answers a retried token).
    const tokensBySecret = new Map<string, Set<string>>();
    for (const c of calls.filter((c) => c.operation === "RotateSecret")) {
        const set = tokensBySecret.get(c.secretId!) ?? new Set<string>();
        tokensBySecret.set(c.secretId!, set.add(c.clientRequestToken ?? "none"));
    }
    const rotating = fleet.secrets.filter((s) => s.shape !== "disable");
    for (const s of rotating) {
        assert.equal(tokensBySecret.get(s.arn)?.size, 1, `${s.name}: one RotateSecret operation, one token`);
    }
    const versionsAfter = await allVersions(fleet);
    for (const s of rotating) {
        const added = [...versionsAfter.get(s.name)!.keys()].filter((id) => !versionsBefore.get(s.name)!.has(id));
        // RotateImmediately false: AWS's test run creates one version (then unlabels it).
        assert.ok(added.length <= 1, `${s.name}: ${added.length} versions created by one RotateSecret`);
    }

    // Retries are bounded: no RotateSecret operation (one token) was attempted more than the SDK's 8 times.
    const attempts = new Map<string, number>();
    for (const c of calls.filter((c) => c.operation === "RotateSecret")) attempts.set(c.clientRequestToken!, (attempts.get(c.clientRequestToken!) ?? 0) + 1);
    const most = Math.max(...attempts.values());
    t.diagnostic(`most attempts of one RotateSecret: ${most}`);
    assert.ok(most <= 8, `a RotateSecret was attempted ${most} times`);

    // Secrets stay secret, even when errors are reported.
    const state = JSON.stringify(await stack.exportState());
    const output = result.stdout + result.stderr;
    for (const needle of [...fleet.secrets.flatMap((s) => [s.value, s.candidateValue ?? s.value]), TEST_SECRET_ACCESS_KEY, TEST_ACCESS_KEY_ID]) {
        assert.ok(!state.includes(needle) && !output.includes(needle), "a secret value or a credential leaked into the state or the output");
    }
    assert.deepEqual(calls.filter((c) => c.operation === "GetSecretValue" || c.operation === "PutSecretValue"), [], "the provider never reads or writes a value");
});

test("faults: when one secret's calls fail beyond the retries, up fails naming that secret and the cause, and the others converge", async (t) => {
    const lambda = await createRotationLambda();
    const fleet = await seedFleet(aws.front, lambda, "doomed", 3, false);
    const doomed = fleet.secrets[1]!;
    const stack = await fleetStack(t, fleet);
    aws.front.clearCalls();
    // Every RotateSecret attempt for this secret fails; the front scripts one fault per attempt.
    aws.front.script(Array.from({ length: 40 }, () => ({ operation: "RotateSecret", fault: "server-error" as const, secretId: doomed.arn })));
    const result = await stack.up([], { expectCode: 1 });
    const output = result.stdout + result.stderr;
    assert.match(output, new RegExp(`RotateSecret on ${doomed.arn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} failed: InternalServiceError`));
    const attempts = aws.front.calls("RotateSecret").filter((c) => c.secretId === doomed.arn).length;
    assert.equal(attempts, 8, "the SDK's 8 attempts, then the failure (retries are bounded)");
    const others = fleet.secrets.filter((s) => s !== doomed);
    const live = await snapshot({ ...fleet, secrets: others });
    for (const s of others) assert.equal(live[s.name]!.enabled, true, `${s.name} converged`);
    aws.front.clearFaults();
    await stack.up(); // the fault gone, the next up converges
    assert.equal((await snapshot(fleet))[doomed.name]!.enabled, true);
});
