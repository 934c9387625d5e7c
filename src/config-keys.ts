// The stack configuration's names that both the stack program and the review read: in a module of
// their own, with no import, so the review (and `review()`) does not load the Pulumi runtime.

/** The package's configuration namespace (`secret-rotation:rotations`, …), whatever the project's name. */
export const CONFIG_NAMESPACE = "secret-rotation";

/** The stack-wide health thresholds: `secret-rotation:healthThresholds` (docs/health-thresholds.md). */
export const HEALTH_THRESHOLDS_KEY = "healthThresholds";
