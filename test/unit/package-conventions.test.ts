// Unit: the package's manifest keeps the conventions a library owes its users (issue 22, item 5).
// The tarball itself (LICENSE and dist/ in it, review exported) is checked end to end in
// test/e2e/packed-package.test.ts.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { repoRoot } from "../support/pulumi";

const root = repoRoot();
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));

test("LICENSE holds the full Apache-2.0 text the manifest names, and ships with CHANGELOG.md", () => {
    assert.equal(manifest.license, "Apache-2.0");
    const license = readFileSync(join(root, "LICENSE"), "utf8");
    assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
    assert.match(license, /END OF TERMS AND CONDITIONS/);
    assert.ok(existsSync(join(root, "CHANGELOG.md")));
    for (const shipped of ["LICENSE", "CHANGELOG.md", "README.md", "dist/src", "dist/providers"]) assert.ok(manifest.files.includes(shipped), `files includes ${shipped}`);
});

test("a tarball is never packed without dist/: prepack compiles what `files` ships", () => {
    const prepack: string | undefined = manifest.scripts.prepack;
    assert.ok(prepack, "scripts.prepack is set");
    const tsconfig = /\btsc -p (\S+)/.exec(prepack);
    assert.ok(tsconfig, `prepack runs tsc -p <tsconfig> (got ${prepack})`);
    const options = JSON.parse(readFileSync(join(root, tsconfig[1]!), "utf8")).compilerOptions;
    assert.equal(options.outDir, "dist");
    assert.equal(options.declaration, true, "the types the manifest names are emitted");
    assert.equal(manifest.main, "dist/src/index.js");
    assert.equal(manifest.types, "dist/src/index.d.ts");
});

test("runtime dependencies take caret ranges; the lockfile pins them and agrees with the manifest", () => {
    for (const [name, range] of Object.entries(manifest.dependencies as Record<string, string>)) {
        assert.match(range, /^\^\d+\.\d+\.\d+$/, `${name}: a caret range`);
        const locked = lock.packages[`node_modules/${name}`]?.version;
        assert.equal(`^${locked}`, range, `${name}: the range starts at the locked version, the one the tests run`);
    }
    assert.deepEqual(lock.packages[""].dependencies, manifest.dependencies);
    assert.deepEqual(lock.packages[""].peerDependencies, manifest.peerDependencies);
    assert.deepEqual(lock.packages[""].engines, manifest.engines);
});

test("the @pulumi/pulumi peer range and engines.node start at the versions the tests run", () => {
    const tested = manifest.devDependencies["@pulumi/pulumi"];
    assert.equal(lock.packages["node_modules/@pulumi/pulumi"].version, tested);
    assert.equal(manifest.peerDependencies["@pulumi/pulumi"], `>=${tested} <4`);
    const toolchainNode = /^NODE_VERSION=(\S+)/m.exec(readFileSync(join(root, "scripts", "toolchain.sh"), "utf8"))![1]!;
    const major = toolchainNode.split(".")[0];
    assert.equal(manifest.engines.node, `>=${toolchainNode} <${Number(major) + 1}`);
});

test("the review is exported from the package's main entry, with its exit codes", async () => {
    // The built main entry, as `require("pulumi-secret-rotation")` loads it.
    const pkg = require(join(root, manifest.main)) as typeof import("../../src/index");
    assert.equal(typeof pkg.review, "function");
    assert.deepEqual(pkg.REVIEW_EXIT_CODES, { clean: 0, error: 1, drift: 2, findings: 4, driftAndFindings: 6, unreviewable: 8 });
    await assert.rejects(pkg.review({ stacks: [] }), /stacks: name at least one stack to review/);
    await assert.rejects(pkg.review({ stacks: ["prod"], concurrency: 0 }), /concurrency must be a whole number from 1 to 256 \(got 0\)/);
});
