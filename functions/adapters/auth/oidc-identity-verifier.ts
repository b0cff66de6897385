import { errors, type JWTPayload, jwtVerify } from "jose";
import type { CallerIdentity } from "../http/caller-identity.js";
import { createOidcKeySource, OidcDiscoveryError, type OidcKeySourceTiming } from "./oidc-key-source.js";

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

/** Longest `sub` accepted, characters (OpenID Connect Core 1.0 §2: at most 255 ASCII characters). */
export const MAX_SUBJECT_LENGTH = 255;
/** Most groups accepted in one identity token; a caller in more is refused rather than truncated. */
export const MAX_GROUPS = 200;
/** Longest group name accepted, characters. */
export const MAX_GROUP_NAME_LENGTH = 256;

/** C0 and C1 control characters (NUL included): never part of a subject or group name. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Why an identity token was refused. Safe to log (never includes the token): `missing_token`,
 * `malformed_authorization` (not exactly `Bearer <token>`), `invalid_token` (jose refused it: signature,
 * alg, iss, aud, exp, unknown kid...), `jwks_unavailable` (the issuer's JWKS could not be fetched),
 * `discovery_unavailable` (the issuer's OpenID discovery document could not be fetched or is not its own),
 * `wrong_token_use` (a Cognito access token or another non-ID token), `invalid_subject` (missing, too
 * long, control characters), `invalid_groups_claim` (not an array of short strings, too many),
 * `group_overage` (Entra ID left the groups out and points to Microsoft Graph via `_claim_names`),
 * `invalid_authorized_party` (`azp` missing or not one of our clients).
 */
export type IdentityRejectionReason =
  | "missing_token"
  | "malformed_authorization"
  | "invalid_token"
  | "jwks_unavailable"
  | "discovery_unavailable"
  | "wrong_token_use"
  | "invalid_subject"
  | "invalid_groups_claim"
  | "group_overage"
  | "invalid_authorized_party";

/** The identity token was not accepted. `reason` and `joseCode` are safe to log; the token never is. */
export class IdentityTokenRejectedError extends Error {
  override name = "IdentityTokenRejectedError";
  /** What exactly was wrong, for the log (sizes and names, never claim values or the token). */
  readonly detail: string | undefined;
  constructor(
    readonly reason: IdentityRejectionReason,
    /** jose's stable error code (e.g. `ERR_JWT_EXPIRED`) when jose refused the token. */
    readonly joseCode?: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(`identity token rejected: ${reason}${joseCode ? ` (${joseCode})` : ""}`, options);
    this.detail = options?.detail;
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
  /** JWKS URL; default: the `jwks_uri` of the issuer's OpenID discovery document. */
  jwksUri?: string;
  /**
   * Cache and timeout settings of discovery and the JWKS (see {@link OidcKeySourceTiming}): locations and
   * keys are refetched after 10 minutes; an unknown `kid` refetches at most every 30 s; fetches time out
   * after 5 s (fail closed); a failed discovery is retried after 5 s.
   */
  jwks?: OidcKeySourceTiming;
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
  const keys = createOidcKeySource({
    issuer: options.issuer,
    ...(options.jwksUri === undefined ? {} : { jwksUri: options.jwksUri }),
    ...options.jwks,
  }).getKey;

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
      return { sub: subjectOf(payload), groups: groupsOf(payload, groupsClaim) };
    },
  };
}

/** The verified `sub`. @throws IdentityTokenRejectedError `invalid_subject`. */
function subjectOf(payload: JWTPayload): string {
  const sub = payload.sub;
  if (typeof sub !== "string" || sub.length === 0) {
    throw new IdentityTokenRejectedError("invalid_subject", undefined, { detail: "sub is missing or empty" });
  }
  if (sub.length > MAX_SUBJECT_LENGTH) {
    throw new IdentityTokenRejectedError("invalid_subject", undefined, {
      detail: `sub has ${sub.length} characters; at most ${MAX_SUBJECT_LENGTH}`,
    });
  }
  if (CONTROL_CHARACTER.test(sub)) {
    throw new IdentityTokenRejectedError("invalid_subject", undefined, {
      detail: "sub contains control characters",
    });
  }
  return sub;
}

/**
 * The groups of the configured claim: absent means none; otherwise an array of at most {@link MAX_GROUPS}
 * names of 1-{@link MAX_GROUP_NAME_LENGTH} characters without control characters. Any other shape refuses
 * the token, because guessing (a space-separated string, a single value) could grant a group by accident.
 * @throws IdentityTokenRejectedError `invalid_groups_claim` or `group_overage`.
 */
function groupsOf(payload: JWTPayload, groupsClaim: string): string[] {
  const groups = (payload as Record<string, unknown>)[groupsClaim];
  if (groups === undefined) {
    // Entra ID puts at most 200 groups in a token; past that it omits the claim and names it in
    // `_claim_names` (a "distributed claim", OpenID Connect Core 1.0 §5.6.2). Reading none would silently
    // drop the caller's groups, so the token is refused instead.
    const claimNames = (payload as Record<string, unknown>)._claim_names;
    if (typeof claimNames === "object" && claimNames !== null && Object.hasOwn(claimNames, groupsClaim)) {
      throw new IdentityTokenRejectedError("group_overage", undefined, {
        detail: `the ${groupsClaim} claim is not in the token (_claim_names: group overage); assign fewer groups or emit only groups assigned to the application`,
      });
    }
    return [];
  }
  const invalid = (detail: string) =>
    new IdentityTokenRejectedError("invalid_groups_claim", undefined, { detail });
  if (!Array.isArray(groups))
    throw invalid(
      `${groupsClaim} is a${typeof groups === "object" ? "n object" : ` ${typeof groups}`}, not an array`,
    );
  if (groups.length > MAX_GROUPS)
    throw invalid(`${groupsClaim} lists ${groups.length} groups; at most ${MAX_GROUPS}`);
  for (const group of groups) {
    if (typeof group !== "string") throw invalid(`${groupsClaim} holds a ${typeof group}, not only strings`);
    if (group.length === 0 || group.length > MAX_GROUP_NAME_LENGTH || CONTROL_CHARACTER.test(group)) {
      throw invalid(
        `${groupsClaim} holds a name that is empty, longer than ${MAX_GROUP_NAME_LENGTH} characters or has control characters`,
      );
    }
  }
  return [...groups];
}

function rejectionFromJose(err: unknown): IdentityTokenRejectedError {
  if (err instanceof OidcDiscoveryError) {
    return new IdentityTokenRejectedError("discovery_unavailable", undefined, { cause: err });
  }
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
