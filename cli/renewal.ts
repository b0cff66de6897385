import { decodeJwt } from "jose";
import { UsageError } from "./errors.js";
import { renewWithRefreshToken, SignInRefusedError } from "./oidc-client.js";
import { readProfile, type SessionProfile, withSessionLock, writeProfile } from "./session.js";

/** Renew an identity token that has less than this many seconds left, so it does not expire in flight. */
export const RENEW_BEFORE_SECONDS = 30;

/** `exp` of a JWT (epoch seconds), read without verification; `undefined` when absent or unreadable. */
export function expiryOf(idToken: string): number | undefined {
  try {
    const { exp } = decodeJwt(idToken);
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The identity token of a stored profile, renewed first when it expires within {@link RENEW_BEFORE_SECONDS}
 * and the profile holds a refresh token (a browser sign-in): no prompt, the new tokens are written back to
 * the session file under its lock, and a token another `jit` process renewed meanwhile is used as is.
 * @param nowMs current time, epoch milliseconds.
 * @throws UsageError when the token expired and cannot be renewed (what to run is named);
 *   SignInRefusedError when the provider refuses the refresh token; UnreachableError when it cannot be reached.
 */
export async function freshProfileToken(
  dir: string,
  profile: string,
  stored: SessionProfile,
  nowMs: number,
): Promise<string> {
  if (!expiresSoon(stored.idToken, nowMs)) return stored.idToken;
  const again = `run \`jit login\` again${profile === "default" ? "" : ` --profile ${profile}`}`;
  if (stored.refreshToken === undefined || stored.issuer === undefined || stored.clientId === undefined) {
    const exp = expiryOf(stored.idToken);
    if (exp === undefined || exp * 1000 > nowMs) return stored.idToken;
    throw new UsageError(
      `the identity token of profile ${profile} expired at ${new Date(exp * 1000).toISOString()} and cannot be ` +
        `renewed (it was not stored by a browser sign-in): ${again}`,
    );
  }
  return withSessionLock(dir, async () => {
    const current = readProfile(dir, profile);
    if (current === undefined) throw new UsageError(`profile ${profile} was logged out meanwhile: ${again}`);
    if (!expiresSoon(current.idToken, Date.now())) return current.idToken;
    if (
      current.refreshToken === undefined ||
      current.issuer === undefined ||
      current.clientId === undefined
    ) {
      throw new UsageError(`the identity of profile ${profile} cannot be renewed: ${again}`);
    }
    let renewed: Awaited<ReturnType<typeof renewWithRefreshToken>>;
    try {
      renewed = await renewWithRefreshToken(
        { issuer: current.issuer, clientId: current.clientId },
        current.refreshToken,
        current.subject,
      );
    } catch (err) {
      if (err instanceof SignInRefusedError) throw new SignInRefusedError(`${err.message}; ${again}`);
      throw err;
    }
    const next: SessionProfile = {
      ...current,
      idToken: renewed.idToken,
      subject: renewed.subject,
      savedAt: new Date().toISOString(),
    };
    if (renewed.refreshToken !== undefined) next.refreshToken = renewed.refreshToken;
    writeProfile(dir, profile, next);
    return renewed.idToken;
  });
}

/**
 * Whether a token has less than {@link RENEW_BEFORE_SECONDS} left, or less than a quarter of its lifetime
 * (`exp - iat`) for short-lived tokens, so a 1-minute token is not renewed on every call.
 */
function expiresSoon(idToken: string, nowMs: number): boolean {
  let claims: { exp?: unknown; iat?: unknown };
  try {
    claims = decodeJwt(idToken);
  } catch {
    return false;
  }
  if (typeof claims.exp !== "number") return false;
  const lifetime = typeof claims.iat === "number" ? claims.exp - claims.iat : Number.POSITIVE_INFINITY;
  const margin = Math.min(RENEW_BEFORE_SECONDS, Math.max(0, lifetime / 4));
  return claims.exp - margin <= nowMs / 1000;
}
