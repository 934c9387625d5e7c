// A stack program that declares one SecretRotationState per entry of a JSON file (path in the
// stack configuration), for fleets too large for the stack configuration itself: the language
// host hands the whole configuration to the program in one environment variable, and Linux
// refuses one larger than 128 KiB ("argument list too long"; about 600 rotation entries).
import { readFileSync } from "node:fs";

import * as pulumi from "@pulumi/pulumi";

import { readEntries } from "../../../src/config";
import { SecretRotationState } from "../../../src/resource";

const file = new pulumi.Config().require("declarationsFile");
for (const { name, args } of readEntries(JSON.parse(readFileSync(file, "utf8")), file)) new SecretRotationState(name, args);
