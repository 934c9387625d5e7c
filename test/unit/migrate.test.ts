// Unit: `migrate`'s pure part (src/migrate/): reading the old tools' state files as they write
// them (test/fixtures/migrate/README.md cites the schemas), the declarations written, and the steps.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { validateInputs } from "../../providers/secretsmanager/semantics/inputs";
import { planReconcile } from "../../providers/secretsmanager/semantics/plan";
import { planMigration, renderSteps, renderTypeScript, renderYaml } from "../../src/migrate/migration";
import { readPulumiExport, readTerraformState } from "../../src/migrate/sources";
import type { SecretReview, StepKind } from "../../src/review/report";
import { declaredTwice } from "../../src/review/review";
import { repoRoot } from "../support/pulumi";
import { found, observedSecret } from "./fixtures";

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(repoRoot(), "test", "fixtures", "migrate", name), "utf8"));
const PREFIX = "urn:pulumi:prod::platform-secrets::aws:secretsmanager/secretRotation:SecretRotation::";

test("pulumi stack export: each SecretRotation with the settings last read, the secret as declared (a name stays a name), retainOnDelete and protect", () => {
    const estate = readPulumiExport(fixture("pulumi-stack-export.json"));
    assert.equal(estate.stack, "prod");
    assert.deepEqual(estate.skipped, []);
    assert.deepEqual(estate.rotations, [
        {
            address: `${PREFIX}orders-db-rotation`,
            secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-Xk2aQ1",
            enabled: true,
            rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate-postgres",
            schedule: { automaticallyAfterDays: 30, duration: "3h" },
            region: "eu-west-1",
        },
        {
            address: `${PREFIX}partner-api-rotation`,
            secretId: "partner/api-key",
            enabled: true,
            rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate-api-key",
            // automaticallyAfterDays 0 is the zero value the bridge passes on: not declared.
            schedule: { scheduleExpression: "cron(0 4 ? * MON *)", duration: "2h" },
            region: "eu-west-1",
            protect: true,
        },
        {
            address: `${PREFIX}ldap-bind-rotation`,
            secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:legacy/ldap-bind-p0Rt9z",
            enabled: true,
            rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate-ldap",
            // AWS derives 10 days from rate(10 days): the expression is what was declared.
            schedule: { scheduleExpression: "rate(10 days)" },
            region: "eu-west-1",
            retainOnDelete: true,
        },
    ]);
});

test("terraform state v4: each instance (modules, for_each keys), rotation_enabled false as enabled: false, the address a removed block names", () => {
    const estate = readTerraformState(fixture("terraform.tfstate"));
    assert.deepEqual(estate.skipped, []);
    assert.deepEqual(
        estate.rotations.map((r) => [r.address, r.configAddress, r.secretId, r.enabled, r.rotationLambdaArn, r.schedule]),
        [
            [
                "aws_secretsmanager_secret_rotation.orders_db",
                "aws_secretsmanager_secret_rotation.orders_db",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-Xk2aQ1",
                true,
                "arn:aws:lambda:eu-west-1:123456789012:function:rotate-postgres",
                { automaticallyAfterDays: 30, duration: "3h" },
            ],
            [
                'module.tenants["acme"].aws_secretsmanager_secret_rotation.this["api"]',
                "module.tenants.aws_secretsmanager_secret_rotation.this",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/api-key-7hQ2Lm",
                true,
                "arn:aws:lambda:eu-west-1:123456789012:function:rotate-api-key",
                { scheduleExpression: "cron(0 4 ? * MON *)", duration: "2h" },
            ],
            [
                'module.tenants["acme"].aws_secretsmanager_secret_rotation.this["ldap"]',
                "module.tenants.aws_secretsmanager_secret_rotation.this",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/ldap-bind-p0Rt9z",
                false,
                undefined,
                undefined,
            ],
        ],
    );
});

