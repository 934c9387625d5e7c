// The API floor: the least work the same job needs from Secrets Manager, made directly with the
// SDK at the engine's concurrency, with no Pulumi and no reconciler. Enabling needs one
// RotateSecret per secret, refreshing or adopting one DescribeSecret, destroying one
// CancelRotateSecret. Mutating calls are paced to the documented quota (50 per second for
// RotateSecret + CancelRotateSecret), as any client talking to real AWS must be.
import { randomUUID } from "node:crypto";

import {
    CancelRotateSecretCommand,
    DescribeSecretCommand,
    RotateSecretCommand,
    SecretsManagerClient,
    TagResourceCommand,
    UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";

export type FloorWork = "observe" | "enable" | "disable" | "enable-fleet-rule" | "disable-fleet-rule";

/** Runs `work` for every item with at most `concurrency` in flight. */
export async function mapConcurrently<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) await work(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Starts at most `perSecond` operations in any one-second window. */
export class QuotaPacer {
    private readonly starts: number[] = [];
    constructor(private readonly perSecond: number) {}

    async acquire(): Promise<void> {
        for (;;) {
            const now = Date.now();
            while (this.starts.length > 0 && now - this.starts[0]! >= 1_000) this.starts.shift();
            if (this.starts.length < this.perSecond) {
                this.starts.push(now);
                return;
            }
            await new Promise((resolve) => setTimeout(resolve, 1_000 - (now - this.starts[0]!)));
        }
    }
}

export const MUTATION_QUOTA_PER_SECOND = 50;

/** The tag the fleet rule's floor sets and removes in place of a policy's mark. */
export const FLOOR_MARK = "bench-floor-mark";

/** The RotateSecret every floor enables rotation with: a 30-day schedule, no rotation now. */
const enableRotation = (secretId: string, lambdaArn: string) =>
    new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: randomUUID(),
        RotationLambdaARN: lambdaArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: false,
    });

export async function runApiFloor(
    work: FloorWork,
    secretIds: string[],
    options: { concurrency: number; lambdaArn: string },
): Promise<number> {
    const client = new SecretsManagerClient({});
    const pacer = new QuotaPacer(MUTATION_QUOTA_PER_SECOND);
    // TagResource and UntagResource have a quota of their own (50/s), as in the provider's limiter.
    const tagPacer = new QuotaPacer(MUTATION_QUOTA_PER_SECOND);
    const started = performance.now();
    await mapConcurrently(secretIds, options.concurrency, async (secretId) => {
        switch (work) {
            // A fleet rule's floor: the calls any policy must make per secret — describe before
            // acting (a listing may be minutes old), its mark, the rotation — each at its own quota.
            case "enable-fleet-rule":
                await client.send(new DescribeSecretCommand({ SecretId: secretId }));
                await tagPacer.acquire();
                await client.send(new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: FLOOR_MARK, Value: "x" }] }));
                await pacer.acquire();
                await client.send(enableRotation(secretId, options.lambdaArn));
                return;
            case "disable-fleet-rule":
                await client.send(new DescribeSecretCommand({ SecretId: secretId }));
                await pacer.acquire();
                await client.send(new CancelRotateSecretCommand({ SecretId: secretId }));
                await tagPacer.acquire();
                await client.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [FLOOR_MARK] }));
                return;
            case "observe":
                await client.send(new DescribeSecretCommand({ SecretId: secretId }));
                return;
            case "enable":
                await pacer.acquire();
                await client.send(enableRotation(secretId, options.lambdaArn));
                return;
            case "disable":
                await pacer.acquire();
                await client.send(new CancelRotateSecretCommand({ SecretId: secretId }));
                return;
        }
    });
    const seconds = (performance.now() - started) / 1000;
    client.destroy();
    return seconds;
}
