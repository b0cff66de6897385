import { spawnSync } from "node:child_process";
import { KeyObject, sign as nodeSign, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base64url, calculateJwkThumbprint, exportJWK, exportSPKI, importPKCS8 } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CLOCK_TOLERANCE_SECONDS } from "#functions/domain/token-claims.js";
import { evaluatePolicy } from "#local/api-gateway/policy-evaluation.js";
import {
  type AuthorizerHarness,
  authorizerHarness,
  expectUnauthorized,
  httpApiEvent,
  methodArn,
  restRequestEvent,
  restTokenEvent,
} from "#test/helpers/authorizer.js";
import {
  defaultClaims,
  encodeJson,
  generateTestKey,
  mintAccessToken,
  mintHmacToken,
  signBytes,
  type TestKey,
} from "#test/helpers/tokens.js";

/** Every event kind must refuse the token with exactly `Unauthorized`. */
async function expect401Everywhere(h: AuthorizerHarness, token: string): Promise<void> {
  await expectUnauthorized(h.handler(restTokenEvent(token)));
  await expectUnauthorized(h.handler(restRequestEvent(token)));
  await expectUnauthorized(h.handler(httpApiEvent(token)));
}

/** Minimal policy result shape for assertions. */
interface PolicyResult {
  principalId: string;
  policyDocument: { Statement: { Effect: string; Resource: string[] }[] };
}

let h: AuthorizerHarness;
let requestId: string;

beforeAll(async () => {
  h = await authorizerHarness();
  requestId = h.grant();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("control: a valid token passes, so the refusals below are the checks at work", () => {
  it("allows a freshly minted token on a covered route", async () => {
    const token = await h.mint({ requestId });
    const result = (await h.handler(restTokenEvent(token))) as PolicyResult;
    expect(result.policyDocument.Statement[0]?.Effect).toBe("Allow");
  });
});

describe("H01 alg none", () => {
  const algs: [string, unknown][] = [
    ["none", "none"],
    ["None", "None"],
    ["NONE", "NONE"],
    ["missing", undefined],
    ["empty", ""],
  ];
  it.each(algs)("refuses alg %s with an empty signature and with a real one", async (_, alg) => {
    const withRealSignature = await h.mint({ requestId, header: { alg } });
    const withEmptySignature = await h.mint({ requestId, header: { alg }, signature: () => "" });
    await expect401Everywhere(h, withRealSignature);
    await expect401Everywhere(h, withEmptySignature);
    expect(await h.decide(withRealSignature)).toEqual({ outcome: "unauthorized", reason: "alg_not_allowed" });
  });

  it("refuses an empty third segment and a two-segment token", async () => {
    const token = await h.mint({ requestId });
    const [header, payload] = token.split(".");
    await expect401Everywhere(h, `${header}.${payload}.`);
    await expect401Everywhere(h, `${header}.${payload}`);
    expect(await h.decide(`${header}.${payload}`)).toEqual({
      outcome: "unauthorized",
      reason: "token_malformed",
    });
  });
});

describe("H02 algorithm confusion", () => {
  it("refuses HS256 tokens keyed with our public key in every form, before any signature work", async () => {
    const pem = await exportSPKI(h.key.publicKey);
    const der = KeyObject.from(h.key.publicKey).export({ type: "spki", format: "der" });
    const secrets: [string, Uint8Array | string][] = [
      ["PEM", pem],
      ["PEM with a leading space", ` ${pem}`],
      ["PEM with CRLF", pem.replace(/\n/g, "\r\n")],
      ["DER", new Uint8Array(der)],
      ["JWKS JSON", JSON.stringify({ keys: [h.key.publicJwk] })],
      ["JWK JSON", JSON.stringify(h.key.publicJwk)],
    ];
    const verify = vi.spyOn(crypto.subtle, "verify");
    for (const [, secret] of secrets) {
      const token = mintHmacToken(
        secret,
        { typ: "at+jwt", kid: h.key.kid },
        defaultClaims({ nowSeconds: h.nowSeconds(), requestId }),
      );
      await expect401Everywhere(h, token);
      expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "alg_not_allowed" });
    }
    expect(verify).not.toHaveBeenCalled();
    // The spy does see signature work: a valid token reaches crypto.subtle.verify.
    await h.handler(restTokenEvent(await h.mint({ requestId })));
    expect(verify).toHaveBeenCalled();
  });
});

