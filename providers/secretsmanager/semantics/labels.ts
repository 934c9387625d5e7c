// Layer: the rotation semantics (pure). Imports only its own folder, zod and node:crypto (.dependency-cruiser.cjs).
// The staging labels this project adds, and their lifecycle within AWS's label budget. Pure.
//
// AWS allows 20 staging labels across all versions of one secret (Secrets Manager user guide,
// "Secrets Manager quotas": "Staging labels attached across all versions of a secret: 20"), and
// refuses a label move past it with LimitExceededException (UpdateSecretVersionStage's errors).
// Every quarantine adds a QUARANTINED- label and every promote a SUPERSEDED- label; kept forever,
// they would fill the budget after about 17 failed rotations of one secret, and from then on every
// label move — ours, and the rotation Lambda's own AWSPENDING — would be refused. So each label we
// add carries the time it was added, and is released (removed) when it is older than
// quarantineRetention, or when the secret carries more than quarantineLabelLimit of them (oldest
// first), or when the budget would otherwise be passed. Labels we did not create (AWSCURRENT,
// AWSPREVIOUS, AWSPENDING, anyone else's) are never released.
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, ObservedSecret, QUARANTINE_LABEL_PREFIX, SUPERSEDED_LABEL_PREFIX } from "./model";

/** Staging labels attached across all versions of a secret (Secrets Manager quotas page). */
export const LABEL_QUOTA = 20;
/** What one secret needs besides our labels: AWSCURRENT, AWSPREVIOUS and a rotation's AWSPENDING. */
export const ROTATION_LABELS = [AWSCURRENT, AWSPREVIOUS, AWSPENDING] as const;
/** The most of our labels one secret may carry: the budget minus the three rotation labels. */
export const MAX_LABEL_LIMIT = LABEL_QUOTA - ROTATION_LABELS.length;

export type KeptLabelKind = "quarantined" | "superseded";

/** One of our labels as found on a version. */
export interface KeptLabel {
    label: string;
    kind: KeptLabelKind;
    /** The version the label keeps (the one it is attached to). */
    versionId: string;
    /** When it was added (ISO, minute precision); absent for labels of the undated form of earlier releases. */
    addedAt?: string;
}

// QUARANTINED-20261202T0217Z-<versionId>: the time first, so that a version id (which may hold
// dashes) is simply the rest.
const DATED = /^(QUARANTINED|SUPERSEDED)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z-(.+)$/;

function stamp(at: string): string {
    const d = new Date(at);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
}

export function quarantineLabelFor(versionId: string, at: string): string {
    return `${QUARANTINE_LABEL_PREFIX}${stamp(at)}-${versionId}`;
}

export function supersededLabelFor(versionId: string, at: string): string {
    return `${SUPERSEDED_LABEL_PREFIX}${stamp(at)}-${versionId}`;
}

/** One of our labels, parsed; undefined for any other label. */
export function parseKeptLabel(label: string, versionId: string): KeptLabel | undefined {
    const dated = DATED.exec(label);
    if (dated) {
        const [, prefix, y, mo, d, h, mi, id] = dated;
        // A label only keeps the version it names; one moved by hand onto another version is not ours to release.
        if (id !== versionId) return undefined;
        return { label, kind: prefix === "QUARANTINED" ? "quarantined" : "superseded", versionId, addedAt: `${y}-${mo}-${d}T${h}:${mi}:00.000Z` };
    }
    // The undated form of earlier releases: QUARANTINED-<versionId>.
    for (const [prefix, kind] of [[QUARANTINE_LABEL_PREFIX, "quarantined"], [SUPERSEDED_LABEL_PREFIX, "superseded"]] as const) {
        if (label === `${prefix}${versionId}`) return { label, kind, versionId };
    }
    return undefined;
}

/** Every label of ours on the secret. */
export function keptLabels(secret: ObservedSecret): KeptLabel[] {
    return secret.versions.flatMap((v) => v.labels.map((label) => parseKeptLabel(label, v.versionId)).filter((k): k is KeptLabel => k !== undefined));
}

/** Whether a version already carries one of our labels of this kind (a run that stopped half way). */
export function keptAs(secret: ObservedSecret, versionId: string, kind: KeptLabelKind): boolean {
    return keptLabels(secret).some((k) => k.versionId === versionId && k.kind === kind);
}

/**
 * Whether AWSPENDING is on a version of its own (not AWSCURRENT's): a rotation in progress, or one
 * a failure or a cancel left. Only that version's age (ListSecretVersionIds) tells the two apart;
 * on AWSCURRENT's version it is what a finished rotation leaves.
 */
export function pendingOnItsOwnVersion(secret: ObservedSecret): boolean {
    const pending = secret.versions.find((v) => v.labels.includes(AWSPENDING));
    return pending !== undefined && !pending.labels.includes(AWSCURRENT);
}

