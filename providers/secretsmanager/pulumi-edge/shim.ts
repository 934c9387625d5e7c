// Layer: the Pulumi edge, a thin adapter over the semantics and the AWS edge (.dependency-cruiser.cjs).
// The provider object Pulumi serializes into every resource's state (twice: inputs and outputs).
// It is deliberately small and captures nothing — no client, no environment, no configuration:
// each method loads the implementation from the installed package when it is called. So state
// stays small, nothing secret can be baked into it, and upgrading the package changes what
// refresh and destroy run too (they use the copy stored in state).
import type * as pulumi from "@pulumi/pulumi";

// Resolved from the program's directory (the provider host's working directory): a user's
// project finds the package in its node_modules; this repository's own stack finds itself
// through the package's self-reference (its "exports").
function implementation(): typeof import("./provider").handlers {
    const path = require("path");
    const fromProgram = require("module").createRequire(path.join(process.cwd(), "__pulumi_program__.js"));
    return fromProgram("pulumi-secret-rotation/provider").handlers;
}

const rotationStateProvider: pulumi.dynamic.ResourceProvider = {
    async configure(req) {
        return implementation().configure(req);
    },
    async check(olds, news) {
        return implementation().check(olds, news);
    },
    async diff(id, olds, news) {
        return implementation().diff(id, olds, news);
    },
    async create(inputs) {
        return implementation().create(inputs);
    },
    async read(id, props) {
        return implementation().read(id, props);
    },
    async update(id, olds, news) {
        return implementation().update(id, olds, news);
    },
    async delete(id, props) {
        return implementation().delete(id, props);
    },
};

// The provider is this module's whole export: when the package is installed (in node_modules),
// Pulumi serializes the provider as one `require("pulumi-secret-rotation/shim")` instead of its
// code, which keeps every resource's state small. (Run from this repository itself, the module is
// not in node_modules and is serialized by value, which works the same, only larger.)
export = rotationStateProvider;
