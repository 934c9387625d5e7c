// Layer: the Pulumi edge, a thin adapter over the semantics and the AWS edge (.dependency-cruiser.cjs).
// The rotation policy's provider as Pulumi serializes it into the policy resource's state: the
// same shape as shim.ts (small, captures nothing, loads the implementation from the installed
// package at call time), for policy-provider.ts.
import type * as pulumi from "@pulumi/pulumi";

// Resolved from the program's directory, as shim.ts does.
function implementation(): typeof import("./policy-provider").handlers {
    const path = require("path");
    const fromProgram = require("module").createRequire(path.join(process.cwd(), "__pulumi_program__.js"));
    return fromProgram("pulumi-secret-rotation/policy-provider").handlers;
}

const rotationPolicyProvider: pulumi.dynamic.ResourceProvider = {
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

// The module's whole export, so an installed package stores it as one require (see shim.ts).
export = rotationPolicyProvider;
