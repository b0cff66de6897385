import { type Logger, LogLevelThreshold } from "@aws-lambda-powertools/logger";
import { JoseAccessTokenVerifier } from "../adapters/auth/access-token-verifier.js";
import {
  type AuthorizerContext,
  allowResult,
  denyResult,
  type JitAuthorizerResult,
  type ParsedAuthorizerEvent,
  parseAuthorizerEvent,
  routeNotCoveredResult,
} from "../adapters/auth/authorizer-events.js";
import { CachedRequestReader } from "../adapters/grant-cache.js";
import { authorizerEntry, unauthorized } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { jitAuthorizerDepsFromEnvironment } from "../composition/jit-authorizer.js";
import type { AccessRequest } from "../domain/access-request.js";
import type { Clock } from "../domain/clock.js";
import type { Policy } from "../domain/policy.js";
import type { VerifiedAccessToken } from "../ports/access-token-verifier.js";
import type { VerificationKey } from "../ports/public-keys.js";
import type { RequestReader } from "../ports/request-store.js";
import { type AuthorizationDecision, authorizeAccess } from "../use-cases/authorize-access.js";

/** Dependencies of {@link createJitAuthorizerHandler}. There is no signer: authorizing never calls KMS. */
export interface JitAuthorizerDeps {
  /** Trusted public keys, loaded once per container from configuration. */
  keys: VerificationKey[];
  /** Uncached grant reader (the shared DynamoDB reader); the handler puts the revocation cache in front. */
  reader: RequestReader;
  policy: Policy;
  /** `aud` this authorizer accepts: the protected API it guards. */
  audience: string;
  /** `iss` of our tokens. */
  issuer: string;
  /** Longest age of a cached grant read, seconds: the authorizer's part of the revocation bound. */
  revocationCacheSeconds: number;
  clock: Clock;
  logger: Logger;
}

/**
 * The token verifier of a JIT authorizer built from `deps`: its trusted keys, issuer and audience, the
 * policy's token TTL and its clock (the benchmark measures this same verifier on its own).
 */
export function accessTokenVerifierFor(deps: JitAuthorizerDeps): JoseAccessTokenVerifier {
  return new JoseAccessTokenVerifier({
    keys: deps.keys,
    issuer: deps.issuer,
    audience: deps.audience,
    tokenTtlSeconds: deps.policy.tokenTtlSeconds,
    clock: deps.clock,
  });
}

/** A JIT authorizer entry: an API Gateway authorizer event in, a policy or simple response out. */
export type JitAuthorizerHandler = (event: unknown) => Promise<JitAuthorizerResult>;

/**
 * Builds the JIT authorizer for protected APIs (DESIGN.md §5): the token verifier and the grant cache are
 * built here once, and live as long as the returned function.
 *
 * Answers: an invalid token or an unrecognised event → throws exactly `new Error("Unauthorized")` (401);
 * a valid token whose grant does not allow any call, or any fault after the token was verified → REST an
 * explicit Deny of every route of this API and stage / HTTP API `isAuthorized: false` (403); a live grant
 * whose entitlement does not cover this route → REST the grant's Allow list, which does not name this
 * route (403 from API Gateway, and a cached copy stays right for every route) / HTTP API
 * `isAuthorized: false`; otherwise REST an Allow policy listing every ARN of the grant's entitlement on
 * this API and stage, HTTP API `isAuthorized: true`, with context `{ sub, scope, jti, requestId, exp,
 * breakGlass }`.
 * Logs one line per decision with the reason code, `jti`, `sub` and request id, never the token.
 */
export function createJitAuthorizerHandler(deps: JitAuthorizerDeps): JitAuthorizerHandler {
  const verifier = accessTokenVerifierFor(deps);
  const grants = new CachedRequestReader(deps.reader, {
    maxAgeSeconds: deps.revocationCacheSeconds,
    clock: deps.clock,
  });
  const { logger } = deps;

  return async (event: unknown): Promise<JitAuthorizerResult> => {
    let parsed: ParsedAuthorizerEvent;
    try {
      parsed = parseAuthorizerEvent(event);
    } catch {
      logger.info("authorization refused", { decision: "unauthorized", reason: "event_unrecognised" });
      throw unauthorized();
    }
    const decision = await authorizeAccess(
      { token: parsed.token, route: parsed.route },
      { verifier, grants, policy: deps.policy, audience: deps.audience, clock: deps.clock },
    );
    return respond(parsed, decision, logger);
  };
}

