// Unit: the review's orphans (src/review/orphans.ts): our tags naming the reviewed stack but none of
// its resources, each with how to reclaim it; tags naming other stacks counted, not judged.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ObservedSecret } from "../../providers/secretsmanager/semantics/model";
import { orphansOf } from "../../src/review/orphans";
import { isAllClean, render } from "../../src/review/render";
import type { ReviewReport } from "../../src/review/report";
import { observedSecret } from "./fixtures";

const tagged = (name: string, tags: Record<string, string>): ObservedSecret =>
    observedSecret({ arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`, name, tags });

describe("the review's orphans", () => {
    test("a tag naming this stack but no resource of it is an orphan, with how to reclaim; held identities and other reviewed stacks are not", () => {
        const listed = [
            tagged("a", { "pulumi-secret-rotation:policy": "ns/proj/prod/old-fleet", "pulumi-secret-rotation:policy-turned-on": "ns/proj/prod/old-fleet" }),
            tagged("b", { "pulumi-secret-rotation:owner": "ns/proj/prod/failed-create" }),
            tagged("c", { "pulumi-secret-rotation:owner": "ns/proj/prod/db" }),
            tagged("d", { "pulumi-secret-rotation:policy": "ns/proj/prod-eu/fleet" }),
            tagged("e", { "pulumi-secret-rotation:policy": "ns/proj/staging/fleet" }),
            tagged("f", { "pulumi-secret-rotation:owner": "other/proj/prod/db", "pulumi-secret-rotation:policy-standby": "other/proj/prod/fleet" }),
            tagged("g", { team: "ns/proj/prod/not-ours" }),
        ];
        const review = orphansOf("ns/proj/prod", ["ns/proj/prod/db"], listed, ["ns/proj/prod", "ns/proj/staging"]);
        assert.deepEqual(
            review.orphaned.map((o) => [o.name, o.tag, o.identity]),
            [
                ["a", "pulumi-secret-rotation:policy", "ns/proj/prod/old-fleet"],
                ["a", "pulumi-secret-rotation:policy-turned-on", "ns/proj/prod/old-fleet"],
                ["b", "pulumi-secret-rotation:owner", "ns/proj/prod/failed-create"],
            ],
        );
        assert.match(review.orphaned[0]!.reclaim, /takeOverFrom: \["ns\/proj\/prod\/old-fleet"\]/);
        assert.match(review.orphaned[2]!.reclaim, /^declare it in this stack with takeOver: true, or .*takeOverFrom: \["ns\/proj\/prod\/failed-create"\]/);
        // prod-eu only starts like prod: another stack, not reviewed; staging was reviewed (judged by its own review).
        assert.deepEqual(review.otherStacks, [
            { stack: "ns/proj/prod-eu", secrets: 1 },
            { stack: "other/proj/prod", secrets: 1 },
        ]);
    });

    test("the table and Markdown name each orphan with how to reclaim it, and the stacks not judged; orphans make the report not all clean", () => {
        const orphans = orphansOf("organization/e2e/test", [], [tagged("orph/db", { "pulumi-secret-rotation:owner": "organization/e2e/test/orph-db" }), tagged("x", { "pulumi-secret-rotation:policy": "other/e2e/prod/fleet" })], ["organization/e2e/test"]);
        const report: ReviewReport = {
            schemaVersion: 1,
            generatedAt: "2026-01-01T00:00:00.000Z",
            thresholds: { maxIntervalDays: 90, maxDaysSinceRotation: 90, pendingLongRunningMinutes: 60 },
            stacks: [{ stack: "test", secrets: [], orphans }],
            summary: { secrets: 0, plannedCalls: 0, drifted: 0, findings: 0, errors: 0, undeclared: 0 },
            exitCode: 0,
        };
        assert.equal(isAllClean(report), false);
        const table = render(report, "table");
        assert.match(table, /orphan: secret orph\/db: pulumi-secret-rotation:owner=organization\/e2e\/test\/orph-db names this stack but none of its resources; to reclaim: declare it in this stack with takeOver: true/);
        assert.match(table, /1 secret\(s\) carry tags naming the stack other\/e2e\/prod, which was not reviewed: whether it still holds them cannot be judged from here/);
        assert.match(render(report, "markdown"), /^- orphan: secret orph\/db: /m);
        assert.equal(isAllClean({ ...report, stacks: [{ stack: "test", secrets: [], orphans: { ...orphans, orphaned: [] } }] }), true, "tags of stacks not reviewed alone do not");
    });
});
