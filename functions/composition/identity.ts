import {
  createOidcIdentityVerifier,
  type IdentityVerifier,
} from "../adapters/auth/oidc-identity-verifier.js";
import { createLogger } from "../adapters/logging/logger.js";
import { ENV, IdentityAuthorizerEnvironmentSchema, readEnvironment } from "../config/environment.js";
import type { StructuredLog } from "../ports/structured-log.js";

/** What the identity authorizer needs: a verifier (with its JWKS cache) and a logger. */
export interface IdentityAuthorizerDeps {
  verifier: IdentityVerifier;
  logger: StructuredLog;
}

/**
 * Builds the identity authorizer's dependencies from the Lambda environment, once per cold start
 * (`JIT_OIDC_ISSUER`, `JIT_OIDC_CLIENT_IDS`, `JIT_OIDC_GROUPS_CLAIM`, optional `JIT_OIDC_JWKS_URI`).
 * The JWKS is fetched lazily by the first verification, never here.
 * @throws ConfigurationError naming each missing or invalid variable.
 */
export function identityAuthorizerDepsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): IdentityAuthorizerDeps {
  const config = readEnvironment(IdentityAuthorizerEnvironmentSchema, env);
  return {
    verifier: createOidcIdentityVerifier({
      issuer: config[ENV.oidcIssuer],
      clientIds: config[ENV.oidcClientIds],
      groupsClaim: config[ENV.oidcGroupsClaim],
      jwksUri: config[ENV.oidcJwksUri],
    }),
    logger: createLogger("jit-identity-authorizer"),
  };
}