test("files that are not what they claim are refused with what was expected; resources that cannot move are listed with why", () => {
    assert.throws(() => readPulumiExport(fixture("terraform.tfstate")), /^Error: this is a Terraform state file: use --from-terraform$/);
    assert.throws(() => readTerraformState(fixture("pulumi-stack-export.json")), /^Error: this is the output of `pulumi stack export`: use --from-pulumi$/);
    assert.throws(() => readPulumiExport({ version: 2, checkpoint: {} }), /not the output of `pulumi stack export`: expected a JSON object with version 3/);
    assert.throws(() => readTerraformState({ version: 3, modules: [] }), /Terraform state format version 3 is not supported: version 4/);
    assert.throws(() => readTerraformState([]), /not a Terraform state file/);

    const secretValue = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };
    const type = "aws:secretsmanager/secretRotation:SecretRotation";
    const estate = readPulumiExport({
        version: 3,
        deployment: {
            manifest: {},
            resources: [
                { urn: "urn:pulumi:dev::p::" + type + "::hidden", custom: true, type, inputs: { secretId: secretValue }, outputs: {} },
                { urn: "urn:pulumi:dev::p::" + type + "::partner", custom: true, type, id: "app/x", inputs: { secretId: "app/x", externalSecretRotationRoleArn: "arn:aws:iam::123456789012:role/p" } },
                { urn: "urn:pulumi:dev::p::" + type + "::old", custom: true, delete: true, type, inputs: { secretId: "app/y" } },
            ],
        },
    });
    assert.deepEqual(estate.rotations, []);
    assert.deepEqual(
        estate.skipped.map((s) => s.reason),
        [
            "secretId is a secret in the state (encrypted): declare this secret's rotation by hand",
            "rotates through a partner (externalSecretRotationRoleArn), which this package does not manage: keep it where it is",
        ],
    );
    const flat = readTerraformState({ version: 4, resources: [{ mode: "managed", type: "aws_secretsmanager_secret_rotation", name: "x", instances: [{ schema_version: 0, attributes_flat: { id: "a" } }] }] });
    assert.match(flat.skipped[0]!.reason, /attributes_flat/);
});

