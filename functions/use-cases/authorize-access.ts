import { type AccessRequest, isGrantActive } from "../domain/access-request.js";
import type { Clock } from "../domain/clock.js";
import type { Entitlement, Policy } from "../domain/policy.js";
import { findEntitlement } from "../domain/policy.js";
import { findCoveringPermission, parsePermission, type Route } from "../domain/route-matching.js";
import type {
  AccessTokenVerifier,
  TokenRejection,
  VerifiedAccessToken,
} from "../ports/access-token-verifier.js";
import type { RequestReader } from "../ports/request-store.js";

/** Dependencies of {@link authorizeAccess}. No signer, no KMS: authorization never signs anything. */
export interface AuthorizeAccessDeps {
  verifier: AccessTokenVerifier;
  /** Grant reads, normally behind the revocation-bounded cache (adapters/grant-cache.ts). */
  grants: RequestReader;
  policy: Policy;
  /** The audience this authorizer guards (`JIT_AUDIENCE`). */
  audience: string;
  clock: Clock;
}

/** What was called, and with which bearer token (`undefined` when the event carried none usable). */
export interface AuthorizeAccessInput {
  token: string | undefined;
  route: Route;
}

/**
 * Stable reason codes for a Deny: the token is valid but does not open this call, or a fault kept us from
 * proving that it does (`grant_read_failed`, `policy_invalid`). Logged; answered with 403.
 */
export type DenyReason =
  /** No request with the token's `jit_request_id`. */
  | "grant_not_found"
  /** Not APPROVED, revoked, not started yet or past `expiresAt` (`isGrantActive`). */
  | "grant_inactive"
  /** The grant belongs to someone other than the token's `sub`. */
  | "grant_requester_mismatch"
  /** The grant's entitlement is not the token's `scope`. */
  | "grant_entitlement_mismatch"
  /** The grant is for another audience than this authorizer's. */
  | "grant_audience_mismatch"
  /** The entitlement no longer exists in the policy. */
  | "entitlement_unknown"
  /** The entitlement now opens another API. */
  | "entitlement_audience_mismatch"
  /** The called method and path match none of the entitlement's permissions. */
  | "route_not_covered"
  /** Reading the grant failed (throttled, unreachable, malformed item). */
  | "grant_read_failed"
  /** A permission of the entitlement is outside the strict grammar. */
  | "policy_invalid";

/** The authorizer's decision. Only `allow` lets a call through. */
export type AuthorizationDecision =
  | {
      outcome: "allow";
      token: VerifiedAccessToken;
      grant: AccessRequest;
      entitlement: Entitlement;
      /** The permission that covers the called route. */
      permission: string;
    }
  | { outcome: "deny"; reason: DenyReason; token: VerifiedAccessToken; cause?: unknown }
  | {
      outcome: "deny";
      reason: "route_not_covered";
      token: VerifiedAccessToken;
      /** The live grant and its entitlement: the answer still lists what the grant does open. */
      grant: AccessRequest;
      entitlement: Entitlement;
    }
  | { outcome: "unauthorized"; reason: TokenRejection };

/**
 * Decides one call to a protected API (ARCHITECTURE.md, flow 2), in this order, stopping at the first failure:
 * 1–2. the token (shape, header, signature, claims) through the verifier → `unauthorized`;
 * 3. the grant named by the token: it exists, `isGrantActive` now, its requester is `sub`, its
 *    entitlement is `scope`, its audience and the policy entitlement's audience are this authorizer's;
 * 4. the route: one of the entitlement's permissions covers the method and path.
 * Never throws and never allows on a fault: any unexpected error becomes `deny` (`grant_read_failed`,
 * `policy_invalid`) or `unauthorized` (`verification_error`).
 */
export async function authorizeAccess(
  input: AuthorizeAccessInput,
  deps: AuthorizeAccessDeps,
): Promise<AuthorizationDecision> {
  if (input.token === undefined) return { outcome: "unauthorized", reason: "token_missing" };
  let verification: Awaited<ReturnType<AccessTokenVerifier["verify"]>>;
  try {
    verification = await deps.verifier.verify(input.token);
  } catch {
    return { outcome: "unauthorized", reason: "verification_error" };
  }
  if (!verification.ok) return { outcome: "unauthorized", reason: verification.reason };
  const token = verification.token;

  let grant: AccessRequest | undefined;
  try {
    grant = await deps.grants.get(token.requestId);
  } catch (err) {
    return deny(token, "grant_read_failed", err);
  }
  if (grant === undefined) return deny(token, "grant_not_found");
  if (!isGrantActive(grant, deps.clock.nowMs())) return deny(token, "grant_inactive");
  if (grant.requester !== token.sub) return deny(token, "grant_requester_mismatch");
  if (grant.entitlementId !== token.scope) return deny(token, "grant_entitlement_mismatch");
  if (grant.audience !== deps.audience) return deny(token, "grant_audience_mismatch");
  const entitlement = findEntitlement(deps.policy, grant.entitlementId);
  if (entitlement === undefined) return deny(token, "entitlement_unknown");
  if (entitlement.audience !== deps.audience) return deny(token, "entitlement_audience_mismatch");

  let permission: string | undefined;
  try {
    // Every permission must parse, not only the first match: the REST policy lists all of them.
    for (const p of entitlement.permissions) parsePermission(p);
    permission = findCoveringPermission(entitlement.permissions, input.route);
  } catch (err) {
    return deny(token, "policy_invalid", err);
  }
  if (permission === undefined)
    return { outcome: "deny", reason: "route_not_covered", token, grant, entitlement };
  return { outcome: "allow", token, grant, entitlement, permission };
}

/** A Deny for a verified token; `cause` only when a fault led to it. A module function: no closure per call. */
function deny(token: VerifiedAccessToken, reason: DenyReason, cause?: unknown): AuthorizationDecision {
  return cause === undefined ? { outcome: "deny", reason, token } : { outcome: "deny", reason, token, cause };
}
