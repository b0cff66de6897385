import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRequestReader } from "#functions/adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbTokenIssueLog } from "#functions/adapters/dynamodb/dynamodb-token-issue-log.js";
import { toRequestItem } from "#functions/adapters/dynamodb/request-item.js";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { KmsPublicKeySource } from "#functions/adapters/kms/kms-public-key-source.js";
import { KmsTokenSigner } from "#functions/adapters/kms/kms-token-signer.js";
import { authorizerEntry } from "#functions/adapters/lambda/lazy-entry.js";
import { jitAuthorizerDepsFromEnvironment } from "#functions/composition/jit-authorizer.js";
import { ENV } from "#functions/config/environment.js";
import { systemClock } from "#functions/domain/clock.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import { createJitAuthorizerHandler, handler as lambdaHandler } from "#functions/handlers/jit-authorizer.js";
import { issueToken } from "#functions/use-cases/issue-token.js";
import { evaluatePolicy } from "#local/api-gateway/policy-evaluation.js";
import { readTrustedJwks } from "#local/trusted-keys.js";
import {
  activeGrant,
  captureLogs,
  expectUnauthorized,
  httpApiEvent,
  methodArn,
  restRequestEvent,
  restTokenEvent,
  silentLogger,
  testPolicyYaml,
} from "#test/helpers/authorizer.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";
import { startTestKms, type TestKms } from "#test/helpers/kms.js";
import { lambdaPolicyJsonFile } from "#test/helpers/policy-json.js";
import { TEST_AUDIENCE, TEST_ISSUER } from "#test/helpers/tokens.js";

interface PolicyResult {
  policyDocument: { Statement: { Effect: string }[] };
}
const effect = (r: unknown) => (r as PolicyResult).policyDocument.Statement.map((s) => s.Effect).join(",");

let kms: TestKms;
let keyArn: string;
let tables: TableNames;
let doc: DynamoDBDocumentClient;
let dir: string;
let env: NodeJS.ProcessEnv;
let token: string;

