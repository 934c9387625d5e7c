// A fleet of secrets for the reliability tests: seeded in three shapes, declared in one stack
// configuration, and checked secret by secret with real calls.
//
//   plain     one version, no rotation          → declared: rotation on (30 days, not immediately)
//   disable   rotation on (14 days)              → declared: rotation off (CancelRotateSecret)
//   stranded  a rotation failed at testSecret, its candidate (with a value) left under
//             AWSPENDING for 3 hours            → declared: rotation on (30 days); the default
//                                                  pendingPolicy quarantines the candidate first
//
// Values are read by the test only (the provider never reads one) and never printed: assertions
// compare them and name the secret, not the value.
import {
    CreateSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    ListSecretVersionIdsCommand,
    RotateSecretCommand,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";

import { AwsFront } from "./aws-front";
import { playRotation } from "./rotation-lambda";
import { undated, versionIdFor } from "./seed";

export type Shape = "plain" | "disable" | "stranded";

export interface FleetSecret {
    index: number;
    shape: Shape;
    name: string;
    arn: string;
    /** The seeded AWSCURRENT version and its value. */
    currentVersionId: string;
    value: string;
    /** The stranded candidate (shape "stranded"). */
    candidateVersionId?: string;
    candidateValue?: string;
}

export interface Fleet {
    lambdaArn: string;
    secrets: FleetSecret[];
}

export function shapeOf(index: number): Shape {
    return index % 5 === 1 ? "disable" : index % 5 === 2 ? "stranded" : "plain";
}

/** A distinctive value per secret, so that a leak of any of them can be searched for. */
export function fleetValue(prefix: string, index: number, kind: "current" | "candidate"): string {
    return `${kind.toUpperCase()}-VALUE-${prefix}-${index}-never-in-state`;
}

/** Runs `work` over `items` with at most `concurrency` at a time (moto is one Python process). */
export async function pool<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await work(items[i]!, i);
        }
    });
    await Promise.all(workers);
    return results;
}

/** Seeds `count` secrets with real SDK calls (through the front), in the shapes above. */
export async function seedFleet(front: AwsFront, lambdaArn: string, prefix: string, count: number, shapes = true): Promise<Fleet> {
    const sm = new SecretsManagerClient({});
    const hoursAgo = new Date(Date.now() - 3 * 3_600_000);
    const secrets = await pool(Array.from({ length: count }, (_, i) => i), 16, async (index) => {
        const shape: Shape = shapes ? shapeOf(index) : "plain";
        const name = `${prefix}/secret-${String(index).padStart(4, "0")}`;
        const value = fleetValue(prefix, index, "current");
        const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: versionIdFor(`${name}-v1`) }));
        const secret: FleetSecret = { index, shape, name, arn: created.ARN!, currentVersionId: created.VersionId!, value };
        if (shape === "disable") {
            await sm.send(new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 14 }, RotateImmediately: false }));
        } else if (shape === "stranded") {
            await sm.send(
                new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: lambdaArn, RotationRules: { AutomaticallyAfterDays: 7 }, ClientRequestToken: versionIdFor(`candidate-${index}`) }),
            );
            secret.candidateValue = fleetValue(prefix, index, "candidate");
            secret.candidateVersionId = (await playRotation(secret.arn, secret.candidateValue, "testSecret")).pendingVersionId;
            front.setVersionCreatedDate(secret.candidateVersionId, hoursAgo);
        }
        return secret;
    });
    return { lambdaArn, secrets };
}

/** The stack configuration's list of rotation states for the fleet. */
export function declarations(fleet: Fleet): Record<string, unknown>[] {
    return fleet.secrets.map((s) =>
        s.shape === "disable"
            ? { secretId: s.name, enabled: false }
            : { secretId: s.name, rotationLambdaArn: fleet.lambdaArn, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false },
    );
}

/** What one secret looks like for the comparisons: rotation configuration and labelled versions. */
export interface SecretSnapshot {
    enabled: boolean;
    lambda?: string;
    days?: number;
    labels: Record<string, string[]>;
}

/** The state every secret must reach: derived from the declarations, not from a run. */
export function expectedSnapshot(fleet: Fleet): Record<string, SecretSnapshot> {
    const expected: Record<string, SecretSnapshot> = {};
    for (const s of fleet.secrets) {
        const labels: Record<string, string[]> = { [s.currentVersionId]: ["AWSCURRENT"] };
        if (s.candidateVersionId) labels[s.candidateVersionId] = [`QUARANTINED-${s.candidateVersionId}`];
        expected[s.name] =
            s.shape === "disable"
                ? { enabled: false, lambda: fleet.lambdaArn, days: 14, labels }
                : { enabled: true, lambda: fleet.lambdaArn, days: 30, labels };
    }
    return expected;
}

