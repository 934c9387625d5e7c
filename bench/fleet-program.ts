// The fleet benchmark's stack program (bench/fleet.ts): one SecretRotationPolicy per region listed
// in `fleet:regions`, each over every secret under `fleet:prefix/` in its region. The policies do
// not depend on each other, so one stack with ten regions runs them side by side in one engine,
// as ten stacks of one region each run them side by side in ten.
import * as pulumi from "@pulumi/pulumi";

import { SecretRotationPolicy } from "../src/policy";

const config = new pulumi.Config("fleet");
const regions = config.requireObject<string[]>("regions");
const lambdas = config.requireObject<Record<string, string>>("lambdas");
const prefix = config.require("prefix");

export const policies = regions.map(
    (region) =>
        new SecretRotationPolicy(`rotate-${region}`, {
            aws: { region },
            selector: { namePrefixes: [`${prefix}/`] },
            rotationLambdaArn: lambdas[region]!,
            schedule: { automaticallyAfterDays: 30 },
            rotateImmediately: false,
        }).urn,
);
