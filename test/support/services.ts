// The local AWS of the integration and end-to-end tiers: moto, with the AWS front before its
// Secrets Manager, pointed at by the standard variables only. One per test file.
import { after, before, beforeEach } from "node:test";

import { AwsFront } from "./aws-front";
import { AwsTestEnv, MotoServer, useAwsEnv } from "./moto";
import { waitBeforeEachCommand } from "./pulumi";

/**
 * Registers before/after hooks that start moto alone (no front) for the test file, reset it
 * before each test, and always stop it. The handle is filled in once `before` has run.
 */
export function useMoto(): { moto: MotoServer } {
    const handle = {} as { moto: MotoServer };
    let restoreEnv: (() => void) | undefined;
    before(async () => {
        handle.moto = await MotoServer.start();
        restoreEnv = useAwsEnv(handle.moto.awsEnv());
    });
    after(async () => {
        restoreEnv?.();
        await handle.moto?.stop();
    });
    beforeEach(() => handle.moto.reset());
    return handle;
}

export interface LocalAws {
    moto: MotoServer;
    front: AwsFront;
    /** The environment for this process's SDK clients and for the pulumi CLI. */
    env: AwsTestEnv;
}

/** A running local AWS for a script outside the test runner (scripts/, bench/): stop() always stops both. */
export interface StartedLocalAws extends LocalAws {
    stop(): Promise<void>;
}

/**
 * Starts moto and the front before its Secrets Manager, points this process's SDK clients at them
 * (the standard variables only) and returns the environment for the pulumi CLI; stop() restores
 * the environment and stops both. The test hooks below use it; so do the scale scripts.
 */
export async function startLocalAws(): Promise<StartedLocalAws> {
    const moto = await MotoServer.start();
    let front: AwsFront;
    try {
        front = await AwsFront.start(moto.endpoint);
    } catch (error) {
        await moto.stop();
        throw error;
    }
    const env = { ...moto.awsEnv(), AWS_ENDPOINT_URL_SECRETS_MANAGER: front.endpoint };
    const restoreEnv = useAwsEnv(env);
    return {
        moto,
        front,
        env,
        async stop() {
            restoreEnv();
            await front.stop();
            await moto.stop();
        },
    };
}

/**
 * Registers before/after hooks that start moto and the front for the test file, reset both
 * before each test and always stop them. Returns a handle filled in once `before` has run. Every
 * pulumi command (test/support/pulumi.ts) first waits for the front's asynchronous work that ends
 * on its own (front.settled()): a test run of a rotation the test held on purpose stays.
 */
export function useLocalAws(): LocalAws {
    const handle = {} as LocalAws;
    let started: StartedLocalAws | undefined;
    let stopWaiting: (() => void) | undefined;
    before(async () => {
        started = await startLocalAws();
        Object.assign(handle, { moto: started.moto, front: started.front, env: started.env });
        stopWaiting = waitBeforeEachCommand(() => handle.front.settled());
    });
    after(async () => {
        stopWaiting?.();
        await started?.stop();
    });
    beforeEach(async () => {
        await handle.moto.reset();
        handle.front.reset();
    });
    return handle;
}
