// Unit: one owner per secret (providers/secretsmanager/semantics/ownership.ts), and how planReconcile /
// planDelete place the ownership calls. Pure: observed secrets are built here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { validateInputs } from "../../providers/secretsmanager/semantics/inputs";
import { DesiredState, Observation, ObservedSecret } from "../../providers/secretsmanager/semantics/model";
import {
    deleteOwnership,
    OWNER_TAG_KEY,
    ownerIdentity,
    ownerNamespaceProblem,
    ownerTagValue,
    reconcileOwnership,
    stackOf,
    TAG_VALUE_MAX_LENGTH,
    POLICY_STANDBY_TAG_KEY,
    POLICY_TAG_KEY,
} from "../../providers/secretsmanager/semantics/ownership";
import { describeCall, Plan, planDelete, planReconcile } from "../../providers/secretsmanager/semantics/plan";
import { desiredState, observedSecret } from "./fixtures";

const ME = "acme/platform/prod/db-password";
const RENAMED = "acme/platform/prod/database-password";
const OTHER_STACK = "acme/platform/staging/db-password";

const observed = observedSecret;
const found = (overrides: Partial<ObservedSecret> = {}): Observation => ({ found: true, secret: observed(overrides) });

const desired = (overrides: Partial<DesiredState> = {}): DesiredState => desiredState({ owner: ME, ...overrides });

const lines = (plan: Plan) => plan.steps.map((s) => describeCall(s.call));

describe("the owner's identity and its tag value", () => {
    test("organization/project/stack/name; a child's path has its parents' types, as its URN does", () => {
        const base = { organization: "acme", project: "platform", stack: "prod", name: "db-password" };
        assert.equal(ownerIdentity(base), ME);
        assert.equal(ownerIdentity({ ...base, parentUrn: "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod" }), ME, "the stack is no parent");
        assert.equal(
            ownerIdentity({ ...base, parentUrn: "urn:pulumi:prod::platform::acme:index:Database::main" }),
            "acme/platform/prod/acme:index:Database$db-password",
        );
        assert.equal(
            ownerIdentity({ ...base, parentUrn: "urn:pulumi:prod::platform::acme:index:App$acme:index:Database::main" }),
            "acme/platform/prod/acme:index:App$acme:index:Database$db-password",
        );
        assert.equal(stackOf("acme/platform/prod/app/db"), "acme/platform/prod");
    });

    test("an identity Secrets Manager accepts as a tag value is the value itself", () => {
        assert.equal(ownerTagValue(ME), ME);
        assert.equal(ownerTagValue("acme/p/s/app/db+key=1 @x.y_z:w"), "acme/p/s/app/db+key=1 @x.y_z:w");
        assert.equal(ownerTagValue("acme/p/s/pässwort"), "acme/p/s/pässwort", "letters representable in UTF-8 are allowed");
    });

    test("characters outside the tag alphabet are replaced and a hash of the identity keeps values distinct", () => {
        const child = ownerTagValue("acme/p/s/acme:index:Database$db");
        assert.match(child, /^acme\/p\/s\/acme:index:Database_db@sha256:[0-9a-f]{16}$/);
        const lookalike = ownerTagValue("acme/p/s/acme:index:Database!db");
        assert.notEqual(child, lookalike, "same readable part, different identities");
        assert.equal(ownerTagValue("acme/p/s/acme:index:Database$db"), child, "deterministic");
        assert.match(ownerTagValue("acme/p/s/rds!db-owned"), /^acme\/p\/s\/rds_db-owned@sha256:[0-9a-f]{16}$/);
    });

    test("at most 255 characters, and never the reserved aws: prefix", () => {
        const long = `acme/p/s/${"x".repeat(400)}`;
        const value = ownerTagValue(long);
        assert.equal([...value].length, TAG_VALUE_MAX_LENGTH);
        assert.match(value, /^acme\/p\/s\/x+@sha256:[0-9a-f]{16}$/);
        assert.equal(ownerTagValue(`acme/p/s/${"x".repeat(246)}`).length, 255, "255 characters fit as they are");
        assert.match(ownerTagValue(`acme/p/s/${"x".repeat(247)}`), /@sha256:/);
        assert.match(ownerTagValue("AWS:org/p/s/db"), /^aws_org\/p\/s\/db@sha256:/);
        assert.ok(!/^aws:/i.test(OWNER_TAG_KEY) && OWNER_TAG_KEY.length <= 127);
    });
});

