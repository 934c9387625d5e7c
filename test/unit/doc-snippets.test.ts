// Unit: every TypeScript snippet in the README, CONTRIBUTING.md and docs/*.md compiles against the
// package's own types, as a user copying it would compile it (strict). All snippets go into one
// compiler program (one type-check of @pulumi/pulumi and the package's declarations), each snippet a
// module of its own; "pulumi-secret-rotation" resolves to the built declarations (dist/src/index.d.ts),
// which is what the package's `types` ships. A snippet must define what it uses (`declare const
// rotator: …` for a resource of the user's program).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

import ts from "typescript";

import { repoRoot } from "../support/pulumi";

interface Snippet {
    /** Where it is: the document and the line of its opening fence. */
    origin: string;
    code: string;
}

const root = repoRoot();

function documents(): string[] {
    const docs = join(root, "docs");
    return [
        join(root, "README.md"),
        join(root, "CONTRIBUTING.md"),
        ...(existsSync(docs) ? readdirSync(docs).filter((name) => name.endsWith(".md")).sort().map((name) => join(docs, name)) : []),
    ].filter((file) => existsSync(file));
}

export function snippetsOf(file: string, text: string): Snippet[] {
    const snippets: Snippet[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
        if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
        const start = i;
        const body: string[] = [];
        for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
        snippets.push({ origin: `${relative(root, file)}:${start + 1}`, code: body.join("\n") });
    }
    return snippets;
}

/** Type-checks the snippets in one program; returns one line per error, naming the document and line. */
export function typeCheck(snippets: Snippet[]): string[] {
    const virtualDir = join(root, ".doc-snippets");
    const files = new Map<string, Snippet>();
    snippets.forEach((snippet, index) => {
        // `export {}` makes a snippet without imports a module too, so snippets never share names.
        files.set(join(virtualDir, `snippet-${index}.ts`), { ...snippet, code: `${snippet.code}\nexport {};\n` });
    });
    const options: ts.CompilerOptions = {
        strict: true,
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2022.d.ts"],
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        esModuleInterop: true,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
        typeRoots: [join(root, "node_modules", "@types")],
        baseUrl: root,
        paths: { "pulumi-secret-rotation": [join(root, "dist", "src", "index.d.ts")] },
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (name) => files.get(name)?.code ?? readFile(name);
    host.fileExists = (name) => files.has(name) || fileExists(name);
    host.getSourceFile = (name, language, onError, shouldCreate) => {
        const snippet = files.get(name);
        return snippet ? ts.createSourceFile(name, snippet.code, language, true) : getSourceFile(name, language, onError, shouldCreate);
    };
    const program = ts.createProgram([...files.keys()], options, host);
    const errors: string[] = [];
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const snippet = diagnostic.file ? files.get(diagnostic.file.fileName) : undefined;
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
        if (!snippet || !diagnostic.file || diagnostic.start === undefined) {
            errors.push(`(outside the snippets) TS${diagnostic.code}: ${message}`);
            continue;
        }
        // The snippet's first line is the line after its fence.
        const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
        const [doc, fence] = snippet.origin.split(":");
        errors.push(`${doc}:${Number(fence) + 1 + line}: TS${diagnostic.code}: ${message}`);
    }
    return errors;
}

// One program for everything: the documentation's snippets, and one broken on purpose that
// shows the check is not vacuous (it must fail, naming its document and line).
const BROKEN = snippetsOf(
    join(root, "docs", "broken-on-purpose.md"),
    [
        "# A page",
        "",
        "```ts",
        'import { SecretRotationState } from "pulumi-secret-rotation";',
        "",
        'new SecretRotationState("db", { secretId: "app/db", rotationLambdaArn: rotator.arn, schedule: { automaticallyAfterDays: "30" } });',
        "```",
    ].join("\n"),
);
let checked: { documented: number; errors: string[] } | undefined;
function check(): { documented: number; errors: string[] } {
    if (!checked) {
        assert.ok(existsSync(join(root, "dist", "src", "index.d.ts")), "the package is built (dist/src/index.d.ts)");
        const documented = documents().flatMap((file) => snippetsOf(file, readFileSync(file, "utf8")));
        checked = { documented: documented.length, errors: typeCheck([...documented, ...BROKEN]) };
    }
    return checked;
}

test("every TypeScript snippet of the documentation compiles against the package's types", () => {
    const { documented, errors } = check();
    assert.ok(documented >= 5, `found ${documented} snippets`);
    assert.deepEqual(errors.filter((error) => !error.startsWith("docs/broken-on-purpose.md:")), []);
});

test("the check fails on a snippet that uses what it does not define, naming its document and line", () => {
    const errors = check().errors.filter((error) => error.startsWith("docs/broken-on-purpose.md:"));
    assert.equal(errors.length, 2, errors.join("\n"));
    assert.match(errors[0]!, /^docs\/broken-on-purpose\.md:6: TS2304: Cannot find name 'rotator'/);
    assert.match(errors[1]!, /^docs\/broken-on-purpose\.md:6: TS2322: Type 'string' is not assignable to type /);
});