export async function snapshot(fleet: Fleet): Promise<Record<string, SecretSnapshot>> {
    const sm = new SecretsManagerClient({});
    const entries = await pool(fleet.secrets, 8, async (s) => {
        const d = await sm.send(new DescribeSecretCommand({ SecretId: s.arn }));
        const labels: Record<string, string[]> = {};
        for (const [id, stages] of Object.entries(d.VersionIdsToStages ?? {})) labels[id] = [...stages].sort();
        const snap: SecretSnapshot = { enabled: d.RotationEnabled === true, lambda: d.RotationLambdaARN, days: d.RotationRules?.AutomaticallyAfterDays, labels: undated(labels) };
        return [s.name, snap] as const;
    });
    return Object.fromEntries(entries);
}

/** Every version of every secret, deprecated ones included: version id → its labels. */
export async function allVersions(fleet: Fleet): Promise<Map<string, Map<string, string[]>>> {
    const sm = new SecretsManagerClient({});
    const lists = await pool(fleet.secrets, 8, async (s) => {
        const out = await sm.send(new ListSecretVersionIdsCommand({ SecretId: s.arn, IncludeDeprecated: true }));
        return [s.name, new Map((out.Versions ?? []).map((v) => [v.VersionId!, [...(v.VersionStages ?? [])]]))] as const;
    });
    return new Map(lists);
}

/**
 * The invariants that must hold after any run, even one killed half way, per secret: exactly one
 * AWSCURRENT, still the seeded version with its value (no rotation can finish here: moto runs no
 * Lambda code), no version deleted, no version with a value left without a label; and, with
 * `settled` (after a run that finished), no AWSPENDING on a version other than AWSCURRENT.
 * Returns the violations, naming secret and rule (never a value).
 */
export async function invariantViolations(fleet: Fleet, versionsBefore: Map<string, Map<string, string[]>>, settled: boolean): Promise<string[]> {
    const sm = new SecretsManagerClient({});
    const problems = await pool(fleet.secrets, 8, async (s) => {
        const found: string[] = [];
        const out = await sm.send(new ListSecretVersionIdsCommand({ SecretId: s.arn, IncludeDeprecated: true }));
        const versions = out.Versions ?? [];
        const current = versions.filter((v) => v.VersionStages?.includes("AWSCURRENT"));
        if (current.length !== 1) found.push(`${s.name}: ${current.length} versions labelled AWSCURRENT`);
        else if (current[0]!.VersionId !== s.currentVersionId) found.push(`${s.name}: AWSCURRENT moved to ${current[0]!.VersionId}`);
        const currentValue = (await sm.send(new GetSecretValueCommand({ SecretId: s.arn, VersionStage: "AWSCURRENT" }))).SecretString;
        if (currentValue !== s.value) found.push(`${s.name}: the AWSCURRENT value changed`);
        const ids = new Set(versions.map((v) => v.VersionId!));
        const before = versionsBefore.get(s.name) ?? new Map<string, string[]>();
        for (const id of before.keys()) if (!ids.has(id)) found.push(`${s.name}: version ${id} was deleted`);
        // A version that had a label keeps one (a label is moved, or replaced by a quarantine label,
        // never just removed). Versions created during the run without a label are AWS's own
        // RotateImmediately=false test runs (AWS creates then unlabels them): they must not hold a
        // candidate value, which would then exist only in a deprecated version.
        const candidates = new Set(fleet.secrets.flatMap((f) => (f.candidateValue ? [f.candidateValue] : [])));
        for (const v of versions) {
            if ((v.VersionStages ?? []).length > 0) continue;
            if ((before.get(v.VersionId!) ?? []).length > 0) {
                found.push(`${s.name}: version ${v.VersionId} lost its labels`);
                continue;
            }
            const value = await sm.send(new GetSecretValueCommand({ SecretId: s.arn, VersionId: v.VersionId })).then(
                (r) => r.SecretString,
                () => undefined,
            );
            if (value !== undefined && candidates.has(value)) found.push(`${s.name}: version ${v.VersionId} holds a candidate value and no label`);
        }
        if (s.candidateVersionId) {
            const candidate = await sm.send(new GetSecretValueCommand({ SecretId: s.arn, VersionId: s.candidateVersionId })).then(
                (r) => r.SecretString,
                () => undefined,
            );
            if (candidate !== s.candidateValue) found.push(`${s.name}: the candidate version ${s.candidateVersionId} lost its value`);
        }
        if (settled) {
            const pending = versions.find((v) => v.VersionStages?.includes("AWSPENDING"));
            if (pending && !pending.VersionStages?.includes("AWSCURRENT")) found.push(`${s.name}: AWSPENDING stranded on ${pending.VersionId}`);
        }
        return found;
    });
    return problems.flat();
}
