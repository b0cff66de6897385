import { Console } from "node:console";
import { randomUUID } from "node:crypto";
import { mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { Logger } from "@aws-lambda-powertools/logger";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { toRequestItem } from "#functions/adapters/dynamodb/request-item.js";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { createDocumentClient } from "#functions/composition/workflow.js";
import { ENV } from "#functions/config/environment.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import {
  createTables,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "#local/dynamodb-local.js";
import { KMS_LOCAL_REGION, type KmsServer, startKmsServer } from "#local/kms-server.js";
import { readTrustedJwks } from "#local/trusted-keys.js";
import { lambdaPolicyJsonFile } from "#test/helpers/policy-json.js";
import { grantFixture } from "#test/helpers/token-issue.js";

/** The policy every benchmark uses: the example policy (orders-read opens `GET /orders`, `GET /orders/*`). */
export const BENCH_POLICY_FILE = resolve("config/example.yaml");
/** `iss` of the benchmark's tokens. */
export const BENCH_ISSUER = "https://jit.example.test/prod";
/** `aud` of orders-read in the example policy: the protected API the benchmark's authorizer guards. */
export const BENCH_AUDIENCE = "orders-api";
/** Alias of the signing key on the KMS-compatible endpoint. */
const SIGNING_KEY_ALIAS = "alias/jit-bench";

/**
 * What the benchmarks run against: DynamoDB Local (in memory, its own tables) and the in-memory
 * KMS-compatible endpoint with one ECC_NIST_P256 signing key, both on free loopback ports.
 */
export interface BenchStack {
  dynamodb: DynamoDbLocal;
  kms: KmsServer;
  tables: TableNames;
  /** A document client of the benchmark itself (for putting grants; not counted). */
  documents: DynamoDBDocumentClient;
  /** The signing key's ARN. */
  signingKeyArn: string;
  /** The environment of the issue-token Lambda, pointed at the local endpoints. */
  issueEnv(): NodeJS.ProcessEnv;
  /** The environment of the JIT authorizer Lambda, pointed at the local endpoints. */
  authorizerEnv(revocationCacheSeconds: number): NodeJS.ProcessEnv;
  /** Stores an APPROVED orders-read grant of alice that ends in an hour; returns it. */
  putGrant(): Promise<AccessRequest>;
  /** Stops DynamoDB Local and the KMS endpoint (by their own stop()), and removes temp files. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the {@link BenchStack}. On failure, whatever was started is stopped again. */
export async function startBenchStack(): Promise<BenchStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    while (stops.length > 0) await stops.pop()?.();
  };
  try {
    const dynamodb = await startDynamoDbLocal();
    stops.push(() => dynamodb.stop());
    const kms = await startKmsServer();
    stops.push(() => kms.stop());
    const scratch = mkdtempSync(join(tmpdir(), "jit-bench-stack-"));
    stops.push(async () => rmSync(scratch, { recursive: true, force: true }));

    const admin = localDynamoDbClient(dynamodb.endpoint);
    const tables = { requests: "BenchRequests", audit: "BenchAudit" };
    await createTables(admin, tables);
    admin.destroy();
    const documents = createDocumentClient(dynamodb.endpoint, {});
    stops.push(async () => documents.destroy());

    const kmsAdmin = new KMSClient({
      endpoint: kms.endpoint,
      region: KMS_LOCAL_REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const created = await kmsAdmin.send(
      new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }),
    );
    const signingKeyArn = created.KeyMetadata?.Arn;
    if (!signingKeyArn) throw new Error("CreateKey answered without a key ARN");
    await kmsAdmin.send(new CreateAliasCommand({ AliasName: SIGNING_KEY_ALIAS, TargetKeyId: signingKeyArn }));
    kmsAdmin.destroy();
    // What infra's trusted-keys resource gives the JIT authorizer at deploy time (GetPublicKey, here).
    const trustedJwks = await readTrustedJwks(kms.endpoint, [signingKeyArn]);

    const local = {
      [ENV.policyFile]: lambdaPolicyJsonFile({ file: BENCH_POLICY_FILE }),
      [ENV.requestsTable]: tables.requests,
      [ENV.issuer]: BENCH_ISSUER,
      [ENV.dynamodbEndpoint]: dynamodb.endpoint,
      [ENV.kmsEndpoint]: kms.endpoint,
    };
    return {
      dynamodb,
      kms,
      tables,
      documents,
      signingKeyArn,
      issueEnv: () => ({ ...local, [ENV.auditTable]: tables.audit, [ENV.signingKeyId]: SIGNING_KEY_ALIAS }),
      authorizerEnv: (revocationCacheSeconds) => ({
        ...local,
        [ENV.audience]: BENCH_AUDIENCE,
        [ENV.trustedJwks]: trustedJwks,
        [ENV.revocationCacheSeconds]: String(revocationCacheSeconds),
      }),
      async putGrant() {
        const grant = grantFixture(`bench-${randomUUID()}`, Date.now());
        await documents.send(new PutCommand({ TableName: tables.requests, Item: toRequestItem(grant) }));
        return grant;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `/dev/null`, opened once for every {@link sinkLogger}. */
let devNull: number | undefined;

/**
 * A Powertools logger that does all its usual work (level check, log item, JSON.stringify, console
 * write, one `write(2)` per line like a Lambda's stdout) but writes to `/dev/null`, so the benchmark pays
 * what a Lambda pays per log line except CloudWatch's side, and its table stays readable.
 */
export function sinkLogger(serviceName: string, logLevel: LogLevel = "INFO"): Logger {
  const logger = new Logger({ serviceName, logLevel });
  devNull ??= openSync("/dev/null", "w");
  const fd = devNull;
  // Like process.stdout on a file: a Writable whose write is a synchronous write(2).
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeSync(fd, chunk);
      done();
    },
  });
  // `console` is Logger's private, non-# field (set by setConsole()); replacing it only redirects output.
  Reflect.set(logger, "console", new Console({ stdout: sink, stderr: sink }));
  return logger;
}
