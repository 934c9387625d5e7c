// Layer: the AWS edge. Imports the semantics and the AWS SDK, never the Pulumi edge (.dependency-cruiser.cjs).
// Every Secrets Manager call the provider makes, in one place: observe (read-only) and execute
// (one planned step = one call). Never GetSecretValue or PutSecretValue: the reconciler has no
// reason to see a secret's value.
import {
    CancelRotateSecretCommand,
    DescribeSecretCommand,
    DescribeSecretCommandOutput,
    ListSecretsCommand,
    ListSecretVersionIdsCommand,
    RotateSecretCommand,
    SecretListEntry,
    SecretsManagerClient,
    TagResourceCommand,
    UntagResourceCommand,
    UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";

import { AwsConnection, connectionFor, describeError, unreadableBody } from "./aws-clients";
import { ApiCall, AwsSetting, Observation, ObservedSecret, ObservedVersion } from "../semantics/model";
import { pendingOnItsOwnVersion } from "../semantics/labels";
import { OWNER_TAG_KEY } from "../semantics/ownership";
import { callsPerSecondFromEnv, quotaGroup, SlidingWindowLimiter } from "./quota";
import { scheduleFromRules } from "../semantics/schedule";

// Clients, credentials and the account they act in live per AWS setting (aws-clients.ts), for
// the life of the provider process, never in anything Pulumi serializes.

/** The region a call goes to: the one given, else the setting's, else the SDK's own (AWS_REGION, the profile's...). */
export async function resolveRegion(region: string | undefined, aws?: AwsSetting): Promise<string> {
    return connectionFor(aws).region(region);
}

/**
 * Which limiters a call shares: one set per quota scope. AWS counts Secrets Manager's quotas per
 * account and region, so that is the key: the account the credentials act in (STS, once per
 * setting) and the resolved region — a region left to the SDK's default and the same region
 * written out share one budget, and two accounts in one stack each have their own.
 */
export function quotaScope(account: string, resolvedRegion: string): string {
    return `${account}/${resolvedRegion}`;
}

// The limiters that keep every call this process makes to a quota scope within Secrets Manager's
// quotas (quota.ts), for the life of the provider process.
const limiters = new Map<string, Record<"rotation" | "writes" | "tags", SlidingWindowLimiter>>();

function limitersFor(scope: string): Record<"rotation" | "writes" | "tags", SlidingWindowLimiter> {
    let entry = limiters.get(scope);
    if (!entry) {
        const perSecond = callsPerSecondFromEnv();
        entry = {
            rotation: new SlidingWindowLimiter(perSecond, 1_000),
            writes: new SlidingWindowLimiter(perSecond, 1_000),
            tags: new SlidingWindowLimiter(perSecond, 1_000),
        };
        limiters.set(scope, entry);
    }
    return entry;
}

/**
 * The client of one operation (one gateway). Throttling, 5xx and dropped connections are retried
 * by the SDK, at most 8 attempts a call, with backoff; adaptive mode also slows it down when
 * throttled. aws:maxRetries / aws:retryMode, and else the standard variables, win when set.
 *
 * Why not one client for all operations: the SDK's retry strategy keeps a retry budget per client
 * (500 tokens, 5 per retry, refilled by successes) meant for one application's calls. The engine
 * runs hundreds of operations at once in this process; a burst of throttling on a shared client
 * emptied that budget and the SDK then failed calls on their first error (measured: 1,000
 * operations with 30 % throttled requests failed). Per operation, the budget never runs out before
 * the 8 attempts; what protects the service from a retry storm is the shared quota limiter, which
 * every attempt passes through.
 */
function operationClient(connection: AwsConnection, region: string | undefined): SecretsManagerClient {
    callsPerSecondFromEnv(); // a bad value is refused before the first call, not at the first rate-limited one
    const config = connection.secretsManagerConfig(region);
    const client = new SecretsManagerClient({
        ...config,
        ...(config.maxAttempts !== undefined || process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: 8 }),
        ...(config.retryMode !== undefined || process.env.AWS_RETRY_MODE ? {} : { retryMode: "adaptive" }),
    });
    // Every attempt of a rate-limited call (the SDK's retries included) waits for its quota
    // group's limiter, shared by all operations on the same account and resolved region. The
    // middleware sits in the deserialize step, below the retry middleware (finalizeRequest): each
    // attempt is counted.
    client.middlewareStack.add(
        (next, context) => async (args) => {
            const group = quotaGroup(String(context.commandName ?? "").replace(/Command$/, ""));
            if (group) await limitersFor(quotaScope(await connection.account(), await client.config.region()))[group].acquire();
            return next(args);
        },
        { step: "deserialize", priority: "low", name: "secretRotationQuotaLimiter" },
    );
    return client;
}

