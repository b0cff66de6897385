/**
 * The console's runtime configuration, `/config.json` on its own origin: written by the local stack when
 * it serves the console, and by the CDK app at deploy time. Nothing about the deployment is built in.
 */
export interface ConsoleConfig {
  /** Base URL of the JIT API, no trailing slash. */
  apiUrl: string;
  /** OIDC issuer of the identity provider (its discovery document is `{issuer}/.well-known/openid-configuration`). */
  issuer: string;
  /** OAuth client id of the console (a public client: authorization code + PKCE). */
  clientId: string;
  /**
   * The provider's authorization and token endpoints, when the server already knows them (the local stack
   * reads the discovery document; the CDK app knows Cognito's). Without them the console reads discovery.
   */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

function requiredUrl(raw: Record<string, unknown>, name: keyof ConsoleConfig): string {
  const value = raw[name];
  if (typeof value !== "string" || !URL.canParse(value)) {
    throw new Error(`config.json: "${name}" must be an absolute URL`);
  }
  return value;
}

/**
 * Loads and checks `/config.json`.
 * @throws Error naming the member that is missing or malformed, or the HTTP status.
 */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/config.json", { cache: "no-store", credentials: "omit" });
  if (!response.ok) throw new Error(`config.json could not be loaded (HTTP ${response.status})`);
  const raw = (await response.json()) as Record<string, unknown>;
  if (typeof raw.clientId !== "string" || raw.clientId === "") {
    throw new Error('config.json: "clientId" must be the console\'s OAuth client id');
  }
  const config: ConsoleConfig = {
    apiUrl: requiredUrl(raw, "apiUrl").replace(/\/+$/, ""),
    issuer: requiredUrl(raw, "issuer"),
    clientId: raw.clientId,
  };
  if (raw.authorizationEndpoint !== undefined || raw.tokenEndpoint !== undefined) {
    config.authorizationEndpoint = requiredUrl(raw, "authorizationEndpoint");
    config.tokenEndpoint = requiredUrl(raw, "tokenEndpoint");
  }
  return config;
}
