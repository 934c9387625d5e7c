// Layer: the AWS edge. Imports the semantics and the AWS SDK, never the Pulumi edge (.dependency-cruiser.cjs).
// SDK clients for one AWS setting (semantics/aws-settings.ts): its credentials (static keys, else the
// profile with its shared files, else the SDK's default chain; then each role of assumeRoles in
// turn), its endpoints, retries and proxies, and the account it acts in. One connection per
// distinct setting for the life of the process, so credentials are resolved (and roles assumed)
// once per setting, not per secret. Used by aws.ts only; nothing here is ever serialized.
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SecretsManagerClient, SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";

import {
    accountRefusal,
    durationSeconds,
    effectiveSetting,
    EffectiveSetting,
    endpointFor,
    proxyForUrl,
    proxySettings,
    StackAws,
} from "../semantics/aws-settings";
import type { AwsSetting } from "../semantics/model";

// The stack's aws:* configuration, set by the provider's configure() (or the review, from the
// stack it reads). Empty until then: the SDK's own defaults and variables.
let stack: Pick<StackAws, "setting" | "staticKeys"> = { setting: {} };

export function useStackAws(configuration: Pick<StackAws, "setting" | "staticKeys">): void {
    stack = configuration;
    connections.clear();
}

const connections = new Map<string, AwsConnection>();

/**
 * The connection of a declaration's `aws` setting, or the stack's when it has none: one per
 * distinct setting. `of` is the stack configuration to use (the review reads several stacks).
 */
export function connectionFor(declared: AwsSetting | undefined, of: Pick<StackAws, "setting" | "staticKeys"> = stack): AwsConnection {
    const effective = effectiveSetting(declared, of);
    let connection = connections.get(effective.key);
    if (!connection) {
        connection = new AwsConnection(effective);
        connections.set(effective.key, connection);
    }
    return connection;
}

/** Every connection made so far in this process (the review inventories each account). */
export function knownConnections(): AwsConnection[] {
    return [...connections.values()];
}

/** The standard endpoint variables the SDK reads when no endpoint is configured (for the proxy choice only). */
function endpointFromEnv(service: "SECRETS_MANAGER" | "STS" | "ORGANIZATIONS"): string | undefined {
    return process.env[`AWS_ENDPOINT_URL_${service}`] || process.env.AWS_ENDPOINT_URL || undefined;
}

export class AwsConnection {
    private readonly regions = new Map<string, SecretsManagerClient>();
    private readonly handlers = new Map<string, NodeHttpHandler>();
    private accountId?: Promise<string>;
    readonly credentials: AwsCredentialIdentityProvider;

    constructor(readonly effective: EffectiveSetting) {
        this.credentials = this.credentialChain();
    }

    get setting(): AwsSetting {
        return this.effective.setting;
    }

    /** The region a call goes to: the one given (a secret ARN's), else the setting's, else the SDK's own (AWS_REGION, the profile's). */
    async region(declared: string | undefined): Promise<string> {
        return declared ?? this.setting.region ?? (await this.regional(undefined).config.region());
    }

    /** A client per region, for the region's configuration (the SDK's defaults when none is given). */
    regional(region: string | undefined): SecretsManagerClient {
        const key = region ?? "";
        let client = this.regions.get(key);
        if (!client) {
            client = new SecretsManagerClient(this.secretsManagerConfig(region));
            this.regions.set(key, client);
        }
        return client;
    }

    /** The configuration of a Secrets Manager client of this setting (aws.ts adds retries and the limiter). */
    secretsManagerConfig(region: string | undefined): SecretsManagerClientConfig {
        const chosen = region ?? this.setting.region;
        const endpoint = endpointFor(this.setting, "secretsmanager");
        return {
            ...(chosen ? { region: chosen } : {}),
            ...(this.setting.profile ? { profile: this.setting.profile } : {}),
            ...(endpoint ? { endpoint } : {}),
            credentials: this.credentials,
            requestHandler: this.handlerFor(endpoint ?? endpointFromEnv("SECRETS_MANAGER"), "secretsmanager", chosen),
            ...(this.setting.maxRetries !== undefined ? { maxAttempts: this.setting.maxRetries } : {}),
            ...(this.setting.retryMode ? { retryMode: this.setting.retryMode } : {}),
        };
    }

