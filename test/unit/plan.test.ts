// Unit: the rotation semantics (providers/secretsmanager/semantics/plan.ts), rule by rule. Pure: observed
// secrets are built here, ages are relative to the observation's time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ApiCall, DesiredState, Observation, ObservedSecret, ObservedVersion } from "../../providers/secretsmanager/semantics/model";
import { analyzeLabels, describePlan, labelHealth, Plan, planDelete, planReconcile, PreviousDeclaration, rotateNowLinkAfter, rotateNowVersionId } from "../../providers/secretsmanager/semantics/plan";
import { ownerTagValue } from "../../providers/secretsmanager/semantics/ownership";
import { desiredState } from "./fixtures";

const NOW = "2026-11-23T12:00:00.000Z";
const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";
const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate";
const OTHER_LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotate-v2";
const HOUR = 3_600_000;

const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();

const desired = (overrides: Partial<DesiredState> = {}): DesiredState => desiredState({ ...overrides });

const CURRENT_ONLY: ObservedVersion[] = [{ versionId: "v1", labels: ["AWSCURRENT"] }];
/** A candidate version carrying AWSPENDING next to AWSCURRENT, created `ageMin` minutes ago. */
const withPending = (ageMin: number): ObservedVersion[] => [
    { versionId: "v1", labels: ["AWSCURRENT"] },
    { versionId: "v2", labels: ["AWSPENDING"], createdDate: minutesAgo(ageMin) },
];

function secret(overrides: Partial<ObservedSecret> = {}): Observation {
    return {
        found: true,
        secret: {
            arn: ARN,
            name: "app/db",
            region: "us-east-1",
            rotationEnabled: false,
            versions: CURRENT_ONLY,
            observedAt: NOW,
            ...overrides,
        },
    };
}

const enabledSecret = (overrides: Partial<ObservedSecret> = {}) =>
    secret({ rotationEnabled: true, rotationLambdaArn: LAMBDA, schedule: { kind: "days", days: 30 }, ...overrides });

/** The calls, without RotateSecret's ClientRequestToken (its own tests below). */
const calls = (plan: Plan): ApiCall[] =>
    plan.steps.map((s) => {
        if (s.call.api !== "RotateSecret") return s.call;
        const { clientRequestToken: _token, ...call } = s.call;
        return call as ApiCall;
    });
/** Our labels carry the time they were added: the observation's time, NOW. */
const Q = (versionId: string) => `QUARANTINED-20261123T1200Z-${versionId}`;
const S = (versionId: string) => `SUPERSEDED-20261123T1200Z-${versionId}`;
const apis = (plan: Plan) => plan.steps.map((s) => s.call.api);

function rotateCall(plan: Plan): Extract<ApiCall, { api: "RotateSecret" }> {
    const rotate = calls(plan).find((c): c is Extract<ApiCall, { api: "RotateSecret" }> => c.api === "RotateSecret");
    assert.ok(rotate, `expected a RotateSecret in ${describePlan(plan).join(" | ")}`);
    return rotate;
}

describe("labels: healthy, in progress, stranded", () => {
    test("no AWSPENDING is healthy", () => {
        const analysis = analyzeLabels((secret() as { secret: ObservedSecret }).secret, 2 * HOUR);
        assert.deepEqual(analysis.pending, { kind: "none" });
        assert.equal(analysis.currentVersionId, "v1");
        assert.equal(labelHealth(analysis), "healthy");
    });

    test("AWSPENDING on the AWSCURRENT version is healthy (what a finished rotation leaves)", () => {
        const s = (secret({ versions: [{ versionId: "v1", labels: ["AWSCURRENT", "AWSPENDING"] }] }) as { secret: ObservedSecret }).secret;
        const analysis = analyzeLabels(s, 2 * HOUR);
        assert.equal(analysis.pending.kind, "with-current");
        assert.equal(labelHealth(analysis), "healthy");
    });

    test("AWSPENDING on another version younger than the grace period is in progress, and healthy", () => {
        const s = (secret({ versions: withPending(30) }) as { secret: ObservedSecret }).secret;
        const analysis = analyzeLabels(s, 2 * HOUR);
        assert.equal(analysis.pending.kind, "in-progress");
        assert.equal(analysis.pending.kind === "in-progress" && analysis.pending.strandedAt, new Date(Date.parse(NOW) + 90 * 60_000).toISOString());
        assert.equal(labelHealth(analysis), "healthy");
    });

    test("AWSPENDING on another version older than the grace period is stranded", () => {
        const s = (secret({ versions: withPending(180) }) as { secret: ObservedSecret }).secret;
        const analysis = analyzeLabels(s, 2 * HOUR);
        assert.equal(analysis.pending.kind, "stranded");
        assert.equal(labelHealth(analysis), `AWSPENDING stranded on version v2 (created ${minutesAgo(180)})`);
    });

    test("exactly the grace period old counts as stranded; a minute less does not", () => {
        const at = (m: number) => analyzeLabels((secret({ versions: withPending(m) }) as { secret: ObservedSecret }).secret, 2 * HOUR).pending.kind;
        assert.equal(at(120), "stranded");
        assert.equal(at(119), "in-progress");
    });

    test("a pending version of unknown age is treated as in progress (never touched)", () => {
        const s = (secret({ versions: [{ versionId: "v1", labels: ["AWSCURRENT"] }, { versionId: "v2", labels: ["AWSPENDING"] }] }) as {
            secret: ObservedSecret;
        }).secret;
        assert.equal(analyzeLabels(s, 2 * HOUR).pending.kind, "in-progress");
    });

    test("quarantined versions are listed", () => {
        const s = (secret({
            versions: [...CURRENT_ONLY, { versionId: "v0", labels: ["QUARANTINED-v0"] }, { versionId: "vx", labels: ["custom"] }],
        }) as { secret: ObservedSecret }).secret;
        assert.deepEqual(analyzeLabels(s, HOUR).quarantinedVersionIds, ["v0"]);
    });
});

