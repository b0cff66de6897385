import type { APIGatewayProxyEvent } from "aws-lambda";
import { UnauthenticatedError, ValidationError } from "../../domain/errors.js";

/** Who is calling the JIT API: the verified identity token's `sub` and groups. Never from a body. */
export interface CallerIdentity {
  sub: string;
  groups: string[];
}

/**
 * The identity authorizer's context keys (flat: API Gateway allows only strings, numbers, booleans).
 * `groups` is a JSON-encoded string array, so group names may hold any character.
 */
export const IDENTITY_CONTEXT = { sub: "sub", groups: "groups" } as const;

/**
 * Longest `sub` accepted, characters: OpenID Connect Core 1.0 §2 caps `sub` at 255 ASCII characters, and
 * the requester is a key of the requests-by-requester index (DynamoDB keys are limited in size).
 */
export const MAX_SUB_LENGTH = 255;
/** Most groups evaluated per caller; an identity in more is refused, never silently cut (H28). */
export const MAX_GROUPS = 256;
/** Longest group name, characters. */
export const MAX_GROUP_LENGTH = 256;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** In a `u` regex a paired surrogate is one code point, so this matches only lone (ill-formed) halves. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * Reads the caller from the identity authorizer's context on a REST proxy event
 * (`event.requestContext.authorizer`).
 * @throws UnauthenticatedError when the context is missing or malformed (fail closed);
 *   ValidationError `invalid_identity` (400) when `sub` is longer than {@link MAX_SUB_LENGTH}, holds
 *   control characters or is not well-formed UTF-16, or the groups exceed {@link MAX_GROUPS} /
 *   {@link MAX_GROUP_LENGTH} or hold control characters (H28): such a caller reaches no use case, so nothing
 *   of theirs is stored.
 */
export function callerIdentityFromEvent(event: Pick<APIGatewayProxyEvent, "requestContext">): CallerIdentity {
  const context = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const sub = context?.[IDENTITY_CONTEXT.sub];
  const groupsText = context?.[IDENTITY_CONTEXT.groups];
  if (typeof sub !== "string" || sub.length === 0) throw new UnauthenticatedError();
  let groups: unknown = [];
  if (groupsText !== undefined && groupsText !== null && groupsText !== "") {
    if (typeof groupsText !== "string") throw new UnauthenticatedError();
    try {
      groups = JSON.parse(groupsText);
    } catch {
      throw new UnauthenticatedError();
    }
  }
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) throw new UnauthenticatedError();
  assertStorableIdentity(sub, groups);
  return { sub, groups };
}

function assertStorableIdentity(sub: string, groups: string[]): void {
  const refuse = (field: string, message: string) => {
    throw new ValidationError(
      `Your identity token's ${message}; jit-access does not act on such identities. Ask the identity ` +
        "provider's administrators to fix the account.",
      { field },
      "invalid_identity",
    );
  };
  if (sub.length > MAX_SUB_LENGTH)
    refuse("sub", `sub is ${sub.length} characters (at most ${MAX_SUB_LENGTH})`);
  if (CONTROL.test(sub) || LONE_SURROGATE.test(sub))
    refuse("sub", "sub holds control characters or invalid text");
  if (groups.length > MAX_GROUPS)
    refuse("groups", `groups claim lists ${groups.length} groups (at most ${MAX_GROUPS})`);
  for (const g of groups) {
    if (g.length === 0 || g.length > MAX_GROUP_LENGTH || CONTROL.test(g) || LONE_SURROGATE.test(g)) {
      refuse(
        "groups",
        `groups claim holds an empty, overlong (over ${MAX_GROUP_LENGTH}) or control-character name`,
      );
    }
  }
}

/** Encodes an identity as the flat authorizer context read by {@link callerIdentityFromEvent}. */
export function identityContext(identity: CallerIdentity): Record<string, string> {
  return { [IDENTITY_CONTEXT.sub]: identity.sub, [IDENTITY_CONTEXT.groups]: JSON.stringify(identity.groups) };
}