test("declarations: the settings as they are, rotateImmediately false, enabled: false for a rotation off; valid for the provider; one per secret", () => {
    const migration = planMigration(readTerraformState(fixture("terraform.tfstate")));
    assert.deepEqual(migration.skipped, []);
    assert.deepEqual(
        migration.moved.map((m) => m.declaration),
        [
            {
                secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-Xk2aQ1",
                rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate-postgres",
                schedule: { automaticallyAfterDays: 30, duration: "3h" },
                rotateImmediately: false,
            },
            {
                secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/api-key-7hQ2Lm",
                rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate-api-key",
                schedule: { scheduleExpression: "cron(0 4 ? * MON *)", duration: "2h" },
                rotateImmediately: false,
            },
            { secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/ldap-bind-p0Rt9z", enabled: false },
        ],
    );
    for (const { declaration } of migration.moved) assert.deepEqual(validateInputs(declaration).failures, []);

    // Two old resources on one secret (by name and by ARN): the second is not migrated, and why.
    const twice = planMigration({
        tool: "pulumi",
        rotations: [
            { address: "urn:a", secretId: "orders/db-password", enabled: true, schedule: { automaticallyAfterDays: 30 } },
            { address: "urn:b", secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-Xk2aQ1", enabled: true, schedule: { automaticallyAfterDays: 7 } },
        ],
        skipped: [],
    });
    assert.deepEqual(twice.moved.map((m) => m.from.address), ["urn:a"]);
    assert.match(twice.skipped[0]!.reason, /^manages the same secret as urn:a/);
    // Settings the provider would refuse are not written: the failure names the property and rule.
    const invalid = planMigration({ tool: "terraform", rotations: [{ address: "aws_secretsmanager_secret_rotation.x", secretId: "app/x", enabled: true, schedule: { automaticallyAfterDays: 1001 } }], skipped: [] });
    assert.deepEqual(invalid.moved, []);
    assert.match(invalid.skipped[0]!.reason, /schedule\.automaticallyAfterDays must be a whole number from 1 to 1000 \(got number 1001\)/);
});

test("a migrated declaration on the secret as the old tool left it: the plan makes no call but the owner tag, and none if rotation was off meanwhile rotates", () => {
    const [orders] = planMigration(readPulumiExport(fixture("pulumi-stack-export.json"))).moved;
    const { desired } = validateInputs({ ...orders!.declaration, __owner: "organization/new/prod/db" });
    assert.ok(desired);
    const secret = { arn: orders!.declaration.secretId, name: "orders/db-password", region: "eu-west-1", rotationLambdaArn: orders!.declaration.rotationLambdaArn! };
    const live = found(observedSecret({ ...secret, rotationEnabled: true, schedule: { kind: "days", days: 30, duration: "3h" } }));
    const plan = planReconcile(desired, live, { operation: "create" });
    assert.deepEqual(plan.steps.map((s) => s.call.api), ["TagResource"]);
    // The old tool's delete ran first (rotation off): turning it back on does not rotate now.
    const off = planReconcile(desired, found(observedSecret({ ...secret, rotationEnabled: false, schedule: { kind: "days", days: 30, duration: "3h" } })), { operation: "create" });
    const rotate = off.steps.find((s) => s.call.api === "RotateSecret");
    assert.ok(rotate && rotate.call.api === "RotateSecret");
    assert.equal(rotate.call.rotateImmediately, false);
});

test("output: YAML under config with the namespace, TypeScript, and the steps per tool (retainOnDelete or state delete; state rm or a removed block)", () => {
    const pulumi = planMigration(readPulumiExport(fixture("pulumi-stack-export.json")));
    const yaml = renderYaml(pulumi, "secret-rotation", "export.json");
    assert.match(yaml, /^config:\n {2}secret-rotation:rotations:\n {4}# from urn:pulumi:prod::platform-secrets::aws:secretsmanager\/secretRotation:SecretRotation::orders-db-rotation\n/m);
    assert.match(yaml, / {4}- secretId: "partner\/api-key"\n {6}rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotate-api-key"\n {6}schedule:\n {8}scheduleExpression: "cron\(0 4 \? \* MON \*\)"\n {8}duration: "2h"\n {6}rotateImmediately: false\n/);
    const ts = renderTypeScript(pulumi, "export.json");
    assert.match(ts, /new SecretRotationState\("orders-db-rotation", \{\n {4}secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders\/db-password-Xk2aQ1",/);
    const steps = renderSteps(pulumi);
    assert.match(steps, /pulumi state delete 'urn:pulumi:prod::platform-secrets::aws:secretsmanager\/secretRotation:SecretRotation::orders-db-rotation' --stack 'prod'/);
    assert.match(steps, /pulumi state unprotect '[^']*partner-api-rotation' --stack 'prod' && pulumi state delete/);
    assert.match(steps, /ldap-bind-rotation\n {5}already retainOnDelete: remove it from the old program/);
    assert.match(steps, /ignoreTags\.keyPrefixes/);

    const terraform = renderSteps(planMigration(readTerraformState(fixture("terraform.tfstate"))));
    assert.match(terraform, /terraform state rm 'module\.tenants\["acme"\]\.aws_secretsmanager_secret_rotation\.this\["api"\]'/);
    assert.match(terraform, /terraform state rm 'aws_secretsmanager_secret_rotation\.orders_db' {3}then delete its resource block/);
    // One removed block per resource, not per instance.
    assert.equal(terraform.match(/from = module\.tenants\.aws_secretsmanager_secret_rotation\.this\n {7}lifecycle \{\n {9}destroy = false/g)?.length, 1);
    assert.match(terraform, /ignore_tags \{ key_prefixes/);
    assert.match(renderSteps(planMigration({ tool: "terraform", rotations: [], skipped: [] })), /nothing to migrate/);
});

test("review: a SecretRotation of the same stack on a declared secret (by name or ARN) is a finding; deleted without retainOnDelete it says the delete turns rotation off; retained and being removed, none", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";
    const declared = { secretId: "app/db", step: "same", live: { exists: true, enabled: true, arn } } as unknown as SecretReview;
    const urn = "urn:pulumi:prod::p::aws:secretsmanager/secretRotation:SecretRotation::db";
    const other = (secretId: string, step: StepKind, retainOnDelete = false) => ({ urn, secretId, step, retainOnDelete });

    const both = declaredTwice(declared, other(arn, "same"));
    assert.equal(both?.code, "rotation-declared-twice");
    assert.match(both!.message, /also manages this secret's rotation in this stack: with different settings each refreshed `pulumi up` undoes the other's change.*`pulumi state delete 'urn:pulumi:prod::p::aws:secretsmanager\/secretRotation:SecretRotation::db'`/);
    assert.equal(declaredTwice(declared, other("app/db", "update"))?.code, "rotation-declared-twice");
    assert.equal(declaredTwice(declared, other(arn.slice(0, -7), "same"))?.code, "rotation-declared-twice", "a partial ARN is the same secret");
    assert.match(declaredTwice(declared, other("app/db", "delete"))!.message, /`pulumi up` deletes it: its delete calls CancelRotateSecret and turns rotation off\. Instead, set retainOnDelete: true/);
    assert.equal(declaredTwice(declared, other("app/db", "delete", true)), undefined, "retained and being removed: the migration's last step");
    assert.equal(declaredTwice(declared, other("app/other", "same")), undefined);
    assert.equal(declaredTwice({ ...declared, step: "delete" }, other("app/db", "same")), undefined, "a declaration being removed leaves the secret to the other");
});
