// Integration: the quota limiter is shared by everything the provider process sends to one real
// region, however the region was written. A secret declared by name with no aws:region goes to the
// SDK's default region (AWS_REGION here: us-east-1); one declared by ARN, or with aws:region
// us-east-1, names that region. Both count against the same per-region quota at AWS, so both must
// pass the same limiter (providers/secretsmanager/aws-edge/aws.ts, quotaScope).
import assert from "node:assert/strict";
import { test } from "node:test";

import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import { SecretsManagerGateway } from "../../providers/secretsmanager/aws-edge/aws";
import { pool } from "../support/fleet";
import { versionIdFor } from "../support/seed";
import { useLocalAws } from "../support/services";
import { maxInWindow } from "../support/windows";

const aws = useLocalAws();
// A low limit keeps the test short and the difference plain: one limiter allows LIMIT calls in
// any second; two limiters for the same region would allow twice as many.
const LIMIT = 5;
const CALLS = 40;

test(`one real region, written two ways, shares one limiter: at most ${LIMIT} calls in any sliding second`, async (t) => {
    process.env.PULUMI_SECRET_ROTATION_CALLS_PER_SECOND = String(LIMIT);
    t.after(() => delete process.env.PULUMI_SECRET_ROTATION_CALLS_PER_SECOND);
    assert.equal(process.env.AWS_REGION, "us-east-1", "the SDK's default region is us-east-1 in this test");

    // Seeded straight into moto (not through the front): seeding is not what is measured.
    const moto = new SecretsManagerClient({ endpoint: aws.moto.endpoint });
    const arns = await pool(Array.from({ length: CALLS }, (_, i) => i), 8, async (i) => {
        const name = `scoped/secret-${i}`;
        return (await moto.send(new CreateSecretCommand({ Name: name, SecretString: `v-${i}`, ClientRequestToken: versionIdFor(`${name}-v1`) }))).ARN!;
    });
    aws.front.clearCalls();
    // Half through a gateway whose region is left to the SDK, half through one that names it.
    await Promise.all(
        arns.map((arn, i) =>
            new SecretsManagerGateway(i % 2 === 0 ? undefined : "us-east-1").call(arn, { api: "CancelRotateSecret" }),
        ),
    );
    const times = aws.front.calls("CancelRotateSecret").map((c) => c.startedAt.getTime());
    const peak = maxInWindow(times);
    t.diagnostic(`${times.length} CancelRotateSecret requests, peak ${peak} in one sliding second (limit ${LIMIT})`);
    assert.equal(times.length, CALLS, "one request per call (no fault was injected)");
    // The limiter spaces grants 1/LIMIT s apart; arrival jitter at the front (2 busy cores) can
    // bunch one or two more into a second. Two limiters for the region show about 2 × LIMIT.
    assert.ok(peak <= LIMIT + 2, `peak ${peak} in one second: the calls did not share one limiter`);
});
