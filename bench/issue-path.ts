import { issueTokenDepsFromEnvironment } from "#functions/composition/tokens.js";
import { createIssueTokenHandler } from "#functions/handlers/issue-token.js";
import { tokenRequestEvent } from "#test/helpers/token-issue.js";
import { type BenchStack, sinkLogger } from "./local-stack.js";
import { type MiddlewareClient, SdkCallCounter } from "./sdk-call-counter.js";
import { elapsedMicros, interleave, quantile } from "./stats.js";

/** Token issue through the real handler and composition, as the issue-token Lambda runs it. */
export interface BenchIssuer {
  /** Issues one token for `requestId` (requester alice) through the handler; throws unless 201. */
  issue(requestId: string): Promise<string>;
  /** Counts the DynamoDB operations of the handler's document client. */
  dynamodb: SdkCallCounter;
}

/**
 * Builds the issue-token handler exactly as its Lambda entry does (`issueTokenDepsFromEnvironment` →
 * `createIssueTokenHandler`), against the stack's DynamoDB Local and KMS-compatible endpoint, with a
 * DynamoDB call counter on its document client.
 */
export function createBenchIssuer(stack: BenchStack): BenchIssuer {
  const deps = issueTokenDepsFromEnvironment(stack.issueEnv());
  const dynamodb = new SdkCallCounter();
  // The reader and the audit log share the composition's one document client.
  dynamodb.attach((deps.requests as unknown as { client: MiddlewareClient }).client, "issue");
  const handler = createIssueTokenHandler(deps, sinkLogger("jit-issue-token"));
  return {
    dynamodb,
    async issue(requestId) {
      const response = await handler(tokenRequestEvent(requestId, { sub: "alice" }));
      if (response.statusCode !== 201)
        throw new Error(`issue answered ${response.statusCode}: ${response.body}`);
      return (JSON.parse(response.body) as { access_token: string }).access_token;
    },
  };
}

/** Figures of the issue path (section 4). */
export interface IssuePathFigures {
  tokens: number;
  p50Ms: number;
  p99Ms: number;
  /** KMS `Sign` calls per token over the measured tokens (server counter). */
  kmsSignPerToken: number;
  /** KMS calls of every kind per token over the measured tokens. */
  kmsCallsPerToken: number;
  /** KMS `GetPublicKey` calls over the measured tokens (0: fetched once per container, before). */
  kmsGetPublicKeyMeasured: number;
  /** KMS `GetPublicKey` calls of the first token of the container (warm-up). */
  kmsGetPublicKeyFirstToken: number;
  /** DynamoDB operations per token, by SDK command name. */
  dynamodbPerToken: Record<string, number>;
}

/**
 * Section 4: issues tokens through the handler in batches, one latency per token, and counts KMS
 * calls (the endpoint's counter) and DynamoDB calls (SDK middleware) per token.
 */
export async function measureIssuePath(
  stack: BenchStack,
  options: { batchSize: number; warmupRounds: number; rounds: number },
): Promise<IssuePathFigures> {
  const issuer = createBenchIssuer(stack);
  const grant = await stack.putGrant();
  const getPublicKeyBefore = stack.kms.callCount("GetPublicKey");
  await issuer.issue(grant.requestId);
  const kmsGetPublicKeyFirstToken = stack.kms.callCount("GetPublicKey") - getPublicKeyBefore;

  let sign0 = 0;
  let getPublicKey0 = 0;
  let kms0 = 0;
  const series = await interleave(
    [
      {
        name: "issue",
        async batch(round) {
          if (round === 0) {
            sign0 = stack.kms.callCount("Sign");
            getPublicKey0 = stack.kms.callCount("GetPublicKey");
            kms0 = stack.kms.totalCallCount();
            issuer.dynamodb.reset();
          }
          const samples: number[] = [];
          for (let i = 0; i < options.batchSize; i++) {
            const t0 = performance.now();
            await issuer.issue(grant.requestId);
            samples.push(elapsedMicros(t0) / 1000);
          }
          return samples;
        },
      },
    ],
    { warmupRounds: options.warmupRounds, rounds: options.rounds },
  );
  const samples = (series.get("issue") ?? []).flat();
  const tokens = samples.length;
  const perToken = Object.fromEntries(
    Object.entries(issuer.dynamodb.snapshot()).map(([name, n]) => [name, n / tokens]),
  );
  return {
    tokens,
    p50Ms: quantile(samples, 0.5),
    p99Ms: quantile(samples, 0.99),
    kmsSignPerToken: (stack.kms.callCount("Sign") - sign0) / tokens,
    kmsCallsPerToken: (stack.kms.totalCallCount() - kms0) / tokens,
    kmsGetPublicKeyMeasured: stack.kms.callCount("GetPublicKey") - getPublicKey0,
    kmsGetPublicKeyFirstToken,
    dynamodbPerToken: perToken,
  };
}
