// Unit: the review's orphans (src/review/orphans.ts): our tags naming the reviewed stack but none of
// its resources, each with how to reclaim it; tags naming other stacks counted, not judged.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ObservedSecret } from "../../providers/secretsmanager/semantics/model";
import { orphansOf } from "../../src/review/orphans";
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
});
