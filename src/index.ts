// The library: declare rotation states beside any other resources of a Pulumi program.
export { SecretRotationState } from "./resource";
export type { AssumeRoleArgs, AwsSettingArgs, ScheduleArgs, SecretRotationStateArgs } from "./resource";
export type { DeletionPolicy, PendingPolicy } from "../providers/secretsmanager/model";
