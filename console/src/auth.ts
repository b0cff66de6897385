import * as oauth from "oauth4webapi";
import type { ConsoleConfig } from "./config";

/**
 * Sign-in for the console: OAuth 2.0 authorization code flow with PKCE (RFC 7636, S256) against the
 * configured OpenID provider, through oauth4webapi (DESIGN.md §8). The ID token is the JIT API's bearer
 * credential. Tokens live in this tab's sessionStorage only (never localStorage, never a URL): a reload
 * keeps the session, closing the tab ends it.
 */

/** Path of the console's redirect URI: exactly `{console origin}/callback`. */
export const CALLBACK_PATH = "/callback";
const SESSION_KEY = "jit-console.session";
const PENDING_KEY = "jit-console.sign-in";
/** Renew the ID token when it has less than this many seconds left. */
const RENEW_BEFORE_SECONDS = 60;
/** Scope of the authorization request: an ID token, nothing else. */
const SCOPE = "openid";

/** The signed-in person. */
export interface Session {
  idToken: string;
  refreshToken?: string;
  /** `exp` of the ID token, epoch seconds. */
  expiresAt: number;
  /** `sub` of the ID token: who the JIT API sees. */
  sub: string;
  /** A name to show: `preferred_username`, `cognito:username`, `email` or `sub`. */
  name: string;
}

interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

/** Thrown when the provider or the callback refuses the sign-in; the message is safe to show. */
export class SignInError extends Error {
  override name = "SignInError";
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** oauth4webapi refuses http: URLs unless told; the development IdP on a loopback address is the one exception. */
function httpOptions(url: string): { [oauth.allowInsecureRequests]?: boolean } {
  const parsed = new URL(url);
  return parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname)
    ? { [oauth.allowInsecureRequests]: true }
    : {};
}

let metadata: Promise<oauth.AuthorizationServer> | undefined;

/** The provider's metadata: from config.json when it names the endpoints, else OpenID discovery. */
function authorizationServer(config: ConsoleConfig): Promise<oauth.AuthorizationServer> {
  metadata ??= (async () => {
    if (config.authorizationEndpoint !== undefined && config.tokenEndpoint !== undefined) {
      return {
        issuer: config.issuer,
        authorization_endpoint: config.authorizationEndpoint,
        token_endpoint: config.tokenEndpoint,
      };
    }
    const issuer = new URL(config.issuer);
    const response = await oauth.discoveryRequest(issuer, {
      algorithm: "oidc",
      ...httpOptions(config.issuer),
    });
    return oauth.processDiscoveryResponse(issuer, response);
  })();
  metadata.catch(() => {
    metadata = undefined;
  });
  return metadata;
}

function client(config: ConsoleConfig): oauth.Client {
  return { client_id: config.clientId };
}

function redirectUri(): string {
  return `${location.origin}${CALLBACK_PATH}`;
}

/**
 * The path to return to after sign-in, kept only when it stays on this origin: an absolute path (not
 * `//host` or `/\host`), resolved against this origin, never the callback itself. Anything else is `/`.
 */
export function safeReturnPath(path: string | null | undefined): string {
  if (typeof path !== "string" || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) {
    return "/";
  }
  let url: URL;
  try {
    url = new URL(path, location.origin);
  } catch {
    return "/";
  }
  if (url.origin !== location.origin || url.pathname === CALLBACK_PATH) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Sends the browser to the provider's sign-in page; after sign-in it comes back to `returnTo`. */
export async function beginSignIn(config: ConsoleConfig, returnTo: string): Promise<void> {
  const as = await authorizationServer(config);
  if (as.authorization_endpoint === undefined) {
    throw new SignInError("The identity provider publishes no authorization endpoint.");
  }
  const verifier = oauth.generateRandomCodeVerifier();
  const pending: PendingSignIn = {
    verifier,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo: safeReturnPath(returnTo),
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", config.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", redirectUri());
  url.searchParams.set("scope", SCOPE);
  url.searchParams.set("state", pending.state);
  url.searchParams.set("nonce", pending.nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  location.assign(url.href);
}

/**
 * Finishes a sign-in on the callback page: checks `state`, redeems the code with the PKCE verifier,
 * validates the ID token (issuer, audience, nonce, times) and keeps the session.
 * @returns the same-origin path to go back to.
 * @throws SignInError when the provider refused, the state does not match, or the sign-in was not
 *   started in this tab.
 */
export async function completeSignIn(config: ConsoleConfig, callbackUrl: URL): Promise<string> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (raw === null) {
    throw new SignInError("This sign-in was not started in this tab, or it already finished. Sign in again.");
  }
  const pending = JSON.parse(raw) as PendingSignIn;
  const as = await authorizationServer(config);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client(config), callbackUrl, pending.state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) {
      throw new SignInError(
        `The identity provider refused the sign-in: ${err.error_description ?? err.error}`,
      );
    }
    throw new SignInError(`The sign-in response is not valid: ${(err as Error).message}`);
  }
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client(config),
    oauth.None(),
    params,
    redirectUri(),
    pending.verifier,
    httpOptions(config.issuer),
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client(config), response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  saveSession(result, undefined);
  return pending.returnTo;
}

function saveSession(result: oauth.TokenEndpointResponse, previous: Session | undefined): Session {
  const claims = oauth.getValidatedIdTokenClaims(result);
  if (claims === undefined || result.id_token === undefined) {
    throw new SignInError("The identity provider returned no ID token.");
  }
  const nameClaim = [claims.preferred_username, claims["cognito:username"], claims.email].find(
    (v): v is string => typeof v === "string" && v !== "",
  );
  const session: Session = {
    idToken: result.id_token,
    expiresAt: claims.exp,
    sub: claims.sub,
    name: nameClaim ?? claims.sub,
  };
  const refreshToken = result.refresh_token ?? previous?.refreshToken;
  if (refreshToken !== undefined) session.refreshToken = refreshToken;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

/** The session of this tab, if any (possibly expired: {@link freshIdToken} renews it). */
export function currentSession(): Session | undefined {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return undefined;
  }
}

/** Forgets the session of this tab. */
export function signOut(): void {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(PENDING_KEY);
}

let renewing: Promise<string | undefined> | undefined;

/**
 * An ID token with at least a minute left: the current one, or one renewed with the refresh token
 * (RFC 6749 §6). `undefined` when there is no session or it cannot be renewed (then it is forgotten).
 */
export function freshIdToken(config: ConsoleConfig): Promise<string | undefined> {
  const session = currentSession();
  if (session === undefined) return Promise.resolve(undefined);
  if (session.expiresAt - Date.now() / 1000 > RENEW_BEFORE_SECONDS) return Promise.resolve(session.idToken);
  const refreshToken = session.refreshToken;
  if (refreshToken === undefined) {
    signOut();
    return Promise.resolve(undefined);
  }
  renewing ??= (async () => {
    try {
      const as = await authorizationServer(config);
      const response = await oauth.refreshTokenGrantRequest(
        as,
        client(config),
        oauth.None(),
        refreshToken,
        httpOptions(config.issuer),
      );
      const result = await oauth.processRefreshTokenResponse(as, client(config), response);
      return saveSession(result, session).idToken;
    } catch {
      signOut();
      return undefined;
    } finally {
      renewing = undefined;
    }
  })();
  return renewing;
}
