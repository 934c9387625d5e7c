// The organization inventory (`pulumi-secret-rotation inventory`): every secret of every listed
// account and region, who declares its rotation (our owner tag and policy marks), its rotation
// settings and dates, and its health findings (health.ts, the review's rules). Read-only, and cheap
// by design: per account one AssumeRole and one GetCallerIdentity (the account guard), per account
// and region one ListSecrets page per 100 secrets, and ListSecretVersionIds only for a secret whose
// AWSPENDING is on a version of its own (a rotation in progress or stranded: the only way to know
// its age) — never a call per secret of a healthy fleet. The listing is
// ListSecrets', which its reference calls eventually consistent ("ListSecrets might not reflect
// changes from the last five minutes"): an inventory is a picture up to minutes old.
// docs/organization-inventory.md.
import type { SecretsManagerGateway as Gateway } from "../../providers/secretsmanager/aws-edge/aws";
import type { AwsConnection } from "../../providers/secretsmanager/aws-edge/aws-clients";
import type { OrganizationAccount } from "../../providers/secretsmanager/aws-edge/organization";
import { assessHealth, DEFAULT_THRESHOLDS, effectiveThresholds, HealthThresholds, healthFactsFromObservation, reportedThresholds } from "../../providers/secretsmanager/semantics/health";
import type { ObservedSecret, ScheduleInput } from "../../providers/secretsmanager/semantics/model";
import { DEFAULT_PENDING_GRACE_PERIOD } from "../../providers/secretsmanager/semantics/model";
import { OWNER_TAG_KEY, POLICY_STANDBY_TAG_KEY, POLICY_TAG_KEY, stackOf } from "../../providers/secretsmanager/semantics/ownership";
import { parseDurationMs } from "../../providers/secretsmanager/semantics/inputs";
import { pendingOnItsOwnVersion } from "../../providers/secretsmanager/semantics/labels";
import { toScheduleInput } from "../../providers/secretsmanager/semantics/state";
import { EXIT_CODES, FindingEntry } from "./report";

export const INVENTORY_SCHEMA_VERSION = 1;

/** The role every account created in an organization has (AWS Organizations User Guide, "Accessing member accounts"). */
export const DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole";
export const DEFAULT_SESSION_NAME = "pulumi-secret-rotation-inventory";
/** The placeholder of --role-arn-pattern that takes each account's id. */
export const ACCOUNT_PLACEHOLDER = "{account}";

export const LISTING_NOTE =
    "Listed with ListSecrets, which is eventually consistent (its reference: \"ListSecrets might not reflect changes from the last five minutes\"): a picture up to minutes old.";

/** Who declares a secret's rotation, read from our tags on it. */
export interface DeclaredBy {
    /** declaration: a SecretRotationState's owner tag; policy: a SecretRotationPolicy's governs mark. */
    kind: "declaration" | "policy";
    /** `<organization or owner namespace>/<project>/<stack>`. */
    stack: string;
    /** The resource's path in its stack (its name, after its parents' types). */
    resource: string;
    /** The tag's value as is. */
    identity: string;
}

export interface InventorySecret {
    account: string;
    region: string;
    name: string;
    arn: string;
    /** Absent: no declaration or policy of this package names it. */
    declaredBy?: DeclaredBy;
    /** A policy standing by to take the secret over when its holder lets go (the policy-standby tag). */
    standingBy?: string;
    rotationEnabled: boolean;
    schedule?: ScheduleInput;
    rotationLambdaArn?: string;
    lastRotatedDate?: string;
    nextRotationDate?: string;
    owningService?: string;
    deletedDate?: string;
    findings: FindingEntry[];
    /**
     * Why the age of the secret's pending version is unknown (its ListSecretVersionIds failed, e.g.
     * a role without secretsmanager:ListSecretVersionIds): no pending finding could be made for it.
     */
    pendingAgeError?: string;
}

