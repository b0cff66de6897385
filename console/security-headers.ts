/**
 * The console's security headers: one definition used by the local stack's console server
 * (local/console-server.ts) and by the CloudFront response headers policy (infra/stacks/console-stack.ts),
 * so the two cannot drift. Tests check both.
 */

/** HSTS max-age, seconds (two years, the preload list's minimum is one). */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** Options of {@link contentSecurityPolicy}. */
export interface ContentSecurityPolicyOptions {
  /**
   * Where the page may connect besides its own origin (which serves config.json): the JIT API and the
   * identity provider's endpoints, as origins (`https://api.example.com`) or CSP host sources.
   */
  readonly connectSources: readonly string[];
  /** Served over HTTPS only: upgrade any http: subresource (off for the loopback-only local stack). */
  readonly upgradeInsecureRequests: boolean;
}

/**
 * The Content-Security-Policy (CSP Level 3): nothing by default; scripts, styles, fonts and images only
 * from the console's own origin (no inline script, no eval); connections only to the console origin, the
 * JIT API and the identity provider; no framing (`frame-ancestors 'none'`), no plugins, no `<base>`.
 */
export function contentSecurityPolicy(options: ContentSecurityPolicyOptions): string {
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...new Set(options.connectSources)].join(" ")}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ];
  if (options.upgradeInsecureRequests) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** Headers CloudFront's response headers policy has no dedicated setting for (sent as custom headers). */
export const CUSTOM_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

/** The other security headers, as name → value (lower-case names). */
export const STATIC_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "strict-transport-security": `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  ...Object.fromEntries(
    Object.entries(CUSTOM_SECURITY_HEADERS).map(([name, value]) => [name.toLowerCase(), value]),
  ),
};

/** Every security header of a console response. */
export function consoleSecurityHeaders(options: ContentSecurityPolicyOptions): Record<string, string> {
  return { "content-security-policy": contentSecurityPolicy(options), ...STATIC_SECURITY_HEADERS };
}

/** The origin (`scheme://host[:port]`) of a URL, for CSP sources and CORS. @throws TypeError for a non-URL. */
export function originOf(url: string): string {
  return new URL(url).origin;
}
