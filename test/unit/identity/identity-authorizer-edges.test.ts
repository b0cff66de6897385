import { describe, expect, it } from "vitest";
import { allowPolicy, wholeStageResource } from "#functions/adapters/auth/api-gateway-policy.js";
import { bearerTokenFromHeaders } from "#functions/adapters/auth/bearer-token.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import { isTrustworthyUrl } from "#functions/domain/trustworthy-url.js";
import { captureLogs } from "#test/helpers/authorizer.js";

describe("wholeStageResource", () => {
  it("widens a method ARN to every method and path of its stage", () => {
    expect(wholeStageResource("arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/requests")).toBe(
      "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*",
    );
  });

  it("keeps the partition (GovCloud, China)", () => {
    expect(
      wholeStageResource("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/dev/POST/requests/1/approve"),
    ).toBe("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/dev/*/*");
  });

  it.each([
    ["another service", "arn:aws:lambda:eu-west-1:123456789012:function:f"],
    ["no stage", "arn:aws:execute-api:eu-west-1:123456789012:abc"],
    ["no account", "arn:aws:execute-api:eu-west-1::abc/prod/GET/x"],
    ["not an ARN", "*"],
    ["an empty string", ""],
  ])("refuses %s", (_label, arn) => {
    expect(() => wholeStageResource(arn)).toThrow(/methodArn/);
  });
});

describe("allowPolicy", () => {
  it("is an IAM policy document allowing execute-api:Invoke on the resource", () => {
    expect(allowPolicy("sub-1", "arn:x", { sub: "sub-1" })).toEqual({
      principalId: "sub-1",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: "arn:x" }],
      },
      context: { sub: "sub-1" },
    });
  });
});

describe("bearerTokenFromHeaders", () => {
  it("returns the token of a Bearer header, matching the header name case-insensitively", () => {
    expect(bearerTokenFromHeaders({ AUTHORIZATION: "Bearer a.b.c" })).toBe("a.b.c");
    expect(bearerTokenFromHeaders(null, { authorization: ["BEARER a.b.c"] })).toBe("a.b.c");
  });

  it.each([
    ["no headers", null, "missing_token"],
    ["no Authorization header", { Accept: "*/*" }, "missing_token"],
    ["the Basic scheme", { Authorization: "Basic YTpi" }, "malformed_authorization"],
    ["a bare token", { Authorization: "a.b.c" }, "malformed_authorization"],
    ["an empty token", { Authorization: "Bearer " }, "malformed_authorization"],
    ["two tokens", { Authorization: "Bearer a.b.c d.e.f" }, "malformed_authorization"],
    ["a token with a comma", { Authorization: "Bearer a.b.c,Bearer d" }, "malformed_authorization"],
  ])("refuses %s", (_label, headers, reason) => {
    expect(() => bearerTokenFromHeaders(headers as Record<string, string> | null)).toThrow(
      expect.objectContaining({ reason }),
    );
  });

  it("refuses two Authorization headers rather than picking one", () => {
    expect(() => bearerTokenFromHeaders(null, { Authorization: ["Bearer a.b.c", "Bearer d.e.f"] })).toThrow(
      expect.objectContaining({ reason: "malformed_authorization" }),
    );
  });
});

describe("isTrustworthyUrl", () => {
  it("accepts https anywhere and plain http on loopback addresses only", () => {
    for (const url of [
      "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
      "http://127.0.0.1:4002",
      "http://localhost:8080/keys",
      "http://[::1]:9000",
    ]) {
      expect(isTrustworthyUrl(new URL(url)), url).toBe(true);
    }
    for (const url of [
      "http://idp.example.com",
      "http://127.0.0.1.nip.io",
      "http://10.0.0.1",
      "ftp://x.example",
    ]) {
      expect(isTrustworthyUrl(new URL(url)), url).toBe(false);
    }
  });
});

describe("identity authorizer module", () => {
  it("imports without an environment and refuses the first call with Unauthorized, logging the configuration error, never an Allow", async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith("JIT_OIDC_")) delete process.env[k];
    try {
      const { handler } = await import("#functions/handlers/identity-authorizer.js");
      const { entries } = await captureLogs(async () => {
        await expect(
          handler({ type: "REQUEST", methodArn: "arn:aws:execute-api:r:1:a/s/GET/x", headers: {} } as never),
        ).rejects.toThrow(/^Unauthorized$/);
      });
      expect(entries).toMatchObject([
        { level: "ERROR", reason: "init_failed", errorName: ConfigurationError.name },
      ]);
    } finally {
      process.env = saved;
    }
  });
});
