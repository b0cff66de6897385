/**
 * The construct package: what another CDK app imports as `jit-access/constructs` to put the JIT
 * authorizer in front of its own API (docs/constructs.md). scripts/build-constructs.mjs bundles this file
 * into dist/constructs/index.js, with the prebuilt Lambda bundles beside it in dist/constructs/assets, so
 * the consuming app needs neither esbuild nor Docker. In this repository the constructs are imported
 * from infra/constructs/ directly and bundle their Lambdas from source.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { usePrebuiltBundles } from "./constructs/jit-function.js";

usePrebuiltBundles(join(dirname(fileURLToPath(import.meta.url)), "assets"));

export {
  AUTHORIZER_METRIC,
  AuthorizerMetricFilters,
  authorizerMetric,
} from "./constructs/authorizer-metrics.js";
export {
  type JitAccessReference,
  JitAuthorizer,
  type JitAuthorizerProps,
  JitProtectedApi,
  type JitProtectedApiProps,
  type RevocationBudget,
  splitRevocationBound,
} from "./constructs/jit-authorizer.js";
export { TrustedKeys, type TrustedKeysProps } from "./constructs/trusted-keys.js";
export { type DeploymentPolicy, loadDeploymentPolicy } from "./policy-file.js";

/** The handlers whose prebuilt bundles the package carries: the JIT authorizer and its key reader. */
export const PREBUILT_HANDLERS = ["jit-authorizer", "trusted-keys-resource"] as const;
