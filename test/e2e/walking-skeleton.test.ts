// End to end: the real pulumi CLI drives a minimal dynamic resource that calls DescribeSecret on
// moto, through preview -> up -> up --expect-no-changes -> refresh --expect-no-changes -> destroy.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { TestStack } from "../support/pulumi";
import { createSecret, describeSecret, labelsOf } from "../support/seed";
import { useMoto } from "../support/services";

const TYPE = "pulumi-nodejs:dynamic/skeleton:ObservedSecret";

const local = useMoto();

/** What moto holds for the secret, minus timestamps: it must not change when only observed. */
async function motoView(secretId: string) {
    const described = await describeSecret(secretId);
    return {
        arn: described.ARN,
        name: described.Name,
        rotationEnabled: described.RotationEnabled ?? false,
        deleted: described.DeletedDate !== undefined,
        labels: await labelsOf(secretId),
    };
}

test("walking skeleton: the full CLI cycle against moto", async (t) => {
    const secret = await createSecret("skeleton/db-password", "initial-value-1");
    const before = await motoView(secret.arn);
    assert.deepEqual(before.labels, { [secret.versionId]: ["AWSCURRENT"] });

    const stack = await TestStack.create({
        program: join(__dirname, "programs", "observed-secret.js"),
        env: local.moto.awsEnv(),
        config: { "e2e:secretId": secret.name },
    });
    t.after(() => stack.cleanup());
    t.diagnostic(`project: ${stack.projectDir}`);

    try {
        const preview = await stack.preview();
        assert.match(preview.stdout, /\+ 2 to create/);
        assert.deepEqual(await stack.resourcesOfType(TYPE), [], "preview must not write state");
        assert.deepEqual(await motoView(secret.arn), before);

        await stack.up();
        const [created] = await stack.resourcesOfType(TYPE);
        assert.ok(created, "up records the resource");
        assert.equal(created.id, secret.arn, "the resource id is the ARN moto returned");
        assert.equal(created.outputs?.rotationEnabled, false);
        assert.equal(created.outputs?.name, secret.name);
        assert.deepEqual(await motoView(secret.arn), before);

        await stack.up(["--expect-no-changes"]);
        await stack.refresh(["--expect-no-changes"]);
        const [refreshed] = await stack.resourcesOfType(TYPE);
        assert.deepEqual(refreshed?.outputs, created.outputs);
        assert.deepEqual(await motoView(secret.arn), before);

        const destroyed = await stack.destroy();
        assert.match(destroyed.stdout, /- 2 deleted/);
        assert.deepEqual(await stack.resourcesOfType(TYPE), []);
        assert.deepEqual(await motoView(secret.arn), before, "observing resource leaves the secret as it was");
    } catch (error) {
        t.diagnostic(stack.transcript());
        throw error;
    }
});
