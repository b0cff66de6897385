import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "#infra/bundling.js";
import type { TemplateJson } from "./helpers.js";

// A separate CDK app, in a temporary folder, that imports the constructs by package name
// (`jit-access/constructs`, resolved through package.json `exports`) as a platform team's app would.
const DIST = join(PROJECT_ROOT, "dist", "constructs");
const POLICY = join(PROJECT_ROOT, "config", "example.yaml");
let app: string;
let outdir: string;
let synth: ReturnType<typeof spawnSync>;
let typecheck: ReturnType<typeof spawnSync>;

const CONSUMER_APP = `import { App, Duration, Stack } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { JitProtectedApi, loadDeploymentPolicy } from "jit-access/constructs";

const [outdir, policyFile] = process.argv.slice(2);
const app = new App({ outdir });
const stack = new Stack(app, "OrdersService");
const orders = new JitProtectedApi(stack, "Orders", {
  restApiName: "orders",
  audience: "orders-api",
  revocationBound: Duration.seconds(30),
  jit: {
    issuer: "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
    requestsTable: dynamodb.Table.fromTableName(stack, "Requests", "JitAccessStateful-Requests"),
    publicKeyArns: ["arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555"],
    policy: loadDeploymentPolicy(policyFile as string),
  },
});
orders.restApi.root.addResource("orders").addMethod("GET", new apigateway.MockIntegration());
app.synth();
`;

// Proves the declarations are real types, not \`any\`: a wrong property type must be an error.
const TYPE_PROBE = `import { Duration } from "aws-cdk-lib";
import type { JitProtectedApiProps } from "jit-access/constructs";

export const wrong: Partial<JitProtectedApiProps> = {
  // @ts-expect-error the revocation bound is a Duration, not a number of seconds
  revocationBound: 30,
};
export const right: Partial<JitProtectedApiProps> = { revocationBound: Duration.seconds(30) };
`;

beforeAll(() => {
  // What `npm run build` (and so `npm ci`) does: the package as it would be installed.
  const built = spawnSync(process.execPath, ["--import", "tsx", "scripts/build-constructs.ts"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  expect(built.status, built.stderr).toBe(0);

  app = mkdtempSync(join(tmpdir(), "jit-consumer-"));
  outdir = join(app, "cdk.out");
  const modules = join(app, "node_modules");
  mkdirSync(join(modules, "@types"), { recursive: true });
  // The package itself, as npm links a local dependency; the app's own aws-cdk-lib and constructs.
  symlinkSync(PROJECT_ROOT, join(modules, "jit-access"), "dir");
  for (const dep of ["aws-cdk-lib", "constructs", "@types/node"]) {
    symlinkSync(join(PROJECT_ROOT, "node_modules", dep), join(modules, dep), "dir");
  }
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({
      name: "orders-service",
      private: true,
      type: "module",
      dependencies: { "jit-access": "*" },
    }),
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        types: ["node"],
        outDir: "out",
      },
      include: ["app.ts", "probe.ts"],
    }),
  );
  writeFileSync(join(app, "app.ts"), CONSUMER_APP);
  writeFileSync(join(app, "probe.ts"), TYPE_PROBE);
  typecheck = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", app],
    {
      cwd: app,
      encoding: "utf8",
    },
  );
  // No esbuild and no Docker for the consuming app: neither is reachable from its synth.
  synth = spawnSync(process.execPath, [join(app, "out", "app.js"), outdir, POLICY], {
    cwd: app,
    encoding: "utf8",
    env: { ...process.env, CDK_DOCKER: join(app, "no-docker"), PATH: "" },
  });
}, 180_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function template(): TemplateJson {
  return JSON.parse(readFileSync(join(outdir, "OrdersService.template.json"), "utf8")) as TemplateJson;
}

describe("construct package jit-access/constructs", () => {
  it("type-checks a separate app against the package's declarations, with real types", () => {
    expect(`${typecheck.stdout}${typecheck.stderr}`).toBe("");
    expect(typecheck.status).toBe(0);
  });

  it("synthesizes the separate app that imports JitProtectedApi by package name", () => {
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const resources = Object.values(template().Resources);
    const authorizers = resources.filter((r) => r.Type === "AWS::ApiGateway::Authorizer");
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.Properties).toMatchObject({
      Type: "TOKEN",
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 15,
    });
    expect(resources.filter((r) => r.Type === "AWS::Logs::MetricFilter").length).toBeGreaterThanOrEqual(3);
  });

  it("deploys the authorizer's prebuilt bundle as its code: nothing is bundled in the consuming app", () => {
    const functions = Object.values(template().Resources).filter(
      (r) =>
        r.Type === "AWS::Lambda::Function" &&
        (r.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables?.JIT_AUDIENCE ===
          "orders-api",
    );
    expect(functions).toHaveLength(1);
    const props = functions[0]?.Properties as { Handler: string; Runtime: string; Architectures: string[] };
    expect(props.Handler).toBe("index.handler");
    expect(props.Architectures).toEqual(["arm64"]);
    const assetDirs = readdirSync(outdir).filter((d) => d.startsWith("asset."));
    const prebuilt = readFileSync(join(DIST, "assets", "jit-authorizer", "index.mjs"), "utf8");
    const deployed = assetDirs.filter((d) => {
      try {
        return readFileSync(join(outdir, d, "index.mjs"), "utf8") === prebuilt;
      } catch {
        return false;
      }
    });
    expect(deployed).toHaveLength(1);
  });

  it("exports only the constructs entry (and package.json) from the package", () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
      peerDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.exports).sort()).toEqual(["./constructs", "./package.json"]);
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(["aws-cdk-lib", "constructs"]);
  });
});
