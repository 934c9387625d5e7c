// Unit: every relative link of the Markdown documentation leads somewhere: the file or directory
// exists, and an anchor (#…) names a heading of the target, as GitHub makes anchors from headings.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

import { repoRoot } from "../support/pulumi";

const root = repoRoot();


function markdownFiles(): string[] {
    const top = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "BENCHMARKS.md", "test/support/aws-front/README.md"].map((name) => join(root, name));
    const docs = join(root, "docs");
    const pages = existsSync(docs) ? readdirSync(docs).filter((name) => name.endsWith(".md")).map((name) => join(docs, name)) : [];
    return [...top, ...pages].filter((file) => existsSync(file));
}

/** GitHub's heading anchors: lower case, punctuation dropped (not `-` or `_`), spaces to `-`, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    let fenced = false;
    for (const line of markdown.split("\n")) {
        if (line.startsWith("```")) fenced = !fenced;
        const heading = !fenced && /^#{1,6} (.*)$/.exec(line);
        if (!heading) continue;
        const slug = heading[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
        const count = seen.get(slug) ?? 0;
        seen.set(slug, count + 1);
        anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    return anchors;
}

function linksOf(markdown: string): string[] {
    const withoutCode = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
    return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

test("every relative link of the documentation resolves to a file and, with an anchor, to a heading", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
        const text = readFileSync(file, "utf8");
        for (const link of linksOf(text)) {
            if (/^[a-z]+:/.test(link)) continue; // https:, mailto:
            checked++;
            const [path, anchor] = link.split("#") as [string, string | undefined];
            const target = path === "" ? file : resolve(dirname(file), path);
            const name = relative(root, target);
            if (!existsSync(target)) {
                broken.push(`${relative(root, file)}: ${link} (no such file)`);
                continue;
            }
            if (anchor !== undefined && !(statSync(target).isFile() && anchorsOf(readFileSync(target, "utf8")).has(anchor))) {
                broken.push(`${relative(root, file)}: ${link} (no heading with that anchor in ${name})`);
            }
        }
    }
    assert.ok(checked > 50, `checked ${checked} links`);
    assert.deepEqual(broken, []);
});

test("anchors are made as GitHub makes them", () => {
    const anchors = anchorsOf("# Running `up` on a fleet\n## What `RotateImmediately=false` still does\n```sh\n# not a heading\n```\n## Tests\n## Tests\n");
    assert.deepEqual([...anchors], ["running-up-on-a-fleet", "what-rotateimmediatelyfalse-still-does", "tests", "tests-1"]);
});
