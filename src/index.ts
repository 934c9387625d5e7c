// The library: declare rotation states beside any other resources of a Pulumi program.
export { SecretRotationState } from "./resource";
export type { AssumeRoleArgs, AwsSettingArgs, ScheduleArgs, SecretRotationStateArgs } from "./resource";
export { SecretRotationPolicy } from "./policy";
export type { ExclusionArgs, SecretRotationPolicyArgs, SelectorArgs, TagConditionArgs } from "./policy";
export type { DeletionPolicy, PendingPolicy } from "../providers/secretsmanager/semantics/model";
export type { PassedOverReason, PolicyMode } from "../providers/secretsmanager/semantics/policy";
