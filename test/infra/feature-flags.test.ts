import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLING_STACKS } from "aws-cdk-lib/cx-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "#infra/bundling.js";
import { createJitAccessApp } from "#infra/jit-access-app.js";
import { CDK_JSON_CONTEXT, CDK_JSON_FEATURE_FLAGS, type TemplateJson } from "./helpers.js";

/** The recommended flags of the installed aws-cdk-lib: the data `cdk init` writes into a new cdk.json. */
const RECOMMENDED: Readonly<Record<string, unknown>> = createRequire(import.meta.url)(
  "aws-cdk-lib/recommended-feature-flags.json",
);

/**
 * Recommended flags this app leaves unset on purpose; docs/deploying.md gives each one's reason.
 * `defaultCrossStackReferences: "weak"` would turn the exports that keep the stateful stack from dropping a
 * table or key that the other stacks use into SSM parameters (the app pins "strong").
 */
const LEFT_OFF = ["@aws-cdk/core:defaultCrossStackReferences"];

/** Resource types holding state or evidence: a flag must not rename or replace any of them. */
const STATEFUL_TYPES = new Set([
  "AWS::DynamoDB::Table",
  "AWS::DynamoDB::GlobalTable",
  "AWS::KMS::Key",
  "AWS::KMS::Alias",
  "AWS::Cognito::UserPool",
  "AWS::S3::Bucket",
  "AWS::Logs::LogGroup",
  "AWS::SecretsManager::Secret",
  "AWS::SQS::Queue",
]);

/** The attributes that decide identity and replacement of a resource, as CloudFormation reads them. */
const pick = (r: TemplateJson["Resources"][string]) => ({
  Type: r.Type,
  Properties: r.Properties ?? {},
  DeletionPolicy: r.DeletionPolicy,
  UpdateReplacePolicy: r.UpdateReplacePolicy,
});

type Synth = Record<string, TemplateJson>;
const outdirs: string[] = [];

/** The whole app, synthesized without bundling (asset contents do not matter to this comparison). */
function synth(flags: Record<string, unknown>): Synth {
  const outdir = mkdtempSync(join(tmpdir(), "jit-flags-"));
  outdirs.push(outdir);
  const { app } = createJitAccessApp({
    nag: false,
    appProps: {
      outdir,
      context: {
        ...flags,
        "jit-access:config": join(PROJECT_ROOT, "config", "example.yaml"),
        [BUNDLING_STACKS]: [],
      },
    },
  });
  const assembly = app.synth();
  return Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template as TemplateJson]));
}

let without: Synth;
let withFlags: Synth;

beforeAll(() => {
  without = synth({});
  withFlags = synth(CDK_JSON_FEATURE_FLAGS);
}, 300_000);

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe("CDK feature flags in cdk.json", () => {
  it("sets every recommended flag of the installed aws-cdk-lib to its recommended value, except those left off", () => {
    expect(Object.keys(RECOMMENDED).length).toBeGreaterThan(50);
    for (const [name, value] of Object.entries(RECOMMENDED)) {
      if (LEFT_OFF.includes(name)) expect(CDK_JSON_CONTEXT, name).not.toHaveProperty([name]);
      else expect(CDK_JSON_CONTEXT[name], name).toEqual(value);
    }
  });

  it("explains each flag left off in docs/deploying.md", () => {
    const doc = readFileSync(join(PROJECT_ROOT, "docs", "deploying.md"), "utf8");
    for (const name of LEFT_OFF) expect(doc).toContain(`\`${name}\``);
  });

  it("keeps the logical id and every property of each table, key, user pool, bucket, log group, secret and queue", () => {
    expect(Object.keys(withFlags).sort()).toEqual(Object.keys(without).sort());
    let compared = 0;
    for (const [stack, template] of Object.entries(without)) {
      const flagged = withFlags[stack] as TemplateJson;
      const stateful = (t: TemplateJson) =>
        Object.entries(t.Resources)
          .filter(([, r]) => STATEFUL_TYPES.has(r.Type))
          .map(([id]) => id)
          .sort();
      // Every stateful resource keeps its logical id; a flag may only add log groups of its own (the
      // BucketDeployment's handler gets an explicit one), which replaces nothing that holds data.
      expect(stateful(flagged), stack).toEqual(expect.arrayContaining(stateful(template)));
      for (const id of stateful(flagged).filter((added) => !stateful(template).includes(added))) {
        expect(flagged.Resources[id]?.Type, `${stack} ${id}`).toBe("AWS::Logs::LogGroup");
      }
      for (const id of stateful(template)) {
        expect(pick(flagged.Resources[id] as never), `${stack} ${id}`).toEqual(
          pick(template.Resources[id] as never),
        );
        compared++;
      }
    }
    // The two tables, the signing key and its alias, the user pool and the log groups at least.
    expect(compared).toBeGreaterThanOrEqual(6);
  });

  it("keeps the stateful stack's exports and their values, which hold its tables and key in place", () => {
    const stack = Object.keys(without).find((name) => name.endsWith("Stateful")) as string;
    const before = (without[stack] as TemplateJson).Outputs ?? {};
    const after = (withFlags[stack] as TemplateJson).Outputs ?? {};
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [name, output] of Object.entries(before)) {
      const flagged = after[name] as { Value: unknown; Export?: unknown };
      expect(flagged.Export, name).toEqual((output as { Export?: unknown }).Export);
      // `@aws-cdk/aws-kms:aliasNameRef` writes an alias name as a `Ref` to the alias, which CloudFormation
      // resolves to the same name: the exported value does not change.
      const ref = (flagged.Value as { Ref?: string }).Ref;
      const aliasName =
        ref === undefined ? undefined : withFlags[stack]?.Resources[ref]?.Properties?.AliasName;
      expect(aliasName ?? flagged.Value, name).toEqual(output.Value);
    }
  });
});