/** An account whose role could not be assumed, or a region whose listing failed: one entry each, beside the others. */
export interface InventoryError {
    account: string;
    /** Absent when the whole account failed (its role refused). */
    region?: string;
    /** assume-role or list-secrets. */
    stage: "assume-role" | "list-secrets";
    error: string;
}

export interface InventoryReport {
    schemaVersion: typeof INVENTORY_SCHEMA_VERSION;
    kind: "organization-inventory";
    generatedAt: string;
    listing: string;
    thresholds: { maxIntervalDays: number; maxDaysSinceRotation: number; pendingLongRunningMinutes: number };
    /** Where the accounts came from, the role pattern and the regions. */
    scope: {
        accounts: "organization" | "listed";
        roleArnPattern: string;
        sessionName: string;
        regions: string[];
        /** Accounts the organization lists but that cannot be entered (SUSPENDED, PENDING_CLOSURE): not listed, said so. */
        skipped: { account: string; name?: string; status: string }[];
    };
    /** Per account and region: how many secrets were listed (absent on a failure, which is in `errors`). */
    places: { account: string; accountName?: string; region: string; secretsListed?: number }[];
    secrets: InventorySecret[];
    errors: InventoryError[];
    /** The AWS calls the inventory made, by kind (retries by the SDK not counted). */
    calls: { listAccounts: number; assumeRole: number; getCallerIdentity: number; listSecrets: number; listSecretVersionIds: number };
    /** `undated`: secrets listed whose pending version's age could not be asked (pendingAgeError); with `errors`, they make exit bit 8. */
    summary: { accounts: number; regions: number; secrets: number; declared: number; undeclared: number; findings: number; errors: number; undated: number };
    exitCode: number;
}

export interface InventoryArgs {
    /** Explicit accounts (`--accounts`); without them, the organization's (ListAccounts). */
    accounts?: string[];
    /** `arn:aws:iam::{account}:role/<name>`. */
    roleArnPattern: string;
    sessionName: string;
    regions: string[];
    /** Account-regions listed at once. */
    concurrency: number;
    /** The thresholds given on the command line; the others are the defaults (an inventory reads no stack's configuration). */
    thresholds?: Partial<HealthThresholds>;
    now?: () => Date;
}

/** The role ARN pattern of a role name, in the account's own partition-free form. */
export function roleArnPatternFor(roleName: string): string {
    return `arn:aws:iam::${ACCOUNT_PLACEHOLDER}:role/${roleName}`;
}

/** Why a role ARN pattern is refused, or undefined. */
export function roleArnPatternProblem(pattern: string): string | undefined {
    if (!pattern.includes(ACCOUNT_PLACEHOLDER)) return `--role-arn-pattern must contain ${ACCOUNT_PLACEHOLDER}, where each account's id goes (got ${JSON.stringify(pattern)})`;
    if (!/^arn:[a-z-]+:iam::\{account\}:role\/.+$/.test(pattern)) return `--role-arn-pattern must be a role ARN with ${ACCOUNT_PLACEHOLDER} as its account, e.g. arn:aws:iam::{account}:role/audit (got ${JSON.stringify(pattern)})`;
    return undefined;
}

/** Who declares the secret: its owner tag (a declaration) wins over a policy's mark, as policies pass over secrets a declaration owns. */
export function declaredByOf(tags: Record<string, string> | undefined): DeclaredBy | undefined {
    const of = (kind: DeclaredBy["kind"], identity: string): DeclaredBy => {
        const stack = stackOf(identity);
        return { kind, stack, resource: identity.slice(stack.length + 1), identity };
    };
    const owner = tags?.[OWNER_TAG_KEY];
    if (owner !== undefined) return of("declaration", owner);
    const policy = tags?.[POLICY_TAG_KEY];
    return policy !== undefined ? of("policy", policy) : undefined;
}

const GRACE_MS = parseDurationMs(DEFAULT_PENDING_GRACE_PERIOD)!;

/**
 * Whether the inventory asks a listed secret's pending version its age (ListSecretVersionIds):
 * when AWSPENDING is on a version other than AWSCURRENT (without the age, a stranded rotation
 * looks like one in progress, and neither pending-stranded nor pending-long-running can be told),
 * and the secret's rotation is not another service's (whose labels health does not judge) and it
 * is not scheduled for deletion.
 */