const toIso = (d?: Date) => (d ? d.toISOString() : undefined);

function errorName(error: unknown): string {
    return (error as { name?: string })?.name ?? "Error";
}

/** A Secrets Manager session for one secret in one operation: it logs every call it makes. */
export class SecretsManagerGateway {
    /** The calls made so far, in order, e.g. ["DescribeSecret", "RotateSecret"]. */
    readonly calls: string[] = [];

    /** The credentials, endpoints and account of this operation (the declaration's aws setting, else the stack's). */
    readonly connection: AwsConnection;

    constructor(
        private readonly region: string | undefined,
        aws?: AwsSetting | AwsConnection,
        private readonly permissionWaitMs = permissionWaitFromEnv(),
        /** The shipped policy an access denial points to: the caller's (the provider's, the review's, the inventory role's). */
        private readonly iamPolicy: ShippedPolicy = PROVIDER_POLICY,
    ) {
        this.connection = aws instanceof AwsConnection ? aws : connectionFor(aws);
    }

    private sdk?: SecretsManagerClient;

    /** This operation's client; every use is preceded by a record of the call. */
    private client(call: string): SecretsManagerClient {
        this.calls.push(call);
        this.sdk ??= operationClient(this.connection, this.region);
        return this.sdk;
    }

    async resolvedRegion(): Promise<string> {
        return this.connection.region(this.region);
    }

    /**
     * A gateway for another secret of the same operation, with its own call log, sharing this
     * one's SDK client — and so its retry budget (see operationClient). A rotation policy reconciles
     * thousands of secrets in one operation; a client per secret would be built and thrown away
     * thousands of times (measured at 10,000 secrets: 46 CPU seconds in the provider and a 398 MiB
     * peak), so each of its workers shares one client across a bounded batch of secrets instead.
     */
    sibling(): SecretsManagerGateway {
        this.sdk ??= operationClient(this.connection, this.region);
        const sibling = new SecretsManagerGateway(this.region, this.connection, this.permissionWaitMs, this.iamPolicy);
        sibling.sdk = this.sdk;
        return sibling;
    }

    /** The account guard (aws-settings.ts accountRefusal), before any call on `secret`: no call at all in an account the setting refuses. */
    private async guard(secret: string): Promise<void> {
        await this.connection.guard(secret);
    }

    /**
     * DescribeSecret (one call: its VersionIdsToStages has the labels), plus ListSecretVersionIds
     * only when AWSPENDING sits on a version other than AWSCURRENT, for that version's age.
     */
    async observe(secretId: string): Promise<Observation> {
        await this.guard(secretId);
        const region = await this.resolvedRegion();
        let described: DescribeSecretCommandOutput;
        try {
            described = await this.client("DescribeSecret").send(new DescribeSecretCommand({ SecretId: secretId }));
        } catch (error) {
            if (errorName(error) === "ResourceNotFoundException") return { found: false, secretId, region };
            throw callError("DescribeSecret", secretId, error, this.iamPolicy);
        }
        const secret = observedSecretFrom(described, described.VersionIdsToStages, region, new Date().toISOString());
        await this.datePendingVersion(secret);
        return { found: true, secret };
    }

