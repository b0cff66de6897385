import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOidcIdentityVerifier } from "#functions/adapters/auth/oidc-identity-verifier.js";
import { callerIdentityFromEvent } from "#functions/adapters/http/caller-identity.js";
import { identityAuthorizerDepsFromEnvironment } from "#functions/composition/identity.js";
import { ENV } from "#functions/config/environment.js";
import {
  createIdentityAuthorizerHandler,
  type IdentityAuthorizerHandler,
} from "#functions/handlers/identity-authorizer.js";
import { type OidcIssuer, startOidcIssuer } from "#test/helpers/oidc-issuer.js";

// Local OIDC issuers shaped like the providers of docs/identity.md: their issuer forms, key paths and
// group claims. None publishes keys at {issuer}/.well-known/jwks.json, so only discovery (or jwksUri) works.

const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/entitlements";
const CONSOLE = "console-client-id";
const CLI = "cli-client-id";

interface LogLine {
  level: string;
  message: string;
  attributes: Record<string, unknown>;
}

function event(token: string): APIGatewayRequestAuthorizerEvent {
  const headers = { Authorization: `Bearer ${token}` };
  return {
    type: "REQUEST",
    methodArn: METHOD_ARN,
    resource: "/entitlements",
    path: "/entitlements",
    httpMethod: "GET",
    headers,
    multiValueHeaders: { Authorization: [headers.Authorization] },
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent["requestContext"],
  };
}

function authorizerFor(
  idp: OidcIssuer,
  env: Record<string, string> = {},
): { authorize: IdentityAuthorizerHandler; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, attributes?: Record<string, unknown>) => {
    lines.push({ level, message, attributes: attributes ?? {} });
  };
  const deps = identityAuthorizerDepsFromEnvironment({
    [ENV.oidcIssuer]: idp.issuer,
    [ENV.oidcClientIds]: `${CONSOLE},${CLI}`,
    [ENV.oidcGroupsClaim]: idp.groupsClaim,
    ...env,
  });
  const logger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { authorize: createIdentityAuthorizerHandler({ ...deps, logger }), lines };
}

async function outcome(authorize: IdentityAuthorizerHandler, token: string) {
  return authorize(event(token)).then(
    (result) => callerIdentityFromEvent({ requestContext: { authorizer: result.context } as never }),
    (err: Error) => err.message,
  );
}

const PROVIDERS = [
  {
    name: "Okta",
    issuerPath: "/oauth2/default",
    jwksPath: "/oauth2/default/v1/keys",
    groupsClaim: "groups",
    groups: ["jit-engineers", "jit-sre"],
    otherTenant: "/oauth2/other",
  },
  {
    name: "Entra ID",
    issuerPath: "/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0",
    jwksPath: "/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/discovery/v2.0/keys",
    groupsClaim: "groups",
    // Entra emits group object ids.
    groups: ["0b9e6c1e-8f5d-4a8f-9a3e-2d6f3c0b1a11", "5f0d3c2a-1b4e-4f6a-8c7d-9e0f1a2b3c4d"],
    otherTenant: "/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
  },
  {
    name: "Google",
    issuerPath: "",
    jwksPath: "/oauth2/v3/certs",
    groupsClaim: "groups",
    // Google ID tokens carry no groups claim: groups come from federating through Cognito or another IdP.
    groups: undefined,
    otherTenant: undefined,
  },
] as const;