describe("create and update: claim, take over, or refuse", () => {
    const create = { operation: "create" as const };
    const update = { operation: "update" as const };

    test("a secret already tagged with this identity: nothing to do", () => {
        assert.deepEqual(reconcileOwnership(observed({ ownerTag: ME }), { owner: ME }, create), { steps: [], notes: [] });
    });

    test("an untagged secret (declared before ownership tags, or released) is claimed, at create and at update", () => {
        for (const context of [create, update]) {
            const result = reconcileOwnership(observed(), { owner: ME }, context);
            assert.deepEqual(result.steps.map((s) => s.call), [{ api: "TagResource", tags: [{ key: OWNER_TAG_KEY, value: ME }] }]);
            assert.equal(result.blocked, undefined);
        }
    });

    test("AWS's tag quota: no room for the owner tag refuses the claim before any call, naming the quota; a re-tag needs no room", () => {
        const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "x"]));
        for (const context of [create, update]) {
            const full = reconcileOwnership(observed({ tags: tags(50) }), { owner: ME }, context);
            assert.deepEqual(full.steps, []);
            assert.match(full.blocked ?? "", /has 50 tag\(s\); the owner tag pulumi-secret-rotation:owner, which this declaration sets before any other call, would make 51, over the 50 tags AWS allows per secret \(TagResource/);
            assert.match(full.blocked ?? "", /Remove 1 tag\(s\) from the secret, then run up again/);
            assert.equal(reconcileOwnership(observed({ tags: tags(49) }), { owner: ME }, context).blocked, undefined);
            assert.equal(reconcileOwnership(observed({ tags: { ...tags(49), "aws:cloudformation:stack-id": "x", "aws:secretsmanager:x": "y" } }), { owner: ME }, context).blocked, undefined, "aws: tags do not count");
        }
        // Taking over re-tags the same key: it counts once.
        const takeOver = reconcileOwnership(observed({ ownerTag: ME, tags: { ...tags(49), [OWNER_TAG_KEY]: ME } }), { owner: RENAMED }, create);
        assert.equal(takeOver.blocked, undefined);
        assert.equal(takeOver.steps.length, 1);
    });

    test("create in the same stack takes over from another declaration (a rename or move without alias)", () => {
        const result = reconcileOwnership(observed({ ownerTag: ME }), { owner: RENAMED }, create);
        assert.deepEqual(result.steps.map((s) => s.call), [{ api: "TagResource", tags: [{ key: OWNER_TAG_KEY, value: RENAMED }] }]);
        assert.match(result.steps[0]!.why, /take ownership over from acme\/platform\/prod\/db-password, a declaration of the same stack/);
    });

    test("create in another stack is refused naming the owner, unless it says takeOver", () => {
        const refused = reconcileOwnership(observed({ ownerTag: OTHER_STACK }), { owner: ME }, create);
        assert.deepEqual(refused.steps, []);
        assert.match(refused.blocked ?? "", /is owned by acme\/platform\/staging\/db-password \(tag pulumi-secret-rotation:owner\), stack acme\/platform\/staging; nothing was changed/);
        assert.match(refused.blocked ?? "", /takeOver: true/);

        const taken = reconcileOwnership(observed({ ownerTag: OTHER_STACK }), { owner: ME, takeOver: true }, create);
        assert.equal(taken.blocked, undefined);
        assert.deepEqual(taken.steps.map((s) => s.call), [{ api: "TagResource", tags: [{ key: OWNER_TAG_KEY, value: ME }] }]);
        assert.match(taken.steps[0]!.why, /takeOver: take ownership over from acme\/platform\/staging\/db-password/);
    });

    test("a stack whose name only starts like this one's is another stack", () => {
        const result = reconcileOwnership(observed({ ownerTag: "acme/platform/prod2/db-password" }), { owner: ME }, create);
        assert.match(result.blocked ?? "", /stack acme\/platform\/prod2/);
    });

    test("update: a secret another declaration took over is refused (even in the same stack), unless takeOver", () => {
        assert.match(reconcileOwnership(observed({ ownerTag: OTHER_STACK }), { owner: ME }, update).blocked ?? "", /is owned by/);
        assert.match(reconcileOwnership(observed({ ownerTag: RENAMED }), { owner: ME }, update).blocked ?? "", /another declaration of this stack/);
        assert.equal(reconcileOwnership(observed({ ownerTag: OTHER_STACK }), { owner: ME, takeOver: true }, update).steps.length, 1);
    });

    test("update of a secret tagged with this declaration's previous identity (stack renamed) re-tags it", () => {
        const result = reconcileOwnership(observed({ ownerTag: OTHER_STACK }), { owner: ME }, { operation: "update", previousOwner: OTHER_STACK });
        assert.deepEqual(result.steps.map((s) => s.call), [{ api: "TagResource", tags: [{ key: OWNER_TAG_KEY, value: ME }] }]);
    });

    test("the comparison is by tag value: an identity that needed hashing is recognised as itself", () => {
        const child = "acme/platform/prod/acme:index:Database$db-password";
        assert.deepEqual(reconcileOwnership(observed({ ownerTag: ownerTagValue(child) }), { owner: child }, update), { steps: [], notes: [] });
        const moved = reconcileOwnership(observed({ ownerTag: ME }), { owner: child }, create);
        assert.equal(moved.steps[0]!.call.api, "TagResource", "moving into a component in the same stack takes over");
    });

    test("no identity (not declared through SecretRotationState): ownership is left alone", () => {
        assert.deepEqual(reconcileOwnership(observed({ ownerTag: OTHER_STACK }), {}, create), { steps: [], notes: [] });
    });

    test("a secret managed by another service follows the same rules: claimed, refused when another declaration owns it", () => {
        assert.equal(reconcileOwnership(observed({ owningService: "rds" }), { owner: ME }, create).steps[0]!.call.api, "TagResource");
        assert.match(reconcileOwnership(observed({ owningService: "rds", ownerTag: OTHER_STACK }), { owner: ME }, create).blocked!, /is owned by/);
    });
});

