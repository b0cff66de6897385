import type { APIGatewayProxyEvent } from "aws-lambda";
import { UnauthenticatedError } from "../../domain/errors.js";

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
 * Reads the caller from the identity authorizer's context on a REST proxy event
 * (`event.requestContext.authorizer`).
 * @throws UnauthenticatedError when the context is missing or malformed (fail closed).
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
  return { sub, groups };
}

/** Encodes an identity as the flat authorizer context read by {@link callerIdentityFromEvent}. */
export function identityContext(identity: CallerIdentity): Record<string, string> {
  return { [IDENTITY_CONTEXT.sub]: identity.sub, [IDENTITY_CONTEXT.groups]: JSON.stringify(identity.groups) };
}
