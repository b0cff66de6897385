import { createHash, generateKeyPairSync } from "node:crypto";
import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
} from "jose";
import { describe, expect, it } from "vitest";
import { importKeys, JoseAccessTokenVerifier } from "#functions/adapters/auth/access-token-verifier.js";
import type { VerificationKey } from "#functions/ports/public-keys.js";
import { T0_MS } from "#test/helpers/authorizer.js";
import { ManualClock } from "#test/helpers/clock.js";
import { TEST_AUDIENCE, TEST_ISSUER } from "#test/helpers/tokens.js";

/** A configured key made from `jwk`, filed under its true RFC 7638 thumbprint (so only strength is wrong). */
async function configured(jwk: JWK, alg: VerificationKey["alg"]): Promise<VerificationKey> {
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  return { kid, alg, publicJwk: { ...jwk, kid, alg, use: "sig" }, keyId: "JIT_TRUSTED_JWKS keys[0]" };
}

/**
 * An RS256 "signature" that needs no private key when the public exponent is 1: s^1 mod n = s, so the
 * EMSA-PKCS1-v1_5 encoding of the hash (RFC 8017 §9.2) verifies as it is.
 */
function forgeWithExponentOne(signingInput: string, modulusBytes: number): string {
  const digestInfo = Buffer.from("3031300d060960864801650304020105000420", "hex");
  const hash = createHash("sha256").update(signingInput).digest();
  const padding = Buffer.alloc(modulusBytes - 3 - digestInfo.length - hash.length, 0xff);
  return base64url.encode(Buffer.concat([Buffer.from([0, 1]), padding, Buffer.from([0]), digestInfo, hash]));
}

describe("importKeys refuses keys a KMS signing key cannot be", () => {
  it("refuses an RSA key with exponent 1, with which anyone can forge a token that jose would accept", async () => {
    const { publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), e: "AQ" };
    const key = await configured(jwk, "RS256");
    const now = Math.floor(T0_MS / 1000);
    const header = base64url.encode(JSON.stringify({ alg: "RS256", typ: "at+jwt", kid: key.kid }));
    const payload = base64url.encode(
      JSON.stringify({
        iss: TEST_ISSUER,
        aud: TEST_AUDIENCE,
        sub: "mallory",
        jti: "forged",
        iat: now,
        nbf: now,
        exp: now + 60,
        client_id: "jit-access",
        scope: "orders-admin",
        jit_request_id: "req-1",
      }),
    );
    const token = `${header}.${payload}.${forgeWithExponentOne(`${header}.${payload}`, 256)}`;
    // The danger is real: bare jose accepts the forgery with this key.
    await expect(
      jwtVerify(token, await importJWK(jwk, "RS256"), { currentDate: new Date(T0_MS) }),
    ).resolves.toBeDefined();

    await expect(importKeys([key])).rejects.toThrow(
      "key JIT_TRUSTED_JWKS keys[0]: RSA public exponent is not 65537 (AQAB), the exponent of every KMS key",
    );
    const verifier = new JoseAccessTokenVerifier({
      keys: [key],
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      tokenTtlSeconds: 900,
      clock: new ManualClock(T0_MS),
    });
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });
  });

  it("refuses an RSA modulus KMS does not make (here 1024 bits)", async () => {
    // jose will not generate such a key, so node:crypto makes it.
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const jwk = publicKey.export({ format: "jwk" }) as JWK;
    await expect(importKeys([await configured(jwk, "RS256")])).rejects.toThrow(
      "RSA modulus of 1024 bits; KMS keys have 2048, 3072 or 4096",
    );
  });

  it("names the key when WebCrypto cannot import it (an EC point off the curve)", async () => {
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = await exportJWK(publicKey);
    const offCurve = { ...jwk, y: jwk.x };
    await expect(importKeys([await configured(offCurve, "ES256")])).rejects.toThrow(
      /^key JIT_TRUSTED_JWKS keys\[0\]: not a usable ES256 public key \(/,
    );
  });

  it("accepts the keys KMS makes: P-256, and RSA 2048 with exponent 65537", async () => {
    const ec = await generateKeyPair("ES256", { extractable: true });
    const rsa = await generateKeyPair("PS256", { extractable: true });
    const keys = await importKeys([
      await configured(await exportJWK(ec.publicKey), "ES256"),
      await configured(await exportJWK(rsa.publicKey), "PS256"),
    ]);
    expect([...keys.values()].map((k) => k.alg)).toEqual(["ES256", "PS256"]);
  });
});
