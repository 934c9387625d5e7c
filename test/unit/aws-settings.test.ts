// Unit: the stack's aws:* configuration and a declaration's `aws` setting
// (providers/secretsmanager/semantics/aws-settings.ts): @pulumi/aws v7's keys and forms, failures naming the
// key and the rule, warnings for keys the provider does not use, which setting applies, the proxy
// choice (NO_PROXY) and the account guard's refusals. Pure.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
    accountRefusal,
    durationSeconds,
    effectiveSetting,
    endpointFor,
    proxyForUrl,
    proxySettings,
    recordedAccountRefusal,
    stackAwsConfig,
    validateAwsSetting,
} from "../../providers/secretsmanager/semantics/aws-settings";
import { validateInputs } from "../../providers/secretsmanager/semantics/inputs";

const ROLE_A = "arn:aws:iam::111111111111:role/secret-rotation";
const SECRET_A = "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf";

describe("the stack's aws:* configuration", () => {
    test("reads @pulumi/aws v7's keys, structured values as the engine passes them (JSON text)", () => {
        const stack = stackAwsConfig({
            "aws:region": "eu-west-1",
            "aws:profile": "prod",
            "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE_A, sessionName: "ci", externalId: "ext-1", duration: "1h", tags: { team: "platform" }, transitiveTagKeys: ["team"], policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"], sourceIdentity: "alice" }]),
            "aws:allowedAccountIds": JSON.stringify(["111111111111"]),
            "aws:endpoints": JSON.stringify([{ secretsmanager: "http://127.0.0.1:4566", sts: "http://127.0.0.1:4567" }]),
            "aws:maxRetries": "5",
            "aws:retryMode": "standard",
            "aws:stsRegion": "us-east-1",
            "aws:sharedConfigFiles": JSON.stringify(["/tmp/config"]),
            "aws:httpsProxy": "http://proxy:3128",
            "aws:noProxy": "localhost,.internal",
            "e2e:rotations": "[]",
        });
        assert.deepEqual(stack.failures, []);
        assert.deepEqual(stack.warnings, []);
        assert.equal(stack.setting.region, "eu-west-1");
        assert.equal(stack.setting.maxRetries, 5);
        assert.equal(stack.setting.assumeRoles?.[0]?.externalId, "ext-1");
        assert.equal(endpointFor(stack.setting, "sts"), "http://127.0.0.1:4567");
        assert.equal(stack.staticKeys, undefined);
    });

    test("a key the provider does not use is named in a warning, not ignored silently", () => {
        const stack = stackAwsConfig({ "aws:region": "us-east-1", "aws:defaultTags": '{"tags":{"a":"b"}}', "aws:skipCredentialsValidation": "true" });
        assert.deepEqual(stack.failures, []);
        assert.equal(stack.warnings.length, 2);
        assert.match(stack.warnings[0]!, /^aws:defaultTags is set in the stack configuration but pulumi-secret-rotation does not use it/);
        assert.match(stack.warnings[1]!, /aws:skipCredentialsValidation/);
    });

    test("static keys are kept apart from the setting, and a half pair is refused without repeating it", () => {
        const stack = stackAwsConfig({ "aws:accessKey": "AKIAEXAMPLE", "aws:secretKey": "very-secret", "aws:token": "tok" });
        assert.deepEqual(stack.staticKeys, { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "very-secret", sessionToken: "tok" });
        assert.deepEqual(stack.setting, {});
        const half = stackAwsConfig({ "aws:accessKey": "AKIAEXAMPLE" });
        assert.equal(half.staticKeys, undefined);
        assert.match(half.failures[0]!.reason, /must be set together/);
        assert.ok(!JSON.stringify(half).includes("very-secret"));
        // The cache key tells settings apart without holding the key.
        const key = effectiveSetting(undefined, stack).key;
        assert.ok(!key.includes("AKIAEXAMPLE") && !key.includes("very-secret"), key);
        assert.notEqual(key, effectiveSetting(undefined, { setting: {} }).key);
    });

    test("bad values are refused naming the aws: key and the rule", () => {
        const cases: [Record<string, string>, string, RegExp][] = [
            [{ "aws:region": "Mars" }, "aws:region", /must be an AWS region name/],
            [{ "aws:maxRetries": "0" }, "aws:maxRetries", /whole number from 1 to 25/],
            [{ "aws:retryMode": "legacy" }, "aws:retryMode", /standard or adaptive/],
            [{ "aws:assumeRoles": '[{"roleArn":"role/x"}]' }, "aws:assumeRoles[0].roleArn", /IAM role ARN/],
            [{ "aws:assumeRoles": `[{"roleArn":"${ROLE_A}","duration":"13h"}]` }, "aws:assumeRoles[0].duration", /15m to 12h/],
            [{ "aws:assumeRoles": `[{"roleArn":"${ROLE_A}","durationSecs":900}]` }, "aws:assumeRoles[0].durationSecs", /not a property of a role to assume/],
            [{ "aws:endpoints": '[{"s3":"http://x"}]' }, "aws:endpoints[0].s3", /not an endpoint this provider calls; allowed: secretsmanager, sts/],
            [{ "aws:allowedAccountIds": '["123"]' }, "aws:allowedAccountIds[0]", /12-digit/],
            [{ "aws:allowedAccountIds": '["111111111111"]', "aws:forbiddenAccountIds": '["222222222222"]' }, "aws:forbiddenAccountIds", /not both/],
            [{ "aws:sharedConfigFiles": '["/a","/b"]' }, "aws:sharedConfigFiles", /one file path/],
            [{ "aws:httpProxy": "proxy:3128" }, "aws:httpProxy", /http:\/\/ or https:\/\/ URL/],
        ];
        for (const [config, property, reason] of cases) {
            const { failures } = stackAwsConfig(config);
            const failure = failures.find((f) => f.property === property);
            assert.ok(failure, `${JSON.stringify(config)}: expected a failure of ${property}, got ${JSON.stringify(failures)}`);
            assert.match(failure.reason, reason);
        }
    });
});

