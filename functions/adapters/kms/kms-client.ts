import { KMSClient } from "@aws-sdk/client-kms";
import { reportOutagesAs, SDK_REQUEST_HANDLER_TIMEOUTS } from "../aws/dependency-outage.js";

/** Region every local (non-AWS) endpoint is addressed with. */
const LOCAL_REGION = "us-east-1";
/** Static credentials for a local KMS-compatible endpoint, which checks only that a signature is present. */
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/**
 * Builds the KMS client of one container.
 *
 * In AWS (`endpoint` unset) the SDK's default region and credential chain apply. With `endpoint` set
 * (`JIT_KMS_ENDPOINT`: the local stack or tests) the client talks to that endpoint in `us-east-1`, with
 * static local credentials unless the environment provides credentials of its own. An outage (unreachable,
 * failing or throttling, after the SDK's retries) surfaces as a `DependencyUnavailableError` (503).
 *
 * @param options.endpoint URL of a KMS-compatible endpoint, e.g. `http://127.0.0.1:4599`.
 * @param options.env environment to look for credentials in (default `process.env`).
 */
export function createKmsClient(options: { endpoint?: string; env?: NodeJS.ProcessEnv } = {}): KMSClient {
  const { endpoint, env = process.env } = options;
  if (endpoint === undefined) {
    return reportOutagesAs("KMS", new KMSClient({ requestHandler: SDK_REQUEST_HANDLER_TIMEOUTS }));
  }
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  return reportOutagesAs(
    "KMS",
    new KMSClient({
      endpoint,
      region: LOCAL_REGION,
      maxAttempts: 2,
      ...(hasCredentials ? {} : { credentials: LOCAL_CREDENTIALS }),
    }),
  );
}