const ROUTINE_REJECTIONS: ReadonlySet<string> = new Set([
  "token_missing",
  "token_expired",
  "token_not_yet_valid",
]);

function respond(event: ParsedAuthorizerEvent, decision: AuthorizationDecision, logger: Logger) {
  if (decision.outcome === "unauthorized") {
    // Tokens that are merely missing, expired or not yet valid are everyday noise; anything else (a bad
    // signature, a forged header, a foreign issuer) is what an attack looks like, so it is a warning.
    const routine = ROUTINE_REJECTIONS.has(decision.reason);
    logger[routine ? "info" : "warn"]("authorization refused", {
      decision: "unauthorized",
      reason: decision.reason,
      eventKind: event.kind,
      route: routeText(event),
    });
    throw unauthorized();
  }
  const { token } = decision;
  if (decision.outcome === "deny" && !("entitlement" in decision)) {
    const fault = decision.reason === "grant_read_failed" || decision.reason === "policy_invalid";
    const cause = decision.cause as { name?: unknown; message?: unknown } | undefined;
    logger[fault ? "error" : "info"]("authorization denied", {
      decision: "deny",
      reason: decision.reason,
      ...who(event, token),
      ...(fault ? { errorName: String(cause?.name), errorMessage: String(cause?.message) } : {}),
    });
    return denyResult(event, token.sub);
  }
  // A live grant: the route is covered (allow) or not (the grant's Allow list, which does not name it).
  const allowed = decision.outcome === "allow";
  try {
    const permissions = decision.entitlement.permissions;
    const context = grantContext(token, decision.grant);
    const result = allowed
      ? allowResult(event, token.sub, permissions, context)
      : routeNotCoveredResult(event, token.sub, permissions, context);
    if (allowed) logAllowed(logger, event, token, decision.permission);
    else
      logger.info("authorization denied", {
        decision: "deny",
        reason: decision.reason,
        ...who(event, token),
      });
    return result;
  } catch (err) {
    logger.error("authorization denied", {
      decision: "deny",
      reason: "policy_invalid",
      ...who(event, token),
      errorName: (err as Error).name,
    });
    return denyResult(event, token.sub);
  }
}

/**
 * Allowed calls are the hot path and already appear in API Gateway's access log with the authorizer's
 * principal and context; logging each one here costs more than the decision itself (bench), so they are
 * DEBUG. Below DEBUG the line is not even built: Powertools reads several environment variables for every
 * log call, written or not (bench: about 4 µs per decision). Our loggers never buffer (createLogger), so a
 * line below the level is one that would not be written.
 */
function logAllowed(
  logger: Logger,
  event: ParsedAuthorizerEvent,
  token: VerifiedAccessToken,
  permission: string,
) {
  if (logger.level > LogLevelThreshold.DEBUG) return;
  logger.debug("authorization allowed", {
    decision: "allow",
    reason: "allowed",
    ...who(event, token),
    permission,
  });
}

/** Who called what, for every decision's log line (never the token itself). */
function who(event: ParsedAuthorizerEvent, token: VerifiedAccessToken) {
  return {
    jti: token.jti,
    sub: token.sub,
    requestId: token.requestId,
    eventKind: event.kind,
    route: routeText(event),
  };
}

function routeText(event: ParsedAuthorizerEvent): string {
  return `${event.route.method} ${event.route.path}`;
}

/** The authorizer context of a live grant: flat strings, numbers and booleans. */
function grantContext(token: VerifiedAccessToken, grant: AccessRequest): AuthorizerContext {
  return {
    sub: token.sub,
    scope: token.scope,
    jti: token.jti,
    requestId: token.requestId,
    exp: token.exp,
    breakGlass: grant.breakGlass,
  };
}

const entryLogger = createLogger("jit-authorizer");

/**
 * Lambda entry. Builds its dependencies from the environment (`JitAuthorizerEnvironmentSchema`) on the
 * first invocation, once per container; importing this module reads nothing and calls nothing.
 */
export const handler: JitAuthorizerHandler = authorizerEntry(
  async () => createJitAuthorizerHandler(await jitAuthorizerDepsFromEnvironment({ logger: entryLogger })),
  entryLogger,
);
