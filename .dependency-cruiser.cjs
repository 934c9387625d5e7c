// The layers of the provider, as a rule the tests keep (test/unit/layers.test.ts runs it; so does
// `npm run check:layers`). See CONTRIBUTING.md "Layout" for what each layer is.
//
//   providers/secretsmanager/semantics/    the rotation semantics: pure (no I/O, no SDK, no Pulumi)
//   providers/secretsmanager/aws-edge/     every AWS call: SDK clients, credentials, the limiter
//   providers/secretsmanager/pulumi-edge/  the thin Pulumi adapter: dynamic providers, shims, engine log
//   src/review/                            the reports: render the semantics' plans, with the AWS edge
//
// A layer imports only the layers below it: semantics <- aws-edge <- pulumi-edge.
const SEMANTICS = "^providers/secretsmanager/semantics/";
const AWS_EDGE = "^providers/secretsmanager/aws-edge/";
const PULUMI_EDGE = "^providers/secretsmanager/pulumi-edge/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: "semantics-is-pure",
            comment:
                "The rotation semantics are pure: they import only each other, zod (validation) and node:crypto (derived tokens). " +
                "No AWS SDK, no @pulumi/pulumi, no I/O, nothing of the edges, src or the tests: the AWS edge and the Pulumi adapter call into them, never the reverse.",
            severity: "error",
            from: { path: SEMANTICS },
            to: {
                pathNot: [SEMANTICS, "(^|/)node_modules/zod/", "^crypto$", "^node:crypto$"],
            },
        },
        {
            name: "aws-edge-below-pulumi",
            comment: "The AWS edge serves the Pulumi adapter and the review alike: it imports neither the Pulumi edge, nor @pulumi/*, nor src.",
            severity: "error",
            from: { path: AWS_EDGE },
            to: { path: [PULUMI_EDGE, "^src/", "(^|/)node_modules/@pulumi/"] },
        },
        {
            name: "review-without-adapter",
            comment: "The review renders the same plans as up without going through the Pulumi adapter (semantics and AWS edge only).",
            severity: "error",
            from: { path: "^src/review/" },
            to: { path: PULUMI_EDGE },
        },
        {
            name: "no-circular",
            comment: "No import circles: a type both sides need lives in the lower module (semantics/model.ts holds the shared vocabulary).",
            severity: "error",
            from: { path: "^(providers|src)/" },
            to: { circular: true },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        // Type-only imports count too: a pure module must not even name the SDK's types.
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
        exclude: { path: "^dist/" },
    },
};
