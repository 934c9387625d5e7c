// The stack-wide health thresholds (`secret-rotation:healthThresholds`, docs/health-thresholds.md),
// read once per program run and merged under each declaration's and policy's own, so that the
// thresholds recorded in a resource's inputs are the ones it is judged by: by the warnings in
// `pulumi preview` and by the review, which reads them from the resource instead of the config.
import * as pulumi from "@pulumi/pulumi";

import { declaredConfig } from "./stack-config";
import { validateHealthThresholds } from "../providers/secretsmanager/semantics/inputs";
import { mergeDeclaredThresholds } from "../providers/secretsmanager/semantics/health";
import type { DeclaredThresholds } from "../providers/secretsmanager/semantics/model";

import { HEALTH_THRESHOLDS_KEY } from "./config-keys";

export { HEALTH_THRESHOLDS_KEY };

let stackWide: { value: DeclaredThresholds | undefined } | undefined;

/** The stack-wide thresholds, checked before any resource is declared: a bad value throws, naming the key, the field and the rule. */
export function stackHealthThresholds(): DeclaredThresholds | undefined {
    if (stackWide === undefined) {
        const [raw, key] = declaredConfig(HEALTH_THRESHOLDS_KEY);
        if (raw !== undefined) {
            const failures = validateHealthThresholds(raw, key);
            if (failures.length > 0) throw new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
        }
        stackWide = { value: raw as DeclaredThresholds | undefined };
    }
    return stackWide.value;
}

/**
 * The thresholds to record on a declaration or policy: its own over the stack-wide ones, field by
 * field; undefined when neither sets any (state keeps only what is set). A value that is not a
 * mapping is passed as it is, for the provider's check to refuse by name.
 */
export function thresholdsInput(own: pulumi.Input<DeclaredThresholds> | undefined): pulumi.Input<DeclaredThresholds> | undefined {
    const stack = stackHealthThresholds();
    if (stack === undefined) return own;
    if (own === undefined) return stack;
    return pulumi.output(own).apply((value: unknown) =>
        typeof value === "object" && value !== null && !Array.isArray(value) ? (mergeDeclaredThresholds(stack, value as DeclaredThresholds) as DeclaredThresholds) : (value as DeclaredThresholds),
    );
}
