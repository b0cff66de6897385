import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import "../config/zod-locale.js";
import { throwingEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import {
  type TrustedKeysResourceDeps,
  trustedKeysResourceDepsFromEnvironment,
} from "../composition/trusted-keys.js";
import {
  TRUSTED_KEYS_ATTRIBUTE,
  TRUSTED_KEYS_PROPERTY,
  TRUSTED_KEYS_RESOURCE_TYPE,
} from "../config/trusted-keys-contract.js";
import { formatIssues } from "../config/zod-issues.js";
import { ConfigurationError } from "../domain/errors.js";
import { publishJwks } from "../use-cases/publish-keys.js";

const logger = createLogger("jit-trusted-keys");

/** Physical id of every instance: the resource holds no AWS state, so there is nothing to replace. */
export const TRUSTED_KEYS_PHYSICAL_ID = "jit-trusted-keys";

const RequestTypeSchema = z.object({ RequestType: z.enum(["Create", "Update", "Delete"]) });

const KeyArnsSchema = z.object({
  ResourceProperties: z.object({
    [TRUSTED_KEYS_PROPERTY]: z
      .array(z.string().check(z.trim(), z.minLength(1)))
      .check(z.minLength(1, "must name at least one KMS key")),
  }),
});

/**
 * Largest JWK Set handed on, in bytes of JSON: a custom resource's whole response to CloudFormation is
 * limited to 4096 bytes, and all of a Lambda's environment variables together to 4 KB. Three RSA-4096
 * keys (about 2.4 KB) fit; P-256 keys take about 200 bytes each.
 */
export const MAX_TRUSTED_JWKS_BYTES = 3072;

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
 * The deploy-time half of "keys only from configuration" (ARCHITECTURE.md, flow 2): on Create and Update, reads the
 * public keys of `ResourceProperties.KeyArns` (current first) with KMS `GetPublicKey`, checks each as the
 * token issuer does (SIGN_VERIFY, a supported key spec and signing algorithm), and returns them as the
 * JWK Set the JIT API serves at `/.well-known/jwks.json`, in attribute `Jwks`. JIT authorizers get it as
 * `JIT_TRUSTED_JWKS`, so they never call KMS. Delete reads and changes nothing, and succeeds whatever
 * its properties (a rollback deletes a resource whose Create failed).
 * @throws ConfigurationError for a malformed Create/Update event, an unusable key or a key set over
 *   {@link MAX_TRUSTED_JWKS_BYTES}, and KMS errors unchanged: the provider framework reports the message
 *   to CloudFormation, which fails the deployment (fails closed).
 */
export function createTrustedKeysResourceHandler(
  deps: TrustedKeysResourceDeps,
  log: Logger = logger,
): TrustedKeysResourceHandler {
  return async (event) => {
    const { RequestType } = parseEvent(RequestTypeSchema, event);
    // Delete first, whatever the properties: CloudFormation also deletes after a failed Create (rollback),
    // with the same bad properties, and a failing Delete would leave the stack stuck.
    if (RequestType === "Delete") return { PhysicalResourceId: TRUSTED_KEYS_PHYSICAL_ID };
    const { ResourceProperties } = parseEvent(KeyArnsSchema, event);
    const set = await publishJwks(deps.keySource(ResourceProperties[TRUSTED_KEYS_PROPERTY]));
    const jwks = JSON.stringify(set);
    const bytes = Buffer.byteLength(jwks);
    if (bytes > MAX_TRUSTED_JWKS_BYTES) {
      throw new ConfigurationError(
        `The trusted keys take ${bytes} bytes as a JWK Set, more than ${MAX_TRUSTED_JWKS_BYTES} (the limits of ` +
          "a custom resource response and of Lambda environment variables); retire old keys from the list.",
      );
    }
    log.info("trusted keys read", { requestType: RequestType, kids: set.keys.map((k) => k.kid) });
    return { PhysicalResourceId: TRUSTED_KEYS_PHYSICAL_ID, Data: { [TRUSTED_KEYS_ATTRIBUTE]: jwks } };
  };
}

function parseEvent<S extends z.ZodMiniType>(schema: S, event: unknown): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new ConfigurationError(
      `Invalid ${TRUSTED_KEYS_RESOURCE_TYPE} event:\n${formatIssues(parsed.error.issues, "event")}`,
    );
  }
  return parsed.data;
}

/**
 * Lambda entry: builds its dependencies on the first event, once per container. While they cannot be built
 * the event fails with the error's message, which CloudFormation reports (the deployment fails closed).
 */
export const handler: TrustedKeysResourceHandler = throwingEntry(
  () => createTrustedKeysResourceHandler(trustedKeysResourceDepsFromEnvironment()),
  logger,
);
