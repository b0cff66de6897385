import { generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ES256_SIGNATURE_BYTES,
  joseSignatureFromKms,
  SignatureEncodingError,
} from "#functions/adapters/kms/jose-signature.js";

/** P-256 group order n (SEC 2 §2.4.2). */
const P256_N = Buffer.from("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", "hex");

/** DER `SEQUENCE { INTEGER r, INTEGER s }` from raw INTEGER contents, valid or not (short-form lengths). */
function der(r: Buffer, s: Buffer, extraInside = Buffer.alloc(0)): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x02, r.length]),
    r,
    Buffer.from([0x02, s.length]),
    s,
    extraInside,
  ]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });

describe("joseSignatureFromKms (DER → JOSE r||s)", () => {
  it("converts DER ECDSA signatures into 64-byte r||s that node:crypto verifies as IEEE P1363", () => {
    // 64 signatures cover both r/s with the high bit set (33-byte DER INTEGER) and without.
    for (let i = 0; i < 64; i++) {
      const message = randomBytes(40);
      const derSignature = sign("sha256", message, privateKey);
      const jose = joseSignatureFromKms(derSignature, "ES256");
      expect(jose).toHaveLength(ES256_SIGNATURE_BYTES);
      expect(verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, jose)).toBe(true);
    }
  });

  it("left-pads short integers to 32 bytes each", () => {
    const jose = joseSignatureFromKms(der(Buffer.from([0x01]), Buffer.from([0x7f, 0xff])), "ES256");
    expect(Buffer.from(jose).toString("hex")).toBe(`${"00".repeat(31)}01${"00".repeat(30)}7fff`);
  });

  it("accepts the sign-padding zero byte of an integer whose high bit is set", () => {
    const r = Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(31, 0x11)]);
    const jose = joseSignatureFromKms(der(r, Buffer.from([0x05])), "ES256");
    expect(Buffer.from(jose.subarray(0, 32)).toString("hex")).toBe(`80${"11".repeat(31)}`);
  });

  const valid = sign("sha256", Buffer.from("x"), privateKey);
  const hostile: [string, Buffer][] = [
    ["an empty signature", Buffer.alloc(0)],
    ["64 zero bytes (H06)", Buffer.alloc(64)],
    ["DER of two zero integers (H06)", der(Buffer.from([0x00]), Buffer.from([0x00]))],
    ["r = 0 (H06)", der(Buffer.from([0x00]), Buffer.from([0x01]))],
    [
      "r = s = n (H06)",
      der(Buffer.concat([Buffer.from([0]), P256_N]), Buffer.concat([Buffer.from([0]), P256_N])),
    ],
    ["a raw r||s instead of DER (H07)", Buffer.from(joseSignatureFromKms(valid, "ES256"))],
    ["DER plus one trailing byte (H07)", Buffer.concat([valid, Buffer.from([0x00])])],
    [
      "DER with an extra byte inside the sequence",
      der(Buffer.from([0x01]), Buffer.from([0x01]), Buffer.from([0x00])),
    ],
    ["a negative integer (high bit set, no zero byte)", der(Buffer.from([0x80, 0x01]), Buffer.from([0x01]))],
    ["an over-long integer (unnecessary leading zero)", der(Buffer.from([0x00, 0x01]), Buffer.from([0x01]))],
    [
      "an integer longer than 33 bytes",
      der(Buffer.concat([Buffer.from([0]), Buffer.alloc(33, 0x01)]), Buffer.from([1])),
    ],
    ["a truncated signature", valid.subarray(0, valid.length - 1)],
    ["a SET tag instead of SEQUENCE", Buffer.concat([Buffer.from([0x31]), valid.subarray(1)])],
    [
      "a non-minimal long-form length",
      Buffer.concat([Buffer.from([0x30, 0x81, 0x06]), der(Buffer.from([1]), Buffer.from([1])).subarray(2)]),
    ],
  ];
  for (const [name, bytes] of hostile) {
    it(`refuses ${name}`, () => {
      expect(() => joseSignatureFromKms(bytes, "ES256")).toThrow(SignatureEncodingError);
    });
  }

  it("passes RSA signatures through unchanged, and refuses an empty one", () => {
    const rsa = randomBytes(256);
    expect(joseSignatureFromKms(rsa, "RS256")).toEqual(rsa);
    expect(joseSignatureFromKms(rsa, "PS256")).toEqual(rsa);
    expect(() => joseSignatureFromKms(Buffer.alloc(0), "RS256")).toThrow(SignatureEncodingError);
  });
});
