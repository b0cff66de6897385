import * as z from "zod/mini";
import "./zod-locale.js";
import { ConfigurationError } from "../domain/errors.js";
import { formatIssues } from "./zod-issues.js";

/**
 * Lambda environment variables: the contract between infra/ (which sets them), local/ (which sets them
 * for the emulator) and functions/ (which reads them once per cold start through {@link readEnvironment}).
 * Add a variable here first, then set it in infra and local.
 */
export const ENV = {
  /** Path of the validated policy as JSON: in Lambda the `policy.json` bundled next to the handler; locally a JSON copy. */
  policyFile: "JIT_POLICY_FILE",
  requestsTable: "JIT_REQUESTS_TABLE",
  auditTable: "JIT_AUDIT_TABLE",
  /** Issuer URL of our access tokens (`iss`), e.g. the JIT API base URL. */
  issuer: "JIT_ISSUER",
  /** KMS key (id, ARN or alias) that signs new tokens. Issue Lambda only. */
  signingKeyId: "JIT_SIGNING_KEY_ID",
  /** Comma-separated KMS key ids/ARNs whose public keys are published: current first, then previous. */
  publicKeyIds: "JIT_PUBLIC_KEY_IDS",
  /**
   * JIT authorizer: the trusted public keys as a JWK Set (RFC 7517 §5), the document the JIT API serves at
   * `/.well-known/jwks.json`. Set at deploy time (infra/constructs/trusted-keys.ts), so the authorizer
   * never calls KMS.
   */
  trustedJwks: "JIT_TRUSTED_JWKS",
  /** Audience (`aud`) a JIT authorizer instance accepts: the protected API it guards. */
  audience: "JIT_AUDIENCE",
  /** Seconds a grant read is cached by the JIT authorizer; with the API Gateway cache TTL it bounds revocation. */
  revocationCacheSeconds: "JIT_REVOCATION_CACHE_SECONDS",
  /**
   * Identity authorizer: the OIDC issuer, the accepted client ids (`aud`: console and CLI, comma-separated)
   * and the claim holding groups.
   */
  oidcIssuer: "JIT_OIDC_ISSUER",
  oidcClientIds: "JIT_OIDC_CLIENT_IDS",
  oidcGroupsClaim: "JIT_OIDC_GROUPS_CLAIM",
  /** Optional JWKS URL; default the `jwks_uri` of the issuer's OpenID discovery document. */
  oidcJwksUri: "JIT_OIDC_JWKS_URI",
  /**
   * Origin of the web console (`https://console.example.com`, no path): the one origin the JIT API's
   * responses allow cross-origin (CORS). Unset: no CORS headers, so no browser origin may read them.
   */
  consoleOrigin: "JIT_CONSOLE_ORIGIN",
  /**
   * List Lambda: the Secrets Manager secret (ARN or name) holding the key that seals `next` cursors
   * (base64url, at least 32 bytes; created by the stateful stack). Exactly one of this and
   * `JIT_CURSOR_KEY_FILE` is set.
   */
  cursorKeySecret: "JIT_CURSOR_KEY_SECRET",
  /** Local/dev only: a file holding the cursor key (the local stack's data directory). Unset in AWS. */
  cursorKeyFile: "JIT_CURSOR_KEY_FILE",
  /** Local/dev only: endpoints of DynamoDB Local and the KMS-compatible server. Unset in AWS. */
  dynamodbEndpoint: "JIT_DYNAMODB_ENDPOINT",
  kmsEndpoint: "JIT_KMS_ENDPOINT",
  /** Notifier: the EventBridge bus of integration events (docs/events.md). */
  eventBusName: "JIT_EVENT_BUS_NAME",
  /** Notifier: the Notifications table (idempotency of deliveries and reminders). */
  notificationsTable: "JIT_NOTIFICATIONS_TABLE",
  /** Notifier: base URL of the web console, for request links (`<url>/requests/<id>`). Optional. */
  consoleUrl: "JIT_CONSOLE_URL",
  /** E-mail delivery: JSON object, channel name → SNS topic ARN. */
  emailTopics: "JIT_EMAIL_TOPICS",
  /** Delivery: timeout of one call to a receiver, milliseconds (default 5000). */
  deliveryTimeoutMs: "JIT_DELIVERY_TIMEOUT_MS",
  /** Delivery: visibility timeout after the first failure, seconds; doubles per attempt (default 10). */
  retryBaseSeconds: "JIT_RETRY_BASE_SECONDS",
  /** Delivery: largest visibility timeout between attempts, seconds (default 900). */
  retryMaxSeconds: "JIT_RETRY_MAX_SECONDS",
  /** Local/dev only: endpoints of the EventBridge, SQS, Secrets Manager and SNS stand-ins. Unset in AWS. */
  eventBridgeEndpoint: "JIT_EVENTBRIDGE_ENDPOINT",
  sqsEndpoint: "JIT_SQS_ENDPOINT",
  secretsManagerEndpoint: "JIT_SECRETS_MANAGER_ENDPOINT",
  snsEndpoint: "JIT_SNS_ENDPOINT",
} as const;

