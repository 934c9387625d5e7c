// Unit: the label lifecycle (providers/secretsmanager/semantics/labels.ts) and how the plan uses it: labels
// this provider adds are released past quarantineRetention or quarantineLabelLimit, oldest first,
// and as needed to stay within AWS's 20 labels per secret; never anyone else's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { keptLabels, LABEL_QUOTA, labelCount, parseKeptLabel, planLabelReleases, quarantineLabelFor } from "../../providers/secretsmanager/semantics/labels";
import { DesiredState, ObservedSecret, ObservedVersion } from "../../providers/secretsmanager/semantics/model";
import { planDelete, planReconcile } from "../../providers/secretsmanager/semantics/plan";
import { desiredState, found, observedSecret } from "./fixtures";

const NOW = "2026-11-23T12:00:00.000Z";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const daysAgo = (d: number) => new Date(Date.parse(NOW) - d * DAY).toISOString();

const desired = (overrides: Partial<DesiredState> = {}): DesiredState => desiredState({ ...overrides });

const observed = (versions: ObservedVersion[]): ObservedSecret => observedSecret({ versions, observedAt: NOW });

/** `n` quarantined versions q0..q(n-1), q0 the oldest (added n days ago). */
function quarantined(n: number): ObservedVersion[] {
    return Array.from({ length: n }, (_, i) => ({ versionId: `q${i}`, labels: [quarantineLabelFor(`q${i}`, daysAgo(n - i))] }));
}
/** A stranded rotation's candidate, 5 hours old. */
const STRANDED: ObservedVersion = { versionId: "p", labels: ["AWSPENDING"], createdDate: new Date(Date.parse(NOW) - 5 * HOUR).toISOString() };
const CURRENT: ObservedVersion = { versionId: "c", labels: ["AWSCURRENT"] };

const releasedLabels = (plan: ReturnType<typeof planReconcile>) =>
    plan.steps.filter((s) => s.call.api === "UpdateSecretVersionStage" && !s.call.moveToVersionId && s.call.versionStage !== "AWSPENDING").map((s) => (s.call as { versionStage: string }).versionStage);

describe("labels this provider adds", () => {
    test("carry the time they were added and the version they keep; the undated form of earlier releases is still ours", () => {
        const label = quarantineLabelFor("3f2a-7b", "2026-12-02T02:17:45.123Z");
        assert.equal(label, "QUARANTINED-20261202T0217Z-3f2a-7b");
        assert.deepEqual(parseKeptLabel(label, "3f2a-7b"), { label, kind: "quarantined", versionId: "3f2a-7b", addedAt: "2026-12-02T02:17:00.000Z" });
        assert.deepEqual(parseKeptLabel("SUPERSEDED-v9", "v9"), { label: "SUPERSEDED-v9", kind: "superseded", versionId: "v9" });
    });

    test("a label that names another version than the one it is on, AWS's labels and anyone else's are not ours", () => {
        assert.equal(parseKeptLabel(quarantineLabelFor("v1", NOW), "v2"), undefined);
        for (const label of ["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS", "release-41", "QUARANTINE-v1"]) assert.equal(parseKeptLabel(label, "v1"), undefined, label);
    });
});

