import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { base64url, importJWK, jwtVerify } from "jose";
import { jitAuthorizerDepsFromEnvironment } from "#functions/composition/jit-authorizer.js";
import { createDocumentClient } from "#functions/composition/workflow.js";
import {
  accessTokenVerifierFor,
  createJitAuthorizerHandler,
  type JitAuthorizerDeps,
  type JitAuthorizerHandler,
} from "#functions/handlers/jit-authorizer.js";
import { ManualClock } from "#test/helpers/clock.js";
import { type BenchStack, sinkLogger } from "./local-stack.js";
import { type MiddlewareClient, SdkCallCounter } from "./sdk-call-counter.js";
import { elapsedMicros, interleave, median, medianRatio, quantile } from "./stats.js";

const FIXTURE = new URL("../test/fixtures/authorizer/rest-request-event.json", import.meta.url);

/**
 * A REST API REQUEST authorizer event (the repository's fixture: a real event's shape, seven headers)
 * for `GET /orders/42` carrying `Authorization: Bearer <token>`.
 */
export function restRequestEvent(token: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, unknown>;
  const bearer = `Bearer ${token}`;
  return {
    ...event,
    headers: { ...(event.headers as Record<string, string>), Authorization: bearer },
    multiValueHeaders: { ...(event.multiValueHeaders as Record<string, string[]>), Authorization: [bearer] },
  };
}

/** The REST policy's effects, e.g. `Allow`; throws for an HTTP API answer (not expected here). */
function effectOf(result: unknown): string {
  const doc = (result as { policyDocument?: { Statement: { Effect: string }[] } }).policyDocument;
  if (doc === undefined) throw new Error("expected a REST policy result");
  return doc.Statement.map((s) => s.Effect).join(",");
}

async function expectAllow(handler: JitAuthorizerHandler, event: unknown): Promise<void> {
  const effect = effectOf(await handler(event));
  if (effect !== "Allow") throw new Error(`the authorizer answered ${effect}, expected Allow`);
}

/** An authorizer built like its Lambda entry (composition from the environment), plus its counters. */
interface BuiltAuthorizer {
  handler: JitAuthorizerHandler;
  /** The composition's dependencies the handler was built from. */
  deps: JitAuthorizerDeps;
  clock: ManualClock;
  /** DynamoDB operations of the authorizer's own document client. */
  dynamodb: SdkCallCounter;
  /** KMS calls the composition made while building: 0, its keys come from `JIT_TRUSTED_JWKS`. */
  kmsCallsAtInit: number;
  /** The trusted public key, as the composition loaded it from KMS. */
  publicJwk: Record<string, unknown>;
}

async function buildAuthorizer(
  stack: BenchStack,
  revocationCacheSeconds: number,
  logLevel: "INFO" | "SILENT" = "INFO",
): Promise<BuiltAuthorizer> {
  const clock = new ManualClock(Date.now());
  const before = stack.kms.totalCallCount();
  const deps = await jitAuthorizerDepsFromEnvironment({
    logger: sinkLogger("jit-authorizer", logLevel),
    env: stack.authorizerEnv(revocationCacheSeconds),
    clock,
  });
  const kmsCallsAtInit = stack.kms.totalCallCount() - before;
  const dynamodb = new SdkCallCounter();
  dynamodb.attach((deps.reader as unknown as { client: MiddlewareClient }).client, "authorizer");
  const key = deps.keys[0];
  if (key === undefined) throw new Error("the composition loaded no key");
  return {
    handler: createJitAuthorizerHandler(deps),
    deps,
    clock,
    dynamodb,
    kmsCallsAtInit,
    publicJwk: key.publicJwk as Record<string, unknown>,
  };
}

/** Section 1 figures: µs per decision, medians of per-batch means. */
export interface WarmPathFigures {
  batches: number;
  callsPerBatch: number;
  authorizerUs: number;
  /** The same authorizer with its logger at SILENT: what the one log line per decision costs. */
  authorizerNoLogUs: number;
  /**
   * The authorizer's token verifier alone (`JoseAccessTokenVerifier.verify`: header checks, jose with
   * issuer/audience/time options, claim checks): what verifying costs beyond bare jose.
   */
  verifierUs: number;
  joseUs: number;
  nodeCryptoUs: number;
  /** Median of per-round ratios authorizer / jose. */
  authorizerOverJose: number;
  /** Median of per-round ratios jose / node:crypto. */
  joseOverNodeCrypto: number;
}