/** An attacker key pair with a self-signed certificate, made with the openssl CLI. */
async function attackerWithCertificate(): Promise<{ key: TestKey; x5c: string; certPem: string }> {
  const dir = mkdtempSync(join(tmpdir(), "jit-attacker-"));
  try {
    const run = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-subj",
        "/CN=attacker",
        "-days",
        "1",
      ],
      { stdio: "pipe", timeout: 20_000 },
    );
    if (run.status !== 0) throw new Error(`openssl failed (is it installed?): ${run.stderr?.toString()}`);
    const certPem = readFileSync(join(dir, "cert.pem"), "utf8");
    const cert = new X509Certificate(certPem);
    const privateKey = await importPKCS8(readFileSync(join(dir, "key.pem"), "utf8"), "ES256", {
      extractable: true,
    });
    const publicJwk = await exportJWK(cert.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const key: TestKey = {
      alg: "ES256",
      kid,
      privateKey,
      publicKey: privateKey,
      publicJwk,
      verificationKey: { kid, alg: "ES256", publicJwk, keyId: "attacker" },
    };
    return { key, x5c: cert.raw.toString("base64"), certPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("H03 key carried in the header", () => {
  it("refuses a token signed by an attacker key whose public JWK rides in the header", async () => {
    const attacker = await generateTestKey();
    const now = h.nowSeconds();
    const underAttackerKid = await mintAccessToken({
      key: attacker,
      nowSeconds: now,
      requestId,
      header: { jwk: attacker.publicJwk },
    });
    const underOurKid = await mintAccessToken({
      key: attacker,
      nowSeconds: now,
      requestId,
      header: { jwk: attacker.publicJwk, kid: h.key.kid },
    });
    for (const token of [underAttackerKid, underOurKid]) {
      await expect401Everywhere(h, token);
      expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "header_key_reference" });
    }
  });

  it("refuses a token signed by an attacker key with its self-signed chain in x5c", async () => {
    const attacker = await attackerWithCertificate();
    for (const kid of [attacker.key.kid, h.key.kid]) {
      const token = await mintAccessToken({
        key: attacker.key,
        nowSeconds: h.nowSeconds(),
        requestId,
        header: { x5c: [attacker.x5c], kid },
      });
      await expect401Everywhere(h, token);
      expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "header_key_reference" });
    }
  });

  it("refuses jwk even when it is our own key and our own signature", async () => {
    const token = await h.mint({ requestId, header: { jwk: h.key.publicJwk } });
    await expect401Everywhere(h, token);
  });
});

describe("H04 key URL in the header", () => {
  let server: Server;
  let base: string;
  let requests = 0;
  let attacker: Awaited<ReturnType<typeof attackerWithCertificate>>;

  beforeAll(async () => {
    attacker = await attackerWithCertificate();
    server = createServer((req, res) => {
      requests++;
      if (req.url === "/jwks.json") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ keys: [attacker.key.publicJwk] }));
      } else {
        res.writeHead(200, { "content-type": "application/pem-certificate-chain" });
        res.end(attacker.certPem);
      }
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const address = server.address();
    if (address === null || typeof address !== "object") throw new Error("no address");
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it("never fetches jku/x5u (local listener or link-local metadata address) and answers 401", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const connectSpy = vi.spyOn(Socket.prototype, "connect");
    const now = h.nowSeconds();
    const cases: [TestKey, Record<string, unknown>][] = [
      [attacker.key, { jku: `${base}/jwks.json` }],
      [attacker.key, { x5u: `${base}/cert.pem` }],
      [attacker.key, { jku: `${base}/jwks.json`, kid: h.key.kid }],
      [attacker.key, { jku: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" }],
      [attacker.key, { x5u: "http://169.254.169.254/latest/meta-data/identity-credentials/ec2/" }],
      // Our own valid signature: the header member alone is enough to refuse.
      [h.key, { jku: `${base}/jwks.json` }],
    ];
    for (const [key, header] of cases) {
      const token = await mintAccessToken({ key, nowSeconds: now, requestId, header });
      await expect401Everywhere(h, token);
      expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "header_key_reference" });
    }
    expect(requests).toBe(0);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(connectSpy).not.toHaveBeenCalled();

    // The counters work: a request made by the test itself is seen by both.
    const res = await fetch(`${base}/jwks.json`);
    await res.arrayBuffer();
    expect(requests).toBe(1);
    expect(connectSpy).toHaveBeenCalled();
  });
});

