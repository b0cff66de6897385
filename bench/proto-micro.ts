import { z } from "zod";
const numericDate = z.number().int().min(1_000_000_000).max(9_999_999_999);
const identifier = z.string().min(1).max(512);
const S = z.object({ iss: z.string(), aud: z.string(), sub: identifier, jti: identifier, iat: numericDate, nbf: numericDate, exp: numericDate, client_id: z.literal("jit-access"), scope: identifier, jit_request_id: identifier, jit_break_glass: z.literal(true).optional() });
const now = 1_780_000_000;
const p = { iss: "https://jit.example.test/prod", sub: "alice", aud: "orders-api", iat: now, nbf: now, exp: now + 900, jti: "3f1c1f7e-9d7c-4a53-9d5f-6c7e1e0d2a11", client_id: "jit-access", scope: "orders-read", jit_request_id: "bench-3f1c1f7e-9d7c-4a53-9d5f-6c7e1e0d2a11" };
const RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const tok = "eyJ" + "a".repeat(100) + "." + "b".repeat(400) + "." + "c".repeat(86);
const cases: Record<string, () => unknown> = {
  zod: () => S.safeParse(p),
  zodFresh: () => S.safeParse({ ...p }),
  compactRe: () => RE.test(tok),
};
for (let r = 0; r < 3; r++) for (const [k, f] of Object.entries(cases)) { const n = 200000; const t0 = performance.now(); for (let i = 0; i < n; i++) f(); if (r === 2) console.log(k, ((performance.now() - t0) * 1000 / n).toFixed(3), "µs"); }
