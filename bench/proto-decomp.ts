import { exportJWK, generateKeyPair, calculateJwkThumbprint, SignJWT, importJWK, jwtVerify } from "jose";
import { createJitAuthorizerHandler } from "../functions/handlers/jit-authorizer.js";
import { JoseAccessTokenVerifier } from "../functions/adapters/auth/access-token-verifier.js";
import { ManualClock } from "../functions/domain/clock.js";
import { loadPolicyFile } from "../functions/config/load-policy.js";
import { grantFixture } from "../test/helpers/token-issue.js";
import { restRequestEvent } from "./authorizer-path.js";
import { sinkLogger } from "./local-stack.js";
import { interleave, median, medianRatio, elapsedMicros } from "./stats.js";
const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
const jwk = await exportJWK(publicKey);
const kid = await calculateJwkThumbprint(jwk);
const now = Math.floor(Date.now() / 1000);
const grant = grantFixture("req-1", Date.now());
const token = await new SignJWT({ client_id: "jit-access", scope: "orders-read", jit_request_id: "req-1" })
  .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid }).setIssuer("https://jit.example.test/prod").setSubject("alice")
  .setAudience("orders-api").setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 900).setJti("j1").sign(privateKey);
const policy = loadPolicyFile("config/example.yaml");
const clock = new ManualClock(Date.now());
const keys = [{ kid, alg: "ES256" as const, publicJwk: { ...jwk, kid, alg: "ES256" }, keyId: "k" }];
const reader = { get: async () => grant };
const mk = (level: "INFO" | "SILENT") => createJitAuthorizerHandler({ keys, reader, policy, audience: "orders-api", issuer: "https://jit.example.test/prod", revocationCacheSeconds: 30, clock, logger: sinkLogger("x", level) });
const hInfo = mk("INFO"); const hSilent = mk("SILENT");
const event = restRequestEvent(token);
const verifier = new JoseAccessTokenVerifier({ keys, issuer: "https://jit.example.test/prod", audience: "orders-api", tokenTtlSeconds: 900, clock });
const ck = await importJWK(jwk, "ES256");
const n = 200;
const perCall = (fn: () => unknown) => async () => { const t0 = performance.now(); for (let i = 0; i < n; i++) await fn(); return [elapsedMicros(t0) / n]; };
const opts = { algorithms: ["ES256"], typ: "at+jwt", issuer: "https://jit.example.test/prod", audience: "orders-api", requiredClaims: ["exp", "iat", "nbf", "jti", "sub"], clockTolerance: 5, maxTokenAge: 900 };
const s = await interleave([
  { name: "handlerInfo", batch: perCall(() => hInfo(event)) },
  { name: "handlerSilent", batch: perCall(() => hSilent(event)) },
  { name: "verifier", batch: perCall(() => verifier.verify(token)) },
  { name: "joseOpts", batch: perCall(() => jwtVerify(token, ck, { ...opts, currentDate: new Date(clock.nowMs()) })) },
  { name: "jose", batch: perCall(() => jwtVerify(token, ck)) },
], { warmupRounds: 10, rounds: Number(process.env.ROUNDS ?? 40) });
const jose = s.get("jose")!.map(x => x[0]!);
for (const [k, v] of s) { const f = v.map(x => x[0]!); console.log(k.padEnd(14), median(f).toFixed(1), "µs  ratio/jose", medianRatio(f, jose).toFixed(3)); }
