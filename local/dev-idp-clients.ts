/**
 * The development IdP's two registered OAuth clients (docs/local.md) and the redirect URIs each may use.
 * Both are public clients (no secret, RFC 6749 §2.1) that must use PKCE.
 */

/** Client id of the `jit` CLI in the local stack (the policy's `identity.cliClientId` in AWS). */
export const DEV_IDP_CLI_CLIENT_ID = "jit-cli";
/** Client id of the web console in the local stack (the policy's `identity.consoleClientId` in AWS). */
export const DEV_IDP_CONSOLE_CLIENT_ID = "jit-console";
/** Path of both clients' redirect URI: the CLI's loopback listener and the console's callback page. */
export const CALLBACK_PATH = "/callback";

/** The clients of one development IdP. */
export interface DevIdpClients {
  cliClientId: string;
  consoleClientId: string;
  /** Origin of the console (`http://127.0.0.1:PORT`); without one the console client has no redirect URI. */
  consoleOrigin: string | undefined;
}

/** Hosts of a loopback redirect URI (RFC 8252 §7.3, §8.3: `localhost` is allowed here as Cognito does). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether `redirectUri` is registered for `clientId`. The CLI may use a loopback URI
 * `http://{localhost|127.0.0.1|[::1]}:{any port}/callback` (RFC 8252 §7.3: the port is chosen at request
 * time); the console exactly `{console origin}/callback`. Comparison is exact (RFC 6749 §3.1.2.3; OAuth 2.0
 * Security BCP, RFC 9700 §4.1.3): no other path, no query, no fragment, no user info.
 * @returns `undefined` when allowed, else the reason (safe to show: it names only what was sent).
 */
export function redirectUriRefusal(
  clients: DevIdpClients,
  clientId: string,
  redirectUri: string,
): string | undefined {
  if (clientId === clients.consoleClientId) {
    if (clients.consoleOrigin === undefined) return "the console client has no redirect URI in this stack";
    const expected = `${clients.consoleOrigin}${CALLBACK_PATH}`;
    return redirectUri === expected ? undefined : `the console client's only redirect URI is ${expected}`;
  }
  if (clientId === clients.cliClientId) {
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      return "redirect_uri is not a URL";
    }
    const loopback =
      url.protocol === "http:" &&
      LOOPBACK_HOSTS.has(url.hostname) &&
      url.port !== "" &&
      url.pathname === CALLBACK_PATH &&
      url.username === "" &&
      url.password === "" &&
      url.search === "" &&
      url.hash === "" &&
      // No normalisation tricks: what was sent must be what the URL parser reads back.
      redirectUri === `http://${url.hostname}:${url.port}${CALLBACK_PATH}`;
    return loopback
      ? undefined
      : `the CLI client accepts only loopback redirect URIs http://localhost:{port}${CALLBACK_PATH} or http://127.0.0.1:{port}${CALLBACK_PATH}`;
  }
  return "unknown client_id";
}

/** Whether `clientId` is one of the registered clients. */
export function isKnownClient(clients: DevIdpClients, clientId: string): boolean {
  return clientId === clients.cliClientId || clientId === clients.consoleClientId;
}
