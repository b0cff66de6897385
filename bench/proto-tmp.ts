import { startBenchStack } from "./local-stack.js";
import { createBenchIssuer, measureIssuePath } from "./issue-path.js";
import { measureWarmPath, measureMissPath, measureCallCounts } from "./authorizer-path.js";
const t0 = Date.now();
const stack = await startBenchStack();
console.log("stack", Date.now() - t0);
try {
  const issuer = createBenchIssuer(stack);
  const g1 = await stack.putGrant(); const g2 = await stack.putGrant();
  const tok1 = await issuer.issue(g1.requestId); const tok2 = await issuer.issue(g2.requestId);
  let t = Date.now();
  console.log(await measureWarmPath(stack, tok1, { callsPerBatch: 200, warmupRounds: 10, rounds: 40 }), Date.now() - t);
  t = Date.now();
  console.log(await measureMissPath(stack, tok1, g1.requestId, { callsPerBatch: 20, warmupRounds: 3, rounds: 30 }), Date.now() - t);
  t = Date.now();
  console.log(await measureIssuePath(stack, { batchSize: 20, warmupRounds: 2, rounds: 15 }), Date.now() - t);
  t = Date.now();
  console.log(await measureCallCounts(stack, [tok1, tok2], { authorizationsPerWindow: 100, revocationCacheSeconds: 30 }), Date.now() - t);
} finally { await stack.stop(); }
console.log("total", Date.now() - t0);
