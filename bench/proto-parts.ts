import { importJWK, jwtVerify, decodeProtectedHeader, exportJWK, generateKeyPair, calculateJwkThumbprint, SignJWT } from "jose";
import { JoseAccessTokenVerifier } from "../functions/adapters/auth/access-token-verifier.js";
import { parseAuthorizerEvent, allowResult } from "../functions/adapters/auth/authorizer-events.js";
import { createJitAuthorizerHandler } from "../functions/handlers/jit-authorizer.js";
import { ManualClock } from "../functions/domain/clock.js";
import { loadPolicyFile } from "../functions/config/load-policy.js";
import { findEntitlement } from "../functions/config/policy.js";
import { isGrantActive } from "../functions/domain/access-request.js";
import { findCoveringPermission, parsePermission } from "../functions/domain/route-matching.js";
import { grantFixture } from "../test/helpers/token-issue.js";
import { restRequestEvent } from "./authorizer-path.js";
import { sinkLogger } from "./local-stack.js";
import { authorizeAccess } from "../functions/use-cases/authorize-access.js";
import { CachedRequestReader } from "../functions/adapters/grant-cache.js";

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
console.log(JSON.stringify(await hInfo(event)).slice(0, 300));
const verifier = new JoseAccessTokenVerifier({ keys, issuer: "https://jit.example.test/prod", audience: "orders-api", tokenTtlSeconds: 900, clock });
const ck = await importJWK(jwk, "ES256");
const grants = new CachedRequestReader(reader, { maxAgeSeconds: 30, clock });
const parsed = parseAuthorizerEvent(event);
const ent = findEntitlement(policy, "orders-read")!;
const logger = sinkLogger("x", "INFO");
const cases: Record<string, () => unknown> = {
  handlerInfo: () => hInfo(event),
  handlerSilent: () => hSilent(event),
  authorizeAccess: () => authorizeAccess({ token, route: parsed.route }, { verifier, grants, policy, audience: "orders-api", clock }),
  verifier: () => verifier.verify(token),
  joseBare: () => jwtVerify(token, ck),
  joseOpts: () => jwtVerify(token, ck, { algorithms: ["ES256"], typ: "at+jwt", issuer: "https://jit.example.test/prod", audience: "orders-api", requiredClaims: ["exp", "iat", "nbf", "jti", "sub"], clockTolerance: 5, maxTokenAge: 900, currentDate: new Date(clock.nowMs()) }),
  parseEvent: () => parseAuthorizerEvent(event),
  decodeHeader: () => decodeProtectedHeader(token),
  grantGet: () => grants.get("req-1"),
  active: () => isGrantActive(grant, clock.nowMs()),
  perms: () => { for (const p of ent.permissions) parsePermission(p); return findCoveringPermission(ent.permissions, parsed.route); },
  allowResult: () => allowResult(parsed, "alice", ent.permissions, { sub: "alice", scope: "orders-read", jti: "j1", requestId: "req-1", exp: now, breakGlass: false }),
  logInfo: () => logger.info("authorization allowed", { decision: "allow", reason: "allowed", jti: "j1", sub: "alice", requestId: "req-1", eventKind: "rest-request", route: "GET /orders/42", permission: "GET /orders/*" }),
};
for (let round = 0; round < 3; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    const n = 3000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    if (round === 2) console.log(name.padEnd(16), ((performance.now() - t0) * 1000 / n).toFixed(2), "µs");
  }
}
