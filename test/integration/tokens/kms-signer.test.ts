import { createHash, createPublicKey } from "node:crypto";
import {
  CreateAliasCommand,
  GetPublicKeyCommand,
  NotFoundException,
  type SignCommandInput,
} from "@aws-sdk/client-kms";
import { base64url, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsPublicKeySource } from "#functions/adapters/kms/kms-public-key-source.js";
import { KmsTokenSigner, TokenSigningError } from "#functions/adapters/kms/kms-token-signer.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import { type AccessTokenClaims, KMS_SIGNING_ALGORITHM } from "#functions/domain/token-claims.js";
import type { VerificationKey } from "#functions/ports/public-keys.js";
import { startTestKms, type TestKms } from "#test/helpers/kms.js";

const CLAIMS: AccessTokenClaims = {
  iss: "https://jit.example.test",
  sub: "alice",
  aud: "orders-api",
  iat: 1_800_000_000,
  nbf: 1_800_000_000,
  exp: 1_800_000_900,
  jti: "5b0c4d7e-3a1f-4b7e-9f00-000000000001",
  client_id: "jit-access",
  scope: "orders-read",
  jit_request_id: "r-1",
};

let kms: TestKms;
beforeAll(async () => {
  kms = await startTestKms();
});
afterAll(async () => {
  await kms?.stop();
});

function signerFor(keyId: string, rsaAlgorithm?: "RS256" | "PS256") {
  const publicKeys = new KmsPublicKeySource({ client: kms.client, keyIds: [keyId], rsaAlgorithm });
  return { publicKeys, signer: new KmsTokenSigner({ client: kms.client, keyId, publicKeys }) };
}

/** The public key exactly as GetPublicKey returns it, and nothing else. */
async function getPublicKey(keyId: string) {
  const out = await kms.client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  return createPublicKey({ key: Buffer.from(out.PublicKey as Uint8Array), format: "der", type: "spki" });
}

/** The last Sign request the endpoint received (its JSON input: Message as base64). */
function lastSignRequest(): Record<string, unknown> {
  const signs = kms.server.requests.filter((r) => r.operation === "Sign");
  return signs[signs.length - 1]?.input ?? {};
}

