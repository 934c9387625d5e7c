// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// Which AWS account, credentials, endpoints, retries and proxies the provider acts with: the
// stack's `aws:*` configuration with @pulumi/aws v7's meaning, and a declaration's own `aws`
// setting (the shape of an explicit `aws.Provider`'s arguments, minus static keys). Validation,
// precedence and the account guard's rules, all pure: aws-edge/aws-clients.ts turns a setting into
// SDK clients.
//
// The keys and their meaning follow @pulumi/aws v7 (its `config/vars.d.ts` and
// `ProviderAssumeRole`, `ProviderEndpoint` in `types/input.d.ts`, 7.48.0), which in turn follow the
// Terraform AWS provider's `aws-sdk-go-base` (credentials.go: static keys, else the profile, else
// the SDK's default chain; then each role of `assumeRoles` in order).
import { z } from "zod";

import { AwsSetting, EndpointsSetting, InputFailure } from "./model";

/** `aws:accessKey`, `aws:secretKey`, `aws:token` of the stack: held in the provider process only. */
export interface StaticKeys {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

/** The keys of a setting, in the order docs/accounts.md lists them. */
export const AWS_SETTING_KEYS = [
    "region",
    "profile",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "assumeRoles",
    "allowedAccountIds",
    "forbiddenAccountIds",
    "endpoints",
    "maxRetries",
    "retryMode",
    "stsRegion",
    "httpProxy",
    "httpsProxy",
    "noProxy",
] as const;
const STATIC_KEYS = ["accessKey", "secretKey", "token"] as const;
const ASSUME_ROLE_KEYS = [
    "roleArn",
    "sessionName",
    "externalId",
    "duration",
    "durationSeconds",
    "policy",
    "policyArns",
    "tags",
    "transitiveTagKeys",
    "sourceIdentity",
] as const;
const ENDPOINT_KEYS = ["secretsmanager", "sts"] as const;

// ---- rules, one per kind of value ----

const got = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : `${typeof value} ${JSON.stringify(value)}`);
const rule = (reason: string) => ({ error: (issue: { input?: unknown }) => `${reason} (got ${got(issue.input)})` });

const REGION_RULE = "must be an AWS region name such as us-east-1";
const region = z.string(rule(REGION_RULE)).regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, rule(REGION_RULE));
const ACCOUNT_RULE = "must be a list of 12-digit AWS account ids";
const accountIds = z.array(z.string(rule(ACCOUNT_RULE)).regex(/^\d{12}$/, rule(ACCOUNT_RULE)), rule(ACCOUNT_RULE)).min(1, rule(ACCOUNT_RULE));
const NON_EMPTY = "must be a non-empty string";
const text = z.string(rule(NON_EMPTY)).min(1, rule(NON_EMPTY));
const ONE_FILE_RULE =
    "must be a list of one file path (the AWS SDK for JavaScript reads one shared config file and one shared credentials file)";
const oneFile = z.array(text, rule(ONE_FILE_RULE)).length(1, rule(ONE_FILE_RULE));
const URL_RULE = "must be an http:// or https:// URL";
const url = z.string(rule(URL_RULE)).refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), rule(URL_RULE));
const ROLE_ARN_RULE = "must be an IAM role ARN arn:<partition>:iam::<12-digit account>:role/<name>";
const roleArn = z.string(rule(ROLE_ARN_RULE)).regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, rule(ROLE_ARN_RULE));
const SESSION_RULE = "must be 2-64 characters of A-Z a-z 0-9 = , . @ - _";
const DURATION_RULE = 'must be a duration from 15m to 12h, such as "1h" or "3600s" (units h, m, s)';
const DURATION_SECONDS_RULE = "must be a whole number of seconds from 900 to 43200";
const RETRIES_RULE = "must be a whole number from 1 to 25 (attempts of a call, the first one included)";
const POLICY_RULE = "must be an IAM policy document as a JSON string";
const POLICY_ARN_RULE = "must be a list of IAM policy ARNs";
const TAGS_RULE = "must be a mapping of tag keys to string values";

/** A Go duration as @pulumi/aws v7 takes it (h, m, s; ms and smaller are not useful here) in seconds; undefined if not one. */
export function durationSeconds(text: string): number | undefined {
    if (!/^(\d+(\.\d+)?(h|m|s))+$/.test(text)) return undefined;
    let seconds = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) seconds += Number(amount) * { h: 3600, m: 60, s: 1 }[unit as "h" | "m" | "s"];
    return seconds;
}