describe("delete: release, or leave it to its owner", () => {
    test("a policy of this stack stands by: the delete hands the secret over (its governs mark, no turned-on), rotation left on; another stack's standby is ignored", () => {
        const STANDBY = "acme/platform/prod/fleet";
        const standing = observed({ ownerTag: ME, tags: { [OWNER_TAG_KEY]: ME, [POLICY_STANDBY_TAG_KEY]: STANDBY } });
        const handed = deleteOwnership(standing, { owner: ME });
        assert.equal(handed.handedTo, STANDBY);
        const plan = planDelete(desired(), { found: true, secret: standing });
        assert.deepEqual(plan.steps.map((s) => s.call), [
            { api: "TagResource", tags: [{ key: POLICY_TAG_KEY, value: STANDBY }] },
            { api: "UntagResource", keys: [OWNER_TAG_KEY, POLICY_STANDBY_TAG_KEY] },
        ], "no CancelRotateSecret");
        assert.match(plan.notes.join(), /handed over to the policy acme\/platform\/prod\/fleet/);
        const foreign = observed({ ownerTag: ME, tags: { [OWNER_TAG_KEY]: ME, [POLICY_STANDBY_TAG_KEY]: "acme/platform/staging/fleet" } });
        assert.equal(deleteOwnership(foreign, { owner: ME }).handedTo, undefined);
        assert.ok(planDelete(desired(), { found: true, secret: foreign }).steps.some((s) => s.call.api === "CancelRotateSecret"), "another stack's policy does not take it: cancel as declared");
    });

    test("owned by this declaration: act, then release", () => {
        const result = deleteOwnership(observed({ ownerTag: ME }), { owner: ME });
        assert.deepEqual(result.steps.map((s) => s.call), [{ api: "UntagResource", keys: [OWNER_TAG_KEY] }]);
        assert.equal(result.leave, undefined);
    });

    test("owned by another declaration (a rename's new resource, another stack after a hand-over): no call", () => {
        for (const tag of [RENAMED, OTHER_STACK]) {
            const result = deleteOwnership(observed({ ownerTag: tag }), { owner: ME });
            assert.deepEqual(result.steps, []);
            assert.match(result.leave ?? "", new RegExp(`is owned by ${tag.replace(/\//g, "\\/")} .*its rotation is left as it is`));
        }
    });

    test("a resource recorded before ownership tags (no identity) owns no tagged secret", () => {
        assert.match(deleteOwnership(observed({ ownerTag: RENAMED }), {}).leave ?? "", /is owned by/);
    });

    test("untagged: acts per deletionPolicy, as every delete did before ownership tags, and says so", () => {
        const result = deleteOwnership(observed(), { owner: ME });
        assert.equal(result.leave, undefined);
        assert.deepEqual(result.steps, []);
        assert.match(result.notes.join(), /has no pulumi-secret-rotation:owner tag/);
    });
});

