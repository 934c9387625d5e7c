// What a user does after a killed `pulumi up` on a file backend (docs/troubleshooting.md's
// entry), for the tests that kill runs on purpose.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { StackDeployment, TestStack } from "./pulumi";

/** Deletes the backend's `.attrs` sidecars that no longer parse as JSON; returns their paths. */
export function removeTruncatedSidecars(backendDir: string): string[] {
    const removed: string[] = [];
    for (const name of readdirSync(backendDir, { recursive: true, encoding: "utf8" }).filter((n) => n.endsWith(".attrs"))) {
        const file = join(backendDir, name);
        try {
            JSON.parse(readFileSync(file, "utf8"));
        } catch {
            rmSync(file);
            removed.push(name);
        }
    }
    return removed;
}

/**
 * What a user does after a crashed `up` on a file backend, as the CLI's messages say: a lock left
 * by the dead process is removed with `pulumi cancel`; pending operations (the engine's "these
 * may or may not have happened") are dropped from the exported state, which is imported back.
 * The provider is level-triggered: the next `up` observes each secret and re-plans what is left.
 * Returns what had to be done.
 */
export async function recover(stack: TestStack): Promise<string[]> {
    const done: string[] = [];
    // Any command that takes the lock fails while the dead run's lock is there, saying so.
    const unlocking = async (run: () => Promise<unknown>) => {
        try {
            await run();
        } catch (error) {
            if (!/currently locked/.test(String(error))) throw error;
            await stack.run(["cancel", "--yes", "--stack", stack.stack]);
            done.push("pulumi cancel (lock left)");
            await run();
        }
    };
    let exported: StackDeployment;
    try {
        exported = await stack.exportState();
    } catch (error) {
        // The file backend replaces the checkpoint atomically (a temporary file renamed over it),
        // but the metadata sidecar beside it, <stack>.json.attrs, is rewritten in place (gocloud's
        // fileblob: create, truncate, then write). A kill between the two leaves it empty, and every
        // later command fails with "failed to load checkpoint: EOF" though the checkpoint is whole.
        // The sidecar holds only a content type and a checksum, and a missing one is read as the
        // default: a user deletes it.
        if (!/failed to load checkpoint/.test(String(error))) throw error;
        const removed = removeTruncatedSidecars(join(stack.root, "state", ".pulumi"));
        if (removed.length === 0) throw error;
        done.push(`deleted the truncated ${removed.join(", ")} (the kill cut its rewrite)`);
        exported = await stack.exportState();
    }
    const pending = exported.deployment.pending_operations ?? [];
    if (pending.length > 0) {
        delete exported.deployment.pending_operations;
        const file = join(stack.root, "recovered.json");
        writeFileSync(file, JSON.stringify(exported));
        await unlocking(() => stack.run(["stack", "import", "--file", file, "--stack", stack.stack]));
        done.push(`import without ${pending.length} pending operation(s)`);
    }
    await unlocking(() => stack.up());
    return done;
}
