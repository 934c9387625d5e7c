// A stack program whose rotation states have inputs that are unknown during preview, as when a
// declaration uses an output of a resource the same `up` creates (a new secret's ARN, a new
// function's ARN). Each entry of `rotations` (stack configuration) is a declaration in which the
// string "@unknown" stands for such an output: a placeholder resource's output, known only once
// `up` creates it. `rotations` entries must each have a `name`.
import * as pulumi from "@pulumi/pulumi";

import { SecretRotationState } from "../../../src/resource";

const UNKNOWN = "@unknown";

// Created by `up`; during preview its `generated` output is unknown (it is not one of the inputs).
const placeholderProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { value: string }) {
        return { id: `placeholder-${inputs.value}`, outs: { value: inputs.value, generated: inputs.value } };
    },
};

class Placeholder extends pulumi.dynamic.Resource {
    declare readonly generated: pulumi.Output<string>;
    constructor(name: string, value: string) {
        super(placeholderProvider, name, { value, generated: undefined }, {});
    }
}

/** The declaration with every "@unknown" replaced by an output unknown during preview. */
function withUnknowns(value: unknown, path: string): unknown {
    if (value === UNKNOWN) return new Placeholder(path, path).generated;
    if (Array.isArray(value)) return value.map((v, i) => withUnknowns(v, `${path}-${i}`));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknowns(v, `${path}-${k}`)]));
    }
    return value;
}

const entries = new pulumi.Config().requireObject<({ name: string } & Record<string, unknown>)[]>("rotations");
for (const { name, ...args } of entries) {
    new SecretRotationState(name, withUnknowns(args, name) as ConstructorParameters<typeof SecretRotationState>[1]);
}
