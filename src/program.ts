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
import * as pulumi from "@pulumi/pulumi";

import { readEntries } from "./config";
import { SecretRotationState } from "./resource";

const CONFIG_KEY = "rotations";

const config = new pulumi.Config();
const entries = readEntries(config.getObject<unknown>(CONFIG_KEY) ?? [], `${pulumi.getProject()}:${CONFIG_KEY}`);
const states = entries.map(({ name, args }) => new SecretRotationState(name, args));

/** Per declared secret: its ARN, whether rotation is on, and the label health. */
export const rotations = Object.fromEntries(
    entries.map(({ name }, i) => [
        name,
        pulumi.all([states[i]!.arn, states[i]!.rotationEnabled, states[i]!.stagingLabels]).apply(([arn, rotationEnabled, stagingLabels]) => ({
            arn,
            rotationEnabled,
            stagingLabels,
        })),
    ]),
);
