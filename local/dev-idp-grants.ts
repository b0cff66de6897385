import { randomBytes } from "node:crypto";
import { calculatePKCECodeChallenge } from "oauth4webapi";

/** Seconds an authorization code can be redeemed (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;
/** Seconds a refresh token of the development IdP stays valid. */
export const REFRESH_TOKEN_TTL_SECONDS = 12 * 3_600;
/** Most codes and refresh tokens held at once; the oldest are dropped first (the store stays bounded). */
const MAX_ENTRIES = 10_000;

/** What a code or refresh token stands for: who signed in, for which client. */
export interface SignIn {
  username: string;
  clientId: string;
  /** `auth_time` of the ID tokens (epoch seconds): when the user signed in at the page. */
  authTime: number;
  scope: string;
  /** OIDC `nonce` of the authorization request, echoed in the first ID token only. */
  nonce: string | undefined;
}

interface CodeEntry {
  signIn: SignIn;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
  /** Refresh tokens issued for this code, revoked if the code is presented again (RFC 6749 §4.1.2). */
  family: string;
  redeemed: boolean;
}

interface RefreshEntry {
  signIn: SignIn;
  family: string;
  expiresAt: number;
  /** Rotated away: presenting it again is a replay, and revokes its whole family (RFC 9700 §4.14.2). */
  rotated: boolean;
}

/** Why a code or refresh token was refused: an RFC 6749 §5.2 `error` and a description for the client. */
export class GrantRefusedError extends Error {
  override name = "GrantRefusedError";
  constructor(
    readonly error: "invalid_grant" | "invalid_request",
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

/** The redemption request of an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export interface CodeRedemption {
  code: string;
  clientId: string;
  redirectUri: string;
  codeVerifier: string;
}

/** RFC 7636 §4.1: 43-128 characters of `[A-Za-z0-9-._~]`. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * Authorization codes and refresh tokens of the development IdP, in memory. Codes are single-use and bound
 * to the client, the redirect URI and the PKCE S256 challenge of their request; refresh tokens are bound to
 * their client and rotated on every use.
 */
export class DevIdpGrants {
  readonly #codes = new Map<string, CodeEntry>();
  readonly #refreshTokens = new Map<string, RefreshEntry>();
  readonly #now: () => number;

  /** @param now current time, epoch seconds. */
  constructor(now: () => number = () => Math.floor(Date.now() / 1000)) {
    this.#now = now;
  }

  /** Issues a single-use authorization code for `signIn`, bound to `redirectUri` and `codeChallenge`. */
  issueCode(signIn: SignIn, redirectUri: string, codeChallenge: string): string {
    const code = opaque();
    bounded(this.#codes).set(code, {
      signIn,
      redirectUri,
      codeChallenge,
      expiresAt: this.#now() + AUTHORIZATION_CODE_TTL_SECONDS,
      family: opaque(),
      redeemed: false,
    });
    return code;
  }

  /**
   * Redeems a code. A code is spent by its first redemption attempt, whatever the outcome, so a stolen code
   * cannot be tried against many verifiers; a second attempt also revokes the refresh tokens the first one
   * obtained (RFC 6749 §4.1.2).
   * @returns the sign-in and a new refresh token.
   * @throws GrantRefusedError `invalid_grant` naming what did not match.
   */
  async redeemCode(request: CodeRedemption): Promise<{ signIn: SignIn; refreshToken: string }> {
    const entry = this.#codes.get(request.code);
    if (entry === undefined) throw new GrantRefusedError("invalid_grant", "unknown authorization code");
    if (entry.redeemed) {
      this.#revokeFamily(entry.family);
      throw new GrantRefusedError(
        "invalid_grant",
        "the authorization code was already used; the tokens it gave were revoked",
      );
    }
    entry.redeemed = true;
    if (this.#now() >= entry.expiresAt) {
      throw new GrantRefusedError("invalid_grant", "the authorization code has expired");
    }
    if (entry.signIn.clientId !== request.clientId) {
      throw new GrantRefusedError("invalid_grant", "the authorization code was issued to another client");
    }
    if (entry.redirectUri !== request.redirectUri) {
      throw new GrantRefusedError(
        "invalid_grant",
        "redirect_uri differs from the one of the authorization request",
      );
    }
    if (!CODE_VERIFIER.test(request.codeVerifier)) {
      throw new GrantRefusedError(
        "invalid_grant",
        "code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)",
      );
    }
    if ((await calculatePKCECodeChallenge(request.codeVerifier)) !== entry.codeChallenge) {
      throw new GrantRefusedError("invalid_grant", "code_verifier does not match the code_challenge");
    }
    return { signIn: entry.signIn, refreshToken: this.#issueRefreshToken(entry.signIn, entry.family) };
  }

  /**
   * Exchanges a refresh token for a new one (rotation) and returns its sign-in. Presenting a rotated token
   * again revokes every token of its family.
   * @throws GrantRefusedError `invalid_grant`.
   */
  refresh(refreshToken: string, clientId: string): { signIn: SignIn; refreshToken: string } {
    const entry = this.#refreshTokens.get(refreshToken);
    if (entry === undefined) {
      throw new GrantRefusedError("invalid_grant", "unknown or revoked refresh token; sign in again");
    }
    if (entry.rotated) {
      this.#revokeFamily(entry.family);
      throw new GrantRefusedError(
        "invalid_grant",
        "the refresh token was already used; every token of this sign-in was revoked",
      );
    }
    if (this.#now() >= entry.expiresAt) {
      this.#refreshTokens.delete(refreshToken);
      throw new GrantRefusedError("invalid_grant", "the refresh token has expired; sign in again");
    }
    if (entry.signIn.clientId !== clientId) {
      throw new GrantRefusedError("invalid_grant", "the refresh token was issued to another client");
    }
    entry.rotated = true;
    const signIn = { ...entry.signIn, nonce: undefined };
    return { signIn, refreshToken: this.#issueRefreshToken(signIn, entry.family) };
  }

  #issueRefreshToken(signIn: SignIn, family: string): string {
    const token = opaque();
    bounded(this.#refreshTokens).set(token, {
      signIn,
      family,
      expiresAt: this.#now() + REFRESH_TOKEN_TTL_SECONDS,
      rotated: false,
    });
    return token;
  }

  #revokeFamily(family: string): void {
    for (const [token, entry] of this.#refreshTokens) {
      if (entry.family === family) this.#refreshTokens.delete(token);
    }
  }
}

/** 256 random bits, base64url: unguessable codes and refresh tokens. */
function opaque(): string {
  return randomBytes(32).toString("base64url");
}

/** Makes room for one more entry by dropping the oldest (Maps iterate in insertion order). */
function bounded<V>(map: Map<string, V>): Map<string, V> {
  while (map.size >= MAX_ENTRIES) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
  return map;
}
