// The walking skeleton's program: a minimal dynamic resource that only observes a secret with
// DescribeSecret. It proves the chain pulumi CLI -> language host -> program -> dynamic provider
// host -> AWS SDK -> moto before any rotation logic exists.
import * as pulumi from "@pulumi/pulumi";

interface Observed {
    secretId: string;
    arn: string;
    name: string;
    rotationEnabled: boolean;
}

// The SDK is required inside the methods: a captured client cannot be serialized, and anything
// read at module scope would be baked into the stack's state.
const observedSecretProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { secretId: string }) {
        const sm = require("@aws-sdk/client-secrets-manager");
        const out = await new sm.SecretsManagerClient({}).send(new sm.DescribeSecretCommand({ SecretId: inputs.secretId }));
        const outs: Observed = { secretId: inputs.secretId, arn: out.ARN, name: out.Name, rotationEnabled: out.RotationEnabled === true };
        return { id: out.ARN, outs };
    },
    async read(id: string, props: Observed) {
        const sm = require("@aws-sdk/client-secrets-manager");
        const out = await new sm.SecretsManagerClient({}).send(new sm.DescribeSecretCommand({ SecretId: id }));
        const live: Observed = { secretId: props.secretId, arn: out.ARN, name: out.Name, rotationEnabled: out.RotationEnabled === true };
        return { id, props: live };
    },
    async diff(_id: string, olds: Observed, news: { secretId: string }) {
        const replaces = olds.secretId === news.secretId ? [] : ["secretId"];
        return { changes: replaces.length > 0, replaces };
    },
    async delete() {
        // Observing only: nothing to undo in Secrets Manager.
    },
};

class ObservedSecret extends pulumi.dynamic.Resource {
    declare readonly rotationEnabled: pulumi.Output<boolean>;

    constructor(name: string, secretId: string) {
        const props = { secretId, arn: undefined, name: undefined, rotationEnabled: undefined };
        super(observedSecretProvider, name, props, {}, "skeleton", "ObservedSecret");
    }
}

const observed = new ObservedSecret("observed", new pulumi.Config().require("secretId"));

export const arn = observed.id;
export const rotationEnabled = observed.rotationEnabled;