describe("H05 crit", () => {
  const variants: [string, Record<string, unknown>][] = [
    ['["x-custom"] with the member present', { crit: ["x-custom"], "x-custom": 1 }],
    ["[]", { crit: [] }],
    ["a string", { crit: "x-custom" }],
    ['["alg"]', { crit: ["alg"] }],
    ["naming an absent member", { crit: ["x-absent"] }],
  ];
  it.each(variants)("refuses crit %s on an otherwise valid token", async (_, header) => {
    const token = await h.mint({ requestId, header });
    await expect401Everywhere(h, token);
    expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "header_crit" });
  });
});

/** P-256 group order n (SEC 2 §2.4.2 / FIPS 186-4 D.1.2.3). */
const P256_N = Buffer.from("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", "hex");

describe("H06 zero signatures", () => {
  it.each<[string, (valid: Uint8Array) => Uint8Array]>([
    ["64 zero bytes", () => new Uint8Array(64)],
    ["DER of two zero integers", () => Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])],
    ["r = s = n", () => new Uint8Array(Buffer.concat([P256_N, P256_N]))],
    ["r = 0 with a real s", (valid) => new Uint8Array([...new Uint8Array(32), ...valid.slice(32)])],
  ])("refuses %s", async (_, forge) => {
    const token = await h.mint({ requestId, signature: (_input, valid) => base64url.encode(forge(valid)) });
    await expect401Everywhere(h, token);
    expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "signature_invalid" });
  });
});

describe("H07 signature encodings", () => {
  const key = () => KeyObject.from(h.key.privateKey);
  const variants: [string, (input: string, valid: Uint8Array) => string][] = [
    [
      "its DER form",
      (input) => base64url.encode(nodeSign("sha256", Buffer.from(input), { key: key(), dsaEncoding: "der" })),
    ],
    ["raw plus one extra byte", (_, valid) => base64url.encode(new Uint8Array([...valid, 0]))],
    ["a leading 0x00", (_, valid) => base64url.encode(new Uint8Array([0, ...valid]))],
    ["63 bytes", (_, valid) => base64url.encode(valid.slice(0, 63))],
    ["padded base64url", (_, valid) => `${base64url.encode(valid)}==`],
  ];
  it.each(variants)(
    "refuses a valid signature re-encoded as %s, with 401 and never another error",
    async (_, encode) => {
      const token = await h.mint({ requestId, signature: encode });
      await expect401Everywhere(h, token);
    },
  );

  it("refuses a signature in standard base64 (+ and /)", async () => {
    let token: string | undefined;
    for (let attempt = 0; attempt < 200 && token === undefined; attempt++) {
      const candidate = await h.mint({
        requestId,
        signature: (_, valid) => Buffer.from(valid).toString("base64").replace(/=+$/, ""),
      });
      const signature = candidate.split(".")[2] ?? "";
      if (/[+/]/.test(signature)) token = candidate;
    }
    if (token === undefined) throw new Error("no signature with + or / in 200 attempts");
    await expect401Everywhere(h, token);
    expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "token_malformed" });
  });
});

describe("H08 clock skew", () => {
  it("uses one explicit small tolerance", () => {
    expect(CLOCK_TOLERANCE_SECONDS).toBe(5);
  });

  it("accepts iat and nbf 3 s in the future", async () => {
    const now = h.nowSeconds();
    const token = await h.mint({ requestId, claims: { iat: now + 3, nbf: now + 3, exp: now + 3 + 600 } });
    expect((await h.decide(token)).outcome).toBe("allow");
  });

  it("accepts exp 2 s ago", async () => {
    const now = h.nowSeconds();
    const token = await h.mint({ requestId, claims: { iat: now - 600, nbf: now - 600, exp: now - 2 } });
    expect((await h.decide(token)).outcome).toBe("allow");
  });

  it("refuses exp past the tolerance", async () => {
    const now = h.nowSeconds();
    const exp = now - CLOCK_TOLERANCE_SECONDS - 1;
    const token = await h.mint({ requestId, claims: { iat: now - 600, nbf: now - 600, exp } });
    await expect401Everywhere(h, token);
    expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "token_expired" });
  });

  it("refuses iat or nbf further in the future than the tolerance", async () => {
    const later = h.nowSeconds() + CLOCK_TOLERANCE_SECONDS + 1;
    const early = await h.mint({ requestId, claims: { iat: later, nbf: later, exp: later + 600 } });
    await expect401Everywhere(h, early);
    expect(await h.decide(early)).toEqual({ outcome: "unauthorized", reason: "token_not_yet_valid" });
    const now = h.nowSeconds();
    const notYet = await h.mint({ requestId, claims: { iat: now, nbf: later, exp: now + 600 } });
    expect(await h.decide(notYet)).toEqual({ outcome: "unauthorized", reason: "token_not_yet_valid" });
  });
});

