// Unit: a rotation policy's own rules (providers/secretsmanager/semantics/policy.ts): validation, selection and
// exclusions, what is passed over and why, the desired state per mode, and the per-secret plans —
// which are plan.ts's planReconcile / planDelete, with the policy's mark around them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ObservedSecret } from "../../providers/secretsmanager/semantics/model";
import { describePlan, Plan } from "../../providers/secretsmanager/semantics/plan";
import {
    desiredFor,
    listingFilters,
    outOfLine,
    passedOverCounts,
    planGoverned,
    planPolicy,
    planRelease,
    POLICY_TAG_KEY,
    POLICY_STANDBY_TAG_KEY,
    POLICY_TURNED_ON_TAG_KEY,
    PolicySpec,
    policyTagValue,
    selects,
    standingOf,
    validatePolicyInputs,
} from "../../providers/secretsmanager/semantics/policy";
import { longestIntervalHours } from "../../providers/secretsmanager/semantics/schedule";
import { LAMBDA, observedSecret } from "./fixtures";

const IDENTITY = "organization/proj/prod/app-secrets";
const OTHER_LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:team-rotator";
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

/** A secret named `name` with rotation off (as created), and whatever else is given. */
function secret(name: string, overrides: Partial<ObservedSecret> = {}): ObservedSecret {
    return observedSecret({ arn: arnOf(name), name, rotationEnabled: false, rotationLambdaArn: undefined, schedule: undefined, ...overrides });
}
const rotating = (name: string, days: number, overrides: Partial<ObservedSecret> = {}) =>
    secret(name, { rotationEnabled: true, rotationLambdaArn: LAMBDA, schedule: { kind: "days", days }, ...overrides });

function spec(declared: Record<string, unknown> = {}): PolicySpec {
    const result = validatePolicyInputs(
        { selector: { namePrefixes: ["app/"] }, rotationLambdaArn: LAMBDA, schedule: { automaticallyAfterDays: 30 }, __owner: IDENTITY, ...declared },
        { region: "us-east-1" },
    );
    assert.deepEqual(result.failures, []);
    assert.ok(result.spec);
    return result.spec;
}

const apis = (plan: Plan) => plan.steps.map((s) => s.call.api);
const rotate = (plan: Plan) => {
    const call = plan.steps.find((s) => s.call.api === "RotateSecret")?.call;
    assert.ok(call && call.api === "RotateSecret", describePlan(plan).join(" | "));
    return call;
};
const failureOf = (declared: Record<string, unknown>, property: string) => {
    const result = validatePolicyInputs({ selector: { namePrefixes: ["app/"] }, schedule: { automaticallyAfterDays: 30 }, __owner: IDENTITY, ...declared }, { region: "us-east-1" });
    const failure = result.failures.find((f) => f.property === property);
    assert.ok(failure, `expected a failure of ${property}, got ${JSON.stringify(result.failures)}`);
    assert.equal(result.spec, undefined);
    return failure.reason;
};