const assumeRoleSchema = z.strictObject(
    {
        roleArn,
        sessionName: z.string(rule(SESSION_RULE)).regex(/^[\w+=,.@-]{2,64}$/, rule(SESSION_RULE)).optional(),
        externalId: z.string(rule("must be 2-1224 characters")).regex(/^[\w+=,.@:/-]{2,1224}$/, rule("must be 2-1224 characters of A-Z a-z 0-9 + = , . @ : / - _")).optional(),
        duration: z
            .string(rule(DURATION_RULE))
            .refine((value) => {
                const seconds = durationSeconds(value);
                return seconds !== undefined && seconds >= 900 && seconds <= 43_200;
            }, rule(DURATION_RULE))
            .optional(),
        durationSeconds: z.number(rule(DURATION_SECONDS_RULE)).int(rule(DURATION_SECONDS_RULE)).min(900, rule(DURATION_SECONDS_RULE)).max(43_200, rule(DURATION_SECONDS_RULE)).optional(),
        policy: z
            .string(rule(POLICY_RULE))
            .refine((value) => {
                try {
                    return typeof JSON.parse(value) === "object";
                } catch {
                    return false;
                }
            }, rule(POLICY_RULE))
            .optional(),
        policyArns: z.array(z.string(rule(POLICY_ARN_RULE)).regex(/^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/.+$/, rule(POLICY_ARN_RULE)), rule(POLICY_ARN_RULE)).optional(),
        tags: z.record(z.string(rule(TAGS_RULE)).min(1, rule(TAGS_RULE)), z.string(rule(TAGS_RULE)), rule(TAGS_RULE)).optional(),
        transitiveTagKeys: z.array(text, rule("must be a list of tag keys")).optional(),
        sourceIdentity: z.string(rule("must be 2-64 characters")).regex(/^[\w+=,.@-]{2,64}$/, rule("must be 2-64 characters of A-Z a-z 0-9 + = , . @ - _")).optional(),
    },
    rule(`must be a mapping with roleArn and optionally ${ASSUME_ROLE_KEYS.slice(1).join(", ")}`),
);

const endpointsSchema = z.strictObject({ secretsmanager: url.optional(), sts: url.optional() }, rule("must be a mapping of service name to endpoint URL"));

const settingShape = {
    region: region.optional(),
    profile: text.optional(),
    sharedConfigFiles: oneFile.optional(),
    sharedCredentialsFiles: oneFile.optional(),
    assumeRoles: z.array(assumeRoleSchema, rule("must be a list of roles to assume, each a mapping with roleArn")).optional(),
    allowedAccountIds: accountIds.optional(),
    forbiddenAccountIds: accountIds.optional(),
    endpoints: z.array(endpointsSchema, rule("must be a list of mappings of service name to endpoint URL, e.g. [{ secretsmanager: \"https://…\" }]")).optional(),
    maxRetries: z.number(rule(RETRIES_RULE)).int(rule(RETRIES_RULE)).min(1, rule(RETRIES_RULE)).max(25, rule(RETRIES_RULE)).optional(),
    retryMode: z.enum(["standard", "adaptive"], rule("must be standard or adaptive")).optional(),
    stsRegion: region.optional(),
    httpProxy: url.optional(),
    httpsProxy: url.optional(),
    noProxy: z.string(rule("must be a comma-separated list of hosts")).optional(),
};
const settingSchema = z.strictObject(settingShape);

/** zod's issues as failures under `prefix` (e.g. "aws" for the input, "aws:" for stack keys). */
function failuresOf(issues: readonly z.core.$ZodIssue[], name: (path: PropertyKey[]) => string, unknownKeyReason: (path: PropertyKey[]) => string): InputFailure[] {
    const failures: InputFailure[] = [];
    for (const issue of issues) {
        if (issue.code === "unrecognized_keys") {
            for (const key of issue.keys) failures.push({ property: name([...issue.path, key]), reason: unknownKeyReason(issue.path) });
        } else {
            const property = name(issue.path);
            if (!failures.some((f) => f.property === property)) failures.push({ property, reason: issue.message });
        }
    }
    return failures;
}

function unknownKeyReason(path: PropertyKey[]): string {
    if (path.length === 0) {
        const staticHint = " (static keys are only read from the stack configuration, aws:accessKey / aws:secretKey / aws:token, and are never stored)";
        return `is not an AWS setting this provider supports; allowed: ${AWS_SETTING_KEYS.join(", ")}${staticHint}`;
    }
    if (path[0] === "assumeRoles") return `is not a property of a role to assume; allowed: ${ASSUME_ROLE_KEYS.join(", ")}`;
    return `is not an endpoint this provider calls; allowed: ${ENDPOINT_KEYS.join(", ")}`;
}

