// The program of this repository's own stack (Pulumi.yaml at the root): one SecretRotationState
// per entry of the list `rotations` in the stack configuration — the file reviewers read in a
// gitops repository. Each entry takes the resource's inputs, plus an optional `name`.
//
//   config:
//     aws:region: us-east-1
//     secret-rotation:rotations:
//       - secretId: app/db-password
//         rotationLambdaArn: arn:aws:lambda:us-east-1:123456789012:function:rotate
//         schedule: { automaticallyAfterDays: 30 }
//       - secretId: legacy/ldap-bind
//         enabled: false
//
// and one SecretRotationPolicy per entry of `policies` — a rule for every secret that matches:
//
//     secret-rotation:policies:
//       - name: app-secrets
//         selector: { namePrefixes: ["app/"] }
//         exclude: { tags: [{ key: rotation, value: manual }] }
//         mode: minimum
//         rotationLambdaArn: arn:aws:lambda:us-east-1:123456789012:function:rotate
//         schedule: { automaticallyAfterDays: 90 }
//
// The health thresholds of the whole stack, under each entry's own `healthThresholds` (read by
// the classes themselves, src/thresholds.ts; docs/health-thresholds.md):
//
//     secret-rotation:healthThresholds: { maxIntervalDays: 180 }
import * as pulumi from "@pulumi/pulumi";

import { readEntries, readPolicies } from "./config";
import { declaredConfig } from "./stack-config";
import { SecretRotationPolicy } from "./policy";
import { SecretRotationState } from "./resource";

const CONFIG_KEY = "rotations";
const POLICIES_KEY = "policies";

// The keys live in the package's own namespace, whatever the project is called: a config-only
// repository (Pulumi.yaml's `main` pointing at this file in node_modules, docs/config-only.md)
// names its project as it likes. The project's own namespace, which is what the program read
// before (and what a project named "secret-rotation" still writes), is read too; a key set in both
// is refused, naming both, rather than one silently winning.
const entries = readEntries(...declared(CONFIG_KEY));
const states = entries.map(({ name, args }) => new SecretRotationState(name, args));
const policyEntries = readPolicies(...declared(POLICIES_KEY));
// After the stack's single declarations: a secret one of them claims is passed over by the policy
// in the same up, instead of both acting on it. Policies one after another, in the order listed:
// where two selections overlap, the first to act on a secret marks it and the later ones pass it
// over (policy.ts), so the order decides, not a race between two policies running at once.
const policyResources: SecretRotationPolicy[] = [];
for (const { name, args } of policyEntries) policyResources.push(new SecretRotationPolicy(name, args, { dependsOn: [...states, ...policyResources] }));

/**
 * A stack output, with its failure handled where it happens. When a declaration fails (an `up`
 * with PULUMI_CONTINUE_ON_ERROR goes on past it, docs/running-up.md), an output
 * derived from it rejects at once; the runtime reads the stack outputs only after every other
 * resource is done. Its read (runtime/stack.js massage: `output.apply`) subscribes to the two
 * promises an Output keeps for its life, isKnown and isSecret, which had rejected unhandled
 * long before: Node printed `PromiseRejectionHandledWarning: Promise rejection was handled
 * asynchronously` twice per failed declaration on the stack (issue 21, item 13). Handling those
 * two now ends that; nothing else changes (the runtime's read still sees the failure, which the
 * engine reports on the failed resource). isKnown has no public accessor, hence the narrow cast;
 * without it (another SDK version) only isSecret is handled. Not `output.apply(() => …)`: that
 * makes a new output whose own promises reject unhandled, which the runtime then reports as an
 * unhandled exception of the program.
 */
function stackOutput<T>(output: pulumi.Output<T>): pulumi.Output<T> {
    const kept: unknown[] = [pulumi.isSecret(output), (output as unknown as { isKnown?: unknown }).isKnown];
    for (const promise of kept) if (promise instanceof Promise) promise.catch(() => undefined);
    return output;
}

/** A key's value and its full name, from the package's namespace or else the project's (see above); an empty list when unset. */
function declared(key: string): [unknown, string] {
    const [value, name] = declaredConfig(key);
    return [value ?? [], name];
}

/** Per policy: how many secrets it governs, and how many it passed over, per reason. */
export const policies = Object.fromEntries(
    policyEntries.map(({ name }, i) => [
        name,
        stackOutput(pulumi.all([policyResources[i]!.governed, policyResources[i]!.passedOver]).apply(([governed, passedOver]) => ({ governed: governed.length, passedOver }))),
    ]),
);

/** Per declared secret: its ARN, whether rotation is on, and the label health. */
export const rotations = Object.fromEntries(
    entries.map(({ name }, i) => [
        name,
        stackOutput(
            pulumi.all([states[i]!.arn, states[i]!.rotationEnabled, states[i]!.stagingLabels]).apply(([arn, rotationEnabled, stagingLabels]) => ({
                arn,
                rotationEnabled,
                stagingLabels,
            })),
        ),
    ]),
);
