import { randomUUID } from "node:crypto";
import {
  type AccessRequest,
  effectiveStatus,
  isExtension,
  isGrantActive,
  isoToMs,
} from "../domain/access-request.js";
import { auditEventId } from "../domain/audit-event.js";
import { type Clock, nowEpochSeconds } from "../domain/clock.js";
import { ConflictError, ExpiredError, ForbiddenError, NotFoundError } from "../domain/errors.js";
import {
  ACCESS_TOKEN_TYPE,
  type AccessTokenClaims,
  BREAK_GLASS_CLAIM,
  CLIENT_ID,
  REQUEST_ID_CLAIM,
} from "../domain/token-claims.js";
import type { RequestReader } from "../ports/request-store.js";
import type { TokenSigner } from "../ports/signer.js";
import type { TokenIssueLog } from "../ports/token-issue-log.js";
import { isLostRace, jitterDelay, MAX_LOST_RACE_ATTEMPTS } from "./lost-race-retry.js";

/** What token issue needs. */
export interface IssueTokenDependencies {
  requests: RequestReader;
  /** The audit trail; `TOKEN_ISSUED` is stored in one transaction with a check of the grant. */
  audit: TokenIssueLog;
  signer: TokenSigner;
  clock: Clock;
  /** `iss` of every token: the JIT API base URL (`JIT_ISSUER`). */
  issuer: string;
  /** Longest token lifetime, seconds (policy `tokenTtl`). */
  tokenTtlSeconds: number;
  /** Ids of the entitlements the current policy defines: a grant of a removed entitlement gets no token. */
  entitlementIds: ReadonlySet<string>;
  /** Makes a `jti`; default `crypto.randomUUID` (tests may inject). */
  newTokenId?: () => string;
}

/** An issued token, as the API returns it (RFC 6749 §5.1 names), plus what logs may record. */
export interface IssuedToken {
  accessToken: string;
  tokenType: "Bearer";
  /** Seconds from now until `exp`. */
  expiresIn: number;
  jti: string;
  /** NumericDate (epoch seconds). */
  exp: number;
  kid: string;
}

/**
 * Issues an RFC 9068 access token for a grant (docs/tokens.md):
 * only the requester, only while {@link isGrantActive} (H15: TTL is never relied on), read with a
 * strongly consistent read so a revoke that just succeeded is seen.
 *
 * Claims: `iss`, `sub` (requester), `aud` (entitlement audience fixed at creation), `iat`, `nbf = iat`,
 * `exp = min(iat + tokenTtl, expiresAt)` (so `exp` never outlives the grant, H21), unique `jti`,
 * `client_id`, `scope` (entitlement id), `jit_request_id`, and `jit_break_glass` only when true.
 * The token is signed first and then recorded in the audit trail (`TOKEN_ISSUED` with `jti`, `iat`, `exp`,
 * `kid`, never the token) in one transaction with a check that the grant is still APPROVED at the version
 * read and before `expiresAt` (H30); if the record fails, the token is not returned, so every token handed
 * out is audited and none is handed out once a revoke has committed. When the record loses a race (the
 * grant changed, or a concurrent issue recorded a later time), the grant is read again and, while it is
 * still active, the record is retried with a fresh time (bounded, with jitter); a revoked grant gets 409.
 *
 * @param input.requestId the grant's request id; @param input.callerSub the verified caller's `sub`.
 * @throws NotFoundError (404) unknown id; ForbiddenError (403) caller is not the requester;
 *   ConflictError `invalid_state` (409) pending, denied, cancelled, revoked, not yet started, or its
 *   entitlement is no longer in the policy; ExpiredError (410) grant or approval deadline passed, or
 *   less than one second of the grant left.
 */
export async function issueToken(
  deps: IssueTokenDependencies,
  input: { requestId: string; callerSub: string },
): Promise<IssuedToken> {
  const request = await deps.requests.get(input.requestId, { consistentRead: true });
  if (request === undefined) throw new NotFoundError(`No request with id ${input.requestId}.`);
  if (request.requester !== input.callerSub) {
    throw new ForbiddenError("Only the requester of this grant can obtain tokens for it.");
  }
  const nowMs = deps.clock.nowMs();
  assertActive(request, nowMs);
  if (!deps.entitlementIds.has(request.entitlementId)) {
    throw new ConflictError(
      `Entitlement ${request.entitlementId} is no longer in the policy; no tokens are issued for it.`,
      "invalid_state",
    );
  }

  const iat = nowEpochSeconds(deps.clock);
  // Floor, so a fractional expiresAt never rounds the token past the grant.
  const grantEnd = Math.floor(isoToMs(request.expiresAt) / 1000);
  const exp = Math.min(iat + deps.tokenTtlSeconds, grantEnd);
  if (exp <= iat) throw new ExpiredError(`Grant ${request.requestId} ends in less than a second.`);
  const jti = (deps.newTokenId ?? randomUUID)();
  const claims: AccessTokenClaims = {
    iss: deps.issuer,
    sub: request.requester,
    aud: request.audience,
    iat,
    nbf: iat,
    exp,
    jti,
    client_id: CLIENT_ID,
    scope: request.entitlementId,
    [REQUEST_ID_CLAIM]: request.requestId,
    ...(request.breakGlass ? { [BREAK_GLASS_CLAIM]: true } : {}),
  };
  const signed = await deps.signer.sign(claims, { typ: ACCESS_TOKEN_TYPE });

  let grant = request;
  for (let attempt = 1; ; attempt++) {
    // The time of the record, read just before it: the later it is read, the fewer concurrent records it loses to.
    const at = new Date(deps.clock.nowMs()).toISOString();
    try {
      await deps.audit.appendTokenIssued(grant, {
        requestId: grant.requestId,
        eventId: auditEventId(at, `TOKEN_ISSUED#${jti}`),
        action: "TOKEN_ISSUED",
        actor: input.callerSub,
        at,
        details: { jti, iat, exp, kid: signed.kid },
      });
      break;
    } catch (err) {
      if (!isLostRace(err) || attempt >= MAX_LOST_RACE_ATTEMPTS) throw err;
    }
    await jitterDelay(attempt);
    const latest = await deps.requests.get(input.requestId, { consistentRead: true });
    if (latest === undefined) throw new NotFoundError(`No request with id ${input.requestId}.`);
    assertActive(latest, deps.clock.nowMs());
    grant = latest;
  }
  return { accessToken: signed.token, tokenType: "Bearer", expiresIn: exp - iat, jti, exp, kid: signed.kid };
}

/** Maps every "not usable now" case to its status; only an active grant passes. */
function assertActive(request: AccessRequest, nowMs: number): void {
  if (isGrantActive(request, nowMs)) return;
  if (isExtension(request)) {
    throw new ConflictError(
      `Request ${request.requestId} extends grant ${request.extends}; ask for tokens of that grant.`,
      "invalid_state",
    );
  }
  const status = effectiveStatus(request, nowMs);
  if (status === "EXPIRED") {
    throw new ExpiredError(`Grant ${request.requestId} has expired; request access again.`);
  }
  if (status === "APPROVED") {
    throw new ConflictError(
      `Grant ${request.requestId} starts at ${request.grantedAt ?? "a later time"}; ask for a token then.`,
      "invalid_state",
    );
  }
  throw new ConflictError(
    `Request ${request.requestId} is ${status}; tokens are issued only for approved, active grants.`,
    "invalid_state",
  );
}
