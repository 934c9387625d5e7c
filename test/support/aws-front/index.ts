// A programmable HTTP front between the AWS SDK and moto, for Secrets Manager only. This index
// re-exports the front's public API; README.md lists every rule with its reference and its test,
// and the file each family of rules lives in.
//
// moto is a faithful-enough Secrets Manager for most calls, but it differs from AWS exactly where
// rotation is concerned (see /work/shared/notes/moto-fidelity.md). Tests point the SDK at this front
// with AWS_ENDPOINT_URL_SECRETS_MANAGER (Lambda and IAM keep going to moto through AWS_ENDPOINT_URL);
// the front forwards every call to moto and
//   - supplies the AWS behaviours moto lacks, each as a separate, named rule that cites the AWS
//     reference it follows (a rule can be switched off with `disabledRules`, which is how the tests
//     show that each rule is what makes the difference);
//   - keeps asynchronous what AWS does asynchronously: the test run AWS starts for a
//     RotateImmediately=false rotation, and a managed secret's rotation, end after the response
//     (delayTestRuns, settled);
//   - injects faults (throttling, 5xx, connection resets, latency), randomly from a seed or scripted;
//   - logs every call the client made (the front's own look-ups in moto are not logged, so call
//     counts in tests are the client's calls only).
//
// AWS JSON 1.1: `POST /` with `x-amz-target: secretsmanager.<Operation>`; errors are 400/500 with
// `{"__type": "<ErrorName>", "message": "..."}` and the `x-amzn-errortype` header.
export { AwsFront } from "./front";
export { nextRotationDate, rotationRulesProblem } from "./schedules";
export { DEFAULT_TEST_RUN_DELAY_MS, FRONT_RULES } from "./types";
export type {
    AwsFrontOptions,
    CallRecord,
    FaultKind,
    FrontRule,
    IamMode,
    RandomFaults,
    RotationRules,
    ScriptedFault,
    SecretDates,
    TestRunInProgress,
} from "./types";
