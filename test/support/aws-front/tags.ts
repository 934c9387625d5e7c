// Tags: rule tag-quota-guessed-error (at most 50 tags on a secret), on TagResource.
import { awsError } from "./helpers";
import { Call, FrontContext, Reply } from "./types";

/** AWS API Reference, TagResource: "Maximum number of tags per secret: 50". */
export const TAG_QUOTA = 50;

/**
 * Rule tag-quota-guessed-error. AWS API Reference, TagResource: "The following restrictions apply
 * to tags: Maximum number of tags per secret: 50 … Do not use the aws: prefix in your tag names or
 * values because Amazon Web Services reserves it for Amazon Web Services use. … Tags with this
 * prefix do not count against your tags per secret limit." and "This operation appends tags to the
 * existing list of tags" (a key already on the secret gets the new value, and counts once). moto
 * has no limit. A TagResource that would leave more than 50 tags (aws: ones apart) is refused and
 * changes nothing. The quota is documented; the ANSWER is a guess: TagResource's reference lists
 * no quota error, so the front answers InvalidParameterException (400), which it does list, with a
 * message of its own. The provider never depends on the answer: it refuses before calling.
 */
export async function tagResource(front: FrontContext, call: Call): Promise<Reply> {
    const given = Array.isArray(call.payload.Tags) ? call.payload.Tags : [];
    const adding = given.map((tag) => String((tag as { Key?: unknown }).Key ?? ""));
    if (adding.length > 0 && front.enabled("tag-quota-guessed-error")) {
        const secret = await front.describeInMoto(call, call.payload.SecretId);
        const existing = Array.isArray(secret?.Tags) ? secret!.Tags.map((tag) => String((tag as { Key?: unknown }).Key ?? "")) : [];
        const counted = new Set([...existing, ...adding].filter((key) => !key.startsWith("aws:")));
        if (secret && counted.size > TAG_QUOTA && front.on("tag-quota-guessed-error", call)) {
            return awsError(400, "InvalidParameterException", `You can't attach more than ${TAG_QUOTA} tags to a secret: this request would leave ${counted.size}.`);
        }
    }
    return front.forward(call);
}