describe("a declaration's aws setting", () => {
    test("takes the shape of @pulumi/aws's provider arguments, and is validated with the other inputs", () => {
        const result = validateInputs({ secretId: "app/db", aws: { region: "eu-west-1", assumeRoles: [{ roleArn: ROLE_A }] } });
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.inputs.aws, { region: "eu-west-1", assumeRoles: [{ roleArn: ROLE_A }] });
        // The Lambda must be in the region the declaration's setting points at.
        const wrongRegion = validateInputs({ secretId: "app/db", rotationLambdaArn: "arn:aws:lambda:us-east-1:111111111111:function:f", aws: { region: "eu-west-1" } });
        assert.deepEqual(wrongRegion.failures.map((f) => f.property), ["rotationLambdaArn"]);
    });

    test("static keys are refused: a declaration's setting is stored in state", () => {
        const { failures } = validateAwsSetting({ accessKey: "AKIAEXAMPLE", secretKey: "very-secret" });
        assert.deepEqual(failures.map((f) => f.property), ["aws.accessKey", "aws.secretKey"]);
        assert.match(failures[0]!.reason, /static keys cannot be declared per secret: they would be stored in state/);
        assert.ok(!JSON.stringify(failures).includes("very-secret"));
    });

    test("each problem is named aws.<key> with the rule", () => {
        const result = validateInputs({ secretId: "app/db", aws: { profile: "", assumeRoles: [{ sessionName: "x" }], colour: "blue" } });
        const byProperty = Object.fromEntries(result.failures.map((f) => [f.property, f.reason]));
        assert.match(byProperty["aws.profile"]!, /non-empty string/);
        assert.match(byProperty["aws.assumeRoles[0].roleArn"]!, /IAM role ARN/);
        assert.match(byProperty["aws.assumeRoles[0].sessionName"]!, /2-64 characters/);
        assert.match(byProperty["aws.colour"]!, /is not an AWS setting this provider supports; allowed: region, profile/);
        assert.match(validateInputs({ secretId: "app/db", aws: "prod" }).failures[0]!.reason, /must be a mapping of AWS settings/);
    });

    test("a setting on the declaration is all there is, as for an explicit aws.Provider: the stack's keys do not apply", () => {
        const stack = stackAwsConfig({ "aws:profile": "dev", "aws:accessKey": "AKIAEXAMPLE", "aws:secretKey": "very-secret" });
        const declared = effectiveSetting({ profile: "prod" }, stack);
        assert.deepEqual(declared.setting, { profile: "prod" });
        assert.equal(declared.staticKeys, undefined);
        assert.equal(declared.source, "the declaration's aws setting");
        const inherited = effectiveSetting(undefined, stack);
        assert.equal(inherited.setting.profile, "dev");
        assert.equal(inherited.source, "the stack's aws:* configuration");
        // Equal settings share a connection whatever the key order.
        assert.equal(effectiveSetting({ region: "us-east-1", profile: "p" }, stack).key, effectiveSetting({ profile: "p", region: "us-east-1" }, stack).key);
    });

    test("durations in @pulumi/aws v7's form", () => {
        assert.equal(durationSeconds("1h"), 3600);
        assert.equal(durationSeconds("1h30m"), 5400);
        assert.equal(durationSeconds("900s"), 900);
        assert.equal(durationSeconds("15"), undefined);
    });
});

