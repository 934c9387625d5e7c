// A ListSecrets that answers from an older view (AwsFront.lagListings): AWS's eventually
// consistent listing, which moto (always current) cannot show. Turned on by a test, like a fault.
//
// AWS API Reference, ListSecrets: "All Secrets Manager operations are eventually consistent.
// ListSecrets might not reflect changes from the last five minutes. You can get more recent
// information for a specific secret by calling DescribeSecret." The model: from lagListings() on,
// ListSecrets shows every secret as it was at that moment — the tags, rotation and labels it had
// then, secrets created since absent, secrets deleted since still there — while DescribeSecret and
// every other call see the present, until catchUpListings(). AWS says only "might not reflect"
// and "the last five minutes"; a listing that misses every change of the window is its worst
// case, which is what a reconciler must survive. Filters are applied to the old view as AWS
// documents them (API Reference, Filter: "name: Prefix match, case-sensitive", "tag-key: Prefix
// match, case-sensitive", "tag-value: Prefix match, case-sensitive"; "You can prefix your search
// value with an exclamation mark (!) in order to perform negation filters"); a filter key the
// front does not model is refused, so a test cannot rely on it by mistake.
import { awsError, callerRegion, isObject, isSuccess, ok } from "./helpers";
import { rewriteSecretEntry } from "./listing";
import { Call, FrontContext, Json, Reply } from "./types";

/** The view a lagging listing answers from: each secret changed since it began, as it was then (null: created since). */
export interface ListingView {
    readonly before: Map<string, Json | null>;
}

/** Calls that change nothing: they leave the view alone. */
const READS = new Set(["DescribeSecret", "ListSecrets", "ListSecretVersionIds", "GetSecretValue", "BatchGetSecretValue", "GetResourcePolicy", "GetRandomPassword", "ValidateResourcePolicy"]);

export function changesSecrets(operation: string): boolean {
    return !READS.has(operation);
}

/** Before a call that may change a secret: keeps the secret's listing entry as the view saw it, the first time only. */
export async function noteBeforeChange(front: FrontContext, call: Call, view: ListingView): Promise<void> {
    const secret = await front.describeInMoto(call, call.payload.SecretId);
    if (!secret || typeof secret.ARN !== "string" || view.before.has(secret.ARN)) return;
    view.before.set(secret.ARN, asListEntry(front, secret, call));
}

/** After a CreateSecret: the new secret is not in the view. */
export function noteCreated(view: ListingView, reply: Reply): void {
    const arn = reply.json?.ARN;
    if (isSuccess(reply) && typeof arn === "string" && !view.before.has(arn)) view.before.set(arn, null);
}

/** ListSecrets while the listing lags: moto's present listing, with every secret changed since the view began as it was then. */
export async function laggingListSecrets(front: FrontContext, call: Call, view: ListingView): Promise<Reply> {
    const filters = Array.isArray(call.payload.Filters) ? call.payload.Filters.filter(isObject) : [];
    const unmodelled = filters.map((f) => String(f.Key)).filter((key) => !["name", "tag-key", "tag-value"].includes(key));
    if (unmodelled.length > 0) return awsError(400, "InvalidParameterException", `aws-front: the lagging listing does not model the filter ${unmodelled.join(", ")}`);

    const present: Json[] = [];
    let token: unknown;
    do {
        const page = await front.smInMoto(call, "ListSecrets", {
            MaxResults: 100,
            ...(call.payload.IncludePlannedDeletion === true ? { IncludePlannedDeletion: true } : {}),
            ...(typeof token === "string" ? { NextToken: token } : {}),
        });
        if (page.status !== 200 || !page.json) return awsError(500, "InternalServiceError", "aws-front: moto's listing failed under the lagging view");
        for (const entry of Array.isArray(page.json.SecretList) ? page.json.SecretList.filter(isObject) : []) {
            rewriteSecretEntry(front, entry, call, "SecretVersionsToStages");
            present.push(entry);
        }
        token = page.json.NextToken;
    } while (typeof token === "string" && token.length > 0);

    const seen = new Set(present.map((entry) => String(entry.ARN)));
    const then: Json[] = [];
    for (const entry of present) {
        const arn = String(entry.ARN);
        const old = view.before.has(arn) ? view.before.get(arn)! : entry;
        if (old !== null) then.push(structuredClone(old));
    }
    // Deleted since the view began, in the caller's region (and account, when the listing shows it): still listed.
    const region = callerRegion(call) ?? "us-east-1";
    const account = typeof present[0]?.ARN === "string" ? present[0].ARN.split(":")[4] : undefined;
    for (const [arn, old] of view.before) {
        const [, , , oldRegion, oldAccount] = arn.split(":");
        if (old === null || seen.has(arn) || oldRegion !== region || (account !== undefined && oldAccount !== account)) continue;
        then.push(structuredClone(old));
    }

    const matching = then.filter((entry) => filters.every((filter) => matches(entry, String(filter.Key), Array.isArray(filter.Values) ? filter.Values.map(String) : [])));
    const max = typeof call.payload.MaxResults === "number" ? call.payload.MaxResults : 100;
    const offset = typeof call.payload.NextToken === "string" && call.payload.NextToken.startsWith("lagging:") ? Number(call.payload.NextToken.slice("lagging:".length)) : 0;
    const page = matching.slice(offset, offset + max);
    const next = offset + max < matching.length ? { NextToken: `lagging:${offset + max}` } : {};
    return ok({ SecretList: page, ...next }, true);
}

/** A DescribeSecret answer as a ListSecrets entry (the versions under the listing's key), as the front shows it now. */
function asListEntry(front: FrontContext, described: Json, call: Call): Json {
    const { VersionIdsToStages: versions, ...rest } = structuredClone(described);
    const entry: Json = { ...rest, ...(versions !== undefined ? { SecretVersionsToStages: versions } : {}) };
    rewriteSecretEntry(front, entry, call, "SecretVersionsToStages");
    return entry;
}

function matches(entry: Json, key: string, values: string[]): boolean {
    const candidates =
        key === "name"
            ? [String(entry.Name ?? "")]
            : (Array.isArray(entry.Tags) ? entry.Tags.filter(isObject) : []).map((tag) => String((key === "tag-key" ? tag.Key : tag.Value) ?? ""));
    const wanted = values.filter((v) => !v.startsWith("!"));
    const negated = values.filter((v) => v.startsWith("!")).map((v) => v.slice(1));
    const any = (prefixes: string[]) => prefixes.some((prefix) => candidates.some((c) => c.startsWith(prefix)));
    return (wanted.length === 0 || any(wanted)) && !any(negated);
}