describe("create: adopt or enable", () => {
    test("adopts a secret whose live rotation already matches: no call, no rotation", () => {
        const plan = planReconcile(desired(), enabledSecret(), { operation: "create" });
        assert.deepEqual(plan.steps, []);
        assert.equal(plan.blocked, undefined);
        assert.match(plan.notes.join(), /already matches/);
    });

    test("adopting compares schedules by meaning: 30 days equals rate(30 days)", () => {
        const plan = planReconcile(
            desired({ schedule: { kind: "expression", expression: "rate(30 days)" } }),
            enabledSecret(),
            { operation: "create" },
        );
        assert.deepEqual(plan.steps, []);
    });

    test("enables a secret with rotation off: one RotateSecret with the Lambda, the rules and RotateImmediately", () => {
        const plan = planReconcile(desired(), secret(), { operation: "create" });
        assert.deepEqual(calls(plan), [
            { api: "RotateSecret", rotationLambdaArn: LAMBDA, rotationRules: { AutomaticallyAfterDays: 30 }, rotateImmediately: true },
        ]);
    });

    test("rotateImmediately false turns rotation on without rotating", () => {
        const plan = planReconcile(desired({ rotateImmediately: false }), secret(), { operation: "create" });
        assert.equal(rotateCall(plan).rotateImmediately, false);
    });

    test("the live Lambda is always sent when none is declared", () => {
        const plan = planReconcile(desired({ rotationLambdaArn: undefined }), secret({ rotationLambdaArn: OTHER_LAMBDA }), { operation: "create" });
        assert.equal(rotateCall(plan).rotationLambdaArn, OTHER_LAMBDA);
    });

    test("enabling without any Lambda is refused, naming the property", () => {
        const plan = planReconcile(desired({ rotationLambdaArn: undefined }), secret(), { operation: "create" });
        assert.deepEqual(plan.steps, []);
        assert.match(plan.blocked!.reason, /^rotationLambdaArn: required to turn rotation on/);
    });

    test("enabling without any schedule is refused, naming the property", () => {
        const plan = planReconcile(desired({ schedule: undefined }), secret(), { operation: "create" });
        assert.match(plan.blocked!.reason, /^schedule: required to turn rotation on/);
    });

    test("the live schedule is used when none is declared", () => {
        const plan = planReconcile(
            desired({ schedule: undefined }),
            secret({ schedule: { kind: "expression", expression: "rate(12 hours)", duration: "2h" } }),
            { operation: "create" },
        );
        assert.deepEqual(rotateCall(plan).rotationRules, { ScheduleExpression: "rate(12 hours)", Duration: "2h" });
    });

    test("a secret with no value yet (no AWSCURRENT) gets rotation turned on but is not rotated now", () => {
        const plan = planReconcile(desired(), secret({ versions: [] }), { operation: "create" });
        assert.equal(rotateCall(plan).rotateImmediately, false);
        assert.match(plan.steps[0]!.why, /no value yet/);
    });

    test("a rotateNowToken at creation is a baseline, not a rotation", () => {
        const plan = planReconcile(desired({ rotateNowToken: "t1" }), enabledSecret(), { operation: "create" });
        assert.deepEqual(plan.steps, []);
    });
});

