import type { JWK } from "jose";
import * as z from "zod/mini";
import "./zod-locale.js";
import { ConfigurationError } from "../domain/errors.js";
import { PRIVATE_JWK_MEMBERS } from "../domain/token-claims.js";
import type { VerificationKey } from "../ports/public-keys.js";
import { formatIssues } from "./zod-issues.js";

/** base64url without padding (RFC 7515 §2, RFC 4648 §5), as JWK members and thumbprints are written. */
const base64url = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/, "must be base64url without padding"));

/** Members every trusted key carries: its RFC 7638 thumbprint as `kid`, and `use: "sig"` if any. */
const common = { kid: base64url, use: z.optional(z.literal("sig")) };

/**
 * Public JWKs we sign with (docs/tokens.md): P-256 for ES256 (RFC 7518 §6.2.1), RSA for RS256/PS256
 * (§6.3.1). Strict objects: any other member (private `d`, `p`, …, or `x5u`, `jku`) is refused.
 */
const TrustedJwk = z.discriminatedUnion("kty", [
  z.strictObject({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: base64url,
    y: base64url,
    alg: z.literal("ES256"),
    ...common,
  }),
  z.strictObject({
    kty: z.literal("RSA"),
    n: base64url,
    // Every KMS RSA key has exponent 65537; with e = 1 any "signature" would verify.
    e: z.literal("AQAB", "must be AQAB (65537), the exponent of KMS RSA keys"),
    alg: z.enum(["RS256", "PS256"]),
    ...common,
  }),
]);

const TrustedJwks = z.strictObject({
  keys: z.array(TrustedJwk).check(z.minLength(1, "must hold at least one key")),
});

/**
 * Reads the JIT authorizer's trusted keys from configuration (ARCHITECTURE.md, flow 2: "allowed keys (kid → key,
 * alg)"; keys only from configuration): a JWK Set (RFC 7517 §5) as JSON, the same document the JIT API
 * serves at `/.well-known/jwks.json`. Each key must be a public P-256 (ES256) or RSA (RS256, PS256) key
 * with `kid` and `alg`. That the `kid` is the key's RFC 7638 thumbprint is checked when the keys are
 * imported (`importKeys` in adapters/auth/access-token-verifier.ts).
 * @param json the variable's value.
 * @param source the variable's name, for messages (`JIT_TRUSTED_JWKS`).
 * @returns the keys in the set's order (current first); `keyId` names the entry (`JIT_TRUSTED_JWKS keys[0]`).
 * @throws ConfigurationError naming the variable, the member and the problem; a key holding private or
 *   symmetric material is refused by name, never used.
 */
export function parseTrustedJwks(json: string, source: string): VerificationKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ConfigurationError(`${source}: not JSON (expected a JWK Set): ${(err as Error).message}`);
  }
  const keys = (raw as { keys?: unknown } | null)?.keys;
  if (Array.isArray(keys)) {
    keys.forEach((key, i) => {
      const secret = PRIVATE_JWK_MEMBERS.filter((m) => typeof key === "object" && key !== null && m in key);
      if (secret.length > 0) {
        throw new ConfigurationError(
          `${source}: keys[${i}] holds private or symmetric key material (${secret.join(", ")}); ` +
            "configure public keys only, as served at /.well-known/jwks.json",
        );
      }
    });
  }
  const result = TrustedJwks.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(`Invalid trusted keys:\n${formatIssues(result.error.issues, source)}`);
  }
  return result.data.keys.map((jwk, i) => ({
    kid: jwk.kid,
    alg: jwk.alg,
    publicJwk: { ...jwk, use: "sig" } as JWK,
    keyId: `${source} keys[${i}]`,
  }));
}
