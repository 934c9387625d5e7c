// Unit: the layers of the provider (.dependency-cruiser.cjs), checked by dependency-cruiser on the
// source tree: the rotation semantics are pure, the AWS edge sits below the Pulumi edge, the review
// does without the Pulumi adapter, and there is no import circle. A second case proves the rules
// bite: the same configuration over a small tree that breaks each of them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";

import { repoRoot } from "../support/pulumi";

interface Violation {
    rule: { name: string };
    from: string;
    to: string;
}
interface CruiseResult {
    modules: { source: string }[];
    summary: { violations: Violation[]; error: number };
}

/** Runs dependency-cruiser with the repository's configuration in `cwd` over `paths`. */
function cruise(cwd: string, paths: string[]): CruiseResult {
    const cli = join(repoRoot(), "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
    const run = spawnSync(process.execPath, [cli, "--config", ".dependency-cruiser.cjs", "--output-type", "json", ...paths], { cwd, encoding: "utf8" });
    assert.ok(run.stdout.trim().startsWith("{"), `dependency-cruiser answered JSON (exit ${run.status}): ${run.stderr.slice(0, 2000)}`);
    return JSON.parse(run.stdout) as CruiseResult;
}

function tsFilesUnder(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? tsFilesUnder(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
    );
}

test("the source tree keeps its layers: no violation, and every provider and src module is cruised", () => {
    const root = repoRoot();
    const result = cruise(root, ["providers", "src"]);
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    assert.deepEqual(violations, [], "dependency violations (see .dependency-cruiser.cjs for the rules)");
    const cruised = new Set(result.modules.map((m) => m.source));
    const expected = [...tsFilesUnder(join(root, "providers")), ...tsFilesUnder(join(root, "src"))].map((file) => relative(root, file));
    assert.ok(expected.length >= 29, `found the sources (${expected.length})`);
    for (const file of expected) assert.ok(cruised.has(file), `${file} was cruised`);
    for (const layer of ["semantics", "aws-edge", "pulumi-edge"]) {
        assert.ok(expected.some((file) => file.startsWith(`providers/secretsmanager/${layer}/`)), `the ${layer} layer exists`);
    }
});

test("the rules fail a tree that breaks them: SDK or Pulumi in the semantics, the AWS edge over the Pulumi edge, a circle", (t) => {
    const dir = mkdtempSync(join(tmpdir(), "psr-layers-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    copyFileSync(join(repoRoot(), ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"));
    copyFileSync(join(repoRoot(), "tsconfig.json"), join(dir, "tsconfig.json"));
    symlinkSync(join(repoRoot(), "node_modules"), join(dir, "node_modules"), "dir");
    const files: Record<string, string> = {
        "providers/secretsmanager/semantics/plan.ts": `import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";\nimport { ok } from "./model";\nexport type Client = SecretsManagerClient;\nexport const planned = ok;\n`,
        "providers/secretsmanager/semantics/model.ts": `import { planned } from "./plan";\nexport const ok = 1;\nexport const again = planned;\n`,
        "providers/secretsmanager/semantics/schedule.ts": `import * as pulumi from "@pulumi/pulumi";\nexport const output = pulumi.output(1);\n`,
        "providers/secretsmanager/semantics/health.ts": `import { gateway } from "../aws-edge/aws";\nexport const viaEdge = gateway;\n`,
        "providers/secretsmanager/aws-edge/aws.ts": `import { adapter } from "../pulumi-edge/provider";\nexport const gateway = adapter;\n`,
        "providers/secretsmanager/pulumi-edge/provider.ts": `export const adapter = 1;\n`,
        "src/review/review.ts": `import { adapter } from "../../providers/secretsmanager/pulumi-edge/provider";\nexport const review = adapter;\n`,
    };
    for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
    }
    const found = cruise(dir, ["providers", "src"]).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, "$1")}`);
    for (const expected of [
        "semantics-is-pure: providers/secretsmanager/semantics/plan.ts → @aws-sdk/client-secrets-manager",
        "semantics-is-pure: providers/secretsmanager/semantics/schedule.ts → @pulumi/pulumi",
        "semantics-is-pure: providers/secretsmanager/semantics/health.ts → providers/secretsmanager/aws-edge/aws.ts",
        "aws-edge-below-pulumi: providers/secretsmanager/aws-edge/aws.ts → providers/secretsmanager/pulumi-edge/provider.ts",
        "review-without-adapter: src/review/review.ts → providers/secretsmanager/pulumi-edge/provider.ts",
        // A circle is reported once, from whichever of its modules the cruise met first.
        "no-circular: providers/secretsmanager/semantics/model.ts → providers/secretsmanager/semantics/plan.ts",
    ]) {
        assert.ok(found.includes(expected), `expected the violation "${expected}"; found:\n${found.join("\n")}`);
    }
});
