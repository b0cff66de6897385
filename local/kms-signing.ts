import { constants, createHash, type KeyObject, privateEncrypt, randomBytes } from "node:crypto";
import { p256, p384 } from "@noble/curves/nist.js";
import { base64url } from "jose";

/**
 * Signing primitives of the local KMS-compatible endpoint: they sign a message *digest*, as KMS does for
 * both message types (KMS hashes a `RAW` message itself, then signs the digest).
 *
 * node:crypto hashes inside `sign()` and has no "sign this digest" call for ECDSA or RSA-PSS, so:
 * ECDSA uses the audited `@noble/curves` (`prehash: false`); RSASSA-PKCS1-v1_5 is OpenSSL's PKCS #1
 * type-1 padding (`privateEncrypt`) over the DigestInfo; RSASSA-PSS encodes EMSA-PSS (RFC 8017 §9.1.1)
 * here and uses OpenSSL's raw RSA private operation. Development and tests only: production signing is
 * AWS KMS. Every form is checked against node:crypto's and jose's verifiers in the tests.
 */

/** KMS `SigningAlgorithmSpec` values this endpoint implements. */
export type KmsSigningAlgorithm =
  | "ECDSA_SHA_256"
  | "ECDSA_SHA_384"
  | "RSASSA_PKCS1_V1_5_SHA_256"
  | "RSASSA_PKCS1_V1_5_SHA_384"
  | "RSASSA_PKCS1_V1_5_SHA_512"
  | "RSASSA_PSS_SHA_256"
  | "RSASSA_PSS_SHA_384"
  | "RSASSA_PSS_SHA_512";

type HashName = "sha256" | "sha384" | "sha512";

/** Per KMS algorithm: its digest and signature scheme (AWS KMS Developer Guide, "Signing algorithms"). */
export const KMS_ALGORITHMS: Readonly<
  Record<KmsSigningAlgorithm, { hash: HashName; digestBytes: number; scheme: "ecdsa" | "pkcs1" | "pss" }>
> = {
  ECDSA_SHA_256: { hash: "sha256", digestBytes: 32, scheme: "ecdsa" },
  ECDSA_SHA_384: { hash: "sha384", digestBytes: 48, scheme: "ecdsa" },
  RSASSA_PKCS1_V1_5_SHA_256: { hash: "sha256", digestBytes: 32, scheme: "pkcs1" },
  RSASSA_PKCS1_V1_5_SHA_384: { hash: "sha384", digestBytes: 48, scheme: "pkcs1" },
  RSASSA_PKCS1_V1_5_SHA_512: { hash: "sha512", digestBytes: 64, scheme: "pkcs1" },
  RSASSA_PSS_SHA_256: { hash: "sha256", digestBytes: 32, scheme: "pss" },
  RSASSA_PSS_SHA_384: { hash: "sha384", digestBytes: 48, scheme: "pss" },
  RSASSA_PSS_SHA_512: { hash: "sha512", digestBytes: 64, scheme: "pss" },
};

/** DER prefix of the DigestInfo for each hash (RFC 8017 §9.2, note 1). */
const DIGEST_INFO_PREFIX: Readonly<Record<HashName, Buffer>> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

/** Hashes `message` with the digest of `algorithm` (what KMS does for `MessageType: RAW`). */
export function digestFor(algorithm: KmsSigningAlgorithm, message: Uint8Array): Buffer {
  return createHash(KMS_ALGORITHMS[algorithm].hash).update(message).digest();
}

/**
 * Signs a digest the way KMS does: ECDSA signatures DER-encoded (RFC 3279 §2.2.3), RSA signatures as the
 * modulus-length octet string; PSS with MGF1 of the same hash and a salt as long as the digest.
 * @param digest exactly `digestBytes` of `algorithm` (the caller validates the length).
 * @param privateKey an EC (P-256 for `ECDSA_SHA_256`, P-384 for `ECDSA_SHA_384`) or RSA private key.
 */
export function signDigest(algorithm: KmsSigningAlgorithm, digest: Buffer, privateKey: KeyObject): Buffer {
  const { hash, scheme } = KMS_ALGORITHMS[algorithm];
  if (scheme === "ecdsa") {
    const d = privateKey.export({ format: "jwk" }).d;
    if (typeof d !== "string") throw new Error("EC private key has no scalar");
    const curve = algorithm === "ECDSA_SHA_256" ? p256 : p384;
    return Buffer.from(
      curve.sign(digest, base64url.decode(d), { prehash: false, lowS: false, format: "der" }),
    );
  }
  if (scheme === "pkcs1") {
    return privateEncrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]),
    );
  }
  const modulusBits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (modulusBits === undefined) throw new Error("RSA private key has no modulus length");
  const encoded = emsaPssEncode(hash, digest, modulusBits - 1);
  const k = Math.ceil(modulusBits / 8);
  const block = Buffer.concat([Buffer.alloc(k - encoded.length), encoded]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with MGF1 over `hash` and a salt of the digest's length. */
function emsaPssEncode(hash: HashName, mHash: Buffer, emBits: number): Buffer {
  const hLen = mHash.length;
  const sLen = hLen;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + sLen + 2) throw new Error("RSA key too small for PSS with this hash");
  const salt = randomBytes(sLen);
  const h = createHash(hash)
    .update(Buffer.concat([Buffer.alloc(8), mHash, salt]))
    .digest();
  const db = Buffer.concat([Buffer.alloc(emLen - sLen - hLen - 2), Buffer.from([0x01]), salt]);
  const mask = mgf1(hash, h, emLen - hLen - 1);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** MGF1 (RFC 8017 §B.2.1). */
function mgf1(hash: HashName, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let produced = 0;
  for (let counter = 0; produced < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    blocks.push(block);
    produced += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}