export function needsPendingDate(secret: ObservedSecret): boolean {
    // Scheduled for deletion: its only finding is that, whatever the age (health.ts).
    return !secret.owningService && !secret.deletedDate && pendingOnItsOwnVersion(secret);
}

export function inventoryEntry(account: string, secret: ObservedSecret, now: Date, thresholds: HealthThresholds = DEFAULT_THRESHOLDS): InventorySecret {
    const declaredBy = declaredByOf(secret.tags);
    const standingBy = secret.tags?.[POLICY_STANDBY_TAG_KEY];
    const schedule = toScheduleInput(secret.schedule);
    const findings = assessHealth(healthFactsFromObservation({ found: true, secret }, GRACE_MS), {
        now: now.toISOString(),
        thresholds,
        // As the review's --all and AWS Config's rotation-enabled-check: every secret is expected to rotate.
        rotationExpected: true,
    });
    return {
        account,
        region: secret.region,
        name: secret.name,
        arn: secret.arn,
        ...(declaredBy ? { declaredBy } : {}),
        ...(standingBy !== undefined ? { standingBy } : {}),
        rotationEnabled: secret.rotationEnabled,
        ...(schedule ? { schedule } : {}),
        ...(secret.rotationLambdaArn ? { rotationLambdaArn: secret.rotationLambdaArn } : {}),
        ...(secret.lastRotatedDate ? { lastRotatedDate: secret.lastRotatedDate } : {}),
        ...(secret.nextRotationDate ? { nextRotationDate: secret.nextRotationDate } : {}),
        ...(secret.owningService ? { owningService: secret.owningService } : {}),
        ...(secret.deletedDate ? { deletedDate: secret.deletedDate } : {}),
        findings: findings.map((f) => ({ code: f.code, message: f.message })),
    };
}

/** Accounts that can be entered: ACTIVE ones (a SUSPENDED or closing account refuses every role). */
const enterable = (account: OrganizationAccount) => account.status === "ACTIVE";

