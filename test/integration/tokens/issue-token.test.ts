import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateAliasCommand } from "@aws-sdk/client-kms";
import { type DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import {
  base64url,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
  jwtVerify,
} from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRequestReader } from "#functions/adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbTokenIssueLog } from "#functions/adapters/dynamodb/dynamodb-token-issue-log.js";
import { toRequestItem } from "#functions/adapters/dynamodb/request-item.js";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { KmsPublicKeySource } from "#functions/adapters/kms/kms-public-key-source.js";
import { KmsTokenSigner } from "#functions/adapters/kms/kms-token-signer.js";
import { createDocumentClient } from "#functions/composition/workflow.js";
import { ENV } from "#functions/config/environment.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import { systemClock } from "#functions/domain/clock.js";
import { createIssueTokenHandler, handler as issueTokenLambda } from "#functions/handlers/issue-token.js";
import {
  createWellKnownHandler,
  JWKS_PATH,
  METADATA_PATH,
  handler as wellKnownLambda,
} from "#functions/handlers/well-known.js";
import type { IssueTokenDependencies } from "#functions/use-cases/issue-token.js";
import { ManualClock } from "#test/helpers/clock.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";
import { startTestKms, type TestKms } from "#test/helpers/kms.js";
import { lambdaPolicyJsonFile } from "#test/helpers/policy-json.js";
import { grantFixture, quietLogger, tokenRequestEvent, wellKnownEvent } from "#test/helpers/token-issue.js";

const TTL_SECONDS = 900;

let kms: TestKms;
let tables: TableNames;
let documents: DynamoDBDocumentClient;
let current: { keyId: string; arn: string };
let previous: { keyId: string; arn: string };
let issuer: string;
let jitApi: Server;
let deps: IssueTokenDependencies;
let issueHandler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let requestCounter = 0;