describe("validation: every problem named by property and rule, before any call", () => {
    test("a complete declaration gets the single declaration's defaults and mode enforce", () => {
        const result = validatePolicyInputs({ selector: { all: true }, schedule: { automaticallyAfterDays: 30 }, __owner: IDENTITY });
        assert.deepEqual(result.failures, []);
        assert.equal(result.inputs.mode, "enforce");
        assert.equal(result.spec?.managedSecrets, "passOver");
        assert.equal("managedSecrets" in result.inputs, false, "the default is not stored: a policy recorded before managedSecrets existed shows no change after an upgrade");
        assert.equal(result.inputs.rotateImmediately, true);
        assert.equal(result.inputs.pendingPolicy, "quarantine");
        assert.equal(result.inputs.deletionPolicy, "cancel");
        assert.equal(result.spec?.settings.pendingGracePeriodMs, 2 * 3_600_000);
        assert.equal(result.spec?.maxIntervalHours, 30 * 24);
    });

    test("the selector must select something, and all: true stands alone", () => {
        assert.match(failureOf({ selector: undefined }, "selector"), /is required/);
        assert.match(failureOf({ selector: {} }, "selector"), /selects nothing/);
        assert.match(failureOf({ selector: { all: true, namePrefixes: ["app/"] } }, "selector.all"), /every secret/);
        assert.match(failureOf({ selector: { namePrefixes: [] } }, "selector.namePrefixes"), /at least one name prefix/);
        assert.match(failureOf({ selector: { namePrefixes: ["app/", "bad prefix"] } }, "selector.namePrefixes[1]"), /start of a secret name.*"bad prefix"/);
        assert.match(failureOf({ selector: { tags: [{ name: "team" }] } }, "selector.tags[0].name"), /not a property/);
        assert.match(failureOf({ selector: { tags: [{ key: "" }] } }, "selector.tags[0].key"), /1-128/);
        assert.match(failureOf({ selector: { namePrefix: ["app/"] } }, "selector.namePrefix"), /not a property/);
    });

    test("exclusions, mode and unknown properties", () => {
        assert.match(failureOf({ exclude: { names: "app/x" } }, "exclude.names"), /list of names/);
        assert.match(failureOf({ exclude: { tags: [{ key: "k", value: 3 }] } }, "exclude.tags[0].value"), /tag value/);
        assert.match(failureOf({ mode: "strict" }, "mode"), /enforce, minimum/);
        assert.match(failureOf({ managedSecrets: "skip" }, "managedSecrets"), /^must be one of passOver, schedule, disable \(what the policy does with secrets another service manages\) \(got "skip"\)$/);
        assert.match(failureOf({ managedSecrets: true }, "managedSecrets"), /must be one of passOver, schedule, disable/);
        assert.match(failureOf({ enabled: false }, "enabled"), /not a property of a rotation policy/);
        assert.match(failureOf({ secretId: "app/x" }, "secretId"), /not a property of a rotation policy/);
    });

    test("the shared settings are refused with the single declaration's words", () => {
        assert.match(failureOf({ schedule: undefined }, "schedule"), /is required/);
        assert.match(failureOf({ schedule: { automaticallyAfterDays: 0 } }, "schedule.automaticallyAfterDays"), /whole number from 1 to 1000/);
        assert.match(failureOf({ rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:x" }, "rotationLambdaArn"), /secret's region us-east-1/);
        assert.match(failureOf({ pendingPolicy: "drop" }, "pendingPolicy"), /quarantine, promote, fail/);
        assert.match(failureOf({ aws: { accessKey: "AKIA" } }, "aws.accessKey"), /./);
    });

    test("every schedule that fires has a longest interval; one that never fires is refused in both modes", () => {
        assert.equal(spec({ mode: "minimum", schedule: { scheduleExpression: "cron(0 2 ? * MON *)" } }).maxIntervalHours, 7 * 24);
        assert.equal(spec({ mode: "minimum", schedule: { scheduleExpression: "cron(0 2 1 * ? *)" } }).maxIntervalHours, 31 * 24, "a calendar cron: its longest month");
        assert.equal(spec({ mode: "minimum", schedule: { scheduleExpression: "cron(0 2 L 1,7 ? *)" } }).maxIntervalHours, 184 * 24, "Jul 31 to Jan 31");
        assert.match(failureOf({ mode: "minimum", schedule: { scheduleExpression: "cron(0 2 30 2 ? *)" } }, "schedule"), /never fires.*mode minimum/);
        assert.match(failureOf({ mode: "enforce", schedule: { scheduleExpression: "cron(0 2 30 2 ? *)" } }, "schedule"), /never fires: no day of any month matches it, so no governed secret would ever rotate;/);
    });

    test("unknown values during preview are accepted without a spec; a missing identity is named", () => {
        const unknown = validatePolicyInputs({ selector: { all: true }, schedule: { automaticallyAfterDays: 30 }, rotationLambdaArn: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", __owner: IDENTITY });
        assert.deepEqual(unknown.failures, []);
        assert.equal(unknown.spec, undefined);
        const anonymous = validatePolicyInputs({ selector: { all: true }, schedule: { automaticallyAfterDays: 30 } });
        assert.deepEqual(anonymous.failures.map((f) => f.property), ["__owner"]);
    });
});

describe("selection", () => {
    test("any name prefix, every tag (key alone, or key and value), or all", () => {
        const s = secret("app/db", { tags: { team: "payments", rotate: "" } });
        assert.equal(selects({ namePrefixes: ["svc/", "app/"] }, s), true);
        assert.equal(selects({ namePrefixes: ["App/"] }, s), false, "case-sensitive, as ListSecrets' name filter");
        assert.equal(selects({ tags: [{ key: "team", value: "payments" }, { key: "rotate" }] }, s), true);
        assert.equal(selects({ tags: [{ key: "team", value: "billing" }] }, s), false);
        assert.equal(selects({ tags: [{ key: "team" }, { key: "env" }] }, s), false, "every tag must hold");
        assert.equal(selects({ namePrefixes: ["svc/"], tags: [{ key: "team" }] }, s), false, "prefixes and tags must both hold");
        assert.equal(selects({ all: true }, secret("anything")), true);
    });

    test("passed over, in order, each with its reason; the policy's own mark is governed", () => {
        const p = spec({ exclude: { names: ["app/legacy"], namePrefixes: ["app/tmp/"], tags: [{ key: "rotation", value: "manual" }] } });
        const standing = (s: ObservedSecret) => {
            const st = standingOf(p, s);
            return st.kind === "passed-over" ? `${st.reason}: ${st.why}` : st.kind;
        };
        assert.equal(standing(secret("svc/x")), "unselected");
        assert.equal(standing(secret("app/legacy")), "excluded: excluded by name app/legacy");
        assert.equal(standing(secret("app/tmp/1")), "excluded: excluded by name prefix app/tmp/");
        assert.equal(standing(secret("app/m", { tags: { rotation: "manual" } })), "excluded: excluded by tag rotation=manual");
        assert.equal(standing(secret("app/gone", { deletedDate: "2026-11-30T00:00:00.000Z" })), "scheduledForDeletion: scheduled for deletion on 2026-11-30T00:00:00.000Z");
        assert.equal(standing(secret("app/replica", { primaryRegion: "us-west-2" })), "replica: a replica: rotation happens on its primary in us-west-2");
        assert.equal(standing(secret("app/rds", { owningService: "rds" })), "managedByService: managed by rds, which rotates it itself (managedSecrets: passOver)");
        assert.equal(standing(secret("app/owned", { ownerTag: "organization/proj/prod/db" })), "ownedByDeclaration: owned by the declaration organization/proj/prod/db");
        assert.equal(
            standing(secret("app/theirs", { tags: { [POLICY_TAG_KEY]: "organization/other/prod/all" } })),
            "otherPolicy: governed by the policy organization/other/prod/all, which acted on it first",
        );
        assert.equal(
            standing(secret("app/theirs-on", { tags: { [POLICY_TURNED_ON_TAG_KEY]: "organization/other/prod/all" } })),
            "otherPolicy: governed by the policy organization/other/prod/all, which acted on it first",
        );
        assert.equal(standing(secret("app/ours", { tags: { [POLICY_TAG_KEY]: policyTagValue(IDENTITY) } })), "governed");
        // A declaration's owner tag wins over this policy's own mark: a policy never takes a secret from a SecretRotationState.
        assert.match(standing(secret("app/taken", { ownerTag: "organization/proj/prod/db", tags: { [POLICY_TAG_KEY]: policyTagValue(IDENTITY) } })), /^ownedByDeclaration/);
    });
});

describe("the desired state of a governed secret", () => {
    test("enforce: exactly the policy's Lambda and schedule, with the single declaration's settings", () => {
        const desired = desiredFor(spec({ rotateImmediately: false, schedule: { scheduleExpression: "rate(10 days)", duration: "3h" } }), rotating("app/a", 7));
        assert.equal(desired.secretId, arnOf("app/a"));
        assert.equal(desired.rotationLambdaArn, LAMBDA);
        assert.deepEqual(desired.schedule, { kind: "expression", expression: "rate(10 days)", duration: "3h" });
        assert.equal(desired.rotateImmediately, false);
        assert.equal(desired.owner, undefined, "a policy never writes the owner tag");
    });

    test("minimum: a stricter schedule and the team's Lambda are left; a longer one gets the policy's", () => {
        const minimum = spec({ mode: "minimum" });
        const strict = desiredFor(minimum, rotating("app/strict", 7, { rotationLambdaArn: OTHER_LAMBDA }));
        assert.equal(strict.schedule, undefined);
        assert.equal(strict.rotationLambdaArn, undefined);
        const lax = desiredFor(minimum, rotating("app/lax", 120, { rotationLambdaArn: OTHER_LAMBDA }));
        assert.deepEqual(lax.schedule, { kind: "days", days: 30 });
        assert.equal(lax.rotationLambdaArn, undefined);
        const hourly = desiredFor(minimum, rotating("app/hourly", 1, { schedule: { kind: "expression", expression: "cron(0 */6 * * ? *)" } }));
        assert.equal(hourly.schedule, undefined, "every 6 hours is within 30 days");
        const calendar = desiredFor(minimum, rotating("app/monthly", 1, { schedule: { kind: "expression", expression: "cron(0 2 1 * ? *)" } }));
        assert.deepEqual(calendar.schedule, { kind: "days", days: 30 }, "the 1st of each month is up to 31 days apart, longer than 30: it gets the policy's");
        const off = desiredFor(minimum, secret("app/off", { rotationLambdaArn: OTHER_LAMBDA, schedule: { kind: "days", days: 14 } }));
        assert.deepEqual([off.enabled, off.rotationLambdaArn, off.schedule], [true, LAMBDA, undefined], "turned on with the policy's Lambda, its own 14 days kept");
    });
});

describe("minimum mode never loosens a calendar cron (issue 21, item 4)", () => {
    const ninetyDays = () => spec({ mode: "minimum", schedule: { automaticallyAfterDays: 90 } });
    const onCron = (name: string, expression: string) => rotating(name, 1, { schedule: { kind: "expression", expression } });

    test("crons of days of the month, the last day and the nth weekday are stricter than 90 days: kept, no call", () => {
        for (const expression of ["cron(0 4 1,15 * ? *)", "cron(0 4 L * ? *)", "cron(0 4 ? * MON#1 *)", "cron(0 4 15W * ? *)", "cron(0 4 1 */2 ? *)"]) {
            const governed = onCron("app/calendar", expression);
            assert.equal(desiredFor(ninetyDays(), governed).schedule, undefined, expression);
            assert.deepEqual(outOfLine(ninetyDays(), governed), [], `${expression} is in line`);
            assert.deepEqual(planGoverned(ninetyDays(), { ...governed, tags: { [POLICY_TAG_KEY]: IDENTITY } }, true).steps, [], `${expression}: no call`);
        }
    });

    test("a schedule longer than 90 days is tightened, a calendar one included", () => {
        // Quarterly looks like "every 90 days", but Oct 1 to Jan 1 is 92.
        for (const expression of ["rate(120 days)", "cron(0 4 1 1,7 ? *)", "cron(0 4 1 1,4,7,10 ? *)"]) {
            assert.deepEqual(desiredFor(ninetyDays(), onCron("app/lax", expression)).schedule, { kind: "days", days: 90 }, expression);
            assert.deepEqual(outOfLine(ninetyDays(), onCron("app/lax", expression)).map((o) => o.property), ["schedule"], expression);
        }
    });

    test("a live schedule whose longest interval cannot be told is left alone, never replaced", () => {
        // AWS accepted it (it is live), but no bound can be computed: February 30th never comes,
        // and an expression this parser does not read could be any schedule.
        for (const expression of ["cron(0 4 30 2 ? *)", "cron(0 4 L-2 * ? *)"]) {
            const governed = onCron("app/unjudged", expression);
            assert.equal(desiredFor(ninetyDays(), governed).schedule, undefined, expression);
            assert.deepEqual(outOfLine(ninetyDays(), governed), [], expression);
        }
        assert.deepEqual(desiredFor(ninetyDays(), secret("app/none")).schedule, { kind: "days", days: 90 }, "no schedule at all gets the policy's");
    });
});

const BOTH_MARKS = { [POLICY_TAG_KEY]: IDENTITY, [POLICY_TURNED_ON_TAG_KEY]: IDENTITY };

describe("the plan of a governed secret is planReconcile's, with the policy's marks first before its first call", () => {
    test("a secret newly governed with rotation off: both marks in one call, then RotateSecret that rotates now (rotateImmediately)", () => {
        const plan = planGoverned(spec(), secret("app/new"), false);
        assert.deepEqual(apis(plan), ["TagResource", "RotateSecret"]);
        assert.deepEqual(plan.steps[0]!.call, {
            api: "TagResource",
            tags: [
                { key: POLICY_TAG_KEY, value: IDENTITY },
                { key: POLICY_TURNED_ON_TAG_KEY, value: IDENTITY },
            ],
        });
        assert.equal(rotate(plan).rotateImmediately, true);
        assert.equal(rotate(plan).rotationLambdaArn, LAMBDA);
    });

    test("rotation turned off out of band on a secret governed before: restored without rotating, mark kept", () => {
        const plan = planGoverned(spec(), secret("app/off", { rotationLambdaArn: LAMBDA, schedule: { kind: "days", days: 30 }, tags: BOTH_MARKS }), true);
        assert.deepEqual(apis(plan), ["RotateSecret"]);
        assert.equal(rotate(plan).rotateImmediately, false);
        assert.match(plan.steps[0]!.why, /turned off out of band/);
        // Governed while it was rotating on its own, then turned off out of band: turning it on now is this policy's doing.
        const found = planGoverned(spec(), secret("app/found-on", { rotationLambdaArn: LAMBDA, schedule: { kind: "days", days: 30 }, tags: { [POLICY_TAG_KEY]: IDENTITY } }), true);
        assert.deepEqual(apis(found), ["TagResource", "RotateSecret"]);
        assert.deepEqual(found.steps[0]!.call, { api: "TagResource", tags: [{ key: POLICY_TURNED_ON_TAG_KEY, value: IDENTITY }] });
    });

    test("in line: no call and no mark; a changed schedule in enforce mode: the governs mark only (rotation was on), then RotateSecret", () => {
        assert.deepEqual(planGoverned(spec(), rotating("app/ok", 30), true).steps, []);
        const plan = planGoverned(spec(), rotating("app/changed", 90), true);
        assert.deepEqual(apis(plan), ["TagResource", "RotateSecret"]);
        assert.deepEqual(plan.steps[0]!.call, { api: "TagResource", tags: [{ key: POLICY_TAG_KEY, value: IDENTITY }] });
        assert.match(plan.steps[1]!.why, /every 90 days -> every 30 days/);
        assert.deepEqual(apis(planGoverned(spec(), rotating("app/changed", 90, { tags: { [POLICY_TAG_KEY]: IDENTITY } }), true)), ["RotateSecret"], "marked already: no TagResource");
        assert.deepEqual(planGoverned(spec({ mode: "minimum" }), rotating("app/stricter", 7), true).steps, [], "minimum mode leaves a stricter schedule alone");
    });

    test("two policies over one secret: the first to act marks it, the other passes it over instead of undoing it", () => {
        const other = validatePolicyInputs({ selector: { namePrefixes: ["app/"] }, rotationLambdaArn: OTHER_LAMBDA, schedule: { automaticallyAfterDays: 7 }, __owner: "organization/proj/prod/other" }).spec!;
        const found = rotating("app/shared", 90);
        const first = planGoverned(other, found, false);
        assert.deepEqual(apis(first), ["TagResource", "RotateSecret"]);
        const tags = Object.fromEntries(first.steps[0]!.call.api === "TagResource" ? first.steps[0]!.call.tags.map((t) => [t.key, t.value]) : []);
        const after = rotating("app/shared", 7, { rotationLambdaArn: OTHER_LAMBDA, tags });
        assert.equal(standingOf(spec(), after).kind, "passed-over");
        const second = planPolicy(spec(), [after], ["app/shared"]);
        assert.deepEqual(second.work.map((w) => w.plan.steps.map((s) => s.call)), [[{ api: "TagResource", tags: [{ key: POLICY_STANDBY_TAG_KEY, value: policyTagValue(IDENTITY) }] }]], "the second policy only stands by (same stack)");
        assert.deepEqual(planPolicy(spec(), [{ ...after, tags: { ...after.tags, [POLICY_STANDBY_TAG_KEY]: policyTagValue(IDENTITY) } }], ["app/shared"]).work, [], "then makes no call on it");
        assert.deepEqual(passedOverCounts(second).otherPolicy, 1);
        // A policy being created passes over another stack's policy's secret.
        const otherStack = validatePolicyInputs({ selector: { namePrefixes: ["app/"] }, rotationLambdaArn: OTHER_LAMBDA, schedule: { automaticallyAfterDays: 7 }, __owner: "organization/proj/staging/other" }).spec!;
        const theirs = rotating("app/shared", 7, { rotationLambdaArn: OTHER_LAMBDA, tags: { [POLICY_TAG_KEY]: policyTagValue(otherStack.identity) } });
        assert.deepEqual(passedOverCounts(planPolicy(spec(), [theirs])).otherPolicy, 1);
    });

    test("a rename is a hand-over: the new policy stands by, the old one's delete hands over (no cancel, no rotation); a renamed stack's policy takes its own marks", () => {
        const old = validatePolicyInputs({ selector: { namePrefixes: ["app/"] }, rotationLambdaArn: LAMBDA, schedule: { automaticallyAfterDays: 30 }, __owner: "organization/proj/prod/fleet" }).spec!;
        const marks = { [POLICY_TAG_KEY]: policyTagValue(old.identity), [POLICY_TURNED_ON_TAG_KEY]: policyTagValue(old.identity) };
        // 1. The new policy (created first): passes over, stands by.
        const created = planPolicy(spec(), [rotating("app/on", 30, { tags: marks })]);
        assert.deepEqual(created.governed, []);
        assert.deepEqual(created.standingBy, ["app/on"]);
        assert.deepEqual(created.work.map((w) => apis(w.plan)), [["TagResource"]]);
        // 2. The old policy's delete: hands over, keeping turned-on as turned-on.
        const standing = rotating("app/on", 30, { tags: { ...marks, [POLICY_STANDBY_TAG_KEY]: policyTagValue(IDENTITY) } });
        const handOver = planRelease(old, standing);
        assert.deepEqual(handOver.steps.map((s) => s.call), [
            { api: "TagResource", tags: [{ key: POLICY_TAG_KEY, value: policyTagValue(IDENTITY) }, { key: POLICY_TURNED_ON_TAG_KEY, value: policyTagValue(IDENTITY) }] },
            { api: "UntagResource", keys: [POLICY_STANDBY_TAG_KEY] },
        ]);
        // 3. The new policy's next plan: its own marks, in line: no call.
        const after = rotating("app/on", 30, { tags: { [POLICY_TAG_KEY]: policyTagValue(IDENTITY), [POLICY_TURNED_ON_TAG_KEY]: policyTagValue(IDENTITY) } });
        const next = planPolicy(spec(), [after], []);
        assert.deepEqual([next.governed, next.work], [["app/on"], []]);
        // Out of line with the new policy: reconfigured as an update, never rotated now.
        const longer = planGoverned(spec({ rotateImmediately: true }), rotating("app/on", 90, { tags: after.tags }), false);
        assert.equal(rotate(longer).rotateImmediately, false, "a hand-over is not a first turn-on");
        // Another policy of the stack stands by already: the first to stand by keeps it (no tag ping-pong).
        const third = planPolicy(spec(), [rotating("app/on", 30, { tags: { ...marks, [POLICY_STANDBY_TAG_KEY]: "organization/proj/prod/other" } })]);
        assert.deepEqual([third.standingBy, third.work], [[], []], "not recorded as standing by: the other policy does");
        // Another stack's policy: no standby (takeOver's business).
        const foreign = planPolicy(spec(), [rotating("app/on", 30, { tags: { [POLICY_TAG_KEY]: "organization/proj/staging/fleet" } })]);
        assert.deepEqual([foreign.standingBy, foreign.work], [[], []]);
        // An update takes over the identity it recorded (a renamed stack or project).
        const renamedStack = "organization/proj/old-prod/app-secrets";
        const ownUnderOldName = rotating("app/on", 30, { tags: { [POLICY_TAG_KEY]: policyTagValue(renamedStack), [POLICY_TURNED_ON_TAG_KEY]: policyTagValue(renamedStack) } });
        const renamed = planPolicy(spec(), [ownUnderOldName], ["app/on"], renamedStack);
        assert.deepEqual(renamed.governed, ["app/on"]);
        assert.deepEqual(renamed.work.map((w) => w.plan.steps.map((s) => s.call.api)), [["TagResource"]], "re-marked under the new name, no other call");
    });

    test("a secret carrying this policy's mark whose first call failed is restored at the retry, not rotated now", () => {
        const marked = secret("app/failed", { rotationLambdaArn: LAMBDA, tags: { [POLICY_TAG_KEY]: policyTagValue(IDENTITY), [POLICY_TURNED_ON_TAG_KEY]: policyTagValue(IDENTITY) } });
        const retry = planPolicy(spec({ rotateImmediately: true }), [marked], []);
        assert.deepEqual(retry.work.map((w) => apis(w.plan)), [["RotateSecret"]]);
        assert.equal(rotate(retry.work[0]!.plan).rotateImmediately, false);
        // Unmarked and never governed: a first turn-on rotates now, as declared.
        const first = planPolicy(spec({ rotateImmediately: true }), [secret("app/new", { rotationLambdaArn: LAMBDA })], []);
        assert.equal(rotate(first.work[0]!.plan).rotateImmediately, true);
    });

    test("a stranded AWSPENDING is quarantined as for a single declaration", () => {
        const stranded = rotating("app/stranded", 30, {
            versions: [
                { versionId: "v1", labels: ["AWSCURRENT"] },
                { versionId: "v2", labels: ["AWSPENDING"], createdDate: "2026-11-23T09:00:00.000Z" },
            ],
        });
        const plan = planGoverned(spec(), stranded, true);
        assert.deepEqual(apis(plan), ["TagResource", "UpdateSecretVersionStage", "UpdateSecretVersionStage"], "marked before its first call");
        assert.match(describePlan(plan).join("\n"), /QUARANTINED-20261123T1200Z-v2/);
    });

    test("pendingPolicy promote: a governed secret's stranded candidate is never made AWSCURRENT; its plan is refused as a single declaration's, no call", () => {
        const stranded = rotating("app/stranded", 30, {
            versions: [
                { versionId: "v1", labels: ["AWSCURRENT"] },
                { versionId: "v2", labels: ["AWSPENDING"], createdDate: "2026-11-23T09:00:00.000Z" },
            ],
        });
        const plan = planGoverned(spec({ pendingPolicy: "promote" }), stranded, true);
        assert.deepEqual(plan.steps, []);
        assert.match(plan.blocked?.reason ?? "", /^pendingPolicy: promote would make the stranded version v2 \(3\.0 h old\) AWSCURRENT, but that version may have no value/);
        assert.match(plan.blocked?.reason ?? "", /AWSCURRENT stays on v1/);
    });

    test("without a Lambda anywhere, the secret's plan is refused, naming the property", () => {
        const noLambda = validatePolicyInputs({ selector: { all: true }, schedule: { automaticallyAfterDays: 30 }, __owner: IDENTITY }).spec!;
        assert.match(planGoverned(noLambda, secret("app/x"), false).blocked?.reason ?? "", /^rotationLambdaArn: required/);
    });
});

describe("letting go: only what the policy turned on is turned off, and its marks are released", () => {
    const marked = (overrides: Partial<ObservedSecret> = {}) => rotating("app/marked", 30, { tags: BOTH_MARKS, ...overrides });

    test("deletionPolicy cancel: planDelete's CancelRotateSecret, then UntagResource of both marks", () => {
        const plan = planRelease(spec(), marked());
        assert.deepEqual(apis(plan), ["CancelRotateSecret", "UntagResource"]);
        assert.deepEqual(plan.steps[1]!.call, { api: "UntagResource", keys: [POLICY_TAG_KEY, POLICY_TURNED_ON_TAG_KEY] });
    });

    test("a secret that was rotating when the policy found it stays on: only the governs mark is released", () => {
        const plan = planRelease(spec(), rotating("app/found-on", 30, { tags: { [POLICY_TAG_KEY]: IDENTITY } }));
        assert.deepEqual(plan.steps.map((s) => s.call), [{ api: "UntagResource", keys: [POLICY_TAG_KEY] }]);
        assert.match(plan.notes.join("\n"), /was on when this policy found it/);
    });

    test("retain, a secret a declaration took over, or one managed by a service: only the mark is released", () => {
        assert.deepEqual(apis(planRelease(spec({ deletionPolicy: "retain" }), marked())), ["UntagResource"]);
        assert.deepEqual(apis(planRelease(spec(), marked({ ownerTag: "organization/proj/prod/db" }))), ["UntagResource"]);
        assert.deepEqual(apis(planRelease(spec(), marked({ deletedDate: "2026-11-30T00:00:00.000Z" }))), []);
    });
});

describe("managed secrets (managedSecrets)", () => {
    const managedOn = (name: string, days: number, overrides: Partial<ObservedSecret> = {}) =>
        secret(name, { owningService: "rds", rotationEnabled: true, schedule: { kind: "days", days }, ...overrides });

    test("passOver (default) leaves them alone; schedule and disable govern them", () => {
        assert.equal(standingOf(spec(), managedOn("app/rds", 7)).kind, "passed-over");
        assert.equal(standingOf(spec({ managedSecrets: "schedule" }), managedOn("app/rds", 7)).kind, "governed");
        assert.equal(standingOf(spec({ managedSecrets: "disable" }), managedOn("app/rds", 7)).kind, "governed");
        const owned = managedOn("app/rds", 7, { ownerTag: "organization/proj/prod/db" });
        assert.equal((standingOf(spec({ managedSecrets: "disable" }), owned) as { reason?: string }).reason, "ownedByDeclaration", "a declaration's managed secret stays its own");
    });

    test("schedule: the policy's schedule with only the rules (its Lambda is never sent), after the governs mark", () => {
        const plan = planPolicy(spec({ managedSecrets: "schedule" }), [managedOn("app/rds", 7)]);
        assert.deepEqual(plan.governed, ["app/rds"]);
        const work = plan.work[0]!.plan;
        assert.deepEqual(apis(work), ["TagResource", "RotateSecret"]);
        const call = rotate(work);
        assert.equal(call.rotationLambdaArn, undefined);
        assert.deepEqual(call.rotationRules, { AutomaticallyAfterDays: 30 });
        assert.equal(call.rotateImmediately, false, "a schedule change rotates nothing now");
    });

    test("schedule in mode minimum: a stricter live schedule is kept, a longer one replaced; rotation off is turned on without a Lambda", () => {
        const p = spec({ managedSecrets: "schedule", mode: "minimum" });
        assert.deepEqual(planPolicy(p, [managedOn("app/strict", 7)]).work, []);
        assert.deepEqual(rotate(planPolicy(p, [managedOn("app/loose", 90)]).work[0]!.plan).rotationRules, { AutomaticallyAfterDays: 30 });
        const off = rotate(planPolicy(p, [secret("app/off", { owningService: "rds" })]).work[0]!.plan);
        assert.equal(off.rotationLambdaArn, undefined);
    });

    test("disable: CancelRotateSecret after the governs mark; already off is in line; out of line only while on", () => {
        const p = spec({ managedSecrets: "disable" });
        assert.deepEqual(apis(planPolicy(p, [managedOn("app/rds", 7)]).work[0]!.plan), ["TagResource", "CancelRotateSecret"]);
        assert.deepEqual(planPolicy(p, [secret("app/off", { owningService: "rds", tags: { [POLICY_TAG_KEY]: policyTagValue(IDENTITY) } })]).work, []);
        assert.deepEqual(outOfLine(p, managedOn("app/rds", 7)), [{ property: "enabled", desired: false }]);
        assert.deepEqual(outOfLine(p, secret("app/off", { owningService: "rds" })), []);
    });

    test("a managed secret's stranded AWSPENDING is its owner's: never counted, never repaired", () => {
        const stranded = managedOn("app/rds", 30, {
            versions: [
                { versionId: "v1", labels: ["AWSCURRENT"] },
                { versionId: "v2", labels: ["AWSPENDING"], createdDate: "2026-01-01T00:00:00.000Z" },
            ],
        });
        assert.deepEqual(outOfLine(spec({ managedSecrets: "schedule" }), stranded), []);
    });

    test("released (destroy, or left the selection): only the marks go; its rotation is left as it is", () => {
        const marked = managedOn("app/rds", 7, { rotationEnabled: false, tags: { [POLICY_TAG_KEY]: policyTagValue(IDENTITY) } });
        const plan = planRelease(spec({ managedSecrets: "disable" }), marked);
        assert.deepEqual(apis(plan), ["UntagResource"]);
        assert.match(plan.notes.join(), /managed by rds: its rotation is left to it/);
    });
});

describe("the whole policy", () => {
    const fleet = () => [
        rotating("app/ok", 30, { tags: BOTH_MARKS }),
        secret("app/new"),
        rotating("app/off", 30, { rotationEnabled: false, tags: BOTH_MARKS }),
        rotating("app/owned", 7, { ownerTag: "organization/proj/prod/db" }),
        secret("app/rds", { owningService: "rds" }),
        secret("app/replica", { primaryRegion: "us-west-2" }),
        secret("app/deleted", { deletedDate: "2026-11-30T00:00:00.000Z" }),
        rotating("app/excluded", 400),
        rotating("app/left", 30, { tags: { ...BOTH_MARKS, rotation: "manual" } }),
        secret("svc/other"),
    ];
    const p = () => spec({ exclude: { names: ["app/excluded"], tags: [{ key: "rotation", value: "manual" }] } });

    test("create: governs the matches, counts what it passes over, acts only where needed, reports no drift", () => {
        const plan = planPolicy(p(), fleet());
        assert.deepEqual(plan.governed, ["app/new", "app/off", "app/ok"]);
        assert.deepEqual(passedOverCounts(plan), { excluded: 2, scheduledForDeletion: 1, replica: 1, managedByService: 1, ownedByDeclaration: 1, otherPolicy: 0, tagQuota: 0 });
        assert.deepEqual(
            plan.work.map((w) => `${w.kind} ${w.name}: ${apis(w.plan).join(",")}`),
            ["release app/left: CancelRotateSecret,UntagResource", "governed app/new: TagResource,RotateSecret", "governed app/off: RotateSecret", "release app/owned: TagResource"],
        );
        assert.deepEqual(plan.standingBy, ["app/owned"], "it stands by for its stack's declaration's secret");
        assert.deepEqual(plan.work.find((w) => w.name === "app/owned")!.plan.steps[0]!.call, { api: "TagResource", tags: [{ key: POLICY_STANDBY_TAG_KEY, value: policyTagValue(IDENTITY) }] });
        assert.deepEqual(Object.keys(plan.drift), ["app/left"], "a create has nothing to drift from, but a marked secret it lets go is named");
    });

    test("after an update: drift names every secret out of line, newly governed, no longer governed or gone", () => {
        const plan = planPolicy(p(), fleet(), ["app/ok", "app/off", "app/gone", "app/owned"]);
        assert.deepEqual(Object.keys(plan.drift).sort(), ["app/gone", "app/left", "app/new", "app/off", "app/owned"]);
        assert.match(plan.drift["app/new"]!, /^newly governed: .*rotation is declared on and is off/);
        assert.match(plan.drift["app/off"]!, /turned off out of band/);
        assert.match(plan.drift["app/owned"]!, /no longer governed \(owned by the declaration organization\/proj\/prod\/db\)/);
        assert.match(plan.drift["app/gone"]!, /no longer exists/);
        assert.equal(plan.drift["app/ok"], undefined, "a secret in line is not drift");
    });

    test("right after a successful update, the same listing shows no drift and no work", () => {
        const inLine = [rotating("app/a", 30), rotating("app/b", 30, { tags: { [POLICY_TAG_KEY]: IDENTITY } }), rotating("app/owned", 7, { ownerTag: "x/y/z/w" })];
        const plan = planPolicy(spec(), inLine, ["app/a", "app/b"]);
        assert.deepEqual([plan.work, plan.drift], [[], {}]);
    });
});

describe("drift of a governed secret, by the single declaration's property names", () => {
    test("rotation off, another Lambda or schedule (enforce), a longer schedule (minimum), a stranded AWSPENDING", () => {
        const props = (p: PolicySpec, s: ObservedSecret) => outOfLine(p, s).map((d) => d.property);
        assert.deepEqual(props(spec(), rotating("app/ok", 30)), []);
        assert.deepEqual(props(spec(), rotating("app/off", 30, { rotationEnabled: false })), ["enabled"]);
        assert.deepEqual(props(spec(), rotating("app/other", 7, { rotationLambdaArn: OTHER_LAMBDA })), ["rotationLambdaArn", "schedule"]);
        assert.deepEqual(props(spec({ mode: "minimum" }), rotating("app/other", 7, { rotationLambdaArn: OTHER_LAMBDA })), [], "minimum: a team's Lambda and stricter schedule are in line");
        assert.deepEqual(props(spec({ mode: "minimum" }), rotating("app/lax", 120)), ["schedule"]);
        const stranded = rotating("app/stranded", 30, {
            versions: [
                { versionId: "v1", labels: ["AWSCURRENT"] },
                { versionId: "v2", labels: ["AWSPENDING"], createdDate: "2026-11-23T09:00:00.000Z" },
            ],
        });
        assert.deepEqual(props(spec(), stranded), ["stagingLabels"]);
    });
});

describe("observation", () => {
    test("the name prefixes become ListSecrets' name filter while they are those of the last update", () => {
        assert.deepEqual(listingFilters({ namePrefixes: ["app/", "svc/"] }), [{ Key: "name", Values: ["app/", "svc/"] }]);
        assert.deepEqual(listingFilters({ namePrefixes: ["app/"] }, { namePrefixes: ["app/"] }), [{ Key: "name", Values: ["app/"] }]);
        assert.equal(listingFilters({ namePrefixes: ["app/"] }, { namePrefixes: ["app/", "old/"] }), undefined, "changed: the whole region, to see what left");
        assert.deepEqual(listingFilters({ namePrefixes: ["rds!db"] }), [{ Key: "name", Values: ["rds!db"] }], "a ! inside a value is a character like any other");
        assert.equal(listingFilters({ namePrefixes: ["!x"] }), undefined, "a leading ! is ListSecrets' negation");
        assert.equal(listingFilters({ tags: [{ key: "team" }] }), undefined);
        assert.equal(listingFilters({ all: true }), undefined);
        assert.equal(listingFilters({ namePrefixes: Array.from({ length: 11 }, (_, i) => `p${i}/`) }), undefined, "ListSecrets takes at most 10 values");
    });
});

describe("longestIntervalHours: what 'rotates at least every N days' is judged by", () => {
    test("days, rate, and crons of every month over a week", () => {
        const expr = (expression: string) => longestIntervalHours({ kind: "expression", expression });
        assert.equal(longestIntervalHours({ kind: "days", days: 30 }), 720);
        assert.equal(expr("rate(12 hours)"), 12);
        assert.equal(expr("cron(0 4,16 * * ? *)"), 12);
        assert.equal(expr("cron(0 4,8 * * ? *)"), 20, "the longest gap crosses midnight");
        assert.equal(expr("cron(0 2 ? * MON *)"), 168);
        assert.equal(expr("cron(0 2 ? * MON,THU *)"), 96);
        assert.equal(expr("cron(0 2 ? * 2-6 *)"), 72, "weekdays: Friday to Monday");
        // The calendar's own (schedule.test.ts has the rest): exact on the real calendar.
        assert.equal(expr("cron(0 2 1 * ? *)"), 31 * 24, "the 1st of every month: at most a 31-day month apart");
        assert.equal(expr("cron(0 2 ? * MON#1 *)"), 35 * 24, "the first Monday: at most five weeks apart");
        assert.equal(expr("cron(0 2 30 2 ? *)"), undefined, "February 30th never comes: no bound");
    });
});

describe("AWS's tag quota (50 per secret) and the policy's marks", () => {
    const tags = (n: number, extra: Record<string, string> = {}) => ({ ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "x"])), ...extra });

    test("a secret with no room for the governs mark is passed over with a reason of its own; aws: tags do not count", () => {
        const full = secret("app/full", { tags: tags(50) });
        const st = standingOf(spec(), full);
        assert.equal(st.kind, "passed-over");
        assert.equal(st.kind === "passed-over" && st.reason, "tagQuota");
        assert.match(st.kind === "passed-over" ? st.why : "", /has 50 tag\(s\); this policy's mark pulumi-secret-rotation:policy would make 51, over the 50 tags AWS allows per secret/);
        assert.equal(standingOf(spec(), secret("app/49", { tags: tags(49) })).kind, "governed");
        assert.equal(standingOf(spec(), secret("app/aws", { tags: tags(49, { "aws:cloudformation:stack-name": "s" }) })).kind, "governed", "aws: tags do not count");
        // A secret that already carries the mark needs no room for it.
        assert.equal(standingOf(spec(), secret("app/marked", { tags: tags(49, { [POLICY_TAG_KEY]: policyTagValue(IDENTITY) }) })).kind, "governed");
        assert.deepEqual(passedOverCounts(planPolicy(spec(), [full])).tagQuota, 1);
        assert.deepEqual(planPolicy(spec(), [full]).work, [], "no call on it");
    });

    test("room for governs but not turned-on: rotation is turned on unmarked (destroy will leave it on), and the plan says so", () => {
        const plan = planGoverned(spec(), secret("app/49", { tags: tags(49) }), false);
        assert.deepEqual(plan.steps[0]!.call, { api: "TagResource", tags: [{ key: POLICY_TAG_KEY, value: policyTagValue(IDENTITY) }] });
        assert.ok(apis(plan).includes("RotateSecret"));
        assert.ok(plan.notes.some((n) => /without the pulumi-secret-rotation:policy-turned-on mark: AWS's 50 tags per secret/.test(n)), plan.notes.join("\n"));
        // With room for both, both marks, no note.
        const roomy = planGoverned(spec(), secret("app/48", { tags: tags(48) }), false);
        assert.deepEqual((roomy.steps[0]!.call as { tags: { key: string }[] }).tags.map((t) => t.key), [POLICY_TAG_KEY, POLICY_TURNED_ON_TAG_KEY]);
        assert.deepEqual(roomy.notes.filter((n) => /turned-on mark/.test(n)), []);
    });
});

describe("takeOverFrom: reclaiming what a gone stack left behind (issue 21 item 7)", () => {
    const GONE = "organization/proj/old-stack";
    const GONE_POLICY = `${GONE}/fleet`;
    const GONE_DECLARATION = `${GONE}/app-db`;
    const OWNER = "pulumi-secret-rotation:owner";
    const markedByGone = (name: string, overrides: Partial<ObservedSecret> = {}) =>
        rotating(name, 30, { tags: { [POLICY_TAG_KEY]: GONE_POLICY, [POLICY_TURNED_ON_TAG_KEY]: GONE_POLICY }, ...overrides });

    test("validated: a list of identities or stacks (3+ segments of the tag alphabet); never this policy's own whole stack", () => {
        assert.match(failureOf({ takeOverFrom: "organization/proj/old" }, "takeOverFrom"), /must be a list of identities/);
        assert.match(failureOf({ takeOverFrom: [] }, "takeOverFrom"), /must list at least one identity/);
        assert.match(failureOf({ takeOverFrom: ["organization/proj"] }, "takeOverFrom[0]"), /3 or more non-empty segments/);
        assert.match(failureOf({ takeOverFrom: ["organization//old"] }, "takeOverFrom[0]"), /3 or more non-empty segments/);
        assert.match(failureOf({ takeOverFrom: ["organization/proj/old\u0000"] }, "takeOverFrom[0]"), /tag alphabet/);
        assert.match(failureOf({ takeOverFrom: ["organization/proj/prod"] }, "takeOverFrom[0]"), /names this policy's own stack \(organization\/proj\/prod\).*name the orphaned identity itself/);
        assert.deepEqual(spec({ takeOverFrom: [GONE, "organization/proj/prod/old-fleet", "ns/proj/s/my:index:Db$db"] }).takeOverFrom, [GONE, "organization/proj/prod/old-fleet", "ns/proj/s/my:index:Db$db"]);
    });

    test("without it another stack's marks and owner tag are passed over; with it, they are governed", () => {
        const owned = rotating("app/owned", 30, { ownerTag: GONE_DECLARATION, tags: { [OWNER]: GONE_DECLARATION } });
        assert.equal(standingOf(spec(), markedByGone("app/a")).kind, "passed-over");
        assert.equal(standingOf(spec(), owned).kind, "passed-over");
        const taking = spec({ takeOverFrom: [GONE] });
        assert.equal(standingOf(taking, markedByGone("app/a")).kind, "governed");
        assert.equal(standingOf(taking, owned).kind, "governed");
        // Only what the entries name: a live stack's marks are still passed over.
        assert.equal(standingOf(spec({ takeOverFrom: ["organization/proj/old"] }), markedByGone("app/a")).kind, "passed-over", "a prefix only matches whole segments");
        assert.equal(standingOf(taking, markedByGone("app/b", { tags: { [POLICY_TAG_KEY]: "organization/proj/live/fleet" } })).kind, "passed-over");
    });

    test("a taken-over secret whose rotation is on: re-marked only (turned-on kept), no RotateSecret, even as newly governed with rotateImmediately", () => {
        const taking = spec({ takeOverFrom: [GONE_POLICY], rotateImmediately: true });
        const plan = planGoverned(taking, markedByGone("app/a"), /* governedBefore */ false);
        assert.deepEqual(apis(plan), ["TagResource"]);
        assert.deepEqual((plan.steps[0]!.call as { tags: { key: string; value: string }[] }).tags, [
            { key: POLICY_TAG_KEY, value: IDENTITY },
            { key: POLICY_TURNED_ON_TAG_KEY, value: IDENTITY },
        ]);
        assert.match(plan.steps[0]!.why, /takeOverFrom organization\/proj\/old-stack\/fleet: take the secret over from the policy/);
        // Settings that differ are reconfigured, still without rotating now.
        const other = planGoverned(taking, markedByGone("app/b", { rotationLambdaArn: OTHER_LAMBDA }), false);
        assert.deepEqual(apis(other), ["TagResource", "RotateSecret"]);
        assert.equal(rotate(other).rotateImmediately, false);
        // Rotation found off is restored, not rotated now.
        const off = planGoverned(taking, markedByGone("app/c", { rotationEnabled: false }), false);
        assert.equal(rotate(off).rotateImmediately, false);
    });

    test("from a declaration: the mark goes on, then the owner tag (and a standby tag of the gone stack) comes off; no turned-on mark, no rotation", () => {
        const taking = spec({ takeOverFrom: [GONE] });
        const owned = rotating("app/owned", 30, { ownerTag: GONE_DECLARATION, tags: { [OWNER]: GONE_DECLARATION, [POLICY_STANDBY_TAG_KEY]: `${GONE}/fleet` } });
        const plan = planGoverned(taking, owned, false);
        assert.deepEqual(apis(plan), ["TagResource", "UntagResource"]);
        assert.deepEqual((plan.steps[0]!.call as { tags: { key: string }[] }).tags.map((t) => t.key), [POLICY_TAG_KEY]);
        assert.deepEqual((plan.steps[1]!.call as { keys: string[] }).keys, [OWNER, POLICY_STANDBY_TAG_KEY]);
        assert.match(plan.steps[1]!.why, /takeOverFrom: remove the owner tag of the declaration organization\/proj\/old-stack\/app-db/);
        // Marks taken over from a policy of this stack it stood by for: its own standby tag goes too.
        const stoodBy = planGoverned(spec({ takeOverFrom: ["organization/proj/prod/fleet"] }), rotating("app/s", 30, { tags: { [POLICY_TAG_KEY]: "organization/proj/prod/fleet", [POLICY_STANDBY_TAG_KEY]: IDENTITY } }), false);
        assert.deepEqual(stoodBy.steps.map((s) => [s.call.api, s.call.api === "UntagResource" ? s.call.keys : undefined]), [["TagResource", undefined], ["UntagResource", [POLICY_STANDBY_TAG_KEY]]]);
    });

    test("the policy's plan names what it takes over and from whom; the drift of an update says so", () => {
        const taking = spec({ takeOverFrom: [GONE] });
        const secrets = [markedByGone("app/a"), rotating("app/owned", 30, { ownerTag: GONE_DECLARATION, tags: { [OWNER]: GONE_DECLARATION } }), secret("app/new")];
        const plan = planPolicy(taking, secrets, ["app/new"]);
        assert.deepEqual(plan.takenOver, [
            { name: "app/a", from: GONE_POLICY },
            { name: "app/owned", from: GONE_DECLARATION },
        ]);
        assert.match(plan.drift["app/a"]!, /^newly governed, taken over from organization\/proj\/old-stack\/fleet \(takeOverFrom\)/);
        assert.deepEqual(passedOverCounts(plan).otherPolicy + passedOverCounts(plan).ownedByDeclaration, 0);
        // Without it: every such secret is passed over.
        const before = planPolicy(spec(), secrets, ["app/new"]);
        assert.deepEqual([passedOverCounts(before).otherPolicy, passedOverCounts(before).ownedByDeclaration, before.takenOver.length], [1, 1, 0]);
    });
});