/**
 * Section 1: the authorizer's warm decision (REST REQUEST event, real jose verification, key imported,
 * grant in the real grant cache) against bare `jose.jwtVerify` of the same token with the same
 * CryptoKey, and against node:crypto's raw ES256 verify of the same signature (the floor), in
 * alternating batches.
 */
export async function measureWarmPath(
  stack: BenchStack,
  token: string,
  options: { callsPerBatch: number; warmupRounds: number; rounds: number },
): Promise<WarmPathFigures> {
  const logged = await buildAuthorizer(stack, 30, "INFO");
  const silent = await buildAuthorizer(stack, 30, "SILENT");
  const event = restRequestEvent(token);
  await expectAllow(logged.handler, event);
  await expectAllow(silent.handler, event);

  const cryptoKey = await importJWK(logged.publicJwk, "ES256");
  const keyObject = createPublicKey({ key: logged.publicJwk as never, format: "jwk" });
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const signingInput = Buffer.from(`${header}.${payload}`);
  const rawSignature = Buffer.from(base64url.decode(signature));
  const nodeKey = { key: keyObject, dsaEncoding: "ieee-p1363" as const };
  if (!verify("sha256", signingInput, nodeKey, rawSignature))
    throw new Error("node:crypto refused the token");
  await jwtVerify(token, cryptoKey);
  const { deps } = logged;
  const verifier = accessTokenVerifierFor(deps);
  if (!(await verifier.verify(token)).ok) throw new Error("the verifier refused the token");

  const n = options.callsPerBatch;
  const perCall = (fn: () => unknown) => async () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return [elapsedMicros(t0) / n];
  };
  const series = await interleave(
    [
      // Authorizer and jose side by side, so their per-round ratio pairs batches run moments apart.
      { name: "authorizer", batch: perCall(() => logged.handler(event)) },
      { name: "jose", batch: perCall(() => jwtVerify(token, cryptoKey)) },
      { name: "node-crypto", batch: perCall(() => verify("sha256", signingInput, nodeKey, rawSignature)) },
      { name: "authorizer-no-log", batch: perCall(() => silent.handler(event)) },
      { name: "verifier", batch: perCall(() => verifier.verify(token)) },
    ],
    options,
  );
  // Still the same decision after the run, from the cache: no read happened during measuring.
  await expectAllow(logged.handler, event);
  if (logged.dynamodb.total() !== 1) throw new Error("the warm authorizer read DynamoDB more than once");

  const flat = (name: string) => (series.get(name) ?? []).map((s) => s[0] as number);
  const authorizer = flat("authorizer");
  const jose = flat("jose");
  const node = flat("node-crypto");
  return {
    batches: authorizer.length,
    callsPerBatch: n,
    authorizerUs: median(authorizer),
    authorizerNoLogUs: median(flat("authorizer-no-log")),
    verifierUs: median(flat("verifier")),
    joseUs: median(jose),
    nodeCryptoUs: median(node),
    authorizerOverJose: medianRatio(authorizer, jose),
    joseOverNodeCrypto: medianRatio(jose, node),
  };
}

/** Section 2 figures: per-call latencies, ms. */
export interface MissPathFigures {
  calls: number;
  p50Ms: number;
  p99Ms: number;
  /** A bare strongly consistent GetItem of the same item, measured in the same rounds. */
  getItemP50Ms: number;
  getItemP99Ms: number;
  /** Bare `jose.jwtVerify` then the same GetItem: the least a verifying, grant-reading authorizer does. */
  joseGetItemP50Ms: number;
  joseGetItemP99Ms: number;
  /** DynamoDB reads per authorization (1: every call missed the cache). */
  readsPerCall: number;
}

/**
 * Section 2: the authorizer with a cache age of 0 (`JIT_REVOCATION_CACHE_SECONDS=0`), so every decision
 * reads the grant from DynamoDB Local through the real reader, against a bare consistent GetItem and
 * against bare `jose.jwtVerify` followed by that GetItem.
 */