describe.each(PROVIDERS)("H25 a $name-shaped issuer", (provider) => {
  let idp: OidcIssuer;

  beforeAll(async () => {
    idp = await startOidcIssuer({
      issuerPath: provider.issuerPath,
      jwksPath: provider.jwksPath,
      groupsClaim: provider.groupsClaim,
    });
  });
  afterAll(async () => {
    await idp.close();
  });

  const mint = (claims: { sub: string; aud?: string; issuer?: string }) =>
    idp.mintIdToken({
      sub: claims.sub,
      aud: claims.aud ?? CLI,
      ...(claims.issuer === undefined ? {} : { issuer: claims.issuer }),
      ...(provider.groups === undefined ? {} : { groups: [...provider.groups] }),
      claims: { token_use: undefined },
    });

  it("H25 signs a caller in through OpenID discovery, with either client id as aud", async () => {
    const { authorize } = authorizerFor(idp);
    expect(await outcome(authorize, await mint({ sub: "user-1" }))).toEqual({
      sub: "user-1",
      groups: provider.groups ?? [],
    });
    expect(await outcome(authorize, await mint({ sub: "user-2", aud: CONSOLE }))).toMatchObject({
      sub: "user-2",
    });
    expect(idp.discoveryRequests).toBeGreaterThanOrEqual(1);
  });

  it("H25 signs a caller in through an explicit jwksUri, without discovery", async () => {
    const before = idp.discoveryRequests;
    const { authorize } = authorizerFor(idp, { [ENV.oidcJwksUri]: idp.jwksUri });
    expect(await outcome(authorize, await mint({ sub: "user-3" }))).toMatchObject({ sub: "user-3" });
    expect(idp.discoveryRequests).toBe(before);
  });

  it("H25 does not find keys by guessing {issuer}/.well-known/jwks.json", async () => {
    const { authorize, lines } = authorizerFor(idp, {
      [ENV.oidcJwksUri]: `${idp.issuer}/.well-known/jwks.json`,
    });
    expect(await outcome(authorize, await mint({ sub: "user-4" }))).toBe("Unauthorized");
    expect(lines.at(-1)?.attributes.reason).toBe("jwks_unavailable");
  });

  if (provider.otherTenant !== undefined) {
    const otherTenant = provider.otherTenant;
    it("H25 refuses a token of another tenant of the same provider (other iss, same keys)", async () => {
      const { authorize, lines } = authorizerFor(idp);
      const token = await mint({ sub: "intruder", issuer: `${idp.origin}${otherTenant}` });
      expect(await outcome(authorize, token)).toBe("Unauthorized");
      expect(lines.at(-1)?.attributes).toMatchObject({
        reason: "invalid_token",
        joseCode: "ERR_JWT_CLAIM_VALIDATION_FAILED",
      });
    });
  }
});

describe("H25 discovery outage", () => {
  it("H25 answers 401 while discovery is unreachable and recovers by itself when it is back", async () => {
    const idp = await startOidcIssuer({ issuerPath: "/oauth2/default", jwksPath: "/oauth2/default/v1/keys" });
    try {
      let now = Date.now();
      const lines: LogLine[] = [];
      const record = (level: string) => (message: string, attributes?: Record<string, unknown>) => {
        lines.push({ level, message, attributes: attributes ?? {} });
      };
      const verifier = createOidcIdentityVerifier({
        issuer: idp.issuer,
        clientIds: [CLI],
        groupsClaim: idp.groupsClaim,
        jwks: { discoveryRetryMs: 5_000, now: () => now },
      });
      const authorize = createIdentityAuthorizerHandler({
        verifier,
        logger: { info: record("info"), warn: record("warn"), error: record("error") },
      });
      const token = await idp.mintIdToken({ sub: "patient", aud: CLI });

      idp.setDiscoveryAvailable(false);
      expect(await outcome(authorize, token)).toBe("Unauthorized");
      expect(lines.at(-1)).toMatchObject({ level: "error", attributes: { reason: "discovery_unavailable" } });
      // Within the retry interval the outage is not hammered: no new discovery request.
      const requests = idp.discoveryRequests;
      expect(await outcome(authorize, token)).toBe("Unauthorized");
      expect(idp.discoveryRequests).toBe(requests);

      idp.setDiscoveryAvailable(true);
      now += 5_001;
      expect(await outcome(authorize, token)).toMatchObject({ sub: "patient" });
      expect(idp.discoveryRequests).toBe(requests + 1);
    } finally {
      await idp.close();
    }
  });

  it("H25 keeps using the known key location when a later rediscovery fails", async () => {
    const idp = await startOidcIssuer({ issuerPath: "/oauth2/default", jwksPath: "/oauth2/default/v1/keys" });
    try {
      let now = Date.now();
      const verifier = createOidcIdentityVerifier({
        issuer: idp.issuer,
        clientIds: [CLI],
        jwks: { cacheMaxAgeMs: 1_000, now: () => now },
      });
      expect((await verifier.verify(await idp.mintIdToken({ sub: "a", aud: CLI }))).sub).toBe("a");
      idp.setDiscoveryAvailable(false);
      now += 2_000;
      expect((await verifier.verify(await idp.mintIdToken({ sub: "b", aud: CLI }))).sub).toBe("b");
    } finally {
      await idp.close();
    }
  });

  it("refuses a discovery document naming another issuer", async () => {
    const idp = await startOidcIssuer({ issuerPath: "/tenant-a" });
    try {
      const { authorize, lines } = authorizerFor({ ...idp, issuer: `${idp.origin}/tenant-b` } as OidcIssuer);
      expect(
        await outcome(
          authorize,
          await idp.mintIdToken({ sub: "x", aud: CLI, issuer: `${idp.origin}/tenant-b` }),
        ),
      ).toBe("Unauthorized");
      expect(lines.at(-1)?.attributes.reason).toBe("discovery_unavailable");
    } finally {
      await idp.close();
    }
  });
});

