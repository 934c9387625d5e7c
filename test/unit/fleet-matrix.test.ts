// examples/ci/fleet-matrix.yml, the CI recipe of docs/fleet-across-stacks.md: it parses as YAML,
// gets its AWS credentials by OIDC, logs in to an S3 backend, and runs one `pulumi up` per
// account × region stack, in parallel but never two of the same stack at once.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { parse } from "yaml";

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, string> };
interface Workflow {
    permissions: Record<string, string>;
    env: Record<string, string>;
    jobs: {
        up: {
            strategy: { "fail-fast": boolean; "max-parallel": number; matrix: { account: string[]; region: string[]; exclude?: { account: string; region: string }[] } };
            concurrency: { group: string; "cancel-in-progress": boolean };
            env: Record<string, string>;
            steps: Step[];
        };
    };
}

const repo = join(__dirname, "..", "..", "..");
const workflow = parse(readFileSync(join(repo, "examples", "ci", "fleet-matrix.yml"), "utf8")) as Workflow;
const job = workflow.jobs.up;
const step = (name: string) => job.steps.find((s) => s.name === name);

describe("examples/ci/fleet-matrix.yml", () => {
    test("a matrix over account × region, one stack per cell, run in parallel with a bound, failures kept to their cell", () => {
        const { matrix } = job.strategy;
        assert.ok(matrix.account.length >= 2 && matrix.account.every((a) => /^\d{12}$/.test(a)), `accounts are 12-digit ids (quoted, or YAML reads a number): ${JSON.stringify(matrix.account)}`);
        assert.ok(matrix.region.length >= 2);
        assert.equal(job.env.STACK, "${{ matrix.account }}-${{ matrix.region }}");
        assert.ok(job.strategy["max-parallel"] >= 2);
        assert.equal(job.strategy["fail-fast"], false);
        for (const excluded of matrix.exclude ?? []) assert.ok(matrix.account.includes(excluded.account) && matrix.region.includes(excluded.region), JSON.stringify(excluded));
    });

    test("one up per stack at a time: a concurrency group per account × region that queues rather than cancels", () => {
        assert.equal(job.concurrency.group, "secret-rotation-up-${{ matrix.account }}-${{ matrix.region }}");
        assert.equal(job.concurrency["cancel-in-progress"], false);
    });

    test("AWS credentials by OIDC: id-token write, configure-aws-credentials with a role to assume and no static keys", () => {
        assert.equal(workflow.permissions["id-token"], "write");
        const aws = job.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        assert.ok(aws?.with?.["role-to-assume"], "role-to-assume");
        assert.equal(aws.with["aws-access-key-id"], undefined);
        assert.equal(aws.with["aws-secret-access-key"], undefined);
    });

    test("logs in to the S3 backend before the up, and runs up on the cell's stack", () => {
        const login = step("Log in to the S3 backend");
        assert.match(login?.run ?? "", /^pulumi login "s3:\/\/\$STATE_BUCKET\?region=\$STATE_REGION"$/);
        assert.ok(workflow.env.STATE_BUCKET && workflow.env.STATE_REGION);
        const up = job.steps.findIndex((s) => /pulumi up --stack "\$STACK" .*--yes --non-interactive/.test(s.run ?? ""));
        assert.ok(up > job.steps.indexOf(login!), "up comes after the login");
        assert.ok(job.steps.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@")) < job.steps.indexOf(login!), "credentials before the login: the backend is in S3");
    });
});
