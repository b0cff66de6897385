import { createHash, createPublicKey, constants as cryptoConstants, verify } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  InvalidKeyUsageException,
  KMSInvalidStateException,
  ListAliasesCommand,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type SigningAlgorithmSpec,
  UnsupportedOperationException,
  UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSigningKey } from "#local/kms-server.js";
import { startTestKms, type TestKms } from "#test/helpers/kms.js";

let kms: TestKms;
beforeAll(async () => {
  kms = await startTestKms();
});
afterAll(async () => {
  await kms?.stop();
});

async function publicKeyOf(keyId: string) {
  const out = await kms.client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  return createPublicKey({ key: Buffer.from(out.PublicKey as Uint8Array), format: "der", type: "spki" });
}

async function kmsSign(
  keyId: string,
  message: Buffer,
  algorithm: SigningAlgorithmSpec,
  type: "RAW" | "DIGEST",
) {
  const out = await kms.client.send(
    new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: algorithm, MessageType: type }),
  );
  return Buffer.from(out.Signature as Uint8Array);
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest();
const MESSAGE = Buffer.from("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9");

describe("local KMS-compatible endpoint", () => {
  it("creates, describes and publishes an ECC_NIST_P256 signing key like KMS", async () => {
    const { keyId, arn } = await kms.createSigningKey("ECC_NIST_P256");
    const described = await kms.client.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(described.KeyMetadata).toMatchObject({
      KeyId: keyId,
      Arn: arn,
      KeyUsage: "SIGN_VERIFY",
      KeySpec: "ECC_NIST_P256",
      KeyState: "Enabled",
      SigningAlgorithms: ["ECDSA_SHA_256"],
    });
    expect(described.KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    const pub = await kms.client.send(new GetPublicKeyCommand({ KeyId: arn }));
    expect(pub).toMatchObject({ KeyId: arn, KeySpec: "ECC_NIST_P256", SigningAlgorithms: ["ECDSA_SHA_256"] });
    expect(
      createPublicKey({ key: Buffer.from(pub.PublicKey as Uint8Array), format: "der", type: "spki" })
        .asymmetricKeyDetails,
    ).toMatchObject({ namedCurve: "prime256v1" });
  });

  it("signs a DIGEST as the digest and a RAW message after hashing it, with DER ECDSA signatures", async () => {
    const { keyId } = await kms.createSigningKey("ECC_NIST_P256");
    const publicKey = await publicKeyOf(keyId);
    const overDigest = await kmsSign(keyId, sha256(MESSAGE), "ECDSA_SHA_256", "DIGEST");
    const overRaw = await kmsSign(keyId, MESSAGE, "ECDSA_SHA_256", "RAW");
    expect(overDigest[0]).toBe(0x30); // DER SEQUENCE, as KMS returns
    expect(verify("sha256", MESSAGE, publicKey, overDigest)).toBe(true);
    expect(verify("sha256", MESSAGE, publicKey, overRaw)).toBe(true);
    // A digest sent as RAW is hashed again: the signature covers H(H(m)), not m.
    const digestAsRaw = await kmsSign(keyId, sha256(MESSAGE), "ECDSA_SHA_256", "RAW");
    expect(verify("sha256", MESSAGE, publicKey, digestAsRaw)).toBe(false);
    expect(verify("sha256", sha256(MESSAGE), publicKey, digestAsRaw)).toBe(true);
  });

  it("makes RSASSA-PKCS1-v1_5 and RSASSA-PSS (salt = digest length) signatures over a digest", async () => {
    const { keyId } = await kms.createSigningKey("RSA_2048");
    const publicKey = await publicKeyOf(keyId);
    const pkcs1 = await kmsSign(keyId, sha256(MESSAGE), "RSASSA_PKCS1_V1_5_SHA_256", "DIGEST");
    expect(pkcs1).toHaveLength(256);
    expect(verify("sha256", MESSAGE, publicKey, pkcs1)).toBe(true);
    const pss = await kmsSign(keyId, sha256(MESSAGE), "RSASSA_PSS_SHA_256", "DIGEST");
    const pssKey = { key: publicKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(verify("sha256", MESSAGE, pssKey, pss)).toBe(true);
    const pssRaw = await kmsSign(keyId, MESSAGE, "RSASSA_PSS_SHA_512", "RAW");
    expect(verify("sha512", MESSAGE, { ...pssKey, saltLength: 64 }, pssRaw)).toBe(true);
  });

  it("refuses a digest of the wrong length and a signing algorithm the key spec does not allow", async () => {
    const ec = await kms.createSigningKey("ECC_NIST_P256");
    const rsa = await kms.createSigningKey("RSA_2048");
    await expect(kmsSign(ec.keyId, Buffer.alloc(31, 1), "ECDSA_SHA_256", "DIGEST")).rejects.toMatchObject({
      name: "ValidationException",
    });
    await expect(kmsSign(ec.keyId, Buffer.alloc(48, 1), "ECDSA_SHA_256", "DIGEST")).rejects.toThrow(
      /invalid length/,
    );
    await expect(kmsSign(ec.keyId, sha256(MESSAGE), "RSASSA_PSS_SHA_256", "DIGEST")).rejects.toBeInstanceOf(
      InvalidKeyUsageException,
    );
    await expect(kmsSign(rsa.keyId, sha256(MESSAGE), "ECDSA_SHA_256", "DIGEST")).rejects.toBeInstanceOf(
      InvalidKeyUsageException,
    );
    await expect(kmsSign(ec.keyId, Buffer.alloc(4097, 1), "ECDSA_SHA_256", "RAW")).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("surfaces an unknown key or alias as the SDK's NotFoundException", async () => {
    const unknown = "6f1b7e8e-0000-4000-8000-000000000000";
    for (const keyId of [unknown, `arn:aws:kms:us-east-1:000000000000:key/${unknown}`, "alias/none"]) {
      const err = await kms.client.send(new GetPublicKeyCommand({ KeyId: keyId })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundException);
      expect((err as NotFoundException).$metadata.httpStatusCode).toBe(400);
    }
    await expect(kmsSign(unknown, sha256(MESSAGE), "ECDSA_SHA_256", "DIGEST")).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it("resolves aliases (name and ARN) in KeyId, lists them, and re-points them", async () => {
    const first = await kms.createSigningKey();
    const second = await kms.createSigningKey();
    await kms.client.send(
      new CreateAliasCommand({ AliasName: "alias/test-resolve", TargetKeyId: first.keyId }),
    );
    await expect(
      kms.client.send(new CreateAliasCommand({ AliasName: "alias/test-resolve", TargetKeyId: second.keyId })),
    ).rejects.toBeInstanceOf(AlreadyExistsException);
    const viaName = await kms.client.send(new DescribeKeyCommand({ KeyId: "alias/test-resolve" }));
    const viaArn = await kms.client.send(
      new DescribeKeyCommand({ KeyId: "arn:aws:kms:us-east-1:000000000000:alias/test-resolve" }),
    );
    expect(viaName.KeyMetadata?.KeyId).toBe(first.keyId);
    expect(viaArn.KeyMetadata?.KeyId).toBe(first.keyId);
    const listed = await kms.client.send(new ListAliasesCommand({ KeyId: first.keyId }));
    expect(listed.Aliases?.map((a) => [a.AliasName, a.TargetKeyId])).toEqual([
      ["alias/test-resolve", first.keyId],
    ]);
    await kms.client.send(
      new UpdateAliasCommand({ AliasName: "alias/test-resolve", TargetKeyId: second.keyId }),
    );
    const moved = await kms.client.send(new GetPublicKeyCommand({ KeyId: "alias/test-resolve" }));
    expect(moved.KeyId).toBe(second.arn);
  });

  it("refuses Sign and GetPublicKey on a key pending deletion with KMSInvalidStateException", async () => {
    const { keyId } = await kms.createSigningKey();
    const out = await kms.client.send(
      new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
    );
    expect(out.KeyState).toBe("PendingDeletion");
    await expect(kms.client.send(new GetPublicKeyCommand({ KeyId: keyId }))).rejects.toBeInstanceOf(
      KMSInvalidStateException,
    );
    await expect(kmsSign(keyId, sha256(MESSAGE), "ECDSA_SHA_256", "DIGEST")).rejects.toBeInstanceOf(
      KMSInvalidStateException,
    );
  });

  it("refuses symmetric keys and keys not made for signing", async () => {
    await expect(kms.client.send(new CreateKeyCommand({}))).rejects.toBeInstanceOf(
      UnsupportedOperationException,
    );
    await expect(
      kms.client.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "ENCRYPT_DECRYPT" })),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });

  it("answers KMS error shapes over the wire: missing SigV4 and unknown operations", async () => {
    const post = (target: string, headers: Record<string, string> = {}) =>
      fetch(kms.server.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target, ...headers },
        body: "{}",
      });
    const unsigned = await post("TrentService.ListKeys");
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" });
    const signedHeader = {
      authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/kms/aws4_request",
    };
    const unknown = await post("TrentService.Encrypt", signedHeader);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: "UnsupportedOperationException" });
    const bad = await fetch(kms.server.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "TrentService.Sign",
        ...signedHeader,
      },
      body: "{not json",
    });
    expect(await bad.json()).toMatchObject({ __type: "SerializationException" });
  });

  it("keeps keys and aliases in a data directory across restarts, private keys readable by the owner only", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "jit-kms-"));
    try {
      const first = await startTestKms({ dataDir });
      const created = await ensureSigningKey(first.server.endpoint, "alias/jit-signing");
      const publicKey = (await first.client.send(new GetPublicKeyCommand({ KeyId: "alias/jit-signing" })))
        .PublicKey;
      await first.stop();
      const [file] = readdirSync(join(dataDir, "keys"));
      expect(statSync(join(dataDir, "keys", file as string)).mode & 0o077).toBe(0);

      const second = await startTestKms({ dataDir });
      try {
        const again = await ensureSigningKey(second.server.endpoint, "alias/jit-signing");
        expect(again).toEqual(created);
        expect(second.server.callCount("CreateKey")).toBe(0);
        const after = await second.client.send(new GetPublicKeyCommand({ KeyId: "alias/jit-signing" }));
        expect(Buffer.from(after.PublicKey as Uint8Array)).toEqual(Buffer.from(publicKey as Uint8Array));
        const signature = await second.client.send(
          new SignCommand({
            KeyId: "alias/jit-signing",
            Message: MESSAGE,
            SigningAlgorithm: "ECDSA_SHA_256",
          }),
        );
        const key = createPublicKey({
          key: Buffer.from(after.PublicKey as Uint8Array),
          format: "der",
          type: "spki",
        });
        expect(verify("sha256", MESSAGE, key, Buffer.from(signature.Signature as Uint8Array))).toBe(true);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
