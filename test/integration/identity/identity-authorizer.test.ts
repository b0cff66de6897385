import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { exportSPKI, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createOidcIdentityVerifier } from "#functions/adapters/auth/oidc-identity-verifier.js";
import { callerIdentityFromEvent } from "#functions/adapters/http/caller-identity.js";
import { identityAuthorizerDepsFromEnvironment } from "#functions/composition/identity.js";
import { ENV } from "#functions/config/environment.js";
import {
  createIdentityAuthorizerHandler,
  type IdentityAuthorizerHandler,
} from "#functions/handlers/identity-authorizer.js";
import { type OidcIssuer, startOidcIssuer } from "#test/helpers/oidc-issuer.js";

const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/requests/r-1/approve";
const WHOLE_STAGE = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*";

interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
  attributes: unknown;
}

/** An in-memory log sink with the logger's shape, so tests can read what was logged. */
function recordingLogger() {
  const lines: LogLine[] = [];
  const at = (level: LogLine["level"]) => (message: string, attributes?: unknown) => {
    lines.push({ level, message, attributes });
  };
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } };
}

function authorizerEvent(headers: Record<string, string> | null): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn: METHOD_ARN,
    resource: "/requests/{id}/approve",
    path: "/requests/r-1/approve",
    httpMethod: "POST",
    headers,
    multiValueHeaders: headers && Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: { id: "r-1" },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent["requestContext"],
  };
}

const bearer = (token: string) => authorizerEvent({ Authorization: `Bearer ${token}` });

/** Reads the Allow back the way the JIT API handlers will: through callerIdentityFromEvent. */
function identityFromResult(result: APIGatewayAuthorizerResult) {
  return callerIdentityFromEvent({
    requestContext: { authorizer: result.context } as never,
  });
}