    /**
     * AWS Organizations with these credentials (the organization inventory's ListAccounts). A
     * global service: the SDK's endpoint for it is in us-east-1 whatever region the setting names;
     * the standard variables (AWS_ENDPOINT_URL_ORGANIZATIONS, AWS_ENDPOINT_URL) still apply.
     */
    organizations(): OrganizationsClient {
        return new OrganizationsClient({
            region: "us-east-1",
            ...(this.setting.profile ? { profile: this.setting.profile } : {}),
            credentials: this.credentials,
            requestHandler: this.handlerFor(endpointFromEnv("ORGANIZATIONS"), "organizations", "us-east-1"),
            ...(this.setting.maxRetries !== undefined ? { maxAttempts: this.setting.maxRetries } : {}),
            ...(this.setting.retryMode ? { retryMode: this.setting.retryMode } : {}),
        });
    }

    /** STS as this setting reaches it: stsRegion, else the setting's region, else the SDK's; the sts endpoint. */
    private stsConfig(): STSClientConfig {
        const endpoint = endpointFor(this.setting, "sts");
        const region = this.setting.stsRegion ?? this.setting.region;
        return {
            ...(region ? { region } : {}),
            ...(this.setting.profile ? { profile: this.setting.profile } : {}),
            ...(endpoint ? { endpoint } : {}),
            requestHandler: this.handlerFor(endpoint ?? endpointFromEnv("STS"), "sts", region),
            ...(this.setting.maxRetries !== undefined ? { maxAttempts: this.setting.maxRetries } : {}),
            ...(this.setting.retryMode ? { retryMode: this.setting.retryMode } : {}),
        };
    }

    /**
     * The account these credentials act in: STS GetCallerIdentity (which needs no permission),
     * once per connection. A failure is not kept, so the next operation asks again.
     */
    account(): Promise<string> {
        this.accountId ??= (async () => {
            const roles = this.setting.assumeRoles?.map((role) => role.roleArn) ?? [];
            try {
                await this.credentials();
            } catch (error) {
                this.accountId = undefined;
                const assuming = roles.length > 0 ? ` (assuming ${roles.join(", then ")})` : "";
                throw new Error(`could not get the credentials of ${this.effective.source}${assuming}: ${describeError(error)}`);
            }
            const sts = new STSClient({ ...this.stsConfig(), credentials: this.credentials });
            try {
                const identity = await sts.send(new GetCallerIdentityCommand({}));
                if (!identity.Account) throw new Error("STS GetCallerIdentity answered without an account");
                return identity.Account;
            } catch (error) {
                this.accountId = undefined;
                throw new Error(`could not tell which AWS account ${this.effective.source} acts in (STS GetCallerIdentity): ${describeError(error)}`);
            } finally {
                sts.destroy();
            }
        })();
        return this.accountId;
    }

    /** Throws, before any call on `secret`, when these credentials must not act on it (aws-settings.ts accountRefusal). */
    async guard(secret: string): Promise<void> {
        const refusal = accountRefusal(await this.account(), secret, this.effective);
        if (refusal) throw new Error(refusal);
    }

    /**
     * The request handler for calls to `endpoint` (or AWS's own endpoint of the service when none
     * is configured): through the proxy of its scheme unless noProxy covers it. The AWS SDK for
     * JavaScript does not read HTTP_PROXY and friends itself.
     */
    private handlerFor(endpoint: string | undefined, service: string, region: string | undefined): NodeHttpHandler {
        const target = endpoint ?? `https://${service}.${region ?? "us-east-1"}.amazonaws.com`;
        const proxy = proxyForUrl(target, proxySettings(this.setting, process.env));
        const key = `${proxy ?? "direct"} ${new URL(target).protocol}`;
        let handler = this.handlers.get(key);
        if (!handler) {
            const agent = proxy === undefined ? undefined : target.startsWith("https:") ? { httpsAgent: new HttpsProxyAgent(proxy, { keepAlive: true }) } : { httpAgent: new HttpProxyAgent(proxy, { keepAlive: true }) };
            handler = new NodeHttpHandler(agent ?? {});
            this.handlers.set(key, handler);
        }
        return handler;
    }