/** The rules between keys, once each key is valid on its own. */
function crossRules(setting: AwsSetting, name: (path: PropertyKey[]) => string): InputFailure[] {
    const failures: InputFailure[] = [];
    if (setting.allowedAccountIds && setting.forbiddenAccountIds) {
        failures.push({ property: name(["forbiddenAccountIds"]), reason: "set allowedAccountIds or forbiddenAccountIds, not both (as @pulumi/aws)" });
    }
    setting.assumeRoles?.forEach((role, index) => {
        if (role.duration !== undefined && role.durationSeconds !== undefined) {
            failures.push({ property: name(["assumeRoles", index, "durationSeconds"]), reason: "set duration (@pulumi/aws v7's form) or durationSeconds, not both" });
        }
    });
    return failures;
}

const dotted = (prefix: string) => (path: PropertyKey[]) =>
    path.reduce<string>((at, key) => (typeof key === "number" ? `${at}[${key}]` : at === "" ? String(key) : `${at}.${String(key)}`), prefix);

/**
 * A declaration's `aws` input: the shape of @pulumi/aws's provider arguments minus static keys.
 * Each failure names the property (`aws.assumeRoles[0].roleArn`) and the rule.
 */
export function validateAwsSetting(raw: unknown): { setting?: AwsSetting; failures: InputFailure[] } {
    const name = dotted("aws");
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
        const secrets = STATIC_KEYS.filter((key) => key in raw);
        if (secrets.length > 0) {
            return {
                failures: secrets.map((key) => ({
                    property: name([key]),
                    reason: `static keys cannot be declared per secret: they would be stored in state. Use a profile or assumeRoles here, or aws:${key} in the stack configuration (read by the provider, never stored)`,
                })),
            };
        }
    }
    const parsed = settingSchema.safeParse(raw);
    if (!parsed.success) {
        const failures = failuresOf(parsed.error.issues, name, unknownKeyReason);
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            return { failures: [{ property: "aws", reason: `must be a mapping of AWS settings (${AWS_SETTING_KEYS.join(", ")}) (got ${got(raw)})` }] };
        }
        return { failures };
    }
    const setting = stripEmpty(parsed.data as AwsSetting);
    const failures = crossRules(setting, name);
    return failures.length > 0 ? { failures } : { setting, failures };
}

/** The stack's AWS configuration: the setting, its static keys, warnings for keys not supported. */
export interface StackAws {
    setting: AwsSetting;
    staticKeys?: StaticKeys;
    warnings: string[];
    failures: InputFailure[];
}

// @pulumi/aws keys that concern its other resources (tags, S3, EC2 metadata, …): nothing this
// provider does depends on them, so they are named in a warning like any other unsupported key.
/**
 * Reads every `aws:*` key of the stack configuration (as configure() receives it: structured
 * values as JSON text). Unsupported keys are named in a warning, not ignored silently.
 */
export function stackAwsConfig(raw: Record<string, unknown>): StackAws {
    const values: Record<string, unknown> = {};
    const warnings: string[] = [];
    const failures: InputFailure[] = [];
    const supported = new Set<string>([...AWS_SETTING_KEYS, ...STATIC_KEYS]);
    for (const [fullKey, value] of Object.entries(raw)) {
        if (!fullKey.startsWith("aws:") || value === undefined || value === null || value === "") continue;
        const key = fullKey.slice("aws:".length);
        if (!supported.has(key)) {
            warnings.push(`aws:${key} is set in the stack configuration but pulumi-secret-rotation does not use it (it supports aws:${[...AWS_SETTING_KEYS, ...STATIC_KEYS].join(", aws:")})`);
            continue;
        }
        values[key] = configValue(key, value);
    }
    const { accessKey, secretKey, token, ...rest } = values;
    let staticKeys: StaticKeys | undefined;
    if (accessKey !== undefined || secretKey !== undefined || token !== undefined) {
        if (typeof accessKey !== "string" || typeof secretKey !== "string" || (token !== undefined && typeof token !== "string")) {
            // The values are never repeated: they are credentials.
            failures.push({ property: "aws:accessKey", reason: "aws:accessKey and aws:secretKey must be set together (aws:token only with them), as strings" });
        } else {
            staticKeys = { accessKeyId: accessKey, secretAccessKey: secretKey, ...(typeof token === "string" ? { sessionToken: token } : {}) };
        }
    }
    const parsed = settingSchema.safeParse(rest);
    const name = (path: PropertyKey[]) => dotted("")(path).replace(/^/, "aws:");
    if (!parsed.success) return { setting: {}, warnings, failures: [...failures, ...failuresOf(parsed.error.issues, name, unknownKeyReason)] };
    const setting = stripEmpty(parsed.data as AwsSetting);
    return { setting, ...(staticKeys ? { staticKeys } : {}), warnings, failures: [...failures, ...crossRules(setting, name)] };
}

