import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { parseTrustedJwks } from "#functions/config/trusted-jwks.js";
import { configurationErrorMessage } from "#test/helpers/errors.js";

const VAR = "JIT_TRUSTED_JWKS";
let ec: JWK;
let rsa: JWK;
let ecPrivate: JWK;

/** A public JWK as /.well-known/jwks.json serves it: kid = RFC 7638 thumbprint, alg, use. */
async function published(key: CryptoKey, alg: string): Promise<JWK> {
  const jwk = await exportJWK(key);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk, "sha256"), alg, use: "sig" };
}

beforeAll(async () => {
  const ecPair = await generateKeyPair("ES256", { extractable: true });
  ec = await published(ecPair.publicKey, "ES256");
  ecPrivate = { ...(await exportJWK(ecPair.privateKey)), kid: ec.kid, alg: "ES256" };
  const rsaPair = await generateKeyPair("PS256", { extractable: true, modulusLength: 2048 });
  rsa = await published(rsaPair.publicKey, "PS256");
});

function refusal(json: string): string {
  return configurationErrorMessage(() => parseTrustedJwks(json, VAR));
}

describe("parseTrustedJwks (JIT_TRUSTED_JWKS)", () => {
  it("reads the JWK Set /.well-known/jwks.json serves: kid, alg and the public JWK of each key, in order", () => {
    const keys = parseTrustedJwks(JSON.stringify({ keys: [ec, rsa] }), VAR);
    expect(keys).toEqual([
      { kid: ec.kid, alg: "ES256", publicJwk: ec, keyId: `${VAR} keys[0]` },
      { kid: rsa.kid, alg: "PS256", publicJwk: rsa, keyId: `${VAR} keys[1]` },
    ]);
  });

  it("refuses private key material by name, and never returns it", () => {
    expect(refusal(JSON.stringify({ keys: [ecPrivate] }))).toContain(
      `${VAR}: keys[0] holds private or symmetric key material (d)`,
    );
    const oct = { kty: "oct", k: "c2VjcmV0", kid: "x", alg: "HS256" };
    expect(refusal(JSON.stringify({ keys: [ec, oct] }))).toContain(
      "keys[1] holds private or symmetric key material (k)",
    );
  });

  it.each([
    ["not JSON", "{keys:", "not JSON (expected a JWK Set)"],
    ["no keys", JSON.stringify({ keys: [] }), "keys: must hold at least one key"],
    ["a bare key, not a set", JSON.stringify({ kty: "EC" }), "keys:"],
    ["null", "null", "(root)"],
  ])("refuses %s, naming the variable", (_name, json, message) => {
    const text = refusal(json);
    expect(text).toContain(VAR);
    expect(text).toContain(message);
  });

  it("refuses a key without kid or alg, an alg that is not the key's, and header-style key references", async () => {
    const { kid: _kid, ...noKid } = ec;
    expect(refusal(JSON.stringify({ keys: [noKid] }))).toContain("keys[0].kid");
    const { alg: _alg, ...noAlg } = ec;
    expect(refusal(JSON.stringify({ keys: [noAlg] }))).toContain("keys[0].alg");
    expect(refusal(JSON.stringify({ keys: [{ ...ec, alg: "RS256" }] }))).toContain("keys[0].alg");
    expect(refusal(JSON.stringify({ keys: [{ ...rsa, alg: "ES256" }] }))).toContain("keys[0].alg");
    expect(refusal(JSON.stringify({ keys: [{ ...ec, alg: "none" }] }))).toContain("keys[0].alg");
    expect(refusal(JSON.stringify({ keys: [{ ...ec, x5u: "https://evil.example/cert" }] }))).toContain(
      'unknown field "x5u"',
    );
    expect(refusal(JSON.stringify({ keys: [{ ...ec, use: "enc" }] }))).toContain("keys[0].use");
  });

  it("refuses an RSA exponent other than 65537, with which signatures can be forged", () => {
    expect(refusal(JSON.stringify({ keys: [{ ...rsa, e: "AQ" }] }))).toContain(
      "keys[0].e: must be AQAB (65537), the exponent of KMS RSA keys",
    );
  });

  it("refuses curves and key types we never sign with", () => {
    expect(refusal(JSON.stringify({ keys: [{ ...ec, crv: "P-384" }] }))).toContain("keys[0].crv");
    expect(refusal(JSON.stringify({ keys: [{ ...ec, kty: "OKP" }] }))).toContain("keys[0]");
  });
});
