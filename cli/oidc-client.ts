import * as oauth from "oauth4webapi";
import { CliError, EXIT, UnreachableError, UsageError } from "./errors.js";
import { displayText } from "./format.js";

/** How long one call to the identity provider may take, milliseconds. */
const PROVIDER_TIMEOUT_MS = 30_000;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The CLI as an OAuth public client of one OpenID provider. */
export interface OidcClientSettings {
  /** Issuer URL, compared exactly with the discovery document's `issuer` (OpenID Connect Discovery §4.3). */
  issuer: string;
  /** The CLI's client id at that issuer (the policy's `identity.cliClientId`). */
  clientId: string;
}

/** Tokens of a sign-in or a renewal, read from a validated token response. */
export interface SignInTokens {
  idToken: string;
  /** Absent when the provider issued none (then the CLI cannot renew silently). */
  refreshToken: string | undefined;
  /** `sub` of the ID token. */
  subject: string;
  /** `exp` of the ID token, epoch seconds. */
  expiresAt: number;
}

/** Exit 1: the identity provider, or the redirect to the CLI, refused the sign-in. Nothing is stored. */
export class SignInRefusedError extends CliError {
  constructor(message: string) {
    super(message, EXIT.refused);
  }
}

/**
 * Checks an issuer URL: `https:`, or `http:` only on a loopback address (a provider on this machine, such
 * as the local stack's development IdP).
 * @throws UsageError naming `source`.
 */
export function checkIssuer(issuer: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new UsageError(`${source}: "${displayText(issuer)}" is not a URL`);
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return url;
  throw new UsageError(
    `${source}: "${displayText(issuer)}" must be an https: URL (http: only on 127.0.0.1, localhost or [::1])`,
  );
}

/** oauth4webapi refuses `http:` unless told; allowed only for loopback issuers (see {@link checkIssuer}). */
function requestOptions(issuer: string): { [oauth.allowInsecureRequests]?: boolean; signal: AbortSignal } {
  const url = new URL(issuer);
  return {
    signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    ...(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)
      ? { [oauth.allowInsecureRequests]: true }
      : {}),
  };
}

/**
 * The provider's metadata from OpenID discovery (`{issuer}/.well-known/openid-configuration`), whose
 * `issuer` must equal `issuer` exactly.
 * @throws UsageError for a bad issuer URL; UnreachableError when the document cannot be fetched or read.
 */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = checkIssuer(issuer, "issuer");
  let as: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(url, { algorithm: "oidc", ...requestOptions(issuer) });
    as = await oauth.processDiscoveryResponse(url, response);
  } catch (err) {
    throw new UnreachableError(
      `cannot read the OpenID discovery document of ${issuer} (${describe(err)}): check the issuer URL and your network`,
      { cause: err },
    );
  }
  if (as.authorization_endpoint === undefined || as.token_endpoint === undefined) {
    throw new UnreachableError(
      `${issuer} publishes no authorization or token endpoint in its discovery document`,
    );
  }
  return as;
}

/** A started authorization request: the URL to open and the secrets that finish it. */
export interface AuthorizationRequest {
  /** The provider's sign-in URL (authorization endpoint with the request's parameters). */
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

/**
 * Builds an authorization code request with PKCE S256 (RFC 6749 §4.1.1, RFC 7636 §4.3), a fresh `state`
 * and OIDC `nonce`. The scope is `openid`, plus `offline_access` when the provider lists it (Okta and Entra
 * ID issue refresh tokens only for it; Cognito refuses scopes it does not list).
 */
export async function authorizationRequest(
  as: oauth.AuthorizationServer,
  clientId: string,
  redirectUri: string,
): Promise<AuthorizationRequest> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const scope = as.scopes_supported?.includes("offline_access") ? "openid offline_access" : "openid";
  const url = new URL(as.authorization_endpoint as string);
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("scope", scope);
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  return { url: url.href, state, nonce, codeVerifier, redirectUri };
}

/**
 * Finishes a sign-in from the redirect to the CLI's loopback listener: checks the response (`state`, `iss`
 * per RFC 9207, or the provider's `error`), redeems the code with the PKCE verifier and validates the ID
 * token (issuer, audience, nonce, times).
 * @throws SignInRefusedError for a refused or invalid response (the provider's `error_description` included);
 *   UnreachableError when the token endpoint cannot be reached.
 */
export async function redeemCallback(
  as: oauth.AuthorizationServer,
  settings: OidcClientSettings,
  request: AuthorizationRequest,
  callback: URL,
): Promise<SignInTokens> {
  const client: oauth.Client = { client_id: settings.clientId };
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, callback, request.state);
  } catch (err) {
    throw refusal("the sign-in response was refused", err);
  }
  let result: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      request.redirectUri,
      request.codeVerifier,
      requestOptions(settings.issuer),
    );
    result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: request.nonce,
      requireIdToken: true,
    });
  } catch (err) {
    throw refusal("the identity provider refused the sign-in", err);
  }
  return tokensOf(result, undefined);
}

/**
 * Renews an identity token with a refresh token (RFC 6749 §6) and validates the new ID token; its `sub`
 * must be the one of the previous sign-in (OpenID Connect Core §12.2).
 * @returns the new tokens; `refreshToken` is the rotated one, or the old one when the provider keeps it.
 * @throws SignInRefusedError when the provider refuses (expired or revoked refresh token);
 *   UnreachableError when it cannot be reached.
 */
export async function renewWithRefreshToken(
  settings: OidcClientSettings,
  refreshToken: string,
  subject: string | undefined,
): Promise<SignInTokens> {
  const as = await discover(settings.issuer);
  const client: oauth.Client = { client_id: settings.clientId };
  let result: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      refreshToken,
      requestOptions(settings.issuer),
    );
    result = await oauth.processRefreshTokenResponse(as, client, response);
  } catch (err) {
    throw refusal("the identity provider refused to renew the identity token", err);
  }
  const tokens = tokensOf(result, refreshToken);
  if (subject !== undefined && tokens.subject !== subject) {
    throw new SignInRefusedError(
      `the renewed identity token is for "${displayText(tokens.subject)}", not "${displayText(subject)}"`,
    );
  }
  return tokens;
}

function tokensOf(
  result: oauth.TokenEndpointResponse,
  previousRefreshToken: string | undefined,
): SignInTokens {
  const claims = oauth.getValidatedIdTokenClaims(result);
  if (claims === undefined || result.id_token === undefined) {
    throw new SignInRefusedError("the identity provider answered without an ID token");
  }
  return {
    idToken: result.id_token,
    refreshToken: result.refresh_token ?? previousRefreshToken,
    subject: claims.sub,
    expiresAt: claims.exp,
  };
}

/** The CLI error for a failed OAuth step: the provider's own words when it sent an RFC 6749 error. */
function refusal(what: string, err: unknown): CliError {
  if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError) {
    const detail = err.error_description ? `${err.error_description} (${err.error})` : err.error;
    return new SignInRefusedError(`${what}: ${displayText(detail)}`);
  }
  if (err instanceof TypeError || (err as { name?: string } | null)?.name === "TimeoutError") {
    return new UnreachableError(`${what}: cannot reach the identity provider (${describe(err)})`, {
      cause: err,
    });
  }
  return new SignInRefusedError(`${what}: ${displayText(describe(err))}`);
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === "string" ? `${message}: ${cause}` : message;
}