describe("H09 wrong purpose", () => {
  it("refuses a token from another stage (other issuer)", async () => {
    const token = await h.mint({ requestId, claims: { iss: "https://jit-staging.example.test" } });
    await expect401Everywhere(h, token);
    expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "issuer_mismatch" });
  });

  it("refuses a token minted for API A presented to API B", async () => {
    const token = await h.mint({ requestId, claims: { aud: "payments-api", scope: "payments-read" } });
    await expect401Everywhere(h, token);
    expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "audience_mismatch" });
  });

  it("refuses an identity-provider ID token, signed by the IdP or even by our key", async () => {
    const idp = await generateTestKey();
    const now = h.nowSeconds();
    const idClaims = {
      iss: "https://idp.example.test",
      sub: "alice",
      aud: "jit-web-client",
      iat: now,
      exp: now + 3600,
      email: "alice@example.com",
      token_use: "id",
      "cognito:groups": ["engineers"],
      // An ID token has none of the access token's own claims.
      nbf: undefined,
      jti: undefined,
      client_id: undefined,
      scope: undefined,
      jit_request_id: undefined,
    };
    const idTokenHeader = { typ: "JWT" };
    const byIdp = await mintAccessToken({
      key: idp,
      nowSeconds: now,
      header: idTokenHeader,
      claims: idClaims,
    });
    await expect401Everywhere(h, byIdp);
    expect(await h.decide(byIdp)).toEqual({ outcome: "unauthorized", reason: "unknown_kid" });
    const byUs = await mintAccessToken({
      key: h.key,
      nowSeconds: now,
      header: idTokenHeader,
      claims: idClaims,
    });
    await expect401Everywhere(h, byUs);
    expect(await h.decide(byUs)).toEqual({ outcome: "unauthorized", reason: "typ_invalid" });
  });

  it("refuses a token with no typ", async () => {
    const token = await h.mint({ requestId, header: { typ: undefined } });
    await expect401Everywhere(h, token);
    expect(await h.decide(token)).toEqual({ outcome: "unauthorized", reason: "typ_invalid" });
  });
});

describe("H10 error contract", () => {
  it("answers exactly Unauthorized for expired, malformed and library-error tokens", async () => {
    const now = h.nowSeconds();
    const expired = await h.mint({ requestId, claims: { iat: now - 900, nbf: now - 900, exp: now - 60 } });
    const validHeader = encodeJson({ alg: "ES256", typ: "at+jwt", kid: h.key.kid });
    const signed = async (payloadSegment: string) => {
      const input = `${validHeader}.${payloadSegment}`;
      return `${input}.${base64url.encode(await signBytes(h.key, input))}`;
    };
    const tokens = [
      expired,
      "not-a-jwt",
      "a.b.c",
      `${base64url.encode("{not json")}.${encodeJson({})}.${base64url.encode("sig")}`,
      await signed(base64url.encode("{not json")),
      await signed(encodeJson([1, 2, 3])),
      await signed(encodeJson("a string")),
      "x".repeat(9_000),
      `${"a".repeat(4_000)}.${"b".repeat(4_000)}.${"c".repeat(400)}`,
    ];
    for (const token of tokens) await expect401Everywhere(h, token);
  });

  it("answers 403 for a valid token whose grant does not cover the route, with a policy right for every route", async () => {
    const token = await h.mint({ requestId });
    const result = (await h.handler(restTokenEvent(token, "DELETE", "/orders/42"))) as PolicyResult;
    expect(result.principalId).toBe("alice");
    // The grant's Allow list, which does not name the called route: API Gateway refuses it (403), and the
    // same answer, cached for the token, still opens the routes the grant covers.
    expect(evaluatePolicy(result.policyDocument, methodArn("DELETE", "/orders/42"))).toBe("NoMatch");
    expect(evaluatePolicy(result.policyDocument, methodArn("GET", "/orders/42"))).toBe("Allow");
    expect(result.policyDocument.Statement.map((s) => s.Effect)).toEqual(["Allow"]);
    expect(await h.handler(httpApiEvent(token, "DELETE", "/orders/42"))).toEqual({
      isAuthorized: false,
      context: {},
    });
  });

  it("never allows when the grant read fails (throttled table)", async () => {
    const throttled = Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
      name: "ProvisionedThroughputExceededException",
    });
    const failing = await authorizerHarness({
      reader: {
        get: async () => {
          throw throttled;
        },
      },
    });
    const token = await failing.mint({ requestId: "req-any" });
    const rest = (await failing.handler(restTokenEvent(token))) as PolicyResult;
    expect(rest.policyDocument.Statement.map((s) => s.Effect)).toEqual(["Deny"]);
    expect(evaluatePolicy(rest.policyDocument, methodArn("GET", "/orders/42"))).toBe("Deny");
    expect(await failing.handler(httpApiEvent(token))).toEqual({ isAuthorized: false, context: {} });
  });

  it("never allows when the configured keys cannot be imported", async () => {
    const good = await generateTestKey();
    const other = await generateTestKey();
    // A key filed under another key's kid: refused at import, so every token is 401.
    const broken = await authorizerHarness({
      keys: [{ ...good.verificationKey, publicJwk: other.publicJwk }],
    });
    broken.grant({ requestId: "req-k" });
    const token = await mintAccessToken({ key: good, nowSeconds: broken.nowSeconds(), requestId: "req-k" });
    await expect401Everywhere(broken, token);
  });
});

