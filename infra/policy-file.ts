import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadPolicyFile, parsePolicy } from "#functions/config/load-policy.js";
import type { Policy } from "#functions/domain/policy.js";

/** Where the bundled policy lives inside every Lambda that reads it (`/var/task` is the code root). */
export const LAMBDA_POLICY_FILE = "/var/task/policy.json";

/** Name of the policy file inside each bundle (next to `index.mjs`). */
export const BUNDLED_POLICY_NAME = "policy.json";

/** A policy file validated at synth time, ready to be bundled into Lambdas. */
export interface DeploymentPolicy {
  /** Absolute path of the file the operator wrote. */
  readonly sourcePath: string;
  /** The validated policy (durations in seconds), used by the infrastructure itself (groups, audiences). */
  readonly policy: Policy;
  /**
   * Absolute path of a JSON copy of the file (without the development IdP `users`, which AWS ignores),
   * which every bundle that needs the policy receives as `policy.json`. The name holds the content hash,
   * so CDK's bundling cache never serves a bundle with another policy.
   */
  readonly bundledJsonPath: string;
}

/**
 * Validates the policy file at `path` with the same loader the Lambdas use (functions/config/load-policy.ts)
 * and writes the JSON copy that is bundled next to each handler.
 * @param path the file, absolute or relative to the current directory (the folder of cdk.json).
 * @throws ConfigurationError naming the file, the field path and the problem (synth fails with it).
 */
export function loadDeploymentPolicy(path: string): DeploymentPolicy {
  const sourcePath = resolve(path);
  const policy = loadPolicyFile(sourcePath);
  // The loader succeeded, so the file is readable, valid YAML/JSON and a mapping.
  const raw = parseYaml(readFileSync(sourcePath, "utf8")) as Record<string, unknown>;
  const { users: _devUsers, ...deployed } = raw;
  const json = `${JSON.stringify(deployed, null, 2)}\n`;
  // What ships must pass the Lambdas' own validation, not only the operator's file.
  parsePolicy(json, `${sourcePath} (bundled as ${BUNDLED_POLICY_NAME})`);
  const digest = createHash("sha256").update(json).digest("hex").slice(0, 16);
  const bundledJsonPath = join(tmpdir(), `jit-access-policy-${digest}.json`);
  writeFileSync(bundledJsonPath, json);
  return { sourcePath, policy, bundledJsonPath };
}