describe("H28 oversize or odd identity claims", () => {
  let idp: OidcIssuer;
  beforeAll(async () => {
    idp = await startOidcIssuer({ groupsClaim: "groups" });
  });
  afterAll(async () => {
    await idp.close();
  });

  const cases: [string, { sub: string; claims?: Record<string, unknown> }, string, RegExp][] = [
    [
      "a sub of 5,000 characters",
      { sub: "a".repeat(5_000) },
      "invalid_subject",
      /5000 characters; at most 255/,
    ],
    ["a sub with NUL", { sub: "alice\u0000admin" }, "invalid_subject", /control characters/],
    ["a sub with a newline", { sub: "alice\nadmin" }, "invalid_subject", /control characters/],
    [
      "2,000 groups",
      { sub: "x", claims: { groups: Array.from({ length: 2_000 }, (_, i) => `g${i}`) } },
      "invalid_groups_claim",
      /2000 groups; at most 200/,
    ],
    [
      "a groups claim that is a string",
      { sub: "x", claims: { groups: "admins" } },
      "invalid_groups_claim",
      /string, not an array/,
    ],
    [
      "a groups claim that is an object",
      { sub: "x", claims: { groups: { admins: true } } },
      "invalid_groups_claim",
      /object, not an array/,
    ],
    [
      "a group name with a control character",
      { sub: "x", claims: { groups: ["ad\u0007mins"] } },
      "invalid_groups_claim",
      /control characters/,
    ],
    [
      "a group name of 1,000 characters",
      { sub: "x", claims: { groups: ["g".repeat(1_000)] } },
      "invalid_groups_claim",
      /longer than 256/,
    ],
  ];

  it.each(cases)("H28 refuses %s with 401 and a logged reason", async (_name, input, reason, detail) => {
    const { authorize, lines } = authorizerFor(idp);
    const token = await idp.mintIdToken({ sub: input.sub, aud: CLI, claims: input.claims ?? {} });
    expect(await outcome(authorize, token)).toBe("Unauthorized");
    const line = lines.at(-1);
    expect(line).toMatchObject({ level: "warn", message: "identity token refused", attributes: { reason } });
    expect(String(line?.attributes.detail)).toMatch(detail);
  });

  it("H28 accepts the largest allowed sub and group list", async () => {
    const { authorize } = authorizerFor(idp);
    const groups = Array.from({ length: 200 }, (_, i) => `group-${i}`);
    const token = await idp.mintIdToken({ sub: "s".repeat(255), aud: CLI, claims: { groups } });
    expect(await outcome(authorize, token)).toEqual({ sub: "s".repeat(255), groups });
  });

  it("refuses an Entra ID group overage (_claim_names) with a clear logged reason", async () => {
    const { authorize, lines } = authorizerFor(idp);
    const token = await idp.mintIdToken({
      sub: "big-user",
      aud: CLI,
      claims: {
        _claim_names: { groups: "src1" },
        _claim_sources: { src1: { endpoint: "https://graph.microsoft.com/v1.0/users/x/getMemberObjects" } },
      },
    });
    expect(await outcome(authorize, token)).toBe("Unauthorized");
    expect(lines.at(-1)).toMatchObject({ level: "warn", attributes: { reason: "group_overage" } });
    expect(String(lines.at(-1)?.attributes.detail)).toContain("_claim_names");
  });
});