describe("H11 cache across routes", () => {
  it("lets one cached policy allow every route the grant covers, and only those", async () => {
    const token = await h.mint({ requestId });
    // API Gateway's result cache, keyed by the token: the authorizer runs once, later calls reuse its policy.
    const cache = new Map<string, PolicyResult>();
    let invocations = 0;
    const call = async (method: string, path: string) => {
      let cached = cache.get(token);
      if (cached === undefined) {
        invocations++;
        cached = (await h.handler(restTokenEvent(token, method, path))) as PolicyResult;
        cache.set(token, cached);
      }
      return evaluatePolicy(cached.policyDocument, methodArn(method, path));
    };
    expect(await call("GET", "/orders/42")).toBe("Allow");
    expect(await call("GET", "/orders")).toBe("Allow");
    expect(await call("GET", "/orders/7/items")).toBe("Allow");
    expect(await call("DELETE", "/orders/42")).toBe("NoMatch");
    expect(await call("GET", "/accounts/123")).toBe("NoMatch");
    expect(invocations).toBe(1);
  });
});

describe("H12 resource matching", () => {
  let accounts: string;
  beforeAll(() => {
    accounts = h.grant({ entitlementId: "accounts-123" });
  });

  it("allows GET /accounts/123 and nothing near it", async () => {
    const token = await h.mint({ requestId: accounts, claims: { scope: "accounts-123" } });
    const allowed = (await h.handler(restTokenEvent(token, "GET", "/accounts/123"))) as PolicyResult;
    expect(allowed.policyDocument.Statement).toEqual([
      { Effect: "Allow", Action: "execute-api:Invoke", Resource: [methodArn("GET", "/accounts/123")] },
    ]);
    const near = [
      "/accounts/123/secrets",
      "/accounts/1234",
      "/accounts/12",
      "/accounts/123/",
      "/accounts/*",
      "/accounts/12*",
      "/accounts/*/secrets",
      "/accounts/123%2Fsecrets",
      "/accounts/12?",
    ];
    for (const path of near) {
      const result = (await h.handler(restTokenEvent(token, "GET", path))) as PolicyResult;
      expect({ path, decision: evaluatePolicy(result.policyDocument, methodArn("GET", path)) }).toEqual({
        path,
        decision: "NoMatch",
      });
      expect(await h.handler(httpApiEvent(token, "GET", path))).toEqual({ isAuthorized: false, context: {} });
      // And the policy cached from the allowed call does not open it either.
      expect(evaluatePolicy(allowed.policyDocument, methodArn("GET", path))).toBe("NoMatch");
    }
  });

  it("lets an explicit Deny win over an Allow of the same route", () => {
    const arn = methodArn("GET", "/accounts/123");
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "execute-api:Invoke", Resource: [arn, `${arn}/*`] },
        { Effect: "Deny", Action: "execute-api:Invoke", Resource: [arn] },
      ],
    };
    expect(evaluatePolicy(policy, arn)).toBe("Deny");
  });
});
