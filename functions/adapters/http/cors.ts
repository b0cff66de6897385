import { CorsEnvironmentSchema, ENV, readEnvironment } from "../../config/environment.js";

/**
 * CORS (Fetch Standard, "CORS protocol") of the JIT API for its web console. One origin is allowed, the
 * configured console origin, as a fixed value: a page on any other origin gets an
 * `Access-Control-Allow-Origin` that does not match it, so the browser withholds the response. No
 * credentials mode: the console sends its identity token in `Authorization`, never a cookie.
 * The same values serve the Lambda responses (here), API Gateway's preflight and gateway responses
 * (infra/constructs/jit-api.ts) and the local emulator (local/api-gateway/rest-api.ts).
 */

/** Methods the console uses. */
export const CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"] as const;
/** Request headers the console sends besides the CORS-safelisted ones. */
export const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type"] as const;
/** Response headers the console may read besides the safelisted ones. */
export const CORS_EXPOSE_HEADERS = ["Location", "Retry-After"] as const;
/** How long a browser may cache a preflight answer, seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** Headers of an actual (non-preflight) response for `origin`. */
export function corsResponseHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": CORS_EXPOSE_HEADERS.join(", "),
    vary: "Origin",
  };
}

/** Headers of a preflight (`OPTIONS`) answer for `origin`. */
export function corsPreflightHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": CORS_ALLOW_METHODS.join(", "),
    "access-control-allow-headers": CORS_ALLOW_HEADERS.join(", "),
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
    vary: "Origin",
  };
}

/**
 * The CORS headers every JIT API response carries, from `JIT_CONSOLE_ORIGIN`; none when it is unset.
 * @throws ConfigurationError when the variable is set but is not an origin.
 */
export function corsHeadersFromEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const origin = readEnvironment(CorsEnvironmentSchema, env)[ENV.consoleOrigin];
  return origin === undefined ? {} : corsResponseHeaders(origin);
}
