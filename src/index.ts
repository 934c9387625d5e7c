// The library: declare rotation states beside any other resources of a Pulumi program.
export { SecretRotationState } from "./resource";
export type { AssumeRoleArgs, AwsSettingArgs, HealthThresholdsArgs, ScheduleArgs, SecretRotationStateArgs } from "./resource";
export { SecretRotationPolicy } from "./policy";
export type { ExclusionArgs, SecretRotationPolicyArgs, SelectorArgs, TagConditionArgs } from "./policy";
export type { DeletionPolicy, PendingPolicy } from "../providers/secretsmanager/semantics/model";
export type { PassedOverReason, PolicyMode } from "../providers/secretsmanager/semantics/policy";

// The review (what `pulumi-secret-rotation review` prints) as a function: the report of
// schemas/review-report.v1.json, for programs and CI scripts.
export { review } from "./review/api";
export type { ReviewArgs } from "./review/api";
export { EXIT_CODES as REVIEW_EXIT_CODES } from "./review/report";
export type {
    DriftEntry,
    FindingEntry,
    InventoryEntry,
    LabelEntry,
    LiveState,
    PlannedCall,
    PolicyReview,
    ReviewReport,
    SecretReview,
    StackReview,
} from "./review/report";
export type { HealthThresholds } from "../providers/secretsmanager/semantics/health";