describe("identity authorizer (OIDC ID tokens over a real JWKS)", () => {
  let idp: OidcIssuer;
  let log: ReturnType<typeof recordingLogger>;
  let authorize: IdentityAuthorizerHandler;

  beforeAll(async () => {
    idp = await startOidcIssuer();
  });
  afterAll(async () => {
    await idp.close();
  });

  function freshAuthorizer(env: Record<string, string> = {}): IdentityAuthorizerHandler {
    log = recordingLogger();
    const deps = identityAuthorizerDepsFromEnvironment({
      [ENV.oidcIssuer]: idp.issuer,
      [ENV.oidcClientIds]: idp.audience,
      [ENV.oidcGroupsClaim]: idp.groupsClaim,
      ...env,
    });
    authorize = createIdentityAuthorizerHandler({ ...deps, logger: log.logger });
    return authorize;
  }

  async function expectUnauthorized(event: APIGatewayRequestAuthorizerEvent): Promise<void> {
    const outcome = await authorize(event).then(
      (result) => ({ allowed: result }),
      (err: unknown) => ({ error: err }),
    );
    expect(outcome).toEqual({ error: new Error("Unauthorized") });
    expect((outcome as { error: Error }).error.message).toBe("Unauthorized");
  }

  describe("valid tokens", () => {
    it("allows a valid ID token for the whole stage with sub and groups in the context", async () => {
      freshAuthorizer();
      const token = await idp.mintIdToken({ sub: "alice-sub", groups: ["engineers", "on call/eu"] });
      const result = await authorize(bearer(token));
      expect(result.principalId).toBe("alice-sub");
      expect(result.policyDocument.Statement).toEqual([
        { Action: "execute-api:Invoke", Effect: "Allow", Resource: WHOLE_STAGE },
      ]);
      expect(identityFromResult(result)).toEqual({ sub: "alice-sub", groups: ["engineers", "on call/eu"] });
      expect(Object.values(result.context ?? {}).every((v) => typeof v === "string")).toBe(true);
    });

    it("accepts ID tokens whose aud is either client id (console or CLI), and no other", async () => {
      freshAuthorizer({ [ENV.oidcClientIds]: "jit-console, jit-cli" });
      for (const aud of ["jit-console", "jit-cli"]) {
        const result = await authorize(bearer(await idp.mintIdToken({ sub: `via-${aud}`, aud })));
        expect(result.principalId).toBe(`via-${aud}`);
      }
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", aud: "jit-other" })));
      await expectUnauthorized(
        bearer(
          await idp.mintIdToken({ sub: "x", aud: ["jit-cli", "jit-other"], claims: { azp: "jit-other" } }),
        ),
      );
    });

    it("treats a missing groups claim as no groups", async () => {
      freshAuthorizer();
      const result = await authorize(bearer(await idp.mintIdToken({ sub: "bob" })));
      expect(identityFromResult(result)).toEqual({ sub: "bob", groups: [] });
    });

    it("reads groups from the configured claim only", async () => {
      freshAuthorizer({ [ENV.oidcGroupsClaim]: "groups" });
      const token = await idp.mintIdToken({
        sub: "carol",
        groups: ["from-cognito-claim"],
        claims: { groups: ["admins"] },
      });
      expect(identityFromResult(await authorize(bearer(token))).groups).toEqual(["admins"]);
    });

    it("accepts the scheme in any letter case and an Authorization header in any case", async () => {
      freshAuthorizer();
      const token = await idp.mintIdToken({ sub: "dave" });
      expect((await authorize(authorizerEvent({ authorization: `bearer ${token}` }))).principalId).toBe(
        "dave",
      );
    });

    it("accepts ES256 ID tokens from an EC-keyed issuer", async () => {
      const ecIdp = await startOidcIssuer({ alg: "ES256" });
      try {
        const deps = identityAuthorizerDepsFromEnvironment({
          [ENV.oidcIssuer]: ecIdp.issuer,
          [ENV.oidcClientIds]: ecIdp.audience,
          [ENV.oidcGroupsClaim]: ecIdp.groupsClaim,
        });
        const result = await createIdentityAuthorizerHandler(deps)(
          bearer(await ecIdp.mintIdToken({ sub: "erin", groups: ["g"] })),
        );
        expect(identityFromResult(result)).toEqual({ sub: "erin", groups: ["g"] });
      } finally {
        await ecIdp.close();
      }
    });

    it("tolerates a clock skew of a few seconds on exp", async () => {
      freshAuthorizer();
      const now = Math.floor(Date.now() / 1000);
      const token = await idp.mintIdToken({ sub: "frank", issuedAt: now - 3602, expiresInSeconds: 3600 });
      expect((await authorize(bearer(token))).principalId).toBe("frank");
    });

    it("fetches the JWKS once and serves later tokens from jose's cache", async () => {
      freshAuthorizer();
      const before = idp.jwksRequests;
      for (const sub of ["u1", "u2", "u3"]) await authorize(bearer(await idp.mintIdToken({ sub })));
      expect(idp.jwksRequests - before).toBe(1);
    });

    it("never logs the token", async () => {
      freshAuthorizer();
      const token = await idp.mintIdToken({ sub: "grace" });
      await authorize(bearer(token));
      await authorize(bearer(`${token}x`)).catch(() => undefined);
      const logged = JSON.stringify(log.lines);
      expect(log.lines.length).toBeGreaterThanOrEqual(2);
      expect(logged).not.toContain(token.split(".")[2]);
      expect(logged).not.toContain(token.split(".")[1]);
    });
  });

  describe("refusals throw exactly Unauthorized", () => {
    it("refuses a token from another issuer", async () => {
      freshAuthorizer();
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", issuer: "https://evil.example" })));
    });

    it("refuses a token minted for another audience", async () => {
      freshAuthorizer();
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", aud: "another-client" })));
    });

    it("refuses an expired token beyond the clock tolerance", async () => {
      freshAuthorizer();
      const now = Math.floor(Date.now() / 1000);
      await expectUnauthorized(
        bearer(await idp.mintIdToken({ sub: "x", issuedAt: now - 3700, expiresInSeconds: 3600 })),
      );
      expect(log.lines.at(-1)?.attributes).toMatchObject({
        reason: "invalid_token",
        joseCode: "ERR_JWT_EXPIRED",
      });
    });

    it("refuses alg none before fetching any key", async () => {
      freshAuthorizer();
      const before = idp.jwksRequests;
      const unsecured = new UnsecuredJWT({ sub: "x", "cognito:groups": ["admins"] })
        .setIssuer(idp.issuer)
        .setAudience(idp.audience)
        .setIssuedAt()
        .setExpirationTime("1h")
        .encode();
      await expectUnauthorized(bearer(unsecured));
      expect(idp.jwksRequests).toBe(before);
    });

    it("refuses an HS256 token whose HMAC secret is the issuer's public key (PEM and JWK JSON)", async () => {
      freshAuthorizer();
      const before = idp.jwksRequests;
      const key = idp.currentKey;
      const secrets = [await exportSPKI(key.publicKey), JSON.stringify(key.publicJwk)];
      for (const secret of secrets) {
        const forged = await new SignJWT({ "cognito:groups": ["admins"], token_use: "id" })
          .setProtectedHeader({ alg: "HS256", kid: key.kid })
          .setIssuer(idp.issuer)
          .setAudience(idp.audience)
          .setSubject("mallory")
          .setIssuedAt()
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode(secret));
        await expectUnauthorized(bearer(forged));
      }
      expect(idp.jwksRequests).toBe(before);
    });

    it("refuses a token signed by a key the issuer does not publish (unknown kid)", async () => {
      freshAuthorizer();
      const key = await idp.createUnpublishedKey();
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", key })));
    });

    it("refuses a token whose kid is published but whose signature is from another key", async () => {
      freshAuthorizer();
      const other = await idp.createUnpublishedKey();
      const forged = await idp.mintIdToken({ sub: "x", key: { ...other, kid: idp.currentKey.kid } });
      await expectUnauthorized(bearer(forged));
    });

    it.each([
      ["a string", "admins"],
      ["an array holding a number", ["admins", 7]],
      ["an object", { admins: true }],
      ["null", null],
    ])("refuses a groups claim that is %s", async (_label, value) => {
      freshAuthorizer();
      await expectUnauthorized(
        bearer(await idp.mintIdToken({ sub: "x", claims: { "cognito:groups": value } })),
      );
      expect(log.lines.at(-1)?.attributes).toMatchObject({ reason: "invalid_groups_claim" });
    });

    it("refuses a Cognito access token (client_id, no aud, token_use access)", async () => {
      freshAuthorizer();
      const key = idp.currentKey;
      const accessToken = await new SignJWT({ client_id: idp.audience, token_use: "access", scope: "openid" })
        .setProtectedHeader({ alg: key.alg, kid: key.kid })
        .setIssuer(idp.issuer)
        .setSubject("x")
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(key.privateKey);
      await expectUnauthorized(bearer(accessToken));
    });

    it("refuses a token with the right aud but token_use access", async () => {
      freshAuthorizer();
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", claims: { token_use: "access" } })));
    });

    it("refuses an RFC 9068 access token (typ at+jwt) even when iss and aud match", async () => {
      freshAuthorizer();
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", header: { typ: "at+jwt" } })));
    });

    it("refuses several audiences without azp, and an azp naming another client", async () => {
      freshAuthorizer();
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", aud: [idp.audience, "other"] })));
      await expectUnauthorized(bearer(await idp.mintIdToken({ sub: "x", claims: { azp: "other" } })));
      const ok = await idp.mintIdToken({
        sub: "y",
        aud: [idp.audience, "other"],
        claims: { azp: idp.audience },
      });
      expect((await authorize(bearer(ok))).principalId).toBe("y");
    });

    it("refuses a request without an Authorization header", async () => {
      freshAuthorizer();
      await expectUnauthorized(authorizerEvent({ Accept: "application/json" }));
      await expectUnauthorized(authorizerEvent(null));
    });

    it("refuses the Basic scheme, an empty bearer token and two Authorization headers", async () => {
      freshAuthorizer();
      const token = await idp.mintIdToken({ sub: "x" });
      await expectUnauthorized(authorizerEvent({ Authorization: `Basic ${btoa("alice:secret")}` }));
      await expectUnauthorized(authorizerEvent({ Authorization: "Bearer " }));
      await expectUnauthorized(authorizerEvent({ Authorization: token }));
      const twice = authorizerEvent({ Authorization: `Bearer ${token}` });
      twice.multiValueHeaders = { Authorization: [`Bearer ${token}`, `Bearer ${token}`] };
      await expectUnauthorized(twice);
    });

    it("refuses a tampered payload", async () => {
      freshAuthorizer();
      const [h, , s] = (await idp.mintIdToken({ sub: "x" })).split(".");
      const payload = Buffer.from(
        JSON.stringify({ sub: "admin", iss: idp.issuer, aud: idp.audience, exp: 9_999_999_999, iat: 1 }),
      ).toString("base64url");
      await expectUnauthorized(bearer(`${h}.${payload}.${s}`));
    });

    it("refuses (and does not allow) when the issuer's JWKS cannot be fetched", async () => {
      const down = await startOidcIssuer();
      const deps = identityAuthorizerDepsFromEnvironment({
        [ENV.oidcIssuer]: down.issuer,
        [ENV.oidcClientIds]: down.audience,
        [ENV.oidcGroupsClaim]: down.groupsClaim,
      });
      const token = await down.mintIdToken({ sub: "x" });
      await down.close();
      log = recordingLogger();
      authorize = createIdentityAuthorizerHandler({ ...deps, logger: log.logger });
      await expectUnauthorized(bearer(token));
      expect(log.lines.at(-1)).toMatchObject({
        level: "error",
        attributes: { reason: "discovery_unavailable" },
      });

      // With an explicit JWKS URI there is no discovery: the unreachable key set itself is the reason.
      const direct = identityAuthorizerDepsFromEnvironment({
        [ENV.oidcIssuer]: down.issuer,
        [ENV.oidcClientIds]: down.audience,
        [ENV.oidcGroupsClaim]: down.groupsClaim,
        [ENV.oidcJwksUri]: down.jwksUri,
      });
      authorize = createIdentityAuthorizerHandler({ ...direct, logger: log.logger });
      await expectUnauthorized(bearer(token));
      expect(log.lines.at(-1)).toMatchObject({ level: "error", attributes: { reason: "jwks_unavailable" } });
    });

    it("refuses an event whose methodArn is not an execute-api ARN", async () => {
      freshAuthorizer();
      const event = bearer(await idp.mintIdToken({ sub: "x" }));
      event.methodArn = "arn:aws:lambda:eu-west-1:123456789012:function:f";
      await expectUnauthorized(event);
    });
  });

  describe("key rotation (jose remote JWKS cooldown)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("picks up a new kid by refetching the JWKS once the 30 s cooldown has passed", async () => {
      const rotating = await startOidcIssuer();
      try {
        vi.useFakeTimers({ toFake: ["Date"] });
        const verifier = createOidcIdentityVerifier({
          issuer: rotating.issuer,
          clientIds: [rotating.audience],
        });
        log = recordingLogger();
        authorize = createIdentityAuthorizerHandler({ verifier, logger: log.logger });
        expect((await authorize(bearer(await rotating.mintIdToken({ sub: "old-key" })))).principalId).toBe(
          "old-key",
        );
        expect(rotating.jwksRequests).toBe(1);

        await rotating.rotateKey({ retireOld: true });
        const newKeyToken = await rotating.mintIdToken({ sub: "new-key" });
        // Within the cooldown an unknown kid does not trigger a fetch: a flood of forged kids cannot
        // hammer the IdP, and the token is refused rather than trusted.
        await expectUnauthorized(bearer(newKeyToken));
        expect(rotating.jwksRequests).toBe(1);

        vi.setSystemTime(Date.now() + 31_000);
        expect((await authorize(bearer(newKeyToken))).principalId).toBe("new-key");
        expect(rotating.jwksRequests).toBe(2);
      } finally {
        vi.useRealTimers();
        await rotating.close();
      }
    });

    it("keeps accepting tokens of a key that stays published during an overlapping rotation", async () => {
      freshAuthorizer();
      const oldToken = await idp.mintIdToken({ sub: "before-rotation" });
      await idp.rotateKey();
      // A fresh authorizer (a new container) sees both keys.
      freshAuthorizer();
      expect((await authorize(bearer(oldToken))).principalId).toBe("before-rotation");
      expect((await authorize(bearer(await idp.mintIdToken({ sub: "after" })))).principalId).toBe("after");
    });
  });
});
