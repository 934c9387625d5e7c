// Measures `pulumi-secret-rotation review` on a stack of N declared secrets (default 1,000) against
// moto behind the AWS front: `up` once (so the review sees recorded state), then the review, timed,
// with the front's count of DescribeSecret calls. Not part of `npm test` (it takes minutes):
//   bash scripts/with-toolchain.sh bash -c 'tsc -p tsconfig.json && node dist/scripts/review-scale.js 1000'
import { join } from "node:path";

import { describeResult, repoRoot, runProcess, TestStack } from "../test/support/pulumi";
import { createRotationLambda, createSecretsInBatches } from "../test/support/seed";
import { startLocalAws } from "../test/support/services";

async function main(): Promise<void> {
    const count = Number(process.argv[2] ?? "1000");
    if (!Number.isInteger(count) || count < 1) throw new Error(`the number of secrets must be a whole number ≥ 1 (got ${process.argv[2]})`);
    const aws = await startLocalAws();
    const { front, env } = aws;
    let stack: TestStack | undefined;
    try {
        const lambda = await createRotationLambda();
        const names = Array.from({ length: count }, (_, i) => `scale/secret-${String(i).padStart(5, "0")}`);
        const seeded = Date.now();
        await createSecretsInBatches(names, () => "scale-test-value");
        console.log(`seeded ${count} secrets in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
        stack = await TestStack.create({
            program: join(repoRoot(), "dist", "scripts", "review-scale-program.js"),
            env: { ...env, REVIEW_SCALE_COUNT: String(count), REVIEW_SCALE_LAMBDA_ARN: lambda },
        });
        const upStarted = Date.now();
        await stack.up([], { timeoutMs: 3_600_000 });
        console.log(`pulumi up of ${count} rotation states: ${((Date.now() - upStarted) / 1000).toFixed(1)} s`);

        for (const mode of [[], ["--from-state"]]) {
            front.clearCalls();
            const started = Date.now();
            const cli = join(repoRoot(), "dist", "src", "cli", "main.js");
            const review = await runProcess("node", [cli, "review", "--stack", stack.stack, "--format", "json", ...mode], stack.projectDir, stack.env, 600_000);
            const seconds = (Date.now() - started) / 1000;
            if (review.code !== 0) throw new Error(`review exited ${review.code}\n${describeResult(review)}`);
            const describes = front.calls("DescribeSecret");
            const first = Math.min(...describes.map((c) => c.startedAt.getTime()));
            const last = Math.max(...describes.map((c) => c.startedAt.getTime() + c.durationMs));
            console.log(
                `review ${mode.join(" ") || "(with preview)"} of ${count} declared secrets: ${seconds.toFixed(1)} s in all, ` +
                    `of which observing ${((last - first) / 1000).toFixed(1)} s; ` +
                    `${describes.length} DescribeSecret, ${front.callCount("ListSecretVersionIds")} ListSecretVersionIds, exit code ${review.code}`,
            );
        }
    } finally {
        stack?.cleanup();
        await aws.stop();
    }
}

main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
});
