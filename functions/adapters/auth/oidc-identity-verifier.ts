import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import type { CallerIdentity } from "../http/caller-identity.js";

/**
 * Signature algorithms accepted on identity tokens. Cognito signs ID tokens with RS256; ES256 covers
 * issuers with EC keys. The list is checked by jose before any key is fetched or used, so `none`, HS256
 * (algorithm confusion with a public key as HMAC secret) and anything else never reach signature work.
 */
export const IDENTITY_TOKEN_ALGORITHMS = ["RS256", "ES256"] as const;

/** Seconds of clock skew tolerated on `exp`/`nbf` (jose `clockTolerance`): small and explicit. */
export const IDENTITY_CLOCK_TOLERANCE_SECONDS = 5;

/** Groups claim of Cognito user pool ID tokens; used when no claim is configured. */
export const DEFAULT_GROUPS_CLAIM = "cognito:groups";

/**
 * Why an identity token was refused. Safe to log (never includes the token): `missing_token`,
 * `malformed_authorization` (not exactly `Bearer <token>`), `invalid_token` (jose refused it: signature,
 * alg, iss, aud, exp, unknown kid...), `jwks_unavailable` (the issuer's JWKS could not be fetched),
 * `wrong_token_use` (a Cognito access token or another non-ID token), `invalid_subject`,
 * `invalid_groups_claim`, `invalid_authorized_party` (`azp` missing or not our client).
 */
export type IdentityRejectionReason =
  | "missing_token"
  | "malformed_authorization"
  | "invalid_token"
  | "jwks_unavailable"
  | "wrong_token_use"
  | "invalid_subject"
  | "invalid_groups_claim"
  | "invalid_authorized_party";

/** The identity token was not accepted. `reason` and `joseCode` are safe to log; the token never is. */
export class IdentityTokenRejectedError extends Error {
  override name = "IdentityTokenRejectedError";
  constructor(
    readonly reason: IdentityRejectionReason,
    /** jose's stable error code (e.g. `ERR_JWT_EXPIRED`) when jose refused the token. */
    readonly joseCode?: string,
    options?: { cause?: unknown },
  ) {
    super(`identity token rejected: ${reason}${joseCode ? ` (${joseCode})` : ""}`, options);
  }
}

/** Verifies an OIDC identity token and returns who it names. */
export interface IdentityVerifier {
  /**
   * @param token the compact JWS (no `Bearer ` prefix).
   * @returns the verified `sub` and groups.
   * @throws IdentityTokenRejectedError for every token that is not a proven, valid ID token.
   */
  verify(token: string): Promise<CallerIdentity>;
}

/** Settings of {@link createOidcIdentityVerifier}. `issuer` and `clientIds` have no defaults on purpose. */
export interface OidcIdentityVerifierOptions {
  /** Expected `iss`, compared exactly (e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc`). */
  issuer: string;
  /**
   * Accepted `aud` values: the OIDC client ids of the console and the CLI (for Cognito, the app client ids).
   * A token is accepted when its `aud` names one of them.
   */
  clientIds: readonly string[];
  /** Claim holding the groups; default {@link DEFAULT_GROUPS_CLAIM}. */
  groupsClaim?: string;
  /** JWKS URL; default `<issuer>/.well-known/jwks.json` (where Cognito publishes it). */
  jwksUri?: string;
  /**
   * jose `createRemoteJWKSet` cache settings, in milliseconds. Omitted values keep jose's defaults:
   * `cacheMaxAgeMs` 600 000 (keys are refetched when older than 10 minutes), `cooldownDurationMs` 30 000
   * (a token with an unknown `kid` triggers a refetch only if the last fetch is older than 30 s, so a
   * flood of forged kids cannot hammer the IdP; a genuinely rotated key is picked up at most 30 s after the
   * last fetch), `timeoutDurationMs` 5 000 (a slow JWKS fetch fails the verification, fail closed).
   */
  jwks?: { cacheMaxAgeMs?: number; cooldownDurationMs?: number; timeoutDurationMs?: number };
}