/** A loopback "JIT API" that serves the well-known documents through the real handler, like API Gateway. */
function serveWellKnown(
  handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    handle(wellKnownEvent(path, req.method ?? "GET")).then(
      (out) => {
        res.writeHead(out.statusCode, out.headers as Record<string, string>);
        res.end(out.body);
      },
      () => {
        res.writeHead(502);
        res.end();
      },
    );
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

function freshDeps(): IssueTokenDependencies {
  const publicKeys = new KmsPublicKeySource({ client: kms.client, keyIds: ["alias/jit-current"] });
  return {
    requests: new DynamoDbRequestReader(documents, tables.requests),
    audit: new DynamoDbTokenIssueLog(documents, tables.audit, tables.requests),
    signer: new KmsTokenSigner({ client: kms.client, keyId: "alias/jit-current", publicKeys }),
    clock: systemClock,
    issuer,
    tokenTtlSeconds: TTL_SECONDS,
    entitlementIds: new Set(["orders-read"]),
  };
}

async function storeGrant(overrides: Parameters<typeof grantFixture>[2] = {}): Promise<AccessRequest> {
  const grant = grantFixture(`req-${Date.now()}-${++requestCounter}`, Date.now(), overrides);
  await documents.send(new PutCommand({ TableName: tables.requests, Item: toRequestItem(grant) }));
  return grant;
}

const json = (response: APIGatewayProxyResult) => JSON.parse(response.body) as Record<string, unknown>;

beforeAll(async () => {
  kms = await startTestKms();
  current = await kms.createSigningKey("ECC_NIST_P256");
  previous = await kms.createSigningKey("RSA_2048");
  await kms.client.send(
    new CreateAliasCommand({ AliasName: "alias/jit-current", TargetKeyId: current.keyId }),
  );
  tables = await createTestTables(testDynamoDbClient(), "tokens");
  documents = createDocumentClient(testDynamoDbEndpoint());
  let wellKnown: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> = async () => {
    throw new Error("not ready");
  };
  jitApi = await serveWellKnown((event) => wellKnown(event));
  issuer = `http://127.0.0.1:${(jitApi.address() as AddressInfo).port}`;
  const published = new KmsPublicKeySource({
    client: kms.client,
    keyIds: ["alias/jit-current", previous.arn],
  });
  wellKnown = createWellKnownHandler({ issuer, keys: published }, quietLogger());
  deps = freshDeps();
  issueHandler = createIssueTokenHandler(deps, quietLogger());
});

afterAll(async () => {
  await new Promise<void>((done) => (jitApi ? jitApi.close(() => done()) : done()));
  await kms?.stop();
});

describe("token issue against DynamoDB Local and the KMS-compatible endpoint", () => {
  it("issues a token that any verifier checks with nothing but the published metadata and JWKS", async () => {
    const grant = await storeGrant();
    const response = await issueHandler(tokenRequestEvent(grant.requestId, { sub: "alice" }));
    expect(response.statusCode).toBe(201);
    expect(response.headers?.["cache-control"]).toBe("no-store");
    const token = json(response).access_token as string;

    // Discovery as a standard client does it: RFC 8414 metadata → jwks_uri → JWKS over HTTP.
    const metadata = (await (await fetch(`${issuer}${METADATA_PATH}`)).json()) as Record<string, string>;
    expect(metadata.issuer).toBe(issuer);
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      audience: "orders-api",
      typ: "at+jwt",
      algorithms: ["ES256"],
      requiredClaims: ["exp", "iat", "nbf", "jti", "sub"],
    });
    expect(protectedHeader).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    expect(payload).toMatchObject({
      sub: "alice",
      client_id: "jit-access",
      scope: "orders-read",
      jit_request_id: grant.requestId,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(TTL_SECONDS);
    expect(payload.nbf).toBe(payload.iat);

    // The same document, fetched once and used offline.
    const document = (await (await fetch(metadata.jwks_uri as string)).json()) as JSONWebKeySet;
    await expect(
      jwtVerify(token, createLocalJWKSet(document), { issuer, audience: "orders-api" }),
    ).resolves.toBeTruthy();
  });

  it("H13: the issued token's signature segment is 64 bytes", async () => {
    const grant = await storeGrant();
    const token = json(await issueHandler(tokenRequestEvent(grant.requestId, { sub: "alice" })))
      .access_token as string;
    expect(base64url.decode(token.split(".")[2] as string)).toHaveLength(64);
  });

  it("records every issue as TOKEN_ISSUED with jti and exp, and stores no token anywhere", async () => {
    const grant = await storeGrant();
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      tokens.push(
        json(await issueHandler(tokenRequestEvent(grant.requestId, { sub: "alice" }))).access_token as string,
      );
    }
    const events = await deps.audit.list(grant.requestId);
    const issued = events.filter((e) => e.action === "TOKEN_ISSUED");
    expect(issued).toHaveLength(2);
    for (const [i, token] of tokens.entries()) {
      const { jti, exp } = (await jwtVerify(token, createLocalJWKSet(await jwksDocument()))).payload;
      expect(issued[i]?.details).toMatchObject({ jti, exp });
      expect(issued[i]?.actor).toBe("alice");
    }
    const everything = JSON.stringify([
      (await documents.send(new ScanCommand({ TableName: tables.audit }))).Items,
      (await documents.send(new ScanCommand({ TableName: tables.requests }))).Items,
    ]);
    for (const token of tokens) expect(everything).not.toContain(token.split(".")[2]);
  });

  it("never issues a token that outlives the grant: exp = expiresAt for a grant ending in 100 s (H21)", async () => {
    const grant = await storeGrant({ remainingSeconds: 100 });
    const response = await issueHandler(tokenRequestEvent(grant.requestId, { sub: "alice" }));
    const token = json(response).access_token as string;
    const { payload } = await jwtVerify(token, createLocalJWKSet(await jwksDocument()));
    expect(payload.exp).toBe(Math.floor(Date.parse(grant.expiresAt as string) / 1000));
    expect((payload.exp as number) * 1000).toBeLessThanOrEqual(Date.parse(grant.expiresAt as string));
    expect(json(response).expires_in).toBe((payload.exp as number) - (payload.iat as number));
  });

  it("H15: refuses a grant whose expiresAt is 60 s past but still stored, with 410 and no KMS call", async () => {
    // "TTL is late": the stored grant ends in an hour by DynamoDB's clock (so DynamoDB Local's TTL sweeper
    // leaves it alone), and the issuer's clock is 60 s past that end.
    const grant = await storeGrant({ remainingSeconds: 3_600 });
    const lateClock = new ManualClock(Date.parse(grant.expiresAt as string) + 60_000);
    const lateIssuer = createIssueTokenHandler({ ...deps, clock: lateClock }, quietLogger());
    const signs = kms.server.callCount("Sign");
    const response = await lateIssuer(tokenRequestEvent(grant.requestId, { sub: "alice" }));
    expect(response.statusCode).toBe(410);
    expect(json(response)).toMatchObject({ code: "expired" });
    expect(kms.server.callCount("Sign")).toBe(signs);
    expect(await deps.audit.list(grant.requestId)).toEqual([]);
  });

  it("refuses a revoked grant (409), another caller (403) and an unknown id (404) without signing", async () => {
    const revoked = await storeGrant({ status: "REVOKED", revokedBy: "bob" });
    const active = await storeGrant();
    const signs = kms.server.callCount("Sign");
    expect((await issueHandler(tokenRequestEvent(revoked.requestId, { sub: "alice" }))).statusCode).toBe(409);
    expect((await issueHandler(tokenRequestEvent(active.requestId, { sub: "bob" }))).statusCode).toBe(403);
    expect((await issueHandler(tokenRequestEvent("no-such-request", { sub: "alice" }))).statusCode).toBe(404);
    expect(kms.server.callCount("Sign")).toBe(signs);
  });

  it("makes one KMS Sign per token and GetPublicKey once per key per container", async () => {
    const grant = await storeGrant();
    const before = { sign: kms.server.callCount("Sign"), get: kms.server.callCount("GetPublicKey") };
    const handler = createIssueTokenHandler(freshDeps(), quietLogger());
    for (let i = 0; i < 3; i++) {
      expect((await handler(tokenRequestEvent(grant.requestId, { sub: "alice" }))).statusCode).toBe(201);
    }
    expect(kms.server.callCount("Sign") - before.sign).toBe(3);
    expect(kms.server.callCount("GetPublicKey") - before.get).toBe(1);
  });

  it("keeps tokens of the previous key verifiable during rotation: JWKS lists current first, then previous", async () => {
    const document = (await jwksDocument()) as { keys: { kid: string; alg: string }[] };
    expect(document.keys.map((k) => k.alg)).toEqual(["ES256", "RS256"]);
    const grant = await storeGrant();
    const oldKeys = new KmsPublicKeySource({ client: kms.client, keyIds: [previous.arn] });
    const oldDeps = {
      ...freshDeps(),
      signer: new KmsTokenSigner({ client: kms.client, keyId: previous.arn, publicKeys: oldKeys }),
    };
    const response = await createIssueTokenHandler(
      oldDeps,
      quietLogger(),
    )(tokenRequestEvent(grant.requestId, { sub: "alice" }));
    const token = json(response).access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: document.keys[1]?.kid });
    await expect(jwtVerify(token, createLocalJWKSet(document as never), { issuer })).resolves.toBeTruthy();
  });
});