describe("the plan with ownership", () => {
    test("enable claims ownership before RotateSecret, so a crash after the rotation leaves the tag", () => {
        const plan = planReconcile(desired(), found({ rotationEnabled: false, rotationLambdaArn: undefined, schedule: undefined }), { operation: "create" });
        assert.deepEqual(plan.steps.map((s) => s.call.api), ["TagResource", "RotateSecret"]);
    });

    test("adopting an untagged secret: TagResource only; an owned one: no call", () => {
        const untagged = planReconcile(desired(), found(), { operation: "create" });
        assert.deepEqual(lines(untagged), [`TagResource(${OWNER_TAG_KEY}=${ME})`]);
        assert.match(untagged.notes.join(), /the live rotation already matches the declaration$/);
        const owned = planReconcile(desired(), found({ ownerTag: ME }), { operation: "create" });
        assert.deepEqual(owned.steps, []);
        assert.match(owned.notes.join(), /already matches the declaration: no call/);
    });

    test("another stack's secret is refused before any other rule, even when the rotation would change", () => {
        const plan = planReconcile(desired({ enabled: false }), found({ ownerTag: OTHER_STACK }), { operation: "create" });
        assert.deepEqual(plan.steps, []);
        assert.match(plan.blocked?.reason ?? "", /owned by acme\/platform\/staging\/db-password/);
    });

    test("disable in a secret this declaration owns: no ownership call", () => {
        const plan = planReconcile(desired({ enabled: false }), found({ ownerTag: ME }), { operation: "update", previous: { enabled: true, owner: ME } });
        assert.deepEqual(plan.steps.map((s) => s.call.api), ["CancelRotateSecret"]);
    });

    test("a rotation in progress still blocks a change; the claim goes with it (nothing is done)", () => {
        const versions = [
            { versionId: "v1", labels: ["AWSCURRENT"] },
            { versionId: "v2", labels: ["AWSPENDING"], createdDate: "2026-11-23T11:50:00.000Z" },
        ];
        const plan = planReconcile(desired({ schedule: { kind: "days", days: 7 } }), found({ versions }), { operation: "update", previous: { enabled: true } });
        assert.deepEqual(plan.steps, []);
        assert.match(plan.blocked?.reason ?? "", /in progress/);
    });

    test("destroy of an owned secret: cancel, then release; retain: release only", () => {
        assert.deepEqual(planDelete(desired(), found({ ownerTag: ME })).steps.map((s) => s.call.api), ["CancelRotateSecret", "UntagResource"]);
        const retained = planDelete(desired({ deletionPolicy: "retain" }), found({ ownerTag: ME }));
        assert.deepEqual(retained.steps.map((s) => s.call.api), ["UntagResource"]);
        assert.match(retained.notes.join(), /deletionPolicy is retain/);
        const off = planDelete(desired(), found({ ownerTag: ME, rotationEnabled: false }));
        assert.deepEqual(off.steps.map((s) => s.call.api), ["UntagResource"]);
        assert.match(off.notes.join(), /rotation is already off and the labels are healthy$/);
    });

    test("destroy of a secret another declaration owns never cancels its rotation", () => {
        for (const deletionPolicy of ["cancel", "retain"] as const) {
            const plan = planDelete(desired({ deletionPolicy }), found({ ownerTag: OTHER_STACK }));
            assert.deepEqual(plan.steps, []);
            assert.match(plan.notes.join(), /is owned by acme\/platform\/staging\/db-password/);
        }
    });

    test("destroy of an untagged secret cancels, as before ownership tags", () => {
        const plan = planDelete(desired(), found());
        assert.deepEqual(plan.steps.map((s) => s.call.api), ["CancelRotateSecret"]);
        assert.match(plan.notes.join(), /no pulumi-secret-rotation:owner tag/);
    });
});