export async function inventory(args: InventoryArgs): Promise<InventoryReport> {
    const now = args.now ?? (() => new Date());
    const [{ SecretsManagerGateway, INVENTORY_ROLE_POLICY }, { connectionFor }, { listOrganizationAccounts, memberAccountConnection }] = await Promise.all([
        import("../../providers/secretsmanager/aws-edge/aws"),
        import("../../providers/secretsmanager/aws-edge/aws-clients"),
        import("../../providers/secretsmanager/aws-edge/organization"),
    ]);
    const thresholds = effectiveThresholds({ explicit: args.thresholds ?? {} }) // a flag left out (undefined) falls through to the default;
    const calls = { listAccounts: 0, assumeRole: 0, getCallerIdentity: 0, listSecrets: 0, listSecretVersionIds: 0 };
    let members: OrganizationAccount[];
    const skipped: InventoryReport["scope"]["skipped"] = [];
    if (args.accounts) {
        members = args.accounts.map((id) => ({ id, status: "ACTIVE" }));
    } else {
        const listed = await listOrganizationAccounts(connectionFor(undefined, { setting: {} }));
        calls.listAccounts = listed.pages;
        members = listed.accounts.filter(enterable);
        for (const account of listed.accounts.filter((a) => !enterable(a))) skipped.push({ account: account.id, ...(account.name ? { name: account.name } : {}), status: account.status });
    }
    members.sort((a, b) => a.id.localeCompare(b.id));

    const secrets: InventorySecret[] = [];
    const errors: InventoryError[] = [];
    const places: InventoryReport["places"] = [];
    // One connection per account, entered once (AssumeRole, then GetCallerIdentity for the guard).
    const entered = new Map<string, Promise<AwsConnection | undefined>>();
    const enter = (account: OrganizationAccount): Promise<AwsConnection | undefined> => {
        let connection = entered.get(account.id);
        if (!connection) {
            connection = (async () => {
                const roleArn = args.roleArnPattern.split(ACCOUNT_PLACEHOLDER).join(account.id);
                const member = memberAccountConnection(account.id, roleArn, args.sessionName, args.regions[0]);
                calls.assumeRole++;
                try {
                    await member.credentials();
                } catch (error) {
                    errors.push({ account: account.id, stage: "assume-role", error: `could not assume ${roleArn}: ${describe(error)}` });
                    return undefined;
                }
                calls.getCallerIdentity++;
                try {
                    await member.account();
                } catch (error) {
                    errors.push({ account: account.id, stage: "assume-role", error: (error as Error).message });
                    return undefined;
                }
                return member;
            })();
            entered.set(account.id, connection);
        }
        return connection;
    };
    const jobs = members.flatMap((account) => args.regions.map((region) => ({ account, region })));
    await mapConcurrently(jobs, args.concurrency, async ({ account, region }) => {
        const connection = await enter(account);
        if (!connection) return;
        // A denial names the policy the inventory ships for the role, not the provider's.
        const gateway: Gateway = new SecretsManagerGateway(region, connection, undefined, INVENTORY_ROLE_POLICY);
        const place: InventoryReport["places"][number] = { account: account.id, ...(account.name ? { accountName: account.name } : {}), region };
        places.push(place);
        try {
            const listed = await gateway.listSecrets(undefined, { datePending: () => false });
            place.secretsListed = listed.length;
            for (const secret of listed) {
                // A dating refused leaves the secret listed, its pending version undated: in progress as far as health can tell.
                const pendingAgeError = needsPendingDate(secret) ? await gateway.datePendingVersion(secret).then(() => undefined, (error: Error) => error.message) : undefined;
                secrets.push({ ...inventoryEntry(account.id, secret, now(), thresholds), ...(pendingAgeError !== undefined ? { pendingAgeError } : {}) });
            }
        } catch (error) {
            errors.push({ account: account.id, region, stage: "list-secrets", error: (error as Error).message });
        } finally {
            calls.listSecrets += gateway.calls.filter((call) => call === "ListSecrets").length;
            calls.listSecretVersionIds += gateway.calls.filter((call) => call === "ListSecretVersionIds").length;
        }
    });
    const byPlace = (a: { account: string; region?: string }, b: { account: string; region?: string }) => a.account.localeCompare(b.account) || (a.region ?? "").localeCompare(b.region ?? "");
    secrets.sort((a, b) => byPlace(a, b) || a.name.localeCompare(b.name));
    places.sort(byPlace);
    errors.sort(byPlace);
    const declared = secrets.filter((s) => s.declaredBy !== undefined).length;
    const summary = {
        accounts: members.length,
        regions: args.regions.length,
        secrets: secrets.length,
        declared,
        undeclared: secrets.length - declared,
        findings: secrets.reduce((n, s) => n + s.findings.length, 0),
        errors: errors.length,
        undated: secrets.filter((s) => s.pendingAgeError !== undefined).length,
    };
    return {
        schemaVersion: INVENTORY_SCHEMA_VERSION,
        kind: "organization-inventory",
        generatedAt: now().toISOString(),
        listing: LISTING_NOTE,
        thresholds: reportedThresholds(thresholds),
        scope: { accounts: args.accounts ? "listed" : "organization", roleArnPattern: args.roleArnPattern, sessionName: args.sessionName, regions: args.regions, skipped },
        places,
        secrets,
        errors,
        calls,
        summary,
        // Bit 8 as review's: something could not be read — an account, a region, or a pending version's age.
        exitCode: (summary.findings > 0 ? EXIT_CODES.findings : 0) | (summary.errors > 0 || summary.undated > 0 ? EXIT_CODES.unreviewable : 0),
    };
}

function describe(error: unknown): string {
    const name = (error as { name?: string })?.name ?? "Error";
    return `${name}: ${(error as Error)?.message ?? String(error)}`;
}

/** Runs fn over items with at most `limit` at once. */
async function mapConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) await fn(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