    /**
     * Every secret of the region (ListSecrets, paginated, 100 a page; secrets scheduled for deletion
     * included), observed as observe() would: each entry already has the labels and the tags, so
     * the only other call is ListSecretVersionIds where AWSPENDING is on a version other than
     * AWSCURRENT — for every listed secret, or only those `datePending` selects (a rotation
     * policy dates the pending versions of the secrets it governs only). `filters` are ListSecrets'
     * own (Filter reference: name and tag-key are case-sensitive prefix matches; several values of
     * one key match any, several keys must all match).
     */
    async listSecrets(
        onPage?: (seen: number) => void,
        options: { filters?: { Key: "name" | "tag-key"; Values: string[] }[]; datePending?: (secret: ObservedSecret) => boolean } = {},
    ): Promise<ObservedSecret[]> {
        const region = await this.resolvedRegion();
        await this.guard(`the secrets of ${region}`);
        const secrets: ObservedSecret[] = [];
        let nextToken: string | undefined;
        do {
            const page = await this.client("ListSecrets")
                .send(
                    new ListSecretsCommand({
                        MaxResults: 100,
                        NextToken: nextToken,
                        IncludePlannedDeletion: true,
                        ...(options.filters && options.filters.length > 0 ? { Filters: options.filters } : {}),
                    }),
                )
                .catch((error) => {
                    throw callError("ListSecrets", region, error, this.iamPolicy);
                });
            const observedAt = new Date().toISOString();
            for (const entry of page.SecretList ?? []) secrets.push(observedSecretFrom(entry, entry.SecretVersionsToStages, region, observedAt));
            nextToken = page.NextToken;
            onPage?.(secrets.length);
        } while (nextToken);
        for (const secret of secrets) if (!options.datePending || options.datePending(secret)) await this.datePendingVersion(secret);
        return secrets;
    }

    /**
     * A pending version's age is only in ListSecretVersionIds: asked only when AWSPENDING is on a
     * version other than AWSCURRENT. Public for a caller that lists without dating and then dates
     * secret by secret, so that one refused ListSecretVersionIds is that secret's error only (the
     * organization inventory).
     */
    async datePendingVersion(secret: ObservedSecret): Promise<void> {
        if (pendingOnItsOwnVersion(secret)) await this.addCreationDates(secret.arn, secret.versions);
    }

    private async addCreationDates(arn: string, versions: ObservedVersion[]): Promise<void> {
        let nextToken: string | undefined;
        do {
            const page = await this.client("ListSecretVersionIds")
                .send(new ListSecretVersionIdsCommand({ SecretId: arn, MaxResults: 100, NextToken: nextToken }))
                .catch((error) => {
                    throw callError("ListSecretVersionIds", arn, error, this.iamPolicy);
                });
            for (const listed of page.Versions ?? []) {
                const version = versions.find((v) => v.versionId === listed.VersionId);
                if (version && listed.CreatedDate) version.createdDate = listed.CreatedDate.toISOString();
            }
            nextToken = page.NextToken;
        } while (nextToken);
    }

