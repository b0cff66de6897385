import type { JWK } from "jose";
import type { PublicKeySource } from "../ports/public-keys.js";

/** A JWK Set (RFC 7517 §5). */
export interface JwkSet {
  keys: JWK[];
}

/**
 * The JWKS published at `${issuer}/.well-known/jwks.json`: every configured public key (current first,
 * then previous ones kept during rotation), each with `kid` (RFC 7638 thumbprint), `alg` and `use: "sig"`,
 * public members only.
 * @throws what the key source throws (e.g. a KMS error); nothing partial is published.
 */
export async function publishJwks(keys: PublicKeySource): Promise<JwkSet> {
  const loaded = await keys.load();
  return { keys: loaded.map((k) => publicMembers(k.publicJwk)) };
}

/** Public JWK members by key type (RFC 7518 §6.2.1, §6.3.1), plus the RFC 7517 §4 parameters we set. */
const PUBLIC_MEMBERS: readonly (keyof JWK)[] = ["kty", "crv", "x", "y", "n", "e", "kid", "alg", "use"];

function publicMembers(jwk: JWK): JWK {
  const out: JWK = {};
  for (const name of PUBLIC_MEMBERS)
    if (jwk[name] !== undefined) (out as Record<string, unknown>)[name] = jwk[name];
  return out;
}

/** RFC 8414 authorization server metadata, limited to what jit-access really offers. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  /** REQUIRED by RFC 8414 §2; empty because jit-access has no OAuth authorization endpoint. */
  response_types_supported: string[];
  /** Where the token profile (claims, `typ`, algorithms) is documented. */
  service_documentation: string;
  [member: string]: unknown;
}

/** Where the project documents its token profile. */
export const SERVICE_DOCUMENTATION_URL = "https://github.com/jit-access/jit-access/blob/main/docs/tokens.md";

/**
 * RFC 8414 §2 metadata for `issuer`: `issuer`, `jwks_uri` (`${issuer}/.well-known/jwks.json`),
 * `response_types_supported: []` (required member; there is no authorization endpoint), and
 * `service_documentation`. It claims no token endpoint or grant types: tokens come from the JIT API's
 * `POST /requests/{id}/token`, which is not an OAuth token endpoint.
 *
 * Note: the document is served at `${issuer}/.well-known/oauth-authorization-server` (docs/http-api.md).
 * For an issuer with a path (an API Gateway stage), RFC 8414 §3 would insert the well-known segment
 * before the path; verifiers need only `jwks_uri`, which is absolute.
 *
 * @param issuer the `iss` of our tokens (`JIT_ISSUER`), an absolute URL; a trailing `/` is not doubled.
 */
export function authorizationServerMetadata(issuer: string): AuthorizationServerMetadata {
  return {
    issuer,
    jwks_uri: `${issuer.replace(/\/+$/, "")}/.well-known/jwks.json`,
    response_types_supported: [],
    service_documentation: SERVICE_DOCUMENTATION_URL,
  };
}