beforeAll(async () => {
  kms = await startTestKms();
  ({ arn: keyArn } = await kms.createSigningKey());
  tables = await createTestTables(testDynamoDbClient(), "authz-env");
  doc = DynamoDBDocumentClient.from(testDynamoDbClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  dir = mkdtempSync(join(tmpdir(), "jit-authz-"));
  const policyFile = lambdaPolicyJsonFile({ yaml: testPolicyYaml() });
  env = {
    [ENV.policyFile]: policyFile,
    [ENV.requestsTable]: tables.requests,
    [ENV.issuer]: TEST_ISSUER,
    [ENV.audience]: TEST_AUDIENCE,
    // As the trusted-keys custom resource makes it at deploy time (KMS GetPublicKey, once).
    [ENV.trustedJwks]: await readTrustedJwks(kms.server.endpoint, [keyArn]),
    [ENV.revocationCacheSeconds]: "30",
    [ENV.dynamodbEndpoint]: testDynamoDbEndpoint(),
  };

  // A real grant and a real token: issued by the token-issue use case, signed by KMS Sign.
  const requestId = `env-${Date.now()}`;
  await doc.send(
    new PutCommand({ TableName: tables.requests, Item: toRequestItem(activeGrant(requestId, Date.now())) }),
  );
  const publicKeys = new KmsPublicKeySource({ client: kms.client, keyIds: [keyArn] });
  const issued = await issueToken(
    {
      requests: new DynamoDbRequestReader(doc, tables.requests),
      audit: new DynamoDbTokenIssueLog(doc, tables.audit, tables.requests),
      signer: new KmsTokenSigner({ client: kms.client, keyId: keyArn, publicKeys }),
      clock: systemClock,
      issuer: TEST_ISSUER,
      tokenTtlSeconds: 900,
      entitlementIds: new Set(["orders-read"]),
    },
    { requestId, callerSub: "alice" },
  );
  token = issued.accessToken;
});

afterAll(async () => {
  doc?.destroy();
  await kms?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("JIT authorizer composition", () => {
  it("authorizes a KMS-issued token from the environment alone, never calling KMS", async () => {
    const logger = silentLogger();
    const kmsCallsBefore = kms.server.totalCallCount();
    const handler = authorizerEntry(
      async () => createJitAuthorizerHandler(await jitAuthorizerDepsFromEnvironment({ logger, env })),
      logger,
    );
    for (let i = 0; i < 10; i++) {
      expect(effect(await handler(restTokenEvent(token, "GET", `/orders/${i}`)))).toBe("Allow");
      expect(effect(await handler(restRequestEvent(token, "GET", "/orders")))).toBe("Allow");
      expect(await handler(httpApiEvent(token))).toMatchObject({ isAuthorized: true });
      const uncovered = (await handler(restTokenEvent(token, "DELETE", "/orders/1"))) as PolicyResult;
      expect(evaluatePolicy(uncovered.policyDocument, methodArn("DELETE", "/orders/1"))).toBe("NoMatch");
    }
    expect(kms.server.totalCallCount() - kmsCallsBefore).toBe(0);
  });

  it("answers Unauthorized while the trusted keys are misconfigured, then builds again and allows", async () => {
    const logger = silentLogger();
    const brokenEnv: NodeJS.ProcessEnv = { ...env, [ENV.trustedJwks]: '{"keys":[' };
    const handler = authorizerEntry(
      async () =>
        createJitAuthorizerHandler(await jitAuthorizerDepsFromEnvironment({ logger, env: brokenEnv })),
      logger,
    );
    await expectUnauthorized(handler(restTokenEvent(token)));
    await expectUnauthorized(handler(httpApiEvent(token)));
    brokenEnv[ENV.trustedJwks] = env[ENV.trustedJwks];
    expect(effect(await handler(restTokenEvent(token)))).toBe("Allow");
  });

  it("refuses a token whose key is not among the trusted keys, even one from the same KMS", async () => {
    const other = await kms.createSigningKey();
    const logger = silentLogger();
    const otherEnv = { ...env, [ENV.trustedJwks]: await readTrustedJwks(kms.server.endpoint, [other.arn]) };
    const handler = createJitAuthorizerHandler(
      await jitAuthorizerDepsFromEnvironment({ logger, env: otherEnv }),
    );
    await expectUnauthorized(handler(restTokenEvent(token)));
  });

  it("refuses to start with a key filed under a kid that is not its RFC 7638 thumbprint", async () => {
    const jwks = JSON.parse(env[ENV.trustedJwks] as string) as { keys: Record<string, unknown>[] };
    const [key] = jwks.keys;
    const misfiled = { keys: [{ ...key, kid: "not-its-thumbprint" }] };
    const err = await jitAuthorizerDepsFromEnvironment({
      logger: silentLogger(),
      env: { ...env, [ENV.trustedJwks]: JSON.stringify(misfiled) },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toBe(`key ${ENV.trustedJwks} keys[0]: kid is not its thumbprint`);
  });

  it.each([
    ENV.issuer,
    ENV.audience,
    ENV.trustedJwks,
    ENV.revocationCacheSeconds,
    ENV.policyFile,
    ENV.requestsTable,
  ])("refuses to start without %s, naming it", async (name) => {
    const partial = { ...env };
    delete partial[name];
    const err = await jitAuthorizerDepsFromEnvironment({ logger: silentLogger(), env: partial }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain(name);
  });

  it("imports without touching the environment, and answers Unauthorized when it is unset", async () => {
    for (const name of Object.values(ENV)) expect(process.env[name]).toBeUndefined();
    const { entries } = await captureLogs(async () => {
      await expectUnauthorized(lambdaHandler(restTokenEvent(token)));
    });
    expect(entries).toMatchObject([
      { level: "ERROR", reason: "init_failed", errorName: "ConfigurationError" },
    ]);
  });
});
