import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { BUNDLING_STACKS } from "aws-cdk-lib/cx-api";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "#infra/bundling.js";
import { type JitAccessReference, JitAuthorizer, JitProtectedApi } from "#infra/constructs/jit-authorizer.js";
import { loadDeploymentPolicy } from "#infra/policy-file.js";
import { CDK_JSON_FEATURE_FLAGS, type TemplateJson } from "./helpers.js";

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** A protected API's stack, synthesized with or without cdk.json's feature flags (bundling skipped). */
function synthesize(flags: boolean, build: (stack: Stack, jit: JitAccessReference) => void): TemplateJson {
  const outdir = mkdtempSync(join(tmpdir(), "jit-h26-"));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: { ...(flags ? CDK_JSON_FEATURE_FLAGS : {}), [BUNDLING_STACKS]: [] },
  });
  const stack = new Stack(app, "Protected");
  build(stack, {
    issuer: "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
    requestsTable: dynamodb.Table.fromTableName(stack, "Requests", "JitAccess-Requests"),
    publicKeyArns: ["arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555"],
    policy: loadDeploymentPolicy(join(PROJECT_ROOT, "config", "example.yaml")),
  });
  return app.synth().getStackByName(stack.stackName).template as TemplateJson;
}

/** The logical id of the one AWS::ApiGateway::Deployment; the stage points at it. */
function deploymentId(template: TemplateJson): string {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === "AWS::ApiGateway::Deployment")
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

function protectedApi(flags: boolean, props: { revocationBound: number; resultsCacheTtl?: number }): string {
  return deploymentId(
    synthesize(flags, (stack, jit) => {
      const api = new JitProtectedApi(stack, "OrdersApi", {
        restApiName: "orders",
        jit,
        audience: "orders-api",
        revocationBound: Duration.seconds(props.revocationBound),
        ...(props.resultsCacheTtl === undefined
          ? {}
          : { resultsCacheTtl: Duration.seconds(props.resultsCacheTtl) }),
      });
      api.restApi.root.addResource("orders").addMethod("GET", new apigateway.MockIntegration());
    }),
  );
}

/** A REST API wired by hand to the JIT authorizer built under `authorizerId` (a different function). */
function handWired(flags: boolean, authorizerId: string): string {
  return deploymentId(
    synthesize(flags, (stack, jit) => {
      const authorizer = new JitAuthorizer(stack, authorizerId, {
        jit,
        audience: "orders-api",
        revocationBound: Duration.seconds(30),
      });
      const api = new apigateway.RestApi(stack, "Api", { cloudWatchRole: false });
      api.root.addMethod("GET", new apigateway.MockIntegration(), { authorizer: authorizer.restAuthorizer });
    }),
  );
}

describe("H26 authorizer settings redeploy the stage", () => {
  for (const flags of [true, false]) {
    const label = flags ? "with cdk.json's feature flags" : "in an app without feature flags";

    it(`H26 changes the Deployment's logical id when the revocation bound changes (30 s → 120 s), ${label}`, () => {
      const before = protectedApi(flags, { revocationBound: 30 });
      expect(protectedApi(flags, { revocationBound: 30 })).toBe(before);
      expect(protectedApi(flags, { revocationBound: 120 })).not.toBe(before);
    });

    it(`H26 changes the Deployment's logical id when only the authorizer cache TTL changes, ${label}`, () => {
      const before = protectedApi(flags, { revocationBound: 60, resultsCacheTtl: 30 });
      expect(protectedApi(flags, { revocationBound: 60, resultsCacheTtl: 10 })).not.toBe(before);
    });

    it(`H26 changes the Deployment's logical id when the authorizer function is replaced, ${label}`, () => {
      expect(handWired(flags, "OrdersAuthorizerV2")).not.toBe(handWired(flags, "OrdersAuthorizer"));
    });
  }

  it("H26 the flag alone redeploys a hand-wired API whose authorizer cache TTL changes", () => {
    const ttl = (flags: boolean, seconds: number) =>
      deploymentId(
        synthesize(flags, (stack, jit) => {
          const authorizer = new JitAuthorizer(stack, "OrdersAuthorizer", {
            jit,
            audience: "orders-api",
            revocationBound: Duration.seconds(seconds),
          });
          const api = new apigateway.RestApi(stack, "Api", { cloudWatchRole: false });
          api.root.addMethod("GET", new apigateway.MockIntegration(), {
            authorizer: authorizer.restAuthorizer,
          });
        }),
      );
    expect(ttl(true, 120)).not.toBe(ttl(true, 30));
    // Without `@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId` the old TTL would keep running.
    expect(ttl(false, 120)).toBe(ttl(false, 30));
  });
});