describe("proxies", () => {
    test("the setting wins over the environment; the proxy of the endpoint's scheme is used", () => {
        const env = { HTTP_PROXY: "http://env-proxy:8080", https_proxy: "http://env-tls-proxy:8080", NO_PROXY: "example.com" };
        assert.deepEqual(proxySettings({}, env), { httpProxy: "http://env-proxy:8080", httpsProxy: "http://env-tls-proxy:8080", noProxy: "example.com" });
        const settings = proxySettings({ httpProxy: "http://config-proxy:3128", noProxy: "" }, env);
        assert.equal(settings.httpProxy, "http://config-proxy:3128");
        assert.equal(proxyForUrl("http://127.0.0.1:4566/", settings), "http://config-proxy:3128");
        assert.equal(proxyForUrl("https://secretsmanager.us-east-1.amazonaws.com", settings), "http://env-tls-proxy:8080");
        assert.equal(proxyForUrl("https://sts.amazonaws.com", { httpProxy: "http://p:1" }), undefined, "no proxy for https when only httpProxy is set");
    });

    test("NO_PROXY: *, host and its subdomains, .domain, host:port, IP and CIDR; loopback is not exempt by itself", () => {
        const via = (noProxy: string, url: string) => proxyForUrl(url, { httpProxy: "http://p:1", httpsProxy: "http://p:1", noProxy });
        assert.equal(via("", "http://127.0.0.1:4566"), "http://p:1");
        assert.equal(via("*", "http://127.0.0.1:4566"), undefined);
        assert.equal(via("127.0.0.1", "http://127.0.0.1:4566"), undefined);
        assert.equal(via("127.0.0.1:4566", "http://127.0.0.1:4566"), undefined);
        assert.equal(via("127.0.0.1:9999", "http://127.0.0.1:4566"), "http://p:1");
        assert.equal(via("127.0.0.0/8", "http://127.0.0.1:4566"), undefined);
        assert.equal(via("10.0.0.0/8", "http://127.0.0.1:4566"), "http://p:1");
        assert.equal(via("amazonaws.com", "https://sts.us-east-1.amazonaws.com"), undefined);
        assert.equal(via(".amazonaws.com", "https://sts.us-east-1.amazonaws.com"), undefined);
        assert.equal(via("*.amazonaws.com", "https://sts.us-east-1.amazonaws.com"), undefined);
        assert.equal(via("zonaws.com", "https://sts.us-east-1.amazonaws.com"), "http://p:1");
        assert.equal(via("localhost, internal.example", "http://internal.example:80"), undefined);
    });
});

describe("the account guard", () => {
    const stackSetting = { setting: {}, source: "the stack's aws:* configuration" };

    test("a secret whose ARN names another account: both accounts and the setting to change", () => {
        const refusal = accountRefusal("222222222222", SECRET_A, stackSetting);
        assert.match(refusal!, /^refused: secret arn:aws:secretsmanager:us-east-1:111111111111:secret:app\/db-AbCdEf is in account 111111111111, but the credentials of the stack's aws:\* configuration act in account 222222222222\. Nothing was changed\. Point the stack's aws:\* configuration at account 111111111111/);
        assert.equal(accountRefusal("111111111111", SECRET_A, stackSetting), undefined);
        assert.equal(accountRefusal("222222222222", "app/db", stackSetting), undefined, "a name is in the credentials' account");
    });

    test("an account outside allowedAccountIds, or inside forbiddenAccountIds", () => {
        const allowed = accountRefusal("222222222222", "app/db", { setting: { allowedAccountIds: ["111111111111"] }, source: "the declaration's aws setting" });
        assert.match(allowed!, /the credentials of the declaration's aws setting act in account 222222222222, which is not in allowedAccountIds \(111111111111\); secret app\/db was not touched\. Point the declaration's aws setting at one of those accounts/);
        const forbidden = accountRefusal("111111111111", "app/db", { setting: { forbiddenAccountIds: ["111111111111"] }, source: "the stack's aws:* configuration" });
        assert.match(forbidden!, /act in account 111111111111, which is in forbiddenAccountIds \(111111111111\).*remove 111111111111 from forbiddenAccountIds/);
        assert.equal(accountRefusal("111111111111", "app/db", { setting: { allowedAccountIds: ["111111111111"] }, source: "x" }), undefined);
    });
});

describe("the recorded place's account guard", () => {
    const recorded = { account: "111111111111", region: "us-east-1" };

    test("credentials of another account than the recorded one: refused, naming both accounts, the region and the setting to change", () => {
        const refusal = recordedAccountRefusal("222222222222", recorded, "rotation policy org/p/s/fleet", { source: "the stack's aws:* configuration" });
        assert.equal(
            refusal,
            "refused: rotation policy org/p/s/fleet acts in account 111111111111, region us-east-1 (as recorded in its state), " +
                "but the credentials of the stack's aws:* configuration now act in account 222222222222. Nothing was changed. " +
                "Point the stack's aws:* configuration at account 111111111111 (its profile or assumeRoles) to refresh, update or destroy it there",
        );
    });

    test("credentials of the recorded account: no refusal, whatever region the configuration names now", () => {
        assert.equal(recordedAccountRefusal("111111111111", recorded, "rotation policy x", { source: "the declaration's aws setting" }), undefined);
    });
});