describe("update: reconfigure, re-enable, rotate now", () => {
    const previous = { enabled: true };

    test("changing only the schedule reconfigures without rotating", () => {
        const plan = planReconcile(desired({ schedule: { kind: "days", days: 7 } }), enabledSecret(), { operation: "update", previous });
        assert.deepEqual(calls(plan), [
            { api: "RotateSecret", rotationLambdaArn: LAMBDA, rotationRules: { AutomaticallyAfterDays: 7 }, rotateImmediately: false },
        ]);
    });

    test("changing only the Lambda reconfigures without rotating", () => {
        const plan = planReconcile(desired({ rotationLambdaArn: OTHER_LAMBDA }), enabledSecret(), { operation: "update", previous });
        assert.equal(rotateCall(plan).rotationLambdaArn, OTHER_LAMBDA);
        assert.equal(rotateCall(plan).rotateImmediately, false);
    });

    test("days -> expression sends the expression alone", () => {
        const plan = planReconcile(
            desired({ schedule: { kind: "expression", expression: "cron(0 16 1,15 * ? *)", duration: "3h" } }),
            enabledSecret(),
            { operation: "update", previous },
        );
        assert.deepEqual(rotateCall(plan).rotationRules, { ScheduleExpression: "cron(0 16 1,15 * ? *)", Duration: "3h" });
    });

    test("expression -> days sends the days alone", () => {
        const plan = planReconcile(
            desired({ schedule: { kind: "days", days: 10 } }),
            enabledSecret({ schedule: { kind: "expression", expression: "rate(4 hours)" } }),
            { operation: "update", previous },
        );
        assert.deepEqual(rotateCall(plan).rotationRules, { AutomaticallyAfterDays: 10 });
    });

    test("re-enabling after an out-of-band disable restores rotation without rotating", () => {
        const plan = planReconcile(desired(), secret({ rotationLambdaArn: LAMBDA }), { operation: "update", previous: { enabled: true } });
        assert.equal(rotateCall(plan).rotateImmediately, false);
        assert.match(plan.steps[0]!.why, /turned off out of band/);
    });

    test("turning rotation on in the declaration (false -> true) rotates now when rotateImmediately", () => {
        const plan = planReconcile(desired(), secret(), { operation: "update", previous: { enabled: false } });
        assert.equal(rotateCall(plan).rotateImmediately, true);
    });

    test("a changed rotateNowToken rotates now, with the live configuration", () => {
        const plan = planReconcile(desired({ rotateNowToken: "pr-42" }), enabledSecret(), {
            operation: "update",
            previous: { enabled: true, rotateNowToken: "pr-41" },
        });
        assert.deepEqual(calls(plan), [
            { api: "RotateSecret", rotationLambdaArn: LAMBDA, rotationRules: { AutomaticallyAfterDays: 30 }, rotateImmediately: true },
        ]);
    });

    test("an unchanged rotateNowToken does nothing", () => {
        const plan = planReconcile(desired({ rotateNowToken: "pr-42" }), enabledSecret(), {
            operation: "update",
            previous: { enabled: true, rotateNowToken: "pr-42" },
        });
        assert.deepEqual(plan.steps, []);
    });

    test("a rotateNowToken on a disabled declaration does not rotate", () => {
        const plan = planReconcile(desired({ enabled: false, rotateNowToken: "x" }), secret(), { operation: "update", previous: { enabled: false } });
        assert.deepEqual(plan.steps, []);
    });
});

describe("exactly-once rotation: the ClientRequestToken is derived, not drawn", () => {
    const update = { operation: "update" as const, previous: { enabled: true, rotateNowToken: "pr-41" } };
    const token = (plan: Plan) => (plan.steps.find((s) => s.call.api === "RotateSecret")!.call as Extract<ApiCall, { api: "RotateSecret" }>).clientRequestToken;

    test("a rotateNowToken's rotation has the version id derived from the secret and the declared value: the same on every run, another for another value", () => {
        const first = token(planReconcile(desired({ rotateNowToken: "pr-42" }), enabledSecret(), update));
        const again = token(planReconcile(desired({ rotateNowToken: "pr-42" }), enabledSecret({ observedAt: minutesAgo(-30) }), update));
        const other = token(planReconcile(desired({ rotateNowToken: "pr-43" }), enabledSecret(), update));
        assert.equal(first, again, "a re-run after a failure or a kill sends the same token, so Secrets Manager does not rotate twice");
        assert.equal(first, rotateNowVersionId(ARN, undefined, "pr-42"));
        assert.notEqual(first, other);
        assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "UUID-shaped, within ClientRequestToken's 32 to 64 characters");
    });

    test("a re-run that finds the token's version (the rotation was started by a run that failed or was killed) does not rotate again", () => {
        const started = rotateNowVersionId(ARN, undefined, "pr-42");
        for (const labels of [["AWSCURRENT"], ["AWSPREVIOUS"], [Q(started)]]) {
            const versions = [{ versionId: "v1", labels: labels[0] === "AWSCURRENT" ? [] : ["AWSCURRENT"] }, { versionId: started, labels }];
            const plan = planReconcile(desired({ rotateNowToken: "pr-42" }), enabledSecret({ versions }), update);
            assert.deepEqual(plan.steps, [], labels.join());
            assert.match(plan.notes.join(), /rotateNowToken "pr-42" was started already .* not started again/);
        }
    });

    test("the token's own rotation still in progress is not a reason to refuse: nothing to do, nothing blocked", () => {
        const started = rotateNowVersionId(ARN, undefined, "pr-42");
        const versions = [{ versionId: "v1", labels: ["AWSCURRENT"] }, { versionId: started, labels: ["AWSPENDING"], createdDate: minutesAgo(1) }];
        const plan = planReconcile(desired({ rotateNowToken: "pr-42" }), enabledSecret({ versions }), update);
        assert.equal(plan.blocked, undefined);
        assert.deepEqual(plan.steps, []);
    });

    test("turning rotation on (no token): a token unique to the observation, reused by every retry of the operation", () => {
        const a = token(planReconcile(desired(), secret(), { operation: "create" }));
        const b = token(planReconcile(desired(), secret({ observedAt: minutesAgo(-5) }), { operation: "create" }));
        assert.notEqual(a, b);
        assert.notEqual(a, rotateNowVersionId(ARN, undefined, ""));
    });
});