describe("Lambda entries built from the environment", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("issue and publish through the exported handlers, fetching each public key once per container", async () => {
    Object.assign(process.env, {
      [ENV.policyFile]: lambdaPolicyJsonFile({ file: "config/example.yaml" }),
      [ENV.requestsTable]: tables.requests,
      [ENV.auditTable]: tables.audit,
      [ENV.dynamodbEndpoint]: testDynamoDbEndpoint(),
      [ENV.issuer]: issuer,
      [ENV.signingKeyId]: "alias/jit-current",
      [ENV.publicKeyIds]: `alias/jit-current,${previous.arn}`,
      [ENV.kmsEndpoint]: kms.server.endpoint,
    });
    const grant = await storeGrant();
    const before = kms.server.callCount("GetPublicKey");
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await issueTokenLambda(tokenRequestEvent(grant.requestId, { sub: "alice" }));
      expect(response.statusCode).toBe(201);
      tokens.push(json(response).access_token as string);
    }
    expect(kms.server.callCount("GetPublicKey") - before).toBe(1);
    const published = await wellKnownLambda(wellKnownEvent(JWKS_PATH));
    await wellKnownLambda(wellKnownEvent(JWKS_PATH));
    expect(kms.server.callCount("GetPublicKey") - before).toBe(3); // + current and previous, once each
    const set = createLocalJWKSet(JSON.parse(published.body));
    for (const token of tokens) {
      const { payload } = await jwtVerify(token, set, { issuer, audience: "orders-api", typ: "at+jwt" });
      expect(payload.exp as number).toBe((payload.iat as number) + 900); // example.yaml tokenTtl PT15M
    }
  });
});

async function jwksDocument() {
  return (await (await fetch(`${issuer}${JWKS_PATH}`)).json()) as Parameters<typeof createLocalJWKSet>[0];
}
