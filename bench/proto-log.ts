import { Console } from "node:console";
import { Writable } from "node:stream";
import { openSync, writeSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from "jose";
import { interleave, median, medianRatio, elapsedMicros } from "./stats.js";
const { privateKey, publicKey } = await generateKeyPair("ES256");
const ck = publicKey;
const token = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: "ES256" }).sign(privateKey);
const mkLogger = (console_: unknown) => { const l = new Logger({ serviceName: "x", logLevel: "INFO" }); Reflect.set(l, "console", console_); return l; };
const noopSink = new Writable({ write(_c, _e, d) { d(); } });
const fd = openSync("/dev/null", "w");
const syncSink = new Writable({ write(c, _e, d) { writeSync(fd, c); d(); } });
const lNoop = mkLogger(new Console({ stdout: noopSink, stderr: noopSink }));
const lSync = mkLogger(new Console({ stdout: syncSink, stderr: syncSink }));
let sinkBytes = 0;
const lFake = mkLogger({ info: (s: string) => { sinkBytes += s.length; }, log: () => {}, error: () => {} });
const attrs = () => ({ decision: "allow", reason: "allowed", jti: "3f1c1f7e-9d7c-4a53-9d5f-6c7e1e0d2a11", sub: "alice", requestId: "bench-3f1c1f7e-9d7c-4a53-9d5f-6c7e1e0d2a11", eventKind: "rest-request", route: "GET /orders/42", permission: "GET /orders/*" });
const n = 200;
const perCall = (fn: () => unknown) => async () => { const t0 = performance.now(); for (let i = 0; i < n; i++) await fn(); return [elapsedMicros(t0) / n]; };
const s = await interleave([
  { name: "jose", batch: perCall(() => jwtVerify(token, ck)) },
  { name: "jose+log(noop Writable)", batch: perCall(async () => { await jwtVerify(token, ck); lNoop.info("authorization allowed", attrs()); }) },
  { name: "jose+log(writeSync /dev/null)", batch: perCall(async () => { await jwtVerify(token, ck); lSync.info("authorization allowed", attrs()); }) },
  { name: "jose+log(fake console)", batch: perCall(async () => { await jwtVerify(token, ck); lFake.info("authorization allowed", attrs()); }) },
  { name: "log only (noop Writable)", batch: perCall(() => lNoop.info("authorization allowed", attrs())) },
  { name: "log only (fake console)", batch: perCall(() => lFake.info("authorization allowed", attrs())) },
], { warmupRounds: 10, rounds: 40 });
const jose = s.get("jose")!.map(x => x[0]!);
for (const [k, v] of s) { const f = v.map(x => x[0]!); console.log(k.padEnd(32), median(f).toFixed(1), "µs  ratio/jose", medianRatio(f, jose).toFixed(3)); }
