// Integration: the real AWS SDK against moto over HTTP, configured only through the standard
// environment variables. These prove the harness the other tests stand on.
import assert from "node:assert/strict";
import { test } from "node:test";

import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ListSecretsCommand, RotateSecretCommand } from "@aws-sdk/client-secrets-manager";

import { MotoServer } from "../support/moto";
import { createRotationLambda, createSecret, describeSecret, labelsOf, secretsManager } from "../support/seed";
import { useMoto } from "../support/services";

const local = useMoto();

test("the SDK reaches moto through AWS_ENDPOINT_URL and AWS_REGION alone", async () => {
    const secret = await createSecret("harness/one", "value-1");
    assert.match(secret.arn, /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:harness\/one-[A-Za-z0-9]{6}$/);
    const described = await describeSecret("harness/one");
    assert.equal(described.ARN, secret.arn);
    assert.deepEqual(await labelsOf(secret.arn), { [secret.versionId]: ["AWSCURRENT"] });
});

test("the service-specific endpoint variable takes precedence, as the SDK documents", async () => {
    await createSecret("harness/endpoint", "value-1");
    const previous = { general: process.env.AWS_ENDPOINT_URL, specific: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER };
    process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9"; // nothing listens on the discard port
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = local.moto.endpoint;
    try {
        const listed = await secretsManager().send(new ListSecretsCommand({}));
        assert.deepEqual(listed.SecretList?.map((s) => s.Name), ["harness/endpoint"]);
    } finally {
        process.env.AWS_ENDPOINT_URL = previous.general;
        if (previous.specific === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
        else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = previous.specific;
    }
});

test("a seeded rotation Lambda exists and Secrets Manager accepts it for RotateSecret", async () => {
    const lambdaArn = await createRotationLambda("harness-rotator");
    const fn = await new LambdaClient({}).send(new GetFunctionCommand({ FunctionName: "harness-rotator" }));
    assert.equal(fn.Configuration?.FunctionArn, lambdaArn);

    const secret = await createSecret("harness/rotated", "value-1");
    await secretsManager().send(
        new RotateSecretCommand({
            SecretId: secret.arn,
            RotationLambdaARN: lambdaArn,
            RotationRules: { AutomaticallyAfterDays: 30 },
            RotateImmediately: false,
        }),
    );
    const described = await describeSecret(secret.arn);
    assert.equal(described.RotationEnabled, true);
    assert.equal(described.RotationLambdaARN, lambdaArn);
    assert.equal(described.RotationRules?.AutomaticallyAfterDays, 30);
});

test("reset leaves moto empty between tests", async () => {
    await createSecret("harness/short-lived", "value-1");
    await local.moto.reset();
    const listed = await secretsManager().send(new ListSecretsCommand({}));
    assert.deepEqual(listed.SecretList ?? [], []);
});

test("stop ends the server: its port refuses connections afterwards", async () => {
    const extra = await MotoServer.start();
    const endpoint = extra.endpoint;
    assert.equal((await fetch(`${endpoint}/moto-api/data.json`)).ok, true);
    await extra.stop();
    await assert.rejects(fetch(`${endpoint}/moto-api/data.json`));
});