/** `${issuer}/.well-known/jwks.json`, without doubling a trailing slash of the issuer. */
export function defaultJwksUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/jwks.json`;
}

/**
 * Builds a verifier for the organisation's OIDC ID tokens (OpenID Connect Core 1.0 §3.1.3.7), once per cold
 * start so the JWKS cache lives as long as the container.
 *
 * Accepted: a JWS signed with RS256 or ES256 by a key in the issuer's JWKS, `iss` = issuer, `aud` contains
 * one of the client ids (if `aud` lists several, `azp` must be present; if `azp` is present it must be one of
 * the client ids and in `aud`; OpenID Connect Core 1.0 §3.1.3.7 items 3-5), `exp` in the future and `nbf` (if any) passed, both within
 * {@link IDENTITY_CLOCK_TOLERANCE_SECONDS}; `sub` and `iat` present; `token_use`, when present (Cognito),
 * is `"id"`. Cognito access tokens carry `client_id` and no `aud`, so they already fail the audience check;
 * the `token_use` rule refuses them by name as well. RFC 9068 access tokens (`typ: at+jwt`, such as our own
 * JIT tokens) are refused too.
 *
 * Groups: the configured claim must be absent (no groups) or an array of strings; any other shape refuses
 * the token, because guessing (a space-separated string, a single value) could grant a group by accident.
 */
export function createOidcIdentityVerifier(options: OidcIdentityVerifierOptions): IdentityVerifier {
  if (options.clientIds.length === 0) throw new TypeError("clientIds must name at least one client id");
  const clientIds = new Set(options.clientIds);
  const groupsClaim = options.groupsClaim ?? DEFAULT_GROUPS_CLAIM;
  const keys = createRemoteJWKSet(new URL(options.jwksUri ?? defaultJwksUri(options.issuer)), {
    cacheMaxAge: options.jwks?.cacheMaxAgeMs,
    cooldownDuration: options.jwks?.cooldownDurationMs,
    timeoutDuration: options.jwks?.timeoutDurationMs,
  });

  return {
    async verify(token: string): Promise<CallerIdentity> {
      let payload: JWTPayload;
      let typ: string | undefined;
      try {
        const result = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: [...clientIds],
          algorithms: [...IDENTITY_TOKEN_ALGORITHMS],
          clockTolerance: IDENTITY_CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ["sub", "exp", "iat"],
        });
        payload = result.payload;
        typ = result.protectedHeader.typ;
      } catch (err) {
        throw rejectionFromJose(err);
      }
      if (typeof typ === "string" && typ.toLowerCase().replace(/^application\//, "") === "at+jwt") {
        throw new IdentityTokenRejectedError("wrong_token_use");
      }
      if (payload.token_use !== undefined && payload.token_use !== "id") {
        throw new IdentityTokenRejectedError("wrong_token_use");
      }
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (
        payload.azp !== undefined &&
        (typeof payload.azp !== "string" || !clientIds.has(payload.azp) || !audiences.includes(payload.azp))
      ) {
        throw new IdentityTokenRejectedError("invalid_authorized_party");
      }
      if (audiences.length > 1 && payload.azp === undefined) {
        throw new IdentityTokenRejectedError("invalid_authorized_party");
      }
      const sub = payload.sub;
      if (typeof sub !== "string" || sub.length === 0)
        throw new IdentityTokenRejectedError("invalid_subject");
      const groups = (payload as Record<string, unknown>)[groupsClaim];
      if (groups === undefined) return { sub, groups: [] };
      if (!Array.isArray(groups) || !groups.every((g): g is string => typeof g === "string")) {
        throw new IdentityTokenRejectedError("invalid_groups_claim");
      }
      return { sub, groups: [...groups] };
    },
  };
}

function rejectionFromJose(err: unknown): IdentityTokenRejectedError {
  // A timeout or a failed fetch of the JWKS is the IdP's fault, not the caller's; it is still a refusal
  // (fail closed) but logged under its own reason so operators can tell the two apart.
  if (err instanceof errors.JWKSTimeout) {
    return new IdentityTokenRejectedError("jwks_unavailable", err.code, { cause: err });
  }
  if (err instanceof errors.JOSEError) {
    const unavailable = err.code === "ERR_JOSE_GENERIC" || err.code === "ERR_JWKS_INVALID";
    return new IdentityTokenRejectedError(unavailable ? "jwks_unavailable" : "invalid_token", err.code, {
      cause: err,
    });
  }
  if (err instanceof TypeError) {
    // fetch() network failures surface as TypeError ("fetch failed").
    return new IdentityTokenRejectedError("jwks_unavailable", undefined, { cause: err });
  }
  return new IdentityTokenRejectedError("invalid_token", undefined, { cause: err });
}