    /** Static keys, else the profile (with the setting's files) or the SDK's default chain; then each role to assume, in order. */
    private credentialChain(): AwsCredentialIdentityProvider {
        const { setting, staticKeys } = this.effective;
        let credentials: AwsCredentialIdentityProvider = staticKeys
            ? async () => ({ ...staticKeys })
            : fromNodeProviderChain({
                  ...(setting.profile ? { profile: setting.profile } : {}),
                  ...(setting.sharedCredentialsFiles ? { filepath: setting.sharedCredentialsFiles[0] } : {}),
                  ...(setting.sharedConfigFiles ? { configFilepath: setting.sharedConfigFiles[0] } : {}),
              });
        for (const role of setting.assumeRoles ?? []) {
            const seconds = role.durationSeconds ?? (role.duration !== undefined ? durationSeconds(role.duration) : undefined);
            credentials = fromTemporaryCredentials({
                masterCredentials: credentials,
                clientConfig: this.stsConfig(),
                params: {
                    RoleArn: role.roleArn,
                    RoleSessionName: role.sessionName ?? "pulumi-secret-rotation",
                    ...(role.externalId ? { ExternalId: role.externalId } : {}),
                    ...(seconds !== undefined ? { DurationSeconds: Math.round(seconds) } : {}),
                    ...(role.policy ? { Policy: role.policy } : {}),
                    ...(role.policyArns ? { PolicyArns: role.policyArns.map((arn) => ({ arn })) } : {}),
                    ...(role.tags ? { Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
                    ...(role.transitiveTagKeys ? { TransitiveTagKeys: role.transitiveTagKeys } : {}),
                    ...(role.sourceIdentity ? { SourceIdentity: role.sourceIdentity } : {}),
                },
            });
        }
        // Every SDK client (one per region, STS for the account) asks its provider once: without this
        // each one assumed the role again (measured by the organization inventory's e2e through a
        // recording proxy: 5 AssumeRole per account listed in 2 regions instead of 1).
        return setting.assumeRoles && setting.assumeRoles.length > 0 ? sharedUntilExpiry(credentials) : credentials;
    }
}

/** Credentials fetched at most once until 5 minutes before they expire; a failure is not kept, so the next call asks again. */
function sharedUntilExpiry(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
    let kept: Promise<AwsCredentialIdentity> | undefined;
    const fresh = (c: AwsCredentialIdentity) => c.expiration === undefined || c.expiration.getTime() - Date.now() > 300_000;
    return async () => {
        if (kept) {
            const current = await kept.catch(() => undefined);
            if (current && fresh(current)) return current;
        }
        const asked = provider();
        kept = asked;
        asked.catch(() => {
            if (kept === asked) kept = undefined;
        });
        return asked;
    };
}

/** An SDK error as one line: its name and message, or the HTTP status when the body was not AWS's. */
export function describeError(error: unknown): string {
    const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const name = (error as { name?: string })?.name ?? "Error";
    if (status !== undefined && status >= 500 && unreadableBody(error)) return `HTTP ${status} with a body that is not AWS's (an HTML or empty page)`;
    return `${name}: ${(error as Error)?.message ?? String(error)}`;
}

/**
 * Whether the SDK failed to read an error body (the @aws-sdk/client-secrets-manager 3.1164.0
 * answer to an HTML 5xx page is `SyntaxError: Unexpected token '<' … Deserialization error`, and
 * to an empty one `Unknown: UnknownError`).
 */
export function unreadableBody(error: unknown): boolean {
    const name = (error as { name?: string })?.name;
    const message = String((error as Error)?.message ?? "");
    return name === "SyntaxError" || /Deserialization error/.test(message) || (name === "Unknown" && message === "UnknownError");
}