describe("KMS token signer", () => {
  it("H13: the ES256 signature segment is exactly 64 bytes and verifies with only the GetPublicKey key", async () => {
    const { keyId } = await kms.createSigningKey("ECC_NIST_P256");
    const { signer } = signerFor(keyId);
    const { token } = await signer.sign(CLAIMS, { typ: "at+jwt" });
    const [, , signature] = token.split(".");
    expect(base64url.decode(signature as string)).toHaveLength(64);
    expect(kms.server.callCount("Verify")).toBe(0);
    const { payload, protectedHeader } = await compactVerify(token, await getPublicKey(keyId), {
      algorithms: ["ES256"],
    });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(CLAIMS);
    expect(protectedHeader.typ).toBe("at+jwt");
  });

  it("H14: sends the SHA-256 of the JWS signing input as a DIGEST with the fixed KMS algorithm", async () => {
    const cases = [
      { spec: "ECC_NIST_P256", rsa: undefined, alg: "ES256" },
      { spec: "RSA_2048", rsa: "RS256", alg: "RS256" },
      { spec: "RSA_2048", rsa: "PS256", alg: "PS256" },
    ] as const;
    for (const { spec, rsa, alg } of cases) {
      const { keyId, arn } = await kms.createSigningKey(spec);
      const { signer } = signerFor(keyId, rsa);
      const { token } = await signer.sign(CLAIMS, { typ: "at+jwt" });
      const signingInput = token.slice(0, token.lastIndexOf("."));
      const request = lastSignRequest();
      expect(request).toEqual({
        KeyId: arn,
        Message: createHash("sha256").update(signingInput, "ascii").digest("base64"),
        MessageType: "DIGEST",
        SigningAlgorithm: KMS_SIGNING_ALGORITHM[alg],
      });
      expect(decodeProtectedHeader(token).alg).toBe(alg);
      await expect(
        compactVerify(token, await getPublicKey(keyId), { algorithms: [alg] }),
      ).resolves.toBeTruthy();
    }
    expect(KMS_SIGNING_ALGORITHM).toEqual({
      ES256: "ECDSA_SHA_256",
      RS256: "RSASSA_PKCS1_V1_5_SHA_256",
      PS256: "RSASSA_PSS_SHA_256",
    });
  });

  describe("H14: verify-before-return catches a signer that signs the wrong bytes", () => {
    /** Variants that each make one classic mistake in the Sign request. */
    const variants: [string, (input: SignCommandInput) => SignCommandInput][] = [
      [
        "hashes twice (DIGEST of the digest)",
        (input) => ({
          ...input,
          Message: createHash("sha256")
            .update(input.Message as Uint8Array)
            .digest(),
        }),
      ],
      ["sends the digest as RAW (KMS hashes it again)", (input) => ({ ...input, MessageType: "RAW" })],
    ];
    for (const [name, mistake] of variants) {
      for (const [spec, rsa] of [
        ["ECC_NIST_P256", undefined],
        ["RSA_2048", "PS256"],
      ] as const) {
        it(`refuses a token from a signer that ${name} (${spec}${rsa ? ` ${rsa}` : ""})`, async () => {
          const { keyId } = await kms.createSigningKey(spec);
          const publicKeys = new KmsPublicKeySource({
            client: kms.client,
            keyIds: [keyId],
            rsaAlgorithm: rsa,
          });
          class BrokenSigner extends KmsTokenSigner {
            protected override signRequest(key: VerificationKey, signingInput: Uint8Array): SignCommandInput {
              return mistake(super.signRequest(key, signingInput));
            }
          }
          const signsBefore = kms.server.callCount("Sign");
          const broken = new BrokenSigner({ client: kms.client, keyId, publicKeys });
          await expect(broken.sign(CLAIMS, { typ: "at+jwt" })).rejects.toBeInstanceOf(TokenSigningError);
          // KMS did sign (one call): only the local verification stood between it and a bad token.
          expect(kms.server.callCount("Sign")).toBe(signsBefore + 1);
        });
      }
    }
  });

  it("calls GetPublicKey once per key per container and Sign once per token", async () => {
    const { keyId } = await kms.createSigningKey("ECC_NIST_P256");
    const { signer, publicKeys } = signerFor(keyId);
    const before = { get: kms.server.callCount("GetPublicKey"), sign: kms.server.callCount("Sign") };
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) => signer.sign({ ...CLAIMS, jti: `j-${i}` }, { typ: "at+jwt" })),
    );
    await publicKeys.load();
    expect(kms.server.callCount("GetPublicKey") - before.get).toBe(1);
    expect(kms.server.callCount("Sign") - before.sign).toBe(5);
  });

  it("names each key by its RFC 7638 thumbprint and publishes one entry for a key listed by alias and ARN", async () => {
    const { keyId, arn } = await kms.createSigningKey("ECC_NIST_P256");
    const previous = await kms.createSigningKey("RSA_2048");
    await kms.client.send(
      new CreateAliasCommand({
        AliasName: "alias/signer-test",
        TargetKeyId: keyId,
      }),
    );
    const source = new KmsPublicKeySource({
      client: kms.client,
      keyIds: ["alias/signer-test", arn, previous.keyId],
    });
    const keys = await source.load();
    expect(keys.map((k) => [k.keyId, k.alg])).toEqual([
      [arn, "ES256"],
      [previous.arn, "RS256"],
    ]);
    expect(keys[0]?.kid).toBe(await calculateJwkThumbprint(await exportJWK(await getPublicKey(keyId))));
    expect(keys[0]?.publicJwk).toMatchObject({
      kty: "EC",
      crv: "P-256",
      kid: keys[0]?.kid,
      alg: "ES256",
      use: "sig",
    });
    expect(keys[0]?.publicJwk).not.toHaveProperty("d");
  });

  it("refuses a key spec it cannot sign JWTs with, and surfaces an unknown key as NotFoundException", async () => {
    const p384 = await kms.createSigningKey("ECC_NIST_P384");
    await expect(
      new KmsPublicKeySource({ client: kms.client, keyIds: [p384.keyId] }).load(),
    ).rejects.toBeInstanceOf(ConfigurationError);
    const missing = new KmsPublicKeySource({ client: kms.client, keyIds: ["alias/does-not-exist"] });
    await expect(missing.load()).rejects.toBeInstanceOf(NotFoundException);
    // A failed fetch is not cached: a later call asks KMS again.
    const before = kms.server.callCount("GetPublicKey");
    await expect(missing.load()).rejects.toBeInstanceOf(NotFoundException);
    expect(kms.server.callCount("GetPublicKey")).toBe(before + 1);
  });
});
