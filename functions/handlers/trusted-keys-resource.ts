import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import "../config/zod-locale.js";
import { createLogger } from "../adapters/logging/logger.js";
import {
  type TrustedKeysResourceDeps,
  trustedKeysResourceDepsFromEnvironment,
} from "../composition/trusted-keys.js";
import { formatIssues } from "../config/policy-document.js";
import {
  TRUSTED_KEYS_ATTRIBUTE,
  TRUSTED_KEYS_PROPERTY,
  TRUSTED_KEYS_RESOURCE_TYPE,
} from "../config/trusted-keys-contract.js";
import { ConfigurationError } from "../domain/errors.js";
import { publishJwks } from "../use-cases/publish-keys.js";

const logger = createLogger("jit-trusted-keys");

/** Physical id of every instance: the resource holds no AWS state, so there is nothing to replace. */
export const TRUSTED_KEYS_PHYSICAL_ID = "jit-trusted-keys";

const ResourceEventSchema = z.object({
  RequestType: z.enum(["Create", "Update", "Delete"]),
  ResourceProperties: z.object({
    [TRUSTED_KEYS_PROPERTY]: z
      .array(z.string().check(z.trim(), z.minLength(1)))
      .check(z.minLength(1, "must name at least one KMS key")),
  }),
});

/**
 * What the CDK custom resource provider framework's `onEvent` handler returns
 * (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html#handling-lifecycle-events-onevent).
 */
export interface TrustedKeysResourceResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/** A custom resource `onEvent` entry: a CloudFormation lifecycle event in, the resource's data out. */
export type TrustedKeysResourceHandler = (event: unknown) => Promise<TrustedKeysResourceResult>;

/**
 * The deploy-time half of "keys only from configuration" (DESIGN.md §5): on Create and Update, reads the
 * public keys of `ResourceProperties.KeyArns` (current first) with KMS `GetPublicKey`, checks each as the
 * token issuer does (SIGN_VERIFY, a supported key spec and signing algorithm), and returns them as the
 * JWK Set the JIT API serves at `/.well-known/jwks.json`, in attribute `Jwks`. JIT authorizers get it as
 * `JIT_TRUSTED_JWKS`, so they never call KMS. Delete reads and changes nothing.
 * @throws ConfigurationError for a malformed event or an unusable key, and KMS errors unchanged: the
 *   provider framework reports the message to CloudFormation, which fails the deployment (fails closed).
 */
export function createTrustedKeysResourceHandler(
  deps: TrustedKeysResourceDeps,
  log: Logger = logger,
): TrustedKeysResourceHandler {
  return async (event) => {
    const parsed = ResourceEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new ConfigurationError(
        `Invalid ${TRUSTED_KEYS_RESOURCE_TYPE} event:\n${formatIssues("event", parsed.error.issues)}`,
      );
    }
    const { RequestType, ResourceProperties } = parsed.data;
    if (RequestType === "Delete") return { PhysicalResourceId: TRUSTED_KEYS_PHYSICAL_ID };
    const jwks = await publishJwks(deps.keySource(ResourceProperties[TRUSTED_KEYS_PROPERTY]));
    log.info("trusted keys read", { requestType: RequestType, kids: jwks.keys.map((k) => k.kid) });
    return {
      PhysicalResourceId: TRUSTED_KEYS_PHYSICAL_ID,
      Data: { [TRUSTED_KEYS_ATTRIBUTE]: JSON.stringify(jwks) },
    };
  };
}

let built: TrustedKeysResourceHandler | undefined;

/** Lambda entry: builds its dependencies on the first event, once per container. */
export const handler: TrustedKeysResourceHandler = async (event) => {
  built ??= createTrustedKeysResourceHandler(trustedKeysResourceDepsFromEnvironment());
  return built(event);
};