describe("label lifecycle", () => {
    const lifecycle = { retentionMs: 30 * DAY, limit: 10 };
    const none = { additions: 0, removals: 0, reserve: 0, protectedVersions: [] };

    test("labels past quarantineRetention are released, younger ones kept", () => {
        const secret = observed([CURRENT, { versionId: "old", labels: [quarantineLabelFor("old", daysAgo(31))] }, { versionId: "new", labels: [quarantineLabelFor("new", daysAgo(29))] }]);
        const { releases } = planLabelReleases(secret, lifecycle, none, NOW);
        assert.deepEqual(releases.map((r) => r.kept.versionId), ["old"]);
        assert.match(releases[0]!.because, /past quarantineRetention \(30d\)/);
        assert.equal(releases[0]!.deprecates, true, "its only label: the version becomes deprecated");
    });

    test("over quarantineLabelLimit, the oldest are released so that the limit holds once the plan's own label is added", () => {
        const secret = observed([CURRENT, ...quarantined(10)]);
        const { releases } = planLabelReleases(secret, lifecycle, { ...none, additions: 1 }, NOW);
        assert.deepEqual(releases.map((r) => r.kept.versionId), ["q0"]);
        assert.match(releases[0]!.because, /oldest of 11 labels kept by this provider, over quarantineLabelLimit \(10\)/);
    });

    test("an undated label of an earlier release counts as the oldest", () => {
        const secret = observed([CURRENT, ...quarantined(9), { versionId: "legacy", labels: ["QUARANTINED-legacy", "release-1"] }]);
        const { releases } = planLabelReleases(secret, lifecycle, { ...none, additions: 1 }, NOW);
        assert.deepEqual(releases.map((r) => r.kept.label), ["QUARANTINED-legacy"]);
        assert.equal(releases[0]!.deprecates, false, "the version keeps another label");
    });

    test("the budget of 20 is kept at every step and leaves room for the next rotation, whatever the limit", () => {
        // 17 of ours + AWSCURRENT with a label of the user's + a stranded AWSPENDING = 20; a
        // quarantine adds one before it removes AWSPENDING, and the next rotation needs
        // AWSPENDING and (on its first finish) AWSPREVIOUS.
        const secret = observed([{ versionId: "c", labels: ["AWSCURRENT", "release-7"] }, STRANDED, ...quarantined(17)]);
        const { releases, blocked } = planLabelReleases(secret, { retentionMs: 3650 * DAY, limit: 17 }, { additions: 1, removals: 1, reserve: 2, protectedVersions: ["p"] }, NOW);
        assert.equal(blocked, undefined);
        const total = labelCount(secret) - releases.length;
        assert.ok(total + 1 <= LABEL_QUOTA, `peak ${total + 1}`);
        assert.ok(total + 1 - 1 + 2 <= LABEL_QUOTA, `after the plan, with room for AWSPENDING and AWSPREVIOUS: ${total + 2}`);
        assert.deepEqual(releases.map((r) => r.kept.versionId), ["q0", "q1"], "oldest first");
        assert.match(releases[0]!.because, /over quarantineLabelLimit \(17\)/);
        assert.match(releases[1]!.because, /to stay within AWS's 20 staging labels per secret/);
    });

    test("labels made by others that fill the budget refuse the plan before any call, naming them and how to free them", () => {
        const others: ObservedVersion[] = Array.from({ length: 18 }, (_, i) => ({ versionId: `o${i}`, labels: [`release-${i}`] }));
        const secret = observed([CURRENT, STRANDED, ...others]);
        const { releases, blocked } = planLabelReleases(secret, lifecycle, { additions: 1, removals: 1, reserve: 2, protectedVersions: ["p"] }, NOW);
        assert.deepEqual(releases, []);
        assert.match(blocked!, /AWS's budget of 20 staging labels per secret \(it carries 20/);
        assert.match(blocked!, /release-0 on o0/);
        assert.match(blocked!, /update-secret-version-stage --secret-id \S+ --version-stage release-0 --remove-from-version-id o0/);
    });

    test("labels on the versions the plan acts on are never released by it", () => {
        const secret = observed([CURRENT, { ...STRANDED, labels: ["AWSPENDING", quarantineLabelFor("p", daysAgo(90))] }]);
        assert.deepEqual(planLabelReleases(secret, lifecycle, { ...none, protectedVersions: ["p"] }, NOW).releases, []);
    });
});

describe("the plan keeps a secret within its label budget for its whole life", () => {
    test("a quarantine past the limit first releases the oldest of ours, saying the version becomes deprecated", () => {
        const plan = planReconcile(desired(), found(observed([CURRENT, STRANDED, ...quarantined(10)])), { operation: "update", previous: { enabled: true } });
        assert.equal(plan.blocked, undefined);
        assert.deepEqual(
            plan.steps.map((s) => s.call),
            [
                { api: "UpdateSecretVersionStage", versionStage: quarantineLabelFor("q0", daysAgo(10)), removeFromVersionId: "q0" },
                { api: "UpdateSecretVersionStage", versionStage: quarantineLabelFor("p", NOW), moveToVersionId: "p" },
                { api: "UpdateSecretVersionStage", versionStage: "AWSPENDING", removeFromVersionId: "p" },
            ],
        );
        assert.match(plan.steps[0]!.why, /becomes deprecated/);
    });

    test("never releases AWSCURRENT, AWSPREVIOUS, AWSPENDING or others' labels, whatever their age", () => {
        const versions: ObservedVersion[] = [
            { versionId: "c", labels: ["AWSCURRENT", "release-7"] },
            { versionId: "prev", labels: ["AWSPREVIOUS"] },
            STRANDED,
            ...quarantined(12),
        ];
        const plan = planReconcile(desired({ quarantineRetentionMs: HOUR, quarantineLabelLimit: 1 }), found(observed(versions)), { operation: "update", previous: { enabled: true } });
        const released = releasedLabels(plan);
        assert.equal(released.length, 12, "every one of ours is past the 1 h retention");
        for (const label of released) assert.match(label, /^QUARANTINED-/);
    });

    test("20 failed rotations in a row: every plan fits the budget, and at most quarantineLabelLimit of ours remain", () => {
        let versions: ObservedVersion[] = [CURRENT];
        for (let failure = 0; failure < 20; failure++) {
            const at = new Date(Date.parse(NOW) + failure * DAY).toISOString();
            versions = [...versions, { versionId: `p${failure}`, labels: ["AWSPENDING"], createdDate: new Date(Date.parse(at) - 5 * HOUR).toISOString() }];
            const secret = { ...observed(versions), observedAt: at };
            const plan = planReconcile(desired(), found(secret), { operation: "update", previous: { enabled: true } });
            assert.equal(plan.blocked, undefined, `failure ${failure}: ${plan.blocked?.reason}`);
            // Apply the plan to the labels, checking the count after every call.
            for (const { call } of plan.steps) {
                if (call.api !== "UpdateSecretVersionStage") continue;
                versions = versions.map((v) => ({
                    ...v,
                    labels: [
                        ...v.labels.filter((l) => !(l === call.versionStage && v.versionId === call.removeFromVersionId)),
                        ...(v.versionId === call.moveToVersionId ? [call.versionStage] : []),
                    ],
                }));
                assert.ok(labelCount(observed(versions)) <= LABEL_QUOTA, `failure ${failure}: ${labelCount(observed(versions))} labels`);
            }
            assert.ok(keptLabels(observed(versions)).length <= 10);
        }
        assert.deepEqual(
            keptLabels(observed(versions)).map((k) => k.versionId),
            Array.from({ length: 10 }, (_, i) => `p${10 + i}`),
            "the ten newest candidates stay labelled",
        );
    });

    test("destroy releases labels past retention too, and nothing else of ours", () => {
        const versions = [CURRENT, { versionId: "old", labels: [quarantineLabelFor("old", daysAgo(40))] }, { versionId: "new", labels: [quarantineLabelFor("new", daysAgo(2))] }];
        const plan = planDelete(desired(), found(observed(versions)));
        assert.deepEqual(
            plan.steps.map((s) => s.call.api),
            ["CancelRotateSecret", "UpdateSecretVersionStage"],
        );
        assert.deepEqual(releasedLabels(plan), [quarantineLabelFor("old", daysAgo(40))]);
    });

    test("a plan with nothing to add is never refused for a budget others filled", () => {
        const others: ObservedVersion[] = Array.from({ length: 19 }, (_, i) => ({ versionId: `o${i}`, labels: [`release-${i}`] }));
        const plan = planReconcile(desired(), found(observed([CURRENT, ...others])), { operation: "create" });
        assert.equal(plan.blocked, undefined);
        assert.deepEqual(plan.steps, []);
    });
});
