import { describe, expect, it } from "vitest";
import { JoseAccessTokenVerifier, MAX_TOKEN_LENGTH } from "#functions/adapters/auth/access-token-verifier.js";
import type { SigningAlgorithm } from "#functions/domain/token-claims.js";
import type { VerificationKey } from "#functions/ports/public-keys.js";
import { T0_MS } from "#test/helpers/authorizer.js";
import { ManualClock } from "#test/helpers/clock.js";
import {
  generateTestKey,
  type MintOptions,
  mintAccessToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestKey,
} from "#test/helpers/tokens.js";

const now = Math.floor(T0_MS / 1000);
const clock = new ManualClock(T0_MS);

function verifier(keys: VerificationKey[], tokenTtlSeconds = 900) {
  return new JoseAccessTokenVerifier({
    keys,
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    tokenTtlSeconds,
    clock,
  });
}

async function verdict(key: TestKey, options: Partial<MintOptions> = {}, keys = [key.verificationKey]) {
  const token = await mintAccessToken({ key, nowSeconds: now, requestId: "req-1", ...options });
  return verifier(keys).verify(token);
}

describe("JoseAccessTokenVerifier", () => {
  it.each<SigningAlgorithm>(["ES256", "RS256", "PS256"])(
    "verifies a %s token and returns its claims",
    async (alg) => {
      const key = await generateTestKey(alg);
      const result = await verdict(key, {
        claims: { sub: "bob", scope: "orders-admin", jit_break_glass: true },
      });
      expect(result).toEqual({
        ok: true,
        token: {
          sub: "bob",
          jti: expect.any(String),
          scope: "orders-admin",
          requestId: "req-1",
          iat: now,
          nbf: now,
          exp: now + 900,
          breakGlass: true,
        },
      });
    },
  );

  it("verifies tokens of a previous key during rotation", async () => {
    const current = await generateTestKey();
    const previous = await generateTestKey();
    const result = await verdict(previous, {}, [current.verificationKey, previous.verificationKey]);
    expect(result.ok).toBe(true);
  });

  it.each(["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"])(
    "accepts typ %s (RFC 9068 §2.1)",
    async (typ) => {
      const key = await generateTestKey();
      expect((await verdict(key, { header: { typ } })).ok).toBe(true);
    },
  );

  it.each(["JWT", "jwt", "at+jwt+x", "application/jwt", "text/at+jwt"])("refuses typ %s", async (typ) => {
    const key = await generateTestKey();
    expect(await verdict(key, { header: { typ } })).toEqual({ ok: false, reason: "typ_invalid" });
  });

  it("refuses header members our tokens never carry", async () => {
    const key = await generateTestKey();
    expect(await verdict(key, { header: { cty: "JWT" } })).toEqual({
      ok: false,
      reason: "header_unexpected_member",
    });
    expect(await verdict(key, { header: { b64: false } })).toEqual({
      ok: false,
      reason: "header_unexpected_member",
    });
  });

  it("refuses a missing, non-string or unknown kid", async () => {
    const key = await generateTestKey();
    for (const kid of [undefined, 7, "someone-elses-key"]) {
      expect(await verdict(key, { header: { kid } })).toEqual({ ok: false, reason: "unknown_kid" });
    }
  });

  it("refuses an alg other than the one configured for the kid", async () => {
    const rsa = await generateTestKey("RS256");
    expect(await verdict(rsa, { header: { alg: "PS256" } })).toEqual({
      ok: false,
      reason: "alg_not_allowed",
    });
    const ec = await generateTestKey();
    expect(await verdict(ec, { header: { alg: "ES384" } })).toEqual({ ok: false, reason: "alg_not_allowed" });
    expect(await verdict(ec, { header: { alg: "es256" } })).toEqual({ ok: false, reason: "alg_not_allowed" });
  });

  it("refuses a token signed by a key other than the one its kid names", async () => {
    const ours = await generateTestKey();
    const theirs = await generateTestKey();
    const result = await verdict(theirs, { header: { kid: ours.kid } }, [ours.verificationKey]);
    expect(result).toEqual({ ok: false, reason: "signature_invalid" });
  });

  it.each<[string, Record<string, unknown>]>([
    ["a fractional iat", { iat: now + 0.5 }],
    ["exp in milliseconds", { exp: (now + 600) * 1000 }],
    ["a string exp", { exp: String(now + 600) }],
    ["no jti", { jti: undefined }],
    ["no sub", { sub: undefined }],
    ["an empty sub", { sub: "" }],
    ["no nbf", { nbf: undefined }],
    ["no exp", { exp: undefined }],
    ["no scope", { scope: undefined }],
    ["a scope that is not a string", { scope: ["orders-read"] }],
    ["no jit_request_id", { jit_request_id: undefined }],
    ["another client_id", { client_id: "someone-else" }],
    ["an aud array", { aud: [TEST_AUDIENCE, "payments-api"] }],
    ["jit_break_glass as a string", { jit_break_glass: "true" }],
    ["jit_break_glass false", { jit_break_glass: false }],
    ["nbf before iat", { nbf: now - 10 }],
  ])("refuses %s", async (_, claims) => {
    const key = await generateTestKey();
    expect(await verdict(key, { claims })).toEqual({ ok: false, reason: "claims_invalid" });
  });

  it("refuses a lifetime longer than the policy's token TTL", async () => {
    const key = await generateTestKey();
    expect(await verdict(key, { claims: { exp: now + 901 } })).toEqual({
      ok: false,
      reason: "token_ttl_exceeded",
    });
    expect((await verdict(key, { claims: { exp: now + 900 } })).ok).toBe(true);
  });

  it("refuses a token issued longer ago than the token TTL", async () => {
    const key = await generateTestKey();
    const old = now - 900 - 6;
    const result = await verdict(key, { claims: { iat: old, nbf: old, exp: now + 60 } });
    expect(result).toEqual({ ok: false, reason: "token_expired" });
  });

  it("refuses a token over the size cap before parsing it", async () => {
    const key = await generateTestKey();
    const result = await verdict(key, { claims: { padding: "x".repeat(MAX_TOKEN_LENGTH) } });
    expect(result).toEqual({ ok: false, reason: "token_too_large" });
  });

  it("refuses keys it cannot trust: wrong kid, private key, none at all", async () => {
    const key = await generateTestKey();
    const other = await generateTestKey();
    const token = await mintAccessToken({ key, nowSeconds: now, requestId: "req-1" });
    const wrongKid = { ...key.verificationKey, publicJwk: other.publicJwk };
    expect(await verifier([wrongKid]).verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });
    const withPrivate = { ...key.verificationKey, publicJwk: { ...key.publicJwk, d: "AAAA" } };
    expect(await verifier([withPrivate]).verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });
    expect(await verifier([]).verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });
  });

  it("requires issuer and audience at construction", () => {
    expect(
      () =>
        new JoseAccessTokenVerifier({
          keys: [],
          issuer: "",
          audience: TEST_AUDIENCE,
          tokenTtlSeconds: 900,
          clock,
        }),
    ).toThrow(TypeError);
  });
});
