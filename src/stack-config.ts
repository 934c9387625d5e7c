// Reading a key of the stack configuration the way the stack program always has: from the
// package's own namespace, or else the project's.
import * as pulumi from "@pulumi/pulumi";

import { CONFIG_NAMESPACE } from "./config-keys";

export { CONFIG_NAMESPACE };

/**
 * A key's value and its full name, from the package's namespace or else the project's. The
 * project's own namespace is what the stack program read before it had one of its own (and what a
 * project named "secret-rotation" still writes); a key set in both is refused, naming both, rather
 * than one silently winning.
 */
export function declaredConfig(key: string): [unknown, string] {
    const own = new pulumi.Config(CONFIG_NAMESPACE).getObject<unknown>(key);
    const project = pulumi.getProject();
    const projects = project === CONFIG_NAMESPACE ? undefined : new pulumi.Config(project).getObject<unknown>(key);
    if (own !== undefined && projects !== undefined) {
        throw new Error(`${CONFIG_NAMESPACE}:${key} and ${project}:${key} are both set: keep one (${CONFIG_NAMESPACE}:${key} is the documented name)`);
    }
    if (projects !== undefined) return [projects, `${project}:${key}`];
    return [own, `${CONFIG_NAMESPACE}:${key}`];
}
