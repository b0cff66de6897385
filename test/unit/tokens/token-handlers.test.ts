import { createLocalJWKSet, jwtVerify } from "jose";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createIssueTokenHandler, handler as issueTokenLambda } from "#functions/handlers/issue-token.js";
import {
  createWellKnownHandler,
  JWKS_PATH,
  METADATA_PATH,
  handler as wellKnownLambda,
} from "#functions/handlers/well-known.js";
import type { IssueTokenDependencies } from "#functions/use-cases/issue-token.js";
import { authorizationServerMetadata, publishJwks } from "#functions/use-cases/publish-keys.js";
import { ManualClock } from "#test/helpers/clock.js";
import {
  generateLocalKey,
  grantFixture,
  ISSUER,
  type LocalKey,
  LocalKeySigner,
  MemoryAuditLog,
  MemoryRequests,
  quietLogger,
  StaticKeySource,
  tokenRequestEvent,
  wellKnownEvent,
} from "#test/helpers/token-issue.js";

const NOW_MS = Date.UTC(2026, 10, 29, 12, 0, 0);
let current: LocalKey;
let previous: LocalKey;
let requests: MemoryRequests;
let deps: IssueTokenDependencies;

beforeAll(async () => {
  current = await generateLocalKey("ES256");
  previous = await generateLocalKey("RS256");
});

beforeEach(() => {
  requests = new MemoryRequests();
  deps = {
    requests,
    audit: new MemoryAuditLog(),
    signer: new LocalKeySigner(current),
    clock: new ManualClock(NOW_MS),
    issuer: ISSUER,
    tokenTtlSeconds: 900,
    entitlementIds: new Set(["orders-read"]),
  };
});

const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe("POST /requests/{id}/token", () => {
  it("answers 201 {access_token, token_type, expires_in} with no-store caching", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    const response = await createIssueTokenHandler(
      deps,
      quietLogger(),
    )(tokenRequestEvent("r-1", { sub: "alice" }));
    expect(response.statusCode).toBe(201);
    expect(response.headers).toMatchObject({
      "content-type": "application/json",
      "cache-control": "no-store",
      pragma: "no-cache",
    });
    const json = body(response);
    expect(Object.keys(json).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(json.token_type).toBe("Bearer");
    expect(json.expires_in).toBe(900);
    await jwtVerify(json.access_token as string, current.verificationKey.publicJwk, {
      issuer: ISSUER,
      audience: "orders-api",
      currentDate: new Date(NOW_MS),
    });
  });

  const refusals: [string, () => void, string | undefined, number, string][] = [
    ["no identity", () => requests.put(grantFixture("r-1", NOW_MS)), undefined, 401, "unauthenticated"],
    ["an unknown id", () => {}, "alice", 404, "not_found"],
    [
      "a caller who is not the requester",
      () => requests.put(grantFixture("r-1", NOW_MS)),
      "mallory",
      403,
      "forbidden",
    ],
    [
      "a pending request",
      () =>
        requests.put(
          grantFixture("r-1", NOW_MS, { status: "PENDING", grantedAt: undefined, expiresAt: undefined }),
        ),
      "alice",
      409,
      "invalid_state",
    ],
    [
      "a revoked grant",
      () => requests.put(grantFixture("r-1", NOW_MS, { status: "REVOKED" })),
      "alice",
      409,
      "invalid_state",
    ],
    [
      "a grant that expired 60 s ago (H15)",
      () => requests.put(grantFixture("r-1", NOW_MS, { remainingSeconds: -60 })),
      "alice",
      410,
      "expired",
    ],
  ];
  for (const [name, arrange, sub, status, code] of refusals) {
    it(`answers ${status} ${code} as a problem document for ${name}`, async () => {
      arrange();
      const event = tokenRequestEvent("r-1", sub === undefined ? undefined : { sub });
      const response = await createIssueTokenHandler(deps, quietLogger())(event);
      expect(response.statusCode).toBe(status);
      expect(response.headers?.["content-type"]).toBe("application/problem+json");
      expect(body(response)).toMatchObject({ status, code });
      expect(response.body).not.toContain("access_token");
    });
  }

  it("answers 400 for an id that cannot name a request", async () => {
    const response = await createIssueTokenHandler(
      deps,
      quietLogger(),
    )(tokenRequestEvent("../../etc", { sub: "alice" }));
    expect(response.statusCode).toBe(400);
    expect(body(response)).toMatchObject({ code: "invalid_request", field: "id" });
  });

  it("answers a logged 500 with no internals when signing fails", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    (deps.signer as LocalKeySigner).fail = true;
    const response = await createIssueTokenHandler(
      deps,
      quietLogger(),
    )(tokenRequestEvent("r-1", { sub: "alice" }));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("signing service unavailable");
  });
});

