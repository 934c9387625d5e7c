// Unit: pure helpers of the test support code, no processes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { versionIdFor } from "../support/seed";

test("versionIdFor gives a stable token within ClientRequestToken's 32..64 characters", () => {
    const token = versionIdFor("db-v1");
    assert.equal(token, versionIdFor("db-v1"));
    assert.notEqual(token, versionIdFor("db-v2"));
    assert.ok(token.length >= 32 && token.length <= 64, `length ${token.length}`);
    assert.match(token, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});
