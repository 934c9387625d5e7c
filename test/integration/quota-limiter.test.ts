// Integration: the provider's Secrets Manager gateway (the code the provider process runs), with
// 1,000 operations started at once — as many as an engine with unbounded parallelism could hand
// one provider process — through the AWS front to moto, a third of the requests throttled or
// failed so that SDK retries add to the load. Measured where the calls arrive (the front's call
// log), no sliding one-second window holds more than the documented 50 calls per quota group.
// Without the limiter (providers/secretsmanager/aws-edge/quota.ts) the same load peaks far above 50.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import { SecretsManagerGateway } from "../../providers/secretsmanager/aws-edge/aws";
import { pool } from "../support/fleet";
import { versionIdFor } from "../support/seed";
import { useLocalAws } from "../support/services";
import { maxInWindow } from "../support/windows";

const aws = useLocalAws();
const OPERATIONS = 1_000;
const QUOTA = 50;

test(`quotas: ${OPERATIONS} concurrent operations, 30 % faults: at most ${QUOTA} calls per quota group in any sliding second`, async (t) => {
    // Seeded straight into moto (not through the front): seeding is not what is measured.
    const moto = new SecretsManagerClient({ endpoint: aws.moto.endpoint });
    const arns = await pool(Array.from({ length: OPERATIONS }, (_, i) => i), 16, async (i) => {
        const name = `limited/secret-${i}`;
        const out = await moto.send(new CreateSecretCommand({ Name: name, SecretString: `v-${i}`, ClientRequestToken: versionIdFor(`${name}-v1`) }));
        return out.ARN!;
    });
    aws.front.clearCalls();
    aws.front.injectFaults({ rate: 0.3, kinds: ["throttle", "server-error"], seed: 5 });
    const started = performance.now();
    // Half turn rotation off (CancelRotateSecret: the rotation group), half move a label
    // (UpdateSecretVersionStage: the writes group), all at once.
    await Promise.all(
        arns.map((arn, i) =>
            new SecretsManagerGateway("us-east-1").call(
                arn,
                i % 2 === 0
                    ? { api: "CancelRotateSecret" }
                    : { api: "UpdateSecretVersionStage", versionStage: "LIMITED", moveToVersionId: versionIdFor(`limited/secret-${i}-v1`) },
            ),
        ),
    );
    const seconds = (performance.now() - started) / 1000;
    aws.front.clearFaults();
    const times = (op: string) => aws.front.calls(op).map((c) => c.startedAt.getTime());
    const rotation = times("CancelRotateSecret");
    const writes = times("UpdateSecretVersionStage");
    const faulted = aws.front.calls().filter((c) => c.injected).length;
    const peaks = { rotation: maxInWindow(rotation), writes: maxInWindow(writes) };
    t.diagnostic(
        `${OPERATIONS} operations in ${seconds.toFixed(1)} s: CancelRotateSecret ${rotation.length} requests (peak ${peaks.rotation} in 1 s), ` +
            `UpdateSecretVersionStage ${writes.length} requests (peak ${peaks.writes} in 1 s), ${faulted} faults injected`,
    );
    assert.ok(rotation.length > OPERATIONS / 2 && writes.length > OPERATIONS / 2, "faults made the SDK retry");
    assert.ok(peaks.rotation <= QUOTA, `CancelRotateSecret peaked at ${peaks.rotation} in one second`);
    assert.ok(peaks.writes <= QUOTA, `UpdateSecretVersionStage peaked at ${peaks.writes} in one second`);
});