export function labelCount(secret: ObservedSecret): number {
    return secret.versions.reduce((n, v) => n + v.labels.length, 0);
}

export interface LabelLifecycle {
    /** Retention, ms. */
    retentionMs: number;
    /** The most of our labels one secret may carry once the plan is done. */
    limit: number;
}

export interface LabelRelease {
    kept: KeptLabel;
    /** Why it is released now, for the plan's reason. */
    because: string;
    /** It was the version's only label: the version becomes deprecated. */
    deprecates: boolean;
}

export interface LabelBudgetNeeds {
    /** Labels the plan adds before it removes any (a quarantine label, a superseded label). */
    additions: number;
    /** Labels the plan removes after adding (AWSPENDING off a stranded candidate). */
    removals: number;
    /** Labels that must stay free once the plan is done (a rotation's AWSPENDING and, on its first finish, AWSPREVIOUS). */
    reserve: number;
    /** Versions the plan labels or acts on: never released by it. */
    protectedVersions: string[];
}

const DAY = 86_400_000;
const durationText = (ms: number) => (ms % DAY === 0 ? `${ms / DAY}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`);

/**
 * Which of our labels to release before the plan's own label moves, oldest first: those past
 * retention; then as many as it takes to keep at most `limit` of ours once the plan has added its
 * own; then as many more as it takes to stay within AWS's 20 at every step and keep `reserve`
 * free afterwards. `blocked` when even releasing every label of ours would not fit: labels made
 * by others fill the budget.
 */
export function planLabelReleases(
    secret: ObservedSecret,
    lifecycle: LabelLifecycle,
    needs: LabelBudgetNeeds,
    now: string,
): { releases: LabelRelease[]; blocked?: string } {
    const ours = keptLabels(secret)
        .filter((k) => !needs.protectedVersions.includes(k.versionId))
        // Oldest first; an undated label (an earlier release's) counts as older than any dated one.
        .sort((a, b) => (a.addedAt ?? "").localeCompare(b.addedAt ?? ""));
    const released = new Map<string, string>();
    const release = (k: KeptLabel, because: string) => {
        if (!released.has(k.label)) released.set(k.label, because);
    };

    const nowMs = Date.parse(now);
    for (const k of ours) {
        if (k.addedAt !== undefined && nowMs - Date.parse(k.addedAt) > lifecycle.retentionMs) {
            release(k, `added ${k.addedAt.slice(0, 16)}Z, past quarantineRetention (${durationText(lifecycle.retentionMs)})`);
        }
    }
    const kept = () => ours.filter((k) => !released.has(k.label));
    const protectedCount = keptLabels(secret).length - ours.length;
    for (const k of kept()) {
        if (kept().length + protectedCount + needs.additions <= lifecycle.limit) break;
        release(k, `the oldest of ${ours.length + protectedCount + needs.additions} labels kept by this provider, over quarantineLabelLimit (${lifecycle.limit})`);
    }
    const total = labelCount(secret);
    const fits = () => {
        const afterReleases = total - released.size;
        return afterReleases + needs.additions <= LABEL_QUOTA && afterReleases + needs.additions - needs.removals + needs.reserve <= LABEL_QUOTA;
    };
    for (const k of kept()) {
        if (fits()) break;
        release(k, `to stay within AWS's ${LABEL_QUOTA} staging labels per secret`);
    }
    if (!fits()) return { releases: [], blocked: budgetBlocked(secret, total, needs) };

    const releases = [...released].map(([label, because]) => {
        const k = ours.find((o) => o.label === label)!;
        const version = secret.versions.find((v) => v.versionId === k.versionId)!;
        return { kept: k, because, deprecates: version.labels.length === 1 };
    });
    return { releases };
}

function budgetBlocked(secret: ObservedSecret, total: number, needs: LabelBudgetNeeds): string {
    const foreign = secret.versions.flatMap((v) =>
        v.labels
            .filter((label) => !(ROTATION_LABELS as readonly string[]).includes(label) && parseKeptLabel(label, v.versionId) === undefined)
            .map((label) => ({ label, versionId: v.versionId })),
    );
    const needed = total + needs.additions - needs.removals + needs.reserve;
    return (
        `this would pass AWS's budget of ${LABEL_QUOTA} staging labels per secret (it carries ${total}; the plan and the next rotation need ${needed}), ` +
        `and the labels in the way were not added by this provider: ${foreign.map((f) => `${f.label} on ${f.versionId}`).join(", ") || "none"}. ` +
        `Nothing was changed. Free some of them, e.g.: ` +
        (foreign
            .slice(0, 3)
            .map((f) => `aws secretsmanager update-secret-version-stage --secret-id ${secret.arn} --version-stage ${f.label} --remove-from-version-id ${f.versionId}`)
            .join(" ; ") || "remove a label you no longer need")
    );
}
