// Unit: the shape of the stack configuration's list of rotation states (src/config.ts).
import assert from "node:assert/strict";
import { test } from "node:test";

import { readEntries, readPolicies } from "../../src/config";

const KEY = "secret-rotation:rotations";
const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";

test("each entry becomes a state named after its secret, the same for a name and its ARN", () => {
    const byName = readEntries([{ secretId: "app/db" }], KEY);
    const byArn = readEntries([{ secretId: ARN }], KEY);
    const byPartialArn = readEntries([{ secretId: ARN.slice(0, -7) }], KEY);
    assert.equal(byName[0]!.name, "app/db");
    assert.equal(byArn[0]!.name, "app/db");
    assert.equal(byPartialArn[0]!.name, "app/db");
});

test("an explicit name wins and is not passed to the resource", () => {
    const [entry] = readEntries([{ name: "db", secretId: "app/db", enabled: false }], KEY);
    assert.deepEqual(entry, { name: "db", args: { secretId: "app/db", enabled: false } });
});

test("shape errors name the entry and the rule", () => {
    const cases: [unknown, RegExp][] = [
        [{ secretId: "x" }, /^secret-rotation:rotations: must be a list of rotation states \(got object\)$/],
        ["app/db", /must be a list/],
        [null, /must be a list of rotation states \(got null\)/],
        [["app/db"], /^secret-rotation:rotations\[0\]: must be a mapping with at least secretId/],
        [[{ enabled: true }], /^secret-rotation:rotations\[0\]\.secretId: is required and must be a non-empty string \(got undefined\)$/],
        [[{ secretId: 42 }], /\[0\]\.secretId: is required and must be a non-empty string \(got 42\)/],
        [[{ secretId: "a", name: "" }], /\[0\]\.name: must be a non-empty string/],
        [[{ secretId: "app/db" }, { secretId: ARN }], /^secret-rotation:rotations\[1\]: declares "app\/db" again \(already at secret-rotation:rotations\[0\]\)/],
    ];
    for (const [raw, message] of cases) assert.throws(() => readEntries(raw, KEY), { message }, JSON.stringify(raw));
});

test("an empty list declares nothing", () => {
    assert.deepEqual(readEntries([], KEY), []);
});

test("policies: each entry needs its name, which is not passed to the resource; shape errors name the entry", () => {
    const POLICIES = "secret-rotation:policies";
    assert.deepEqual(readPolicies([{ name: "app", selector: { all: true } }], POLICIES), [{ name: "app", args: { selector: { all: true } } }]);
    const cases: [unknown, RegExp][] = [
        [{ name: "app" }, /^secret-rotation:policies: must be a list of rotation policies \(got object\)$/],
        [["app"], /^secret-rotation:policies\[0\]: must be a mapping with at least name, selector and schedule/],
        [[{ selector: { all: true } }], /^secret-rotation:policies\[0\]\.name: is required and must be a non-empty string/],
        [[{ name: "a" }, { name: "a" }], /^secret-rotation:policies\[1\]: declares "a" again \(already at secret-rotation:policies\[0\]\)/],
    ];
    for (const [raw, message] of cases) assert.throws(() => readPolicies(raw, POLICIES), { message }, JSON.stringify(raw));
});
