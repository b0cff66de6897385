import { exportJWK, generateKeyPair, calculateJwkThumbprint, SignJWT } from "jose";
import { createJitAuthorizerHandler } from "../functions/handlers/jit-authorizer.js";
import { ManualClock } from "../functions/domain/clock.js";
import { loadPolicyFile } from "../functions/config/load-policy.js";
import { grantFixture } from "../test/helpers/token-issue.js";
import { restRequestEvent } from "./authorizer-path.js";
import { sinkLogger } from "./local-stack.js";
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
const h = createJitAuthorizerHandler({ keys, reader, policy, audience: "orders-api", issuer: "https://jit.example.test/prod", revocationCacheSeconds: 30, clock, logger: sinkLogger("x", (process.env.LVL ?? "INFO") as "INFO") });
const event = restRequestEvent(token);
for (let i = 0; i < 30000; i++) await h(event);
