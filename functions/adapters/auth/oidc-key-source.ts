import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { allowInsecureRequests, discoveryRequest, processDiscoveryResponse } from "oauth4webapi";
import { isTrustworthyUrl } from "../../domain/trustworthy-url.js";

/** The issuer's discovery document could not be fetched or is not the issuer's; no key can be chosen. */
export class OidcDiscoveryError extends Error {
  override name = "OidcDiscoveryError";
}

/** Timing of {@link createOidcKeySource}, milliseconds. Omitted values take the defaults listed. */
export interface OidcKeySourceTiming {
  /**
   * How long a discovered `jwks_uri` and the keys fetched from it are used before they are fetched again
   * (jose `cacheMaxAge`). Default 600 000 (10 minutes).
   */
  cacheMaxAgeMs?: number;
  /**
   * After a fetch of the JWKS, a token with an unknown `kid` triggers a refetch only when the last one is older
   * than this (jose `cooldownDuration`), so a flood of forged kids cannot hammer the IdP. Default 30 000.
   */
  cooldownDurationMs?: number;
  /** Longest wait for the discovery document or the JWKS; slower is a failure (fail closed). Default 5 000. */
  timeoutDurationMs?: number;
  /**
   * After a failed discovery, how long callers are refused without trying again, so an outage of the IdP
   * is not multiplied by every call. Afterwards the next call tries again: recovery needs no restart.
   * Default 5 000.
   */
  discoveryRetryMs?: number;
  /** Current time of the discovery cache, epoch milliseconds (injectable for tests). */
  now?: () => number;
}

/** Settings of {@link createOidcKeySource}. */
export interface OidcKeySourceOptions extends OidcKeySourceTiming {
  /** The issuer, exactly as in `iss`: discovery is `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** The JWKS location, when discovery is not to be used (the policy's `identity.jwksUri`). */
  jwksUri?: string;
}

/** A key source for jose's `jwtVerify` and what it currently uses. */
export interface OidcKeySource {
  /** For `jwtVerify(token, getKey, …)`. @throws OidcDiscoveryError when no JWKS location is known. */
  getKey: JWTVerifyGetKey;
  /** The JWKS location in use, once known. */
  jwksUri(): string | undefined;
}

interface Located {
  uri: string;
  keys: ReturnType<typeof createRemoteJWKSet>;
  /** When the location was last confirmed by discovery (epoch ms). */
  confirmedAt: number;
}

/**
 * The issuer's signing keys, located through OpenID Connect Discovery 1.0 (§4: `{issuer}/.well-known/
 * openid-configuration`, whose `issuer` must equal the configured one exactly, §4.3) or an explicit
 * `jwksUri`. The discovered location is cached alongside the key set it points at, and both are refreshed
 * after `cacheMaxAgeMs`. When discovery fails and a location is already known, that location keeps being
 * used (keys are still verified against it); when none is known, verification fails with
 * {@link OidcDiscoveryError} and the next call after `discoveryRetryMs` tries again.
 */
export function createOidcKeySource(options: OidcKeySourceOptions): OidcKeySource {
  const now = options.now ?? Date.now;
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 600_000;
  const timeoutMs = options.timeoutDurationMs ?? 5_000;
  const retryMs = options.discoveryRetryMs ?? 5_000;
  const remote = (uri: string) =>
    createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: cacheMaxAgeMs,
      cooldownDuration: options.cooldownDurationMs,
      timeoutDuration: timeoutMs,
    });

  if (options.jwksUri !== undefined) {
    const uri = options.jwksUri;
    const keys = remote(uri);
    return { getKey: (header, token) => keys(header, token), jwksUri: () => uri };
  }

  const issuer = new URL(options.issuer);
  let located: Located | undefined;
  let lastFailureAt: number | undefined;
  let inFlight: Promise<Located> | undefined;

  async function discover(): Promise<Located> {
    try {
      const response = await discoveryRequest(issuer, {
        signal: AbortSignal.timeout(timeoutMs),
        [allowInsecureRequests]: issuer.protocol === "http:" && isTrustworthyUrl(issuer),
      });
      const metadata = await processDiscoveryResponse(issuer, response);
      const uri = metadata.jwks_uri;
      if (typeof uri !== "string" || !isTrustworthyUrl(new URL(uri))) {
        throw new OidcDiscoveryError("the discovery document has no https jwks_uri");
      }
      lastFailureAt = undefined;
      located =
        located?.uri === uri
          ? { ...located, confirmedAt: now() }
          : { uri, keys: remote(uri), confirmedAt: now() };
      return located;
    } catch (err) {
      lastFailureAt = now();
      if (located !== undefined) return located;
      throw err instanceof OidcDiscoveryError
        ? err
        : new OidcDiscoveryError(`OpenID discovery of ${options.issuer} failed`, { cause: err });
    }
  }

  async function current(): Promise<Located> {
    const fresh = located !== undefined && now() - located.confirmedAt < cacheMaxAgeMs;
    const coolingDown = lastFailureAt !== undefined && now() - lastFailureAt < retryMs;
    if (located !== undefined && (fresh || coolingDown)) return located;
    if (located === undefined && coolingDown) {
      throw new OidcDiscoveryError(`OpenID discovery of ${options.issuer} failed recently; retrying later`);
    }
    // Concurrent verifications share one discovery request.
    inFlight ??= discover().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async getKey(header, token) {
      const { keys } = await current();
      return keys(header, token);
    },
    jwksUri: () => located?.uri,
  };
}