describe("every change of rotateNowToken rotates exactly once (issue 21, item 10)", () => {
    type Version = { versionId: string; labels: string[] };
    /**
     * One `up` with `token` declared, as the provider runs it: plan from what the state recorded,
     * play the rotation a started RotateSecret makes (its ClientRequestToken becomes AWSCURRENT,
     * the old current AWSPREVIOUS, labels moving as AWS moves them), record what update records.
     */
    function up(recorded: PreviousDeclaration, versions: Version[], token: string | undefined) {
        const declared = desired(token === undefined ? {} : { rotateNowToken: token });
        const context = { operation: "update" as const, previous: recorded };
        const plan = planReconcile(declared, enabledSecret({ versions }), context);
        const rotation = plan.steps.find((s) => s.call.api === "RotateSecret")?.call as Extract<ApiCall, { api: "RotateSecret" }> | undefined;
        let after = versions;
        if (rotation?.rotateImmediately) {
            after = versions.map((v) => ({ ...v, labels: v.labels.filter((l) => l !== "AWSPREVIOUS").map((l) => (l === "AWSCURRENT" ? "AWSPREVIOUS" : l)) }));
            after.push({ versionId: rotation.clientRequestToken, labels: ["AWSCURRENT"] });
        }
        const next: PreviousDeclaration = { enabled: true, ...(token === undefined ? {} : { rotateNowToken: token }) };
        const link = rotateNowLinkAfter(ARN, declared, context);
        return { plan, rotation, versions: after, recorded: link === undefined ? next : { ...next, rotateNowLink: link } };
    }
    const created: PreviousDeclaration = { enabled: true, rotateNowToken: "a", rotateNowLink: rotateNowLinkAfter(ARN, desired(), { operation: "create" }, "drawn-at-create") };
    const initial: Version[] = [{ versionId: "v0", labels: ["AWSCURRENT"] }];

    test("a -> b -> a: two changes, two rotations, two new version ids (the version of a's first rotation still carries AWSPREVIOUS)", () => {
        const toB = up(created, initial, "b");
        const backToA = up(toB.recorded, toB.versions, "a");
        assert.ok(toB.rotation?.rotateImmediately, "a -> b rotates");
        assert.ok(backToA.rotation?.rotateImmediately, `b -> a rotates: ${describePlan(backToA.plan).join(" | ")}`);
        const ids = [toB.rotation.clientRequestToken, backToA.rotation.clientRequestToken];
        assert.equal(new Set(ids).size, 2);
        assert.ok(!toB.versions.some((v) => v.versionId === backToA.rotation!.clientRequestToken), "never the id of an existing version");
    });

    test("a -> a -> b -> a -> b -> a: every change rotates once, the unchanged up does not, no id repeats", () => {
        let state = { recorded: created, versions: initial };
        const ids: string[] = [];
        for (const token of ["a", "b", "a", "b", "a"]) {
            const run = up(state.recorded, state.versions, token);
            if (run.rotation) ids.push(run.rotation.clientRequestToken);
            state = run;
        }
        assert.equal(ids.length, 4, "the first up declares a unchanged: no rotation");
        assert.equal(new Set(ids).size, 4);
    });

    test("a token removed and declared again later rotates again, with a new version id", () => {
        const toB = up(created, initial, "b");
        const removed = up(toB.recorded, toB.versions, undefined);
        assert.equal(removed.rotation, undefined, "removing the token does not rotate");
        const again = up(removed.recorded, removed.versions, "b");
        assert.ok(again.rotation?.rotateImmediately);
        assert.notEqual(again.rotation.clientRequestToken, toB.rotation!.clientRequestToken, "not the deprecated version's id");
    });

    test("a retry of the same change (the first run's RotateSecret was accepted, then it crashed) finds the version: no second rotation, and the change is recorded as done", () => {
        const first = up(created, initial, "b");
        // The crash: nothing recorded, so the retry plans from `created` again, against what AWS now has.
        const retry = up(created, first.versions, "b");
        assert.deepEqual(retry.plan.steps, []);
        assert.match(retry.plan.notes.join(), /rotateNowToken "b" was started already/);
        assert.deepEqual(retry.recorded, first.recorded, "the retry records the same link as an uninterrupted run");
    });

    test("a declaration made again for the same secret (a new create) starts a new chain: its first change is not the old chain's id", () => {
        const oldChain = up(created, initial, "b");
        const recreated: PreviousDeclaration = { enabled: true, rotateNowToken: "a", rotateNowLink: rotateNowLinkAfter(ARN, desired(), { operation: "create" }, "drawn-at-the-second-create") };
        const newChain = up(recreated, oldChain.versions, "b");
        assert.ok(newChain.rotation?.rotateImmediately);
        assert.notEqual(newChain.rotation.clientRequestToken, oldChain.rotation!.clientRequestToken);
    });
});