describe("inputs: takeOver and the owner identity", () => {
    const base = { secretId: "app/db", __owner: ME };

    test("takeOver is a boolean; the identity is carried to the desired state", () => {
        const ok = validateInputs({ ...base, takeOver: true });
        assert.deepEqual(ok.failures, []);
        assert.equal(ok.desired?.takeOver, true);
        assert.equal(ok.desired?.owner, ME);
        assert.equal(validateInputs(base).desired?.takeOver, undefined, "absent unless declared: no diff for existing resources");
        assert.deepEqual(validateInputs({ ...base, takeOver: "yes" }).failures, [{ property: "takeOver", reason: 'must be true or false (got string "yes")' }]);
    });

    test("an identity that is not <organization>/<project>/<stack>/<path> is refused, naming the rule", () => {
        const result = validateInputs({ ...base, __owner: "prod/db" });
        assert.equal(result.failures.length, 1);
        assert.equal(result.failures[0]!.property, "__owner");
        assert.match(result.failures[0]!.reason, /is set by SecretRotationState to <organization>\/<project>\/<stack>\/<resource path>/);
    });
});

describe("the owner namespace (secret-rotation:ownerNamespace, issue 21 item 9)", () => {
    test("one identity segment: letters, digits and + - = . _ : @, 1-64 characters, no '/', no space, not aws:", () => {
        for (const good of ["team-a", "acme.payments", "repo@github:acme", "Ä1"]) assert.equal(ownerNamespaceProblem(good), undefined, good);
        for (const bad of ["", "a/b", "team a", "aws:x", "AWS:x", "x".repeat(65), 7, undefined]) {
            assert.match(ownerNamespaceProblem(bad) ?? "", /must be 1-64 characters of letters, digits and \+ - = \. _ : @ \(no "\/" or space, not starting with "aws:"\).*\(got /, String(bad));
        }
        assert.equal(ownerNamespaceProblem("x".repeat(64)), undefined);
    });

    test("it replaces the organization: two self-managed backends with the same project and stack differ only by it", () => {
        const a = ownerIdentity({ organization: "team-a", project: "proj", stack: "prod", name: "db" });
        const b = ownerIdentity({ organization: "team-b", project: "proj", stack: "prod", name: "db" });
        assert.notEqual(ownerTagValue(a), ownerTagValue(b));
        // The second one's create is refused, naming the first.
        const refused = reconcileOwnership(observedSecret({ ownerTag: ownerTagValue(a) }), { owner: b }, { operation: "create" });
        assert.match(refused.blocked ?? "", /is owned by team-a\/proj\/prod\/db .*stack team-a\/proj\/prod/);
        // A namespace set on an existing stack is a previous identity: the update re-tags.
        const renamed = reconcileOwnership(observedSecret({ ownerTag: "organization/proj/prod/db" }), { owner: a }, { operation: "update", previousOwner: "organization/proj/prod/db" });
        assert.deepEqual(renamed.steps.map((s) => s.call.api), ["TagResource"]);
    });
});