export async function measureMissPath(
  stack: BenchStack,
  token: string,
  requestId: string,
  options: { callsPerBatch: number; warmupRounds: number; rounds: number },
): Promise<MissPathFigures> {
  const authorizer = await buildAuthorizer(stack, 0);
  const event = restRequestEvent(token);
  const cryptoKey = await importJWK(authorizer.publicJwk, "ES256");
  await expectAllow(authorizer.handler, event);
  const documents = createDocumentClient(stack.dynamodb.endpoint, {});
  const getItem = new GetCommand({
    TableName: stack.tables.requests,
    Key: { requestId },
    ConsistentRead: true,
  });
  const perCallLatency = (fn: () => Promise<unknown>) => async () => {
    const samples: number[] = [];
    for (let i = 0; i < options.callsPerBatch; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(elapsedMicros(t0) / 1000);
    }
    return samples;
  };
  const authorize = perCallLatency(() => authorizer.handler(event));
  let reads0 = 0;
  try {
    const series = await interleave(
      [
        {
          name: "miss",
          batch: (round) => {
            if (round === 0) reads0 = authorizer.dynamodb.total();
            return authorize();
          },
        },
        { name: "getitem", batch: perCallLatency(() => documents.send(getItem)) },
        {
          name: "jose-getitem",
          batch: perCallLatency(async () => {
            await jwtVerify(token, cryptoKey);
            await documents.send(getItem);
          }),
        },
      ],
      options,
    );
    const miss = (series.get("miss") ?? []).flat();
    const get = (series.get("getitem") ?? []).flat();
    const joseGet = (series.get("jose-getitem") ?? []).flat();
    await expectAllow(authorizer.handler, event);
    return {
      calls: miss.length,
      p50Ms: quantile(miss, 0.5),
      p99Ms: quantile(miss, 0.99),
      getItemP50Ms: quantile(get, 0.5),
      getItemP99Ms: quantile(get, 0.99),
      joseGetItemP50Ms: quantile(joseGet, 0.5),
      joseGetItemP99Ms: quantile(joseGet, 0.99),
      // The last expectAllow read once more.
      readsPerCall: (authorizer.dynamodb.total() - reads0 - 1) / miss.length,
    };
  } finally {
    documents.destroy();
  }
}

/** Section 5 figures. */
export interface CallCountFigures {
  grants: number;
  windows: number;
  authorizationsPerWindow: number;
  revocationCacheSeconds: number;
  /** KMS calls while building the authorizer (0: the trusted keys are configuration). */
  kmsCallsAtInit: number;
  /** KMS calls of every kind during all the authorizations. */
  kmsCallsDuringAuthorizations: number;
  /** DynamoDB reads per window (all grants). */
  dynamodbReadsPerWindow: number[];
  /** The most reads of one grant in one window. */
  maxReadsPerGrantPerWindow: number;
}

/**
 * Section 5: an authorizer built from the environment (trusted keys from `JIT_TRUSTED_JWKS`) authorizes N calls
 * alternating between `tokens` (one grant each) within one cache window, then N more after the clock
 * moved one window on; KMS calls by the endpoint's counter, DynamoDB reads by SDK middleware (per grant
 * by the `Key` of each read).
 */
export async function measureCallCounts(
  stack: BenchStack,
  tokens: readonly string[],
  options: { authorizationsPerWindow: number; revocationCacheSeconds: number },
): Promise<CallCountFigures> {
  const authorizer = await buildAuthorizer(stack, options.revocationCacheSeconds);
  const events = tokens.map(restRequestEvent);
  const kms0 = stack.kms.totalCallCount();
  const readsPerWindow: number[] = [];
  let maxPerGrant = 0;
  for (let w = 0; w < 2; w++) {
    authorizer.dynamodb.reset();
    for (let i = 0; i < options.authorizationsPerWindow; i++) {
      await expectAllow(authorizer.handler, events[i % events.length]);
    }
    if (authorizer.dynamodb.count("GetItem") !== authorizer.dynamodb.total())
      throw new Error(
        `the authorizer made DynamoDB calls other than GetItem: ${JSON.stringify(authorizer.dynamodb.snapshot())}`,
      );
    readsPerWindow.push(authorizer.dynamodb.total());
    maxPerGrant = Math.max(maxPerGrant, authorizer.dynamodb.maxPerKey());
    authorizer.clock.advance(options.revocationCacheSeconds * 1000);
  }
  return {
    grants: tokens.length,
    windows: 2,
    authorizationsPerWindow: options.authorizationsPerWindow,
    revocationCacheSeconds: options.revocationCacheSeconds,
    kmsCallsAtInit: authorizer.kmsCallsAtInit,
    kmsCallsDuringAuthorizations: stack.kms.totalCallCount() - kms0,
    dynamodbReadsPerWindow: readsPerWindow,
    maxReadsPerGrantPerWindow: maxPerGrant,
  };
}