    /**
     * Makes one planned call. CancelRotateSecret answers with the version of the rotation it
     * cancelled, if one was in progress (its reference: "the partially created version, specified
     * by the VersionId response value"): returned so the caller can check it is the one planned for.
     */
    async call(arn: string, call: ApiCall): Promise<{ cancelledVersionId?: string }> {
        await this.guard(arn);
        switch (call.api) {
            case "RotateSecret":
                await this.rotate(arn, call);
                return {};
            case "CancelRotateSecret": {
                const answer = await this.client("CancelRotateSecret")
                    .send(new CancelRotateSecretCommand({ SecretId: arn }))
                    .catch((error) => {
                        throw callError("CancelRotateSecret", arn, error, this.iamPolicy);
                    });
                return answer.VersionId ? { cancelledVersionId: answer.VersionId } : {};
            }
            case "UpdateSecretVersionStage":
                await this.client("UpdateSecretVersionStage").send(
                    new UpdateSecretVersionStageCommand({
                        SecretId: arn,
                        VersionStage: call.versionStage,
                        MoveToVersionId: call.moveToVersionId,
                        RemoveFromVersionId: call.removeFromVersionId,
                    }),
                ).catch((error) => {
                    throw callError(`UpdateSecretVersionStage(${call.versionStage})`, arn, error, this.iamPolicy);
                });
                return {};
            case "TagResource":
                await this.client("TagResource")
                    .send(new TagResourceCommand({ SecretId: arn, Tags: call.tags.map((tag) => ({ Key: tag.key, Value: tag.value })) }))
                    .catch((error) => {
                        throw callError("TagResource", arn, error, this.iamPolicy);
                    });
                return {};
            case "UntagResource":
                await this.client("UntagResource")
                    .send(new UntagResourceCommand({ SecretId: arn, TagKeys: call.keys }))
                    .catch((error) => {
                        throw callError("UntagResource", arn, error, this.iamPolicy);
                    });
                return {};
        }
    }

    private async rotate(arn: string, call: Extract<ApiCall, { api: "RotateSecret" }>): Promise<void> {
        // The plan's token (plan.ts), reused by the SDK's retries and by ours after an
        // AccessDeniedException, so Secrets Manager starts at most one rotation for it.
        const command = new RotateSecretCommand({
            SecretId: arn,
            ClientRequestToken: call.clientRequestToken,
            RotationLambdaARN: call.rotationLambdaArn,
            RotationRules: call.rotationRules,
            RotateImmediately: call.rotateImmediately,
        });
        const deadline = Date.now() + this.permissionWaitMs;
        for (let attempt = 1; ; attempt++) {
            try {
                await this.client("RotateSecret").send(command);
                return;
            } catch (error) {
                if (errorName(error) !== "AccessDeniedException") throw callError("RotateSecret", arn, error, this.iamPolicy);
                const message = (error as Error)?.message ?? "";
                const named = namedPermission(message);
                // A Lambda permission that was just granted (the caller's lambda:InvokeFunction, or
                // the function's resource policy) takes a while to reach Secrets Manager. The caller's
                // own secretsmanager:RotateSecret is not a grant to wait for.
                if (named !== "secretsmanager:RotateSecret" && Date.now() < deadline) {
                    await sleep(Math.min(1_000 * 2 ** (attempt - 1), 10_000, Math.max(0, deadline - Date.now())));
                    continue;
                }
                if (named !== undefined) throw deniedError("RotateSecret", arn, error, this.iamPolicy);
                throw new Error(
                    `RotateSecret on ${arn} was denied (${message}). ` +
                        `The caller needs secretsmanager:RotateSecret and lambda:InvokeFunction on ${call.rotationLambdaArn ?? "the rotation function"}, ` +
                        `and the function's resource policy must allow secretsmanager.amazonaws.com to invoke it ` +
                        `(waited ${Math.round(this.permissionWaitMs / 1000)} s for a new permission to take effect)`,
                );
            }
        }
    }
}

/** DescribeSecret's answer, or a ListSecrets entry (the same fields, the labels under another name), as an observation. */
function observedSecretFrom(
    described: SecretListEntry | DescribeSecretCommandOutput,
    versionsToStages: Record<string, string[]> | undefined,
    region: string,
    observedAt: string,
): ObservedSecret {
    const versions: ObservedVersion[] = Object.entries(versionsToStages ?? {}).map(([versionId, labels]) => ({ versionId, labels: [...labels] }));
    return {
        arn: described.ARN!,
        name: described.Name!,
        region,
        deletedDate: toIso(described.DeletedDate),
        owningService: described.OwningService,
        primaryRegion: described.PrimaryRegion,
        rotationEnabled: described.RotationEnabled === true,
        rotationLambdaArn: described.RotationLambdaARN || undefined,
        schedule: scheduleFromRules(described.RotationRules),
        lastRotatedDate: toIso(described.LastRotatedDate),
        nextRotationDate: toIso(described.NextRotationDate),
        createdDate: toIso(described.CreatedDate),
        ownerTag: described.Tags?.find((tag) => tag.Key === OWNER_TAG_KEY)?.Value,
        ...(described.Tags && described.Tags.length > 0 ? { tags: Object.fromEntries(described.Tags.map((tag) => [tag.Key ?? "", tag.Value ?? ""])) } : {}),
        versions,
        observedAt,
    };
}