const nonEmpty = z.string().check(z.trim(), z.minLength(1, "must be set"));
const csv = z.pipe(
  nonEmpty,
  z.transform((s: string) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  ),
);
const optionalUrl = z.optional(z.url());

/** Variables every Lambda that touches the tables needs. */
export const StoreEnvironmentSchema = z.object({
  [ENV.policyFile]: nonEmpty,
  [ENV.requestsTable]: nonEmpty,
  [ENV.auditTable]: nonEmpty,
  [ENV.dynamodbEndpoint]: optionalUrl,
});

/** `GET /requests`: store + where the cursor key lives (exactly one of a secret and a local file). */
export const ListEnvironmentSchema = z
  .extend(StoreEnvironmentSchema, {
    [ENV.cursorKeySecret]: z.optional(nonEmpty),
    [ENV.cursorKeyFile]: z.optional(nonEmpty),
  })
  .check(
    z.refine((env) => (env[ENV.cursorKeySecret] === undefined) !== (env[ENV.cursorKeyFile] === undefined), {
      message: `set exactly one of ${ENV.cursorKeySecret} and ${ENV.cursorKeyFile}`,
      path: [ENV.cursorKeySecret],
    }),
  );

/** Token issue: store + issuer + signing key. */
export const IssueEnvironmentSchema = z.extend(StoreEnvironmentSchema, {
  [ENV.issuer]: z.url(),
  [ENV.signingKeyId]: nonEmpty,
  [ENV.kmsEndpoint]: optionalUrl,
});

/** JWKS / metadata: issuer + published keys. */
export const JwksEnvironmentSchema = z.object({
  [ENV.issuer]: z.url(),
  [ENV.publicKeyIds]: csv,
  [ENV.kmsEndpoint]: optionalUrl,
});

/** JIT authorizer: everything security-relevant is required; no silent defaults. */
export const JitAuthorizerEnvironmentSchema = z.object({
  [ENV.policyFile]: nonEmpty,
  [ENV.requestsTable]: nonEmpty,
  [ENV.issuer]: z.url(),
  [ENV.audience]: nonEmpty,
  [ENV.trustedJwks]: nonEmpty,
  [ENV.revocationCacheSeconds]: z.coerce.number().check(z.int(), z.gte(0), z.lte(3600)),
  [ENV.dynamodbEndpoint]: optionalUrl,
});

/** The deploy-time resource that reads the trusted public keys from KMS (trusted-keys-resource.ts). */
export const TrustedKeysResourceEnvironmentSchema = z.object({
  [ENV.kmsEndpoint]: optionalUrl,
});

/** Identity authorizer of the JIT API. */
export const IdentityAuthorizerEnvironmentSchema = z.object({
  [ENV.oidcIssuer]: z.url(),
  [ENV.oidcClientIds]: csv,
  [ENV.oidcGroupsClaim]: nonEmpty,
  [ENV.oidcJwksUri]: optionalUrl,
});

/** An origin: `scheme://host[:port]` exactly as the URL parser writes it (no path, query or trailing slash). */
const origin = z.string().check(
  z.refine((value) => URL.canParse(value) && new URL(value).origin === value, {
    message: "must be an origin such as https://console.example.com (scheme, host and port only)",
  }),
);

/** CORS of the JIT API's handlers (functions/adapters/http/cors.ts). */
export const CorsEnvironmentSchema = z.object({
  [ENV.consoleOrigin]: z.optional(origin),
});

/**
 * Validates the environment against `schema` once, at cold start.
 * @throws ConfigurationError naming each missing or invalid variable.
 */
export function readEnvironment<S extends z.ZodMiniType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigurationError(`Invalid Lambda environment:\n${formatIssues(result.error.issues)}`);
  }
  return result.data;
}