const NUMERIC = new Set(["maxRetries"]);
const STRUCTURED = new Set(["assumeRoles", "allowedAccountIds", "forbiddenAccountIds", "endpoints", "sharedConfigFiles", "sharedCredentialsFiles"]);

/** A configuration value as Pulumi hands it to a provider: text, JSON text for lists and mappings. */
function configValue(key: string, value: unknown): unknown {
    if (typeof value !== "string") return value;
    if (STRUCTURED.has(key) || NUMERIC.has(key)) {
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
    return value;
}

function stripEmpty<T extends object>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

// ---- which setting applies ----

/** A setting as the provider acts with it: where it comes from, for messages ("the setting to change"). */
export interface EffectiveSetting {
    setting: AwsSetting;
    staticKeys?: StaticKeys;
    /** "the declaration's aws setting" or "the stack's aws:* configuration". */
    source: string;
    /** One text per distinct setting: clients and credentials are cached by it. Holds no secret. */
    key: string;
}

/**
 * A declaration's `aws` setting, when it has one, is all there is (as for an explicit
 * `aws.Provider`, which does not read the stack's `aws:*` keys either); otherwise the stack's.
 */
export function effectiveSetting(declared: AwsSetting | undefined, stack: Pick<StackAws, "setting" | "staticKeys">): EffectiveSetting {
    if (declared !== undefined) return { setting: declared, source: "the declaration's aws setting", key: `declaration:${canonical(declared)}` };
    // Static keys are told apart by their access key id's digest only (never the key itself).
    const keys = stack.staticKeys ? `:static:${digest(stack.staticKeys.accessKeyId)}` : "";
    return { setting: stack.setting, ...(stack.staticKeys ? { staticKeys: stack.staticKeys } : {}), source: "the stack's aws:* configuration", key: `stack:${canonical(stack.setting)}${keys}` };
}

/** JSON with sorted keys: equal settings, equal text. */
export function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value && typeof value === "object") {
        return `{${Object.keys(value)
            .sort()
            .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value);
}

/** A short non-reversible tag of a text (FNV-1a), enough to tell two keys apart in a cache. */
function digest(text: string): string {
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    return (hash >>> 0).toString(16);
}

/** The endpoint a setting gives a service, if any (the first entry that names it). */
export function endpointFor(setting: AwsSetting, service: keyof EndpointsSetting): string | undefined {
    return setting.endpoints?.find((entry) => entry[service] !== undefined)?.[service];
}

/** How many attempts a call gets: aws:maxRetries (@pulumi/aws: "the maximum number of times an AWS API request is being executed"), else the SDK variable, else ours. */
export function maxAttemptsFor(setting: AwsSetting, env: NodeJS.ProcessEnv, fallback: number): number | undefined {
    if (setting.maxRetries !== undefined) return setting.maxRetries;
    return env.AWS_MAX_ATTEMPTS ? undefined : fallback;
}

// ---- proxies ----

export interface ProxySettings {
    httpProxy?: string;
    httpsProxy?: string;
    noProxy?: string;
}

/** aws:httpProxy / httpsProxy / noProxy, else HTTP_PROXY / HTTPS_PROXY / NO_PROXY (or lower case) from the environment. */
export function proxySettings(setting: AwsSetting, env: NodeJS.ProcessEnv): ProxySettings {
    const fromEnv = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
    return stripEmpty({
        httpProxy: setting.httpProxy ?? fromEnv("HTTP_PROXY"),
        httpsProxy: setting.httpsProxy ?? fromEnv("HTTPS_PROXY"),
        noProxy: setting.noProxy ?? fromEnv("NO_PROXY"),
    });
}

/**
 * The proxy for a request to `target`, or undefined for a direct connection: the proxy of the
 * target's scheme, unless NO_PROXY covers the host. NO_PROXY follows Go's rules
 * (golang.org/x/net/http/httpproxy, which @pulumi/aws uses): comma-separated entries; `*` is
 * every host; `host` or `.host` covers that domain and its subdomains; an IP address or CIDR
 * block; each optionally `:port`. One difference, on purpose: Go never proxies localhost or a
 * loopback address; here only NO_PROXY decides, so a local endpoint can be proxied too.
 */
export function proxyForUrl(target: string, proxies: ProxySettings): string | undefined {
    const url = new URL(target);
    const proxy = url.protocol === "https:" ? proxies.httpsProxy : url.protocol === "http:" ? proxies.httpProxy : undefined;
    if (!proxy) return undefined;
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return noProxyCovers(proxies.noProxy ?? "", host, port) ? undefined : proxy;
}

function noProxyCovers(noProxy: string, host: string, port: string): boolean {
    for (const raw of noProxy.split(",")) {
        let entry = raw.trim().toLowerCase();
        if (entry === "") continue;
        if (entry === "*") return true;
        const cidr = /^([0-9a-f.:]+)\/(\d+)$/.exec(entry);
        if (cidr) {
            if (inCidr(host, cidr[1]!, Number(cidr[2]))) return true;
            continue;
        }
        let entryPort: string | undefined;
        const withPort = /^(.*[^:]):(\d+)$/.exec(entry);
        if (withPort && !entry.startsWith("[") && (entry.match(/:/g) ?? []).length === 1) [entry, entryPort] = [withPort[1]!, withPort[2]!];
        const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
        if (bracketed) [entry, entryPort] = [bracketed[1]!, bracketed[2]];
        if (entryPort !== undefined && entryPort !== port) continue;
        if (entry.startsWith("*.")) entry = entry.slice(1);
        if (entry.startsWith(".")) {
            if (host.endsWith(entry) || host === entry.slice(1)) return true;
        } else if (host === entry || host.endsWith(`.${entry}`)) {
            return true;
        }
    }
    return false;
}

function inCidr(host: string, network: string, bits: number): boolean {
    const hostBytes = ipv4Bytes(host);
    const networkBytes = ipv4Bytes(network);
    if (!hostBytes || !networkBytes || bits > 32) return false;
    const toInt = (b: number[]) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (toInt(hostBytes) & mask) === (toInt(networkBytes) & mask);
}

function ipv4Bytes(text: string): number[] | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.map(Number);
}

// ---- the account guard ----

/** The account of an ARN (arn:partition:service:region:account:…); undefined when it has none. */
export function accountOfArn(arn: string): string | undefined {
    return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/**
 * Why the provider must not act on `secret` with credentials of `account`, or undefined when it
 * may: the secret's ARN names another account, or the account is outside allowedAccountIds or
 * inside forbiddenAccountIds. Each reason names both accounts and the setting to change.
 */
export function accountRefusal(account: string, secret: string, effective: Pick<EffectiveSetting, "setting" | "source">): string | undefined {
    const { setting, source } = effective;
    const acting = `the credentials of ${source} act in account ${account}`;
    const secretAccount = accountOfArn(secret);
    if (secretAccount !== undefined && secretAccount !== account) {
        return (
            `refused: secret ${secret} is in account ${secretAccount}, but ${acting}. Nothing was changed. ` +
            `Point ${source} at account ${secretAccount} (its profile or assumeRoles), or declare the secret of account ${account}`
        );
    }
    if (setting.allowedAccountIds && !setting.allowedAccountIds.includes(account)) {
        return (
            `refused: ${acting}, which is not in allowedAccountIds (${setting.allowedAccountIds.join(", ")}); secret ${secret} was not touched. ` +
            `Point ${source} at one of those accounts (its profile or assumeRoles), or add ${account} to allowedAccountIds`
        );
    }
    if (setting.forbiddenAccountIds?.includes(account)) {
        return (
            `refused: ${acting}, which is in forbiddenAccountIds (${setting.forbiddenAccountIds.join(", ")}); secret ${secret} was not touched. ` +
            `Point ${source} at another account (its profile or assumeRoles), or remove ${account} from forbiddenAccountIds`
        );
    }
    return undefined;
}

/**
 * Why a resource that recorded the account it acts in (a rotation policy: its account and region)
 * must not be read, updated or released with credentials of `account`, or undefined when they
 * reach the recorded account. The place is the recorded one, never the one the configuration
 * points at now: with another account's credentials, nothing of the recorded place can be seen or
 * released. Names both accounts and the setting to change.
 */
export function recordedAccountRefusal(
    account: string,
    recorded: { account: string; region: string },
    subject: string,
    effective: Pick<EffectiveSetting, "source">,
): string | undefined {
    if (account === recorded.account) return undefined;
    const { source } = effective;
    return (
        `refused: ${subject} acts in account ${recorded.account}, region ${recorded.region} (as recorded in its state), ` +
        `but the credentials of ${source} now act in account ${account}. Nothing was changed. ` +
        `Point ${source} at account ${recorded.account} (its profile or assumeRoles) to refresh, update or destroy it there`
    );
}
