// The lifeline acts in the Pulumi SDK's provider host only; anywhere else (a program, the review
// command, this test runner) loading provider.ts changes nothing. Its behaviour in the host is
// proven end to end in test/e2e/reliability-orphans.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";

/** The listeners of the kinds the lifeline adds in a provider host (the test runner has some of its own). */
const watches = () => [process.stdout, process.stderr, process.stdin].flatMap((s) => [...s.listeners("error"), ...s.listeners("end")]);
// Loaded here, not imported, so that what loading it does (it installs itself) can be seen.
const beforeLoading = watches();
const { engineGoneCheck, installLifeline, isProviderHost }: typeof import("../../providers/secretsmanager/pulumi-edge/lifeline") = require("../../providers/secretsmanager/pulumi-edge/lifeline");
const afterLoading = watches();

test("isProviderHost: the SDK's dynamic-provider host, by its main module, and nothing else", () => {
    assert.equal(isProviderHost("/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"), true);
    assert.equal(isProviderHost("C:\\p\\node_modules\\@pulumi\\pulumi\\cmd\\dynamic-provider\\index.js"), true);
    assert.equal(isProviderHost("/p/node_modules/@pulumi/pulumi/cmd/run/index.js"), false, "the program's host");
    assert.equal(isProviderHost("/repo/dist/src/cli/main.js"), false, "the review command");
    assert.equal(isProviderHost(""), false, "no main module (a REPL)");
    assert.equal(isProviderHost(require.main?.filename), false, "this test");
});

test("outside the provider host, loading the lifeline or installing it does nothing", () => {
    assert.deepEqual(afterLoading, beforeLoading, "loading the module (as provider.ts does) installed nothing");
    const beforeInstalling = watches();
    assert.equal(installLifeline(), false);
    assert.deepEqual(watches(), beforeInstalling);
});

test("engineGoneCheck: false while the parent that started this process lives", () => {
    assert.equal(engineGoneCheck()(), false);
});
