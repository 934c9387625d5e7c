// The program of scripts/review-scale.ts: N rotation states declared in code. (The stack
// configuration cannot carry 1,000 declarations: Pulumi hands the whole configuration to the
// program in one environment variable, and Linux caps one variable at 128 KiB.)
import { SecretRotationState } from "../src/resource";

const count = Number(process.env.REVIEW_SCALE_COUNT);
const rotationLambdaArn = process.env.REVIEW_SCALE_LAMBDA_ARN!;
for (let i = 0; i < count; i++) {
    const secretId = `scale/secret-${String(i).padStart(5, "0")}`;
    new SecretRotationState(secretId, { secretId, rotationLambdaArn, schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false });
}