describe("disable", () => {
    test("turns rotation off with CancelRotateSecret", () => {
        const plan = planReconcile(desired({ enabled: false }), enabledSecret(), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(apis(plan), ["CancelRotateSecret"]);
    });

    test("already off: no call", () => {
        const plan = planReconcile(desired({ enabled: false }), secret(), { operation: "create" });
        assert.deepEqual(plan.steps, []);
    });

    test("cancels first, then cleans up a stranded AWSPENDING (AWS's own recovery order)", () => {
        const plan = planReconcile(desired({ enabled: false }), enabledSecret({ versions: withPending(300) }), { operation: "update" });
        assert.deepEqual(apis(plan), ["CancelRotateSecret", "UpdateSecretVersionStage", "UpdateSecretVersionStage"]);
    });
});

describe("stranded AWSPENDING per pendingPolicy", () => {
    const stranded = () => enabledSecret({ versions: withPending(300) });

    test("quarantine: label the candidate first, then take AWSPENDING off it; AWSCURRENT untouched", () => {
        const plan = planReconcile(desired(), stranded(), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(calls(plan), [
            { api: "UpdateSecretVersionStage", versionStage: Q("v2"), moveToVersionId: "v2" },
            { api: "UpdateSecretVersionStage", versionStage: "AWSPENDING", removeFromVersionId: "v2" },
        ]);
        assert.ok(!calls(plan).some((c) => c.api === "UpdateSecretVersionStage" && c.versionStage === "AWSCURRENT"));
    });

    test("quarantine resumed after a run stopped between its two calls: the label is not moved again", () => {
        const versions = withPending(300).map((v) => (v.versionId === "v2" ? { ...v, labels: [...v.labels, Q("v2")] } : v));
        const plan = planReconcile(desired(), enabledSecret({ versions }), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(calls(plan), [{ api: "UpdateSecretVersionStage", versionStage: "AWSPENDING", removeFromVersionId: "v2" }]);
    });

    test("quarantine happens before RotateSecret, which AWS rejects while a rotation is stranded", () => {
        const plan = planReconcile(desired({ schedule: { kind: "days", days: 5 } }), stranded(), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(apis(plan), ["UpdateSecretVersionStage", "UpdateSecretVersionStage", "RotateSecret"]);
    });

    // The label moves a refusal hands to the user, parsed back from its commands.
    const handMoves = (reason: string, after: string) => {
        const lines = reason.split("\n");
        const from = lines.findIndex((line) => line.startsWith(after));
        const moves: { versionStage: string; moveToVersionId?: string; removeFromVersionId?: string }[] = [];
        for (const line of lines.slice(from + 1)) {
            if (!line.includes("update-secret-version-stage")) break;
            const arg = (name: string) => new RegExp(`--${name} (\\S+)`).exec(line)?.[1];
            moves.push({
                versionStage: arg("version-stage")!,
                ...(arg("move-to-version-id") ? { moveToVersionId: arg("move-to-version-id") } : {}),
                ...(arg("remove-from-version-id") ? { removeFromVersionId: arg("remove-from-version-id") } : {}),
            });
        }
        return moves;
    };
    const ROLL_FORWARD = "If it has a value and the service already uses the new credential, roll forward:";

    test("promote never moves AWSCURRENT itself: the candidate may be empty and nothing observed tells, so no call, and the reason names the property and the rule", () => {
        const plan = planReconcile(desired({ pendingPolicy: "promote" }), stranded(), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(plan.steps, []);
        const reason = plan.blocked!.reason;
        assert.match(reason, /^pendingPolicy: promote would make the stranded version v2 \(5\.0 h old\) AWSCURRENT, but that version may have no value/);
        assert.match(reason, /might be attached to an empty secret version/);
        assert.match(reason, /Nothing was changed; AWSCURRENT stays on v1\. Labels: v1=\[AWSCURRENT\] v2=\[AWSPENDING\]/);
        assert.match(reason, /get-secret-value --secret-id \S+ --version-id v2 --query VersionId --output text/);
        assert.deepEqual(handMoves(reason, ROLL_FORWARD), [
            { versionStage: "AWSCURRENT", moveToVersionId: "v2", removeFromVersionId: "v1" },
            { versionStage: "AWSPENDING", removeFromVersionId: "v2" },
        ]);
        assert.deepEqual(handMoves(reason, "Otherwise keep the candidate"), [
            { versionStage: Q("v2"), moveToVersionId: "v2" },
            { versionStage: "AWSPENDING", removeFromVersionId: "v2" },
        ]);
    });

    test("promote: the same refusal whatever the candidate's dates (no metadata tells an empty version)", () => {
        for (const createdMinutesAgo of [180, 300, 60 * 24 * 30]) {
            const plan = planReconcile(desired({ pendingPolicy: "promote" }), enabledSecret({ versions: withPending(createdMinutesAgo) }), {
                operation: "update",
                previous: { enabled: true },
            });
            assert.deepEqual(plan.steps, []);
            assert.match(plan.blocked!.reason, /^pendingPolicy: promote would make the stranded version v2/);
        }
    });

    const withPrevious = (labelsOfV0: string[]) => enabledSecret({ versions: [{ versionId: "v0", labels: labelsOfV0 }, ...withPending(300)] });

    test("promote's roll-forward commands keep the version that loses AWSPREVIOUS under a label of its own, first", () => {
        const plan = planReconcile(desired({ pendingPolicy: "promote" }), withPrevious(["AWSPREVIOUS"]), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(handMoves(plan.blocked!.reason, ROLL_FORWARD), [
            { versionStage: S("v0"), moveToVersionId: "v0" },
            { versionStage: "AWSCURRENT", moveToVersionId: "v2", removeFromVersionId: "v1" },
            { versionStage: "AWSPENDING", removeFromVersionId: "v2" },
        ]);
    });

    test("promote's roll-forward commands add no label to a previous version that keeps another one (a resumed run, or the user's own)", () => {
        for (const labels of [["AWSPREVIOUS", S("v0")], ["AWSPREVIOUS", "release-41"]]) {
            const plan = planReconcile(desired({ pendingPolicy: "promote" }), withPrevious(labels), { operation: "update", previous: { enabled: true } });
            assert.deepEqual(
                handMoves(plan.blocked!.reason, ROLL_FORWARD),
                [
                    { versionStage: "AWSCURRENT", moveToVersionId: "v2", removeFromVersionId: "v1" },
                    { versionStage: "AWSPENDING", removeFromVersionId: "v2" },
                ],
                labels.join(","),
            );
        }
    });

    test("fail: no call; the message has the labels, the age and the commands to fix it by hand", () => {
        const plan = planReconcile(desired({ pendingPolicy: "fail" }), stranded(), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(plan.steps, []);
        const reason = plan.blocked!.reason;
        assert.match(reason, /AWSPENDING is stranded on version v2 \(5\.0 h old\)/);
        assert.match(reason, /v1=\[AWSCURRENT\] v2=\[AWSPENDING\]/);
        assert.match(reason, /update-secret-version-stage --secret-id .* --version-stage QUARANTINED-20261123T1200Z-v2 --move-to-version-id v2/);
        assert.match(reason, /--version-stage AWSCURRENT --move-to-version-id v2 --remove-from-version-id v1/);
    });

    test("fail: the roll-forward commands keep the version that loses AWSPREVIOUS too", () => {
        const plan = planReconcile(desired({ pendingPolicy: "fail" }), withPrevious(["AWSPREVIOUS"]), { operation: "update", previous: { enabled: true } });
        const commands = plan.blocked!.reason.split("\n").filter((line) => line.includes("update-secret-version-stage"));
        assert.deepEqual(
            commands.map((line) => line.replace(/^.*--secret-id \S+ /, "")),
            [
                "--version-stage QUARANTINED-20261123T1200Z-v2 --move-to-version-id v2",
                "--version-stage AWSPENDING --remove-from-version-id v2",
                "--version-stage SUPERSEDED-20261123T1200Z-v0 --move-to-version-id v0",
                "--version-stage AWSCURRENT --move-to-version-id v2 --remove-from-version-id v1",
                "--version-stage AWSPENDING --remove-from-version-id v2",
            ],
        );
    });

    test("a stranded AWSPENDING alone (nothing else to change) is still cleaned up", () => {
        const plan = planReconcile(desired(), stranded(), { operation: "update", previous: { enabled: true } });
        assert.equal(plan.steps.length, 2);
    });

    test("a pending version younger than the grace period is left alone when nothing needs changing", () => {
        const plan = planReconcile(desired(), enabledSecret({ versions: withPending(10) }), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(plan.steps, []);
        assert.equal(plan.blocked, undefined);
        assert.match(plan.notes.join(), /in progress/);
    });

    test("a rotation in progress blocks a change, naming when to retry, with no call", () => {
        const plan = planReconcile(desired({ schedule: { kind: "days", days: 5 } }), enabledSecret({ versions: withPending(10) }), {
            operation: "update",
            previous: { enabled: true },
        });
        assert.deepEqual(plan.steps, []);
        assert.match(plan.blocked!.reason, /rotation is in progress/);
        assert.equal(plan.blocked!.retryAfter, new Date(Date.parse(NOW) + 110 * 60_000).toISOString());
    });

    test("turning rotation off does not wait for a rotation in progress: it cancels it, then keeps its candidate under a label of its own", () => {
        const plan = planReconcile(desired({ enabled: false }), enabledSecret({ versions: withPending(10) }), { operation: "update" });
        assert.equal(plan.blocked, undefined);
        assert.deepEqual(calls(plan), [
            { api: "CancelRotateSecret", cancels: "v2" },
            { api: "UpdateSecretVersionStage", versionStage: Q("v2"), moveToVersionId: "v2" },
            { api: "UpdateSecretVersionStage", versionStage: "AWSPENDING", removeFromVersionId: "v2" },
        ]);
        assert.match(plan.steps[0]!.why, /cancels the rotation in progress \(version v2, 10 min old\)/);
    });

    test("a cancelled rotation is never rolled forward: pendingPolicy promote keeps its candidate instead, and says why", () => {
        const plan = planReconcile(desired({ enabled: false, pendingPolicy: "promote" }), enabledSecret({ versions: withPending(10) }), { operation: "update" });
        assert.deepEqual(apis(plan), ["CancelRotateSecret", "UpdateSecretVersionStage", "UpdateSecretVersionStage"]);
        assert.ok(!calls(plan).some((c) => c.api === "UpdateSecretVersionStage" && c.versionStage === "AWSCURRENT"), "AWSCURRENT never moves to a cancelled candidate");
        assert.match(plan.steps[1]!.why, /promote never rolls forward a rotation cancelled half way/);
    });

    test("pendingPolicy fail: the rotation is cancelled (declared off wins) and its labels are left, with the commands to clean up by hand", () => {
        const plan = planReconcile(desired({ enabled: false, pendingPolicy: "fail" }), enabledSecret({ versions: withPending(10) }), { operation: "update" });
        assert.equal(plan.blocked, undefined);
        assert.deepEqual(apis(plan), ["CancelRotateSecret"]);
        assert.match(plan.notes.join("\n"), /the rotation was cancelled; its candidate keeps AWSPENDING \(pendingPolicy: fail\)/);
        assert.match(plan.notes.join("\n"), /--version-stage AWSPENDING --remove-from-version-id v2/);
    });

    test("a second plan after CancelRotateSecret named another version than observed handles that version, whatever its age", () => {
        // The rotation observed had finished; the one cancelled started after the observation.
        const versions: ObservedVersion[] = [
            { versionId: "v1", labels: ["AWSCURRENT"] },
            { versionId: "v3", labels: ["AWSPENDING"], createdDate: minutesAgo(1) },
        ];
        const plan = planReconcile(desired({ enabled: false }), secret({ versions }), { operation: "update", cancelledVersionId: "v3" });
        assert.deepEqual(calls(plan), [
            { api: "UpdateSecretVersionStage", versionStage: Q("v3"), moveToVersionId: "v3" },
            { api: "UpdateSecretVersionStage", versionStage: "AWSPENDING", removeFromVersionId: "v3" },
        ]);
    });

    test("other changes still wait for a rotation in progress", () => {
        for (const change of [{ schedule: { kind: "days", days: 3 } as const }, { rotationLambdaArn: OTHER_LAMBDA }]) {
            const plan = planReconcile(desired(change), enabledSecret({ versions: withPending(10) }), { operation: "update", previous: { enabled: true } });
            assert.match(plan.blocked!.reason, /a rotation is in progress/);
            assert.deepEqual(plan.steps, []);
        }
    });

    test("the plan never removes the last label of a version", () => {
        // Every UpdateSecretVersionStage that removes a label from a version is preceded by one
        // that gives that version another label, or the version keeps AWSCURRENT.
        // quarantine's planned calls, and the roll forward promote hands to the user.
        const planned = {
            quarantine: calls(planReconcile(desired(), withPrevious(["AWSPREVIOUS"]), { operation: "update", previous: { enabled: true } })),
            promote: handMoves(
                planReconcile(desired({ pendingPolicy: "promote" }), withPrevious(["AWSPREVIOUS"]), { operation: "update", previous: { enabled: true } }).blocked!.reason,
                ROLL_FORWARD,
            ).map((move) => ({ api: "UpdateSecretVersionStage" as const, ...move })),
        };
        for (const [pendingPolicy, moves] of Object.entries(planned)) {
            const labels = new Map<string, Set<string>>([
                ["v0", new Set(["AWSPREVIOUS"])],
                ["v1", new Set(["AWSCURRENT"])],
                ["v2", new Set(["AWSPENDING"])],
            ]);
            assert.ok(moves.length >= 2, `${pendingPolicy}: the plan moves labels`);
            for (const call of moves) {
                if (call.api !== "UpdateSecretVersionStage") continue;
                if (call.removeFromVersionId) labels.get(call.removeFromVersionId)!.delete(call.versionStage);
                if (call.moveToVersionId) labels.get(call.moveToVersionId)!.add(call.versionStage);
                // Secrets Manager moves AWSPREVIOUS to the version AWSCURRENT left.
                if (call.versionStage === "AWSCURRENT" && call.removeFromVersionId) {
                    for (const set of labels.values()) set.delete("AWSPREVIOUS");
                    labels.get(call.removeFromVersionId)!.add("AWSPREVIOUS");
                }
                for (const [version, set] of labels) assert.ok(set.size > 0, `${pendingPolicy}: version ${version} lost its last label`);
            }
        }
    });
});

describe("special secrets", () => {
    test("missing: refused", () => {
        const plan = planReconcile(desired(), { found: false, secretId: "app/db", region: "us-east-1" }, { operation: "create" });
        assert.match(plan.blocked!.reason, /does not exist in us-east-1/);
    });

    test("scheduled for deletion: refused, naming the date, no call", () => {
        const plan = planReconcile(desired(), secret({ deletedDate: "2026-12-01T00:00:00.000Z" }), { operation: "create" });
        assert.deepEqual(plan.steps, []);
        assert.match(plan.blocked!.reason, /scheduled for deletion on 2026-12-01T00:00:00.000Z/);
    });

    test("replica: refused, naming the primary's region", () => {
        const plan = planReconcile(desired(), secret({ primaryRegion: "eu-west-1" }), { operation: "create" });
        assert.match(plan.blocked!.reason, /replica.*primary in eu-west-1/);
    });

    test("managed by another service: rotation on without a Lambda", () => {
        const plan = planReconcile(desired({ rotationLambdaArn: undefined }), secret({ owningService: "rds" }), { operation: "create" });
        assert.deepEqual(calls(plan), [{ api: "RotateSecret", rotationRules: { AutomaticallyAfterDays: 30 }, rotateImmediately: true }]);
    });

    test("managed by another service: a declared Lambda is refused", () => {
        const plan = planReconcile(desired(), secret({ owningService: "rds" }), { operation: "create" });
        assert.match(plan.blocked!.reason, /^rotationLambdaArn: .*managed by rds/);
    });

    const managed = (overrides: Partial<ObservedSecret> = {}) => enabledSecret({ owningService: "rds", rotationLambdaArn: undefined, ...overrides });

    test("managed by another service: enabled false turns its rotation off with CancelRotateSecret alone", () => {
        const plan = planReconcile(desired({ enabled: false, rotationLambdaArn: undefined }), managed(), { operation: "update" });
        assert.equal(plan.blocked, undefined);
        assert.deepEqual(calls(plan), [{ api: "CancelRotateSecret" }]);
        assert.match(plan.steps[0]!.why, /managed by rds/);
    });

    test("managed by another service: enabled false with its rotation already off makes no call", () => {
        const plan = planReconcile(desired({ enabled: false, rotationLambdaArn: undefined }), secret({ owningService: "rds" }), { operation: "update" });
        assert.deepEqual(plan.steps, []);
    });

    test("managed by another service: enabled false while its owner rotates it waits, nothing changed", () => {
        const plan = planReconcile(desired({ enabled: false, rotationLambdaArn: undefined }), managed({ versions: withPending(10) }), { operation: "update" });
        assert.deepEqual(plan.steps, []);
        assert.match(plan.blocked!.reason, /^enabled: rds is rotating this secret \(AWSPENDING on version v2.*Nothing was changed/);
        assert.ok(plan.blocked!.retryAfter, "the refusal says when the pending version counts as stranded");
    });

    test("managed by another service: enabled false with a stranded AWSPENDING cancels, and leaves the labels to the owner", () => {
        const plan = planReconcile(desired({ enabled: false, rotationLambdaArn: undefined }), managed({ versions: withPending(600) }), { operation: "update" });
        assert.deepEqual(apis(plan), ["CancelRotateSecret"]);
        assert.match(plan.notes.join(), /stranded on v2, but rds manages this secret's labels: left to it/);
    });

    test("managed by another service: a schedule change is RotateSecret with only the rules, no rotation now", () => {
        const plan = planReconcile(desired({ rotationLambdaArn: undefined, schedule: { kind: "days", days: 5 } }), managed(), {
            operation: "update",
            previous: { enabled: true },
        });
        assert.deepEqual(calls(plan), [{ api: "RotateSecret", rotationRules: { AutomaticallyAfterDays: 5 }, rotateImmediately: false }]);
    });

    test("managed by another service: a declaration claims it with the owner tag, and its delete releases the tag and leaves rotation as it is", () => {
        const me = "org/proj/dev/db";
        const claimed = planReconcile(desired({ rotationLambdaArn: undefined, owner: me }), managed(), { operation: "create" });
        assert.deepEqual(apis(claimed), ["TagResource"]);
        const deleted = planDelete(desired({ owner: me }), managed({ ownerTag: ownerTagValue(me) }));
        assert.deepEqual(apis(deleted), ["UntagResource"]);
        assert.match(deleted.notes.join(), /managed by rds: its rotation is left as it is/);
    });

    test("managed by another service: its stranded labels are left to it", () => {
        const plan = planReconcile(
            desired({ rotationLambdaArn: undefined }),
            enabledSecret({ owningService: "rds", rotationLambdaArn: undefined, versions: withPending(600) }),
            { operation: "update", previous: { enabled: true } },
        );
        assert.deepEqual(plan.steps, []);
        assert.match(plan.notes.join(), /left to it/);
    });
});

describe("delete", () => {
    test("cancel: CancelRotateSecret", () => {
        assert.deepEqual(apis(planDelete(desired(), enabledSecret())), ["CancelRotateSecret"]);
    });

    test("cancel: then quarantine a stranded AWSPENDING", () => {
        assert.deepEqual(apis(planDelete(desired(), enabledSecret({ versions: withPending(600) }))), [
            "CancelRotateSecret",
            "UpdateSecretVersionStage",
            "UpdateSecretVersionStage",
        ]);
    });

    test("retain: no call", () => {
        assert.deepEqual(planDelete(desired({ deletionPolicy: "retain" }), enabledSecret()).steps, []);
    });

    test("a secret that is already gone is success", () => {
        const plan = planDelete(desired(), { found: false, secretId: ARN, region: "us-east-1" });
        assert.deepEqual(plan.steps, []);
        assert.equal(plan.blocked, undefined);
    });

    test("a secret scheduled for deletion is left alone, successfully", () => {
        const plan = planDelete(desired(), enabledSecret({ deletedDate: NOW }));
        assert.deepEqual(plan.steps, []);
        assert.equal(plan.blocked, undefined);
    });

    test("deletionPolicy cancel does not wait for a rotation in progress: it cancels it and keeps the candidate", () => {
        const plan = planDelete(desired(), enabledSecret({ versions: withPending(5) }));
        assert.equal(plan.blocked, undefined);
        assert.deepEqual(calls(plan), [
            { api: "CancelRotateSecret", cancels: "v2" },
            { api: "UpdateSecretVersionStage", versionStage: Q("v2"), moveToVersionId: "v2" },
            { api: "UpdateSecretVersionStage", versionStage: "AWSPENDING", removeFromVersionId: "v2" },
        ]);
    });

    test("rotation already off with a young pending version (a rotation started by hand): left alone", () => {
        const plan = planDelete(desired(), secret({ versions: withPending(5) }));
        assert.deepEqual(plan.steps, []);
        assert.match(plan.notes.join(), /in progress .* left alone/);
    });

    test("already off and healthy: no call", () => {
        assert.deepEqual(planDelete(desired(), secret()).steps, []);
    });
});