/**
 * How long a Lambda-related AccessDeniedException is retried (IAM propagation), in ms. A bad value
 * is refused, naming the variable and the rule, rather than silently replaced by the default:
 * the gateway reads it before its first call, so nothing has changed yet.
 */
export function permissionWaitFromEnv(env: NodeJS.ProcessEnv = process.env): number {
    const raw = env.PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS;
    if (raw === undefined || raw === "") return 120_000;
    const seconds = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || seconds > 3600) {
        throw new Error(`PULUMI_SECRET_ROTATION_PERMISSION_WAIT_SECONDS must be a whole number of seconds from 0 to 3600, got ${JSON.stringify(raw)}`);
    }
    return seconds * 1000;
}

function callError(operation: string, secretId: string, error: unknown, policy: ShippedPolicy): Error {
    if (errorName(error) === "AccessDeniedException") return deniedError(operation, secretId, error, policy);
    const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } })?.$metadata;
    if ((metadata?.httpStatusCode ?? 0) >= 500 && unreadableBody(error)) {
        // An HTML or empty 5xx page (a proxy's, a load balancer's, an emulator's under load): the SDK
        // retried it like any 5xx, then failed reading it as JSON. Say what happened instead.
        const attempts = metadata?.attempts !== undefined ? ` after ${metadata.attempts} attempt(s)` : "";
        return new Error(`${operation} on ${secretId} failed: ${describeError(error)}${attempts}; something between this provider and Secrets Manager answered instead of AWS`);
    }
    return new Error(`${operation} on ${secretId} failed: ${errorName(error)}: ${(error as Error)?.message ?? String(error)}`);
}

/** The IAM action an AWS access-denied message names ("... is not authorized to perform: <action> ..."). */
export function namedPermission(message: string): string | undefined {
    return /not authorized to perform:? ([A-Za-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
}

/**
 * An access denial, naming the permission the caller lacks first: the one AWS's message names, or
 * else the Secrets Manager action of the same name as the operation ("UpdateSecretVersionStage(AWSPENDING)"
 * needs secretsmanager:UpdateSecretVersionStage).
 */
export function deniedError(operation: string, secretId: string, error: unknown, policy: ShippedPolicy = PROVIDER_POLICY): Error {
    const message = (error as Error)?.message ?? String(error);
    const permission = namedPermission(message) ?? `secretsmanager:${operation.replace(/\(.*$/, "")}`;
    return new Error(
        `${operation} on ${secretId} was denied: the caller lacks the IAM permission ${permission} ` +
            `(${policy.whose} is ${policy.file} in the pulumi-secret-rotation package). AWS said: ${message}`,
    );
}

/** A least-privilege policy the package ships (policy/), as an access denial names it. */
export interface ShippedPolicy {
    /** Whose it is, e.g. "the provider's minimal policy". */
    whose: string;
    file: string;
}

export const PROVIDER_POLICY: ShippedPolicy = { whose: "the provider's minimal policy", file: "policy/minimal-iam-policy.json" };
export const REVIEW_POLICY: ShippedPolicy = { whose: "the review's policy", file: "policy/review-iam-policy.json" };
export const INVENTORY_ROLE_POLICY: ShippedPolicy = { whose: "the policy of the role the inventory assumes", file: "policy/inventory-iam-policy.json" };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
