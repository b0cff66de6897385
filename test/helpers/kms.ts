import { CreateKeyCommand, type KeySpec, KMSClient } from "@aws-sdk/client-kms";
import { KMS_LOCAL_REGION, type KmsServer, startKmsServer } from "#local/kms-server.js";

/** A KMS-compatible endpoint for one suite, with a client pointed at it. */
export interface TestKms {
  server: KmsServer;
  /** An SDK client for the endpoint (static local credentials, no retries of failures). */
  client: KMSClient;
  /** Creates a `SIGN_VERIFY` key of `keySpec` and returns its key id (UUID) and ARN. */
  createSigningKey(keySpec?: KeySpec): Promise<{ keyId: string; arn: string }>;
  /** Destroys the client and stops the server. */
  stop(): Promise<void>;
}

/** A KMS client for a local endpoint, as the production composition builds one (`createKmsClient`). */
export function testKmsClient(endpoint: string): KMSClient {
  return new KMSClient({
    endpoint,
    region: KMS_LOCAL_REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
}

/**
 * Starts an in-memory KMS-compatible endpoint on a free loopback port (or keeps keys in `dataDir`).
 * Call `stop()` in `afterAll`.
 */
export async function startTestKms(options: { dataDir?: string } = {}): Promise<TestKms> {
  const server = await startKmsServer(options);
  const client = testKmsClient(server.endpoint);
  return {
    server,
    client,
    async createSigningKey(keySpec: KeySpec = "ECC_NIST_P256") {
      const out = await client.send(new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: "SIGN_VERIFY" }));
      const keyId = out.KeyMetadata?.KeyId;
      const arn = out.KeyMetadata?.Arn;
      if (!keyId || !arn) throw new Error("CreateKey returned no key metadata");
      return { keyId, arn };
    },
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}
