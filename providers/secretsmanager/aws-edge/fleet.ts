// Layer: the AWS edge. Imports the semantics and the AWS SDK, never the Pulumi edge (.dependency-cruiser.cjs).
// Calls over a fleet of secrets, for a rotation policy's adapter and for the review alike: a pool
// of workers sharing SDK clients, and the DescribeSecret of each secret a plan would act on (a
// listing selects, DescribeSecret decides).
import type { Observation, ObservedSecret } from "../semantics/model";
import { SecretsManagerGateway } from "./aws";
import type { AwsConnection } from "./aws-clients";

/**
 * How many secrets are reconciled at once; the quota limiter (aws.ts) paces the calls themselves.
 * 32 secrets in flight keep two 50/s quotas busy at up to 600 ms a call (AWS answers in tens of
 * milliseconds).
 */
export const POLICY_CONCURRENCY = 32;
/**
 * How many secrets one SDK client serves before a worker takes a fresh one. The SDK's retry budget
 * is per client (500 tokens, 5 per retry, 1 back per success); a batch this small cannot run it
 * dry even when most calls are throttled, and a client per batch instead of per secret saves
 * building thousands of them.
 */
export const SECRETS_PER_CLIENT = 25;

/**
 * Runs `work` for each item, POLICY_CONCURRENCY at a time, each with a gateway of its own that
 * shares an SDK client with SECRETS_PER_CLIENT - 1 others; returns every call made, in order of
 * the items' completion.
 */
export async function inPool<T>(place: { connection: AwsConnection; region: string }, items: readonly T[], work: (item: T, gateway: SecretsManagerGateway) => Promise<void>): Promise<string[]> {
    const calls: string[] = [];
    let next = 0;
    const worker = async () => {
        let shared: SecretsManagerGateway | undefined;
        let served = 0;
        while (next < items.length) {
            const item = items[next++]!;
            if (shared === undefined || served % SECRETS_PER_CLIENT === 0) shared = new SecretsManagerGateway(place.region, place.connection);
            served++;
            const gateway = shared.sibling();
            try {
                await work(item, gateway);
            } finally {
                calls.push(...gateway.calls);
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(POLICY_CONCURRENCY, items.length) }, worker));
    return calls;
}

/** The listed secrets, each one named in `describe` observed again by DescribeSecret (plus those the listing left out); gone ones dropped. */
export interface Confirmed {
    secrets: ObservedSecret[];
    /** The DescribeSecret calls (and ListSecretVersionIds for a pending version's age). */
    calls: string[];
    /** Every call `then` made, in order of the secrets' completion. */
    thenCalls: string[];
    /** Secret name → why its DescribeSecret or its `then` failed (only with `then`; without, confirm throws). */
    failed: Map<string, Error>;
}

/**
 * What to do with each secret right after its DescribeSecret, in the same worker: `secret` is
 * undefined when it no longer exists. Its calls go through `gateway` (they count in thenCalls).
 */
export type AfterDescribe = (name: string, secret: ObservedSecret | undefined, gateway: SecretsManagerGateway) => Promise<void>;

/**
 * The listing selects; DescribeSecret decides. AWS API Reference, ListSecrets: "All Secrets
 * Manager operations are eventually consistent. ListSecrets might not reflect changes from the
 * last five minutes. You can get more recent information for a specific secret by calling
 * DescribeSecret." A listing minutes old misses a claim another declaration made earlier in the
 * same up, the marks this policy set minutes ago, a rotation turned on or off since. So no call is
 * planned from a listing entry: every secret `describe` names (those with work in the listing's
 * plan, and those the state records as governed that the listing left out) is described, and the
 * caller plans again from what DescribeSecret said. A secret with no work is not described: the
 * no-op up stays ceil(N/100) ListSecrets.
 *
 * With `then`, each secret is acted on right after its own DescribeSecret, in the same pool: the
 * describes of some secrets fill the time the quota limiter makes the others' calls wait, instead
 * of a describe pass before any call (measured at N=1,000 enabling: 1.58 x the API floor as two
 * passes, BENCHMARKS.md). A failure is then that secret's alone (kept in `failed`, the others go
 * on); without `then`, the first failure is thrown once every describe has ended.
 */
export async function confirm(place: { connection: AwsConnection; region: string }, listed: readonly ObservedSecret[], describe: ReadonlySet<string>, then?: AfterDescribe): Promise<Confirmed> {
    const byName = new Map(listed.map((secret) => [secret.name, secret]));
    const names = [...describe].sort();
    const fresh = new Map<string, ObservedSecret | undefined>();
    const failed = new Map<string, Error>();
    const calls: string[] = [];
    const thenCalls = await inPool(place, names, async (name, gateway) => {
        // The describe on a gateway of its own, so that its calls are told apart from then's.
        const describer = gateway.sibling();
        let seen: Observation;
        try {
            seen = await describer.observe(byName.get(name)?.arn ?? name);
        } catch (error) {
            failed.set(name, error as Error);
            return;
        } finally {
            calls.push(...describer.calls);
        }
        fresh.set(name, seen.found ? seen.secret : undefined);
        try {
            await then?.(name, fresh.get(name), gateway);
        } catch (error) {
            failed.set(name, error as Error);
        }
    });
    if (then === undefined && failed.size > 0) throw failed.get(names.find((name) => failed.has(name))!)!;
    const secrets = listed.flatMap((secret) => (fresh.has(secret.name) ? (fresh.get(secret.name) ? [fresh.get(secret.name)!] : []) : [secret]));
    for (const name of names) if (!byName.has(name) && fresh.get(name)) secrets.push(fresh.get(name)!);
    return { secrets, calls, thenCalls, failed };
}
