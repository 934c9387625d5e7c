// A stack program with one SecretRotationState that the stack configuration places at the top
// level or inside a component (`inComponent`), with no alias: moving it is, to the engine, a new
// resource (its URN has the component's type) and the deletion of the old one.
import * as pulumi from "@pulumi/pulumi";

import { SecretRotationState } from "../../../src/resource";

class Rotations extends pulumi.ComponentResource {
    constructor(name: string) {
        super("e2e:index:Rotations", name, {}, {});
        this.registerOutputs({});
    }
}

const config = new pulumi.Config();
const parent = config.getBoolean("inComponent") ? new Rotations("team") : undefined;
new SecretRotationState(
    "db",
    { secretId: config.require("secretId"), rotationLambdaArn: config.require("lambda"), schedule: { automaticallyAfterDays: 30 }, rotateImmediately: false },
    parent ? { parent } : undefined,
);
