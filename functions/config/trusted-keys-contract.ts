/**
 * The contract between the trusted-keys custom resource (functions/handlers/trusted-keys-resource.ts)
 * and the CDK app (infra/constructs/trusted-keys.ts), in one dependency-free place.
 */

/** CloudFormation resource type of the trusted keys. */
export const TRUSTED_KEYS_RESOURCE_TYPE = "Custom::JitTrustedKeys";
/** The resource's one attribute: the JWK Set as JSON, the JIT authorizer's `JIT_TRUSTED_JWKS`. */
export const TRUSTED_KEYS_ATTRIBUTE = "Jwks";
/** The resource property listing the KMS key ARNs, current first. */
export const TRUSTED_KEYS_PROPERTY = "KeyArns";