describe("well-known documents", () => {
  it("publishes current then previous keys as a JWK Set that verifies tokens of either", async () => {
    const keys = new StaticKeySource([current.verificationKey, previous.verificationKey]);
    const response = await createWellKnownHandler(
      { issuer: ISSUER, keys },
      quietLogger(),
    )(wellKnownEvent(JWKS_PATH));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["cache-control"]).toBe("public, max-age=300");
    const jwks = body(response) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([current.verificationKey.kid, previous.verificationKey.kid]);
    expect(jwks.keys.map((k) => [k.alg, k.use])).toEqual([
      ["ES256", "sig"],
      ["RS256", "sig"],
    ]);
    requests.put(grantFixture("r-1", NOW_MS));
    const set = createLocalJWKSet(jwks as never);
    for (const key of [current, previous]) {
      const token = (
        await new LocalKeySigner(key).sign(
          {
            iss: ISSUER,
            sub: "a",
            aud: "x",
            iat: 1,
            nbf: 1,
            exp: 2,
            jti: "j",
            client_id: "c",
            scope: "s",
            jit_request_id: "r",
          },
          { typ: "at+jwt" },
        )
      ).token;
      await expect(jwtVerify(token, set, { currentDate: new Date(1500) })).resolves.toBeTruthy();
    }
  });

  it("publishes public key members only", async () => {
    const jwks = await publishJwks(new StaticKeySource([previous.verificationKey]));
    expect(Object.keys(jwks.keys[0] ?? {}).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
  });

  it("serves RFC 8414 metadata naming the issuer and an absolute jwks_uri", async () => {
    const keys = new StaticKeySource([]);
    const response = await createWellKnownHandler(
      { issuer: ISSUER, keys },
      quietLogger(),
    )(wellKnownEvent(METADATA_PATH));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["cache-control"]).toBe("public, max-age=300");
    expect(body(response)).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      response_types_supported: [],
    });
    expect(authorizationServerMetadata("https://jit.example.test/").jwks_uri).toBe(
      "https://jit.example.test/.well-known/jwks.json",
    );
  });

  it("answers 404 for another path, 400 for another method, and a no-store 500 when keys cannot load", async () => {
    const keys = new StaticKeySource([current.verificationKey]);
    const handler = createWellKnownHandler({ issuer: ISSUER, keys }, quietLogger());
    expect((await handler(wellKnownEvent("/.well-known/openid-configuration"))).statusCode).toBe(404);
    expect((await handler(wellKnownEvent(JWKS_PATH, "POST"))).statusCode).toBe(400);
    keys.fail = true;
    const failed = await handler(wellKnownEvent(JWKS_PATH));
    expect(failed.statusCode).toBe(500);
    expect(failed.headers?.["cache-control"]).toBe("no-store");
    expect(failed.body).not.toContain("throttled");
  });
});

describe("Lambda entries", () => {
  it("import without an environment, and answer a generic 500 on a call when it is missing", async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith("JIT_")) delete process.env[k];
    try {
      const issued = await issueTokenLambda(tokenRequestEvent("r-1", { sub: "alice" }));
      const published = await wellKnownLambda(wellKnownEvent(JWKS_PATH));
      expect(issued.statusCode).toBe(500);
      expect(published.statusCode).toBe(500);
      expect(JSON.parse(issued.body)).toMatchObject({ code: "internal" });
      expect(issued.body).not.toContain("JIT_SIGNING_KEY_ID");
    } finally {
      process.env = saved;
    }
  });
});
