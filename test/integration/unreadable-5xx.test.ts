// Integration: an HTML or empty 5xx page (a proxy's, a load balancer's, an emulator's under load)
// in place of Secrets Manager's JSON. The pinned SDK (@aws-sdk/client-secrets-manager 3.1164.0)
// retries it like any 5xx but, once the attempts are spent, fails with the JSON parser's
// `SyntaxError: Unexpected token '<'` (or `Unknown: UnknownError` for an empty body). The gateway
// retries within the same bounds (8 attempts) and names the HTTP status and the secret instead.
import assert from "node:assert/strict";
import { test } from "node:test";

import { SecretsManagerGateway } from "../../providers/secretsmanager/aws-edge/aws";
import { createSecret } from "../support/seed";
import { useLocalAws } from "../support/services";

const aws = useLocalAws();

async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    assert.fail("expected the call to fail");
}

test("one HTML 502 page is retried like any 5xx: the call then succeeds", async () => {
    const secret = await createSecret("pages/once", "value-1");
    aws.front.script([{ operation: "DescribeSecret", fault: "html-page" }]);
    const observation = await new SecretsManagerGateway(undefined).observe(secret.arn);
    assert.equal(observation.found, true);
    assert.deepEqual(aws.front.calls("DescribeSecret").map((c) => c.status), [502, 200]);
});

test("HTML pages on every attempt: 8 attempts, then an error naming HTTP 502 and the secret, not a JSON parse error", async () => {
    const secret = await createSecret("pages/always", "value-1");
    aws.front.injectFaults({ rate: 1, kinds: ["html-page"], seed: 1, operations: ["DescribeSecret"] });
    const error = await failure(new SecretsManagerGateway(undefined).observe(secret.arn));
    assert.equal(aws.front.callCount("DescribeSecret"), 8, "the same bound as any 5xx");
    assert.match(error.message, new RegExp(`^DescribeSecret on ${secret.arn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} failed: HTTP 502 with a body that is not AWS's`));
    assert.match(error.message, /after 8 attempt\(s\)/);
    assert.doesNotMatch(error.message, /SyntaxError|Unexpected token|JSON/);
});

test("an empty 503 on every attempt of a mutating call: named by status and secret", async () => {
    const secret = await createSecret("pages/empty", "value-1");
    aws.front.injectFaults({ rate: 1, kinds: ["empty-5xx"], seed: 2, operations: ["CancelRotateSecret"] });
    const error = await failure(new SecretsManagerGateway(undefined).call(secret.arn, { api: "CancelRotateSecret" }));
    assert.equal(aws.front.callCount("CancelRotateSecret"), 8);
    assert.match(error.message, /^CancelRotateSecret on arn:aws:secretsmanager:.* failed: HTTP 503 with a body that is not AWS's/);
    assert.doesNotMatch(error.message, /UnknownError/);
});
