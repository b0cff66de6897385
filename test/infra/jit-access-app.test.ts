import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import type { NagPack } from "cdk-nag/lib/nag-pack.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOM_SECURITY_HEADERS, HSTS_MAX_AGE_SECONDS } from "#console/security-headers.js";
import {
  REQUESTS_BY_REQUESTER_INDEX,
  REQUESTS_PENDING_INDEX,
  REQUESTS_TABLE,
  TTL_ATTRIBUTE,
} from "#functions/adapters/dynamodb/table-definitions.js";
import { JIT_API_ROUTES } from "#functions/adapters/http/jit-api-routes.js";
import { ExpiryConsumerEnvironmentSchema } from "#functions/composition/expiry.js";
import {
  DeliveryEnvironmentSchema,
  PublisherEnvironmentSchema,
  SweeperEnvironmentSchema,
} from "#functions/composition/notify.js";
import {
  CorsEnvironmentSchema,
  ENV,
  IdentityAuthorizerEnvironmentSchema,
  IssueEnvironmentSchema,
  JitAuthorizerEnvironmentSchema,
  JwksEnvironmentSchema,
  ListEnvironmentSchema,
  StoreEnvironmentSchema,
  TrustedKeysResourceEnvironmentSchema,
} from "#functions/config/environment.js";
import { loadPolicyFile, parsePolicy } from "#functions/config/load-policy.js";
import { PROJECT_ROOT } from "#infra/bundling.js";
import { policyGroups } from "#infra/constructs/identity.js";
import type { HandlerName, JitFunction } from "#infra/constructs/jit-function.js";
import { createJitAccessApp, type JitAccessApp } from "#infra/jit-access-app.js";
import {
  acknowledgements,
  CDK_JSON_FEATURE_FLAGS,
  iamStatements,
  isWrittenReason,
  type TemplateJson,
} from "./helpers.js";

// One synth of the whole app (every Lambda bundled by esbuild) shared by all tests of this file.
const EXAMPLE_POLICY = join(PROJECT_ROOT, "config", "example.yaml");
let outdir: string;
let built: JitAccessApp;
let assembly: CloudAssembly;
let nagFindings: ReturnType<NagPack["validateScope"]>["violations"];
const json: Record<"stateful" | "stateless" | "console" | "demo", TemplateJson> = {} as never;
const template: Record<"stateful" | "stateless" | "console" | "demo", Template> = {} as never;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "jit-infra-app-"));
  built = createJitAccessApp({
    // cdk.json's feature flags, so the tests see what `cdk deploy` deploys.
    appProps: { outdir, context: { ...CDK_JSON_FEATURE_FLAGS, "jit-access:config": EXAMPLE_POLICY } },
  });
  nagFindings = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(built.app).violations;
  assembly = built.app.synth();
  const stacks = {
    stateful: built.stateful,
    stateless: built.stateless,
    console: built.console,
    demo: built.demo as Stack,
  };
  for (const [key, stack] of Object.entries(stacks) as [keyof typeof stacks, Stack][]) {
    json[key] = assembly.getStackByName(stack.stackName).template as TemplateJson;
    template[key] = Template.fromJSON(json[key]);
  }
  // Bundling 14 Lambdas takes a minute or more on a busy 2-core machine.
}, 600_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const logicalId = (c: { node: { defaultChild?: unknown } } | CfnElement): string => {
  const element = ("logicalId" in c ? c : c.node.defaultChild) as CfnElement;
  return Stack.of(element).getLogicalId(element);
};

/** Every Lambda of the app, by handler, with its stack key. */
function lambdas(): { handler: HandlerName; fn: JitFunction; stack: "stateless" | "demo" }[] {
  const out: { handler: HandlerName; fn: JitFunction; stack: "stateless" | "demo" }[] = [];
  for (const [handler, fn] of built.stateless.api.functions) out.push({ handler, fn, stack: "stateless" });
  out.push({ handler: "expiry-consumer", fn: built.stateless.expiry.fn, stack: "stateless" });
  const notifier = built.stateless.notifier;
  out.push({ handler: "notify-publisher", fn: notifier.publisher, stack: "stateless" });
  out.push({ handler: "reminder-sweeper", fn: notifier.sweeper, stack: "stateless" });
  for (const [type, fn] of notifier.deliveries)
    out.push({ handler: `notify-${type}`, fn, stack: "stateless" });
  out.push({ handler: "jit-authorizer", fn: built.demo?.api.authorizer.fn as JitFunction, stack: "demo" });
  out.push({
    handler: "trusted-keys-resource",
    fn: built.demo?.api.authorizer.trustedKeys.reader as JitFunction,
    stack: "demo",
  });
  return out;
}

function functionProps(stack: "stateless" | "demo", fn: JitFunction): Record<string, unknown> {
  return json[stack].Resources[logicalId(fn.function)]?.Properties as Record<string, unknown>;
}

function envOf(stack: "stateless" | "demo", fn: JitFunction): Record<string, unknown> {
  return (
    (functionProps(stack, fn).Environment as { Variables: Record<string, unknown> }) ?? { Variables: {} }
  ).Variables;
}

describe("stateful stack", () => {
  it("sets the Requests table TTL on the attribute name the code writes", () => {
    template.stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [{ AttributeName: REQUESTS_TABLE.partitionKey.name, KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it("keeps the tables on-demand, with point-in-time recovery and deletion protection, retained", () => {
    const tables = template.stateful.findResources("AWS::DynamoDB::Table");
    expect(Object.keys(tables).sort()).toEqual(
      [built.stateful.requestsTable, built.stateful.auditTable, built.stateful.notificationsTable]
        .map((t) => logicalId(t))
        .sort(),
    );
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.UpdateReplacePolicy).toBe("Retain");
      expect(table.Properties).toMatchObject({
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    }
  });

  it("streams Requests with old images and builds the indexes the queries use", () => {
    template.stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: REQUESTS_BY_REQUESTER_INDEX }),
        Match.objectLike({ IndexName: REQUESTS_PENDING_INDEX }),
      ]),
    });
  });

  it("creates an ECC_NIST_P256 SIGN_VERIFY signing key that is retained, with an alias", () => {
    const keys = template.stateful.findResources("AWS::KMS::Key");
    expect(Object.values(keys)).toHaveLength(1);
    const [key] = Object.values(keys);
    expect(key?.Properties).toMatchObject({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    expect(key?.DeletionPolicy).toBe("Retain");
    template.stateful.hasResourceProperties("AWS::KMS::Alias", {
      AliasName: "alias/JitAccessStateful-signing",
      TargetKeyId: { "Fn::GetAtt": [logicalId(built.stateful.signingKey), "Arn"] },
    });
  });

  it("creates a Cognito user pool with MFA, a domain and one group per policy group (its clients live with the console)", () => {
    template.stateful.hasResourceProperties("AWS::Cognito::UserPool", {
      MfaConfiguration: "ON",
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      DeletionProtection: "ACTIVE",
    });
    template.stateful.resourceCountIs("AWS::Cognito::UserPoolDomain", 1);
    template.stateful.resourceCountIs("AWS::Cognito::UserPoolClient", 0);
    template.console.resourceCountIs("AWS::Cognito::UserPoolClient", 2);
    const groups = Object.values(template.stateful.findResources("AWS::Cognito::UserPoolGroup")).map(
      (g) => g.Properties.GroupName,
    );
    const policy = loadPolicyFile(EXAMPLE_POLICY);
    expect(groups.sort()).toEqual(policyGroups(policy));
    expect(groups).toEqual(expect.arrayContaining(["engineers", "sre", "payments-approvers", "jit-admins"]));
  });

  it("keeps the list cursor key in a retained Secrets Manager secret that only the list Lambda reads", () => {
    const secrets = template.stateful.findResources("AWS::SecretsManager::Secret");
    const cursorKey = secrets[logicalId(built.stateful.cursorKeySecret)] as {
      DeletionPolicy?: string;
      Properties: { GenerateSecretString: Record<string, unknown> };
    };
    expect(cursorKey.DeletionPolicy).toBe("Retain");
    expect(cursorKey.Properties.GenerateSecretString).toMatchObject({
      PasswordLength: 64,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    const list = built.stateless.api.functions.get("list-requests") as JitFunction;
    expect(JSON.stringify(envOf("stateless", list)[ENV.cursorKeySecret])).toContain(
      logicalId(built.stateful.cursorKeySecret),
    );
  });

  it("outputs the table names, key ARN, user pool and its domain", () => {
    const outputs = Object.keys(json.stateful.Outputs ?? {});
    expect(outputs).toEqual(
      expect.arrayContaining([
        "RequestsTableName",
        "AuditTableName",
        "SigningKeyArn",
        "UserPoolId",
        "UserPoolDomainUrl",
        "OidcIssuer",
      ]),
    );
  });
});

describe("JIT API routes", () => {
  /** `METHOD /path` → handler, rebuilt from the template's resources and methods. */
  function wiredRoutes(): Map<string, { handler: string | undefined; auth: string; authorizer: unknown }> {
    const resources = template.stateless.findResources("AWS::ApiGateway::Resource");
    const restApiId = logicalId(built.stateless.api.restApi);
    const pathOf = (ref: unknown): string => {
      if (JSON.stringify(ref).includes(`"${restApiId}","RootResourceId"`)) return "";
      const id = (ref as { Ref: string }).Ref;
      const r = resources[id]?.Properties as { ParentId: unknown; PathPart: string };
      return `${pathOf(r.ParentId)}/${r.PathPart}`;
    };
    const handlerByFunctionId = new Map(lambdas().map((l) => [logicalId(l.fn.function), l.handler]));
    const routes = new Map<string, { handler: string | undefined; auth: string; authorizer: unknown }>();
    for (const method of Object.values(template.stateless.findResources("AWS::ApiGateway::Method"))) {
      const p = method.Properties;
      // CORS preflights (mock integrations) are checked under "web console" below.
      if (p.HttpMethod === "OPTIONS") continue;
      const path = pathOf(p.ResourceId) || "/";
      const uri = JSON.stringify(p.Integration.Uri);
      const fnId = [...handlerByFunctionId.keys()].find((id) => uri.includes(`"${id}"`));
      routes.set(`${p.HttpMethod} ${path}`, {
        handler: fnId === undefined ? undefined : handlerByFunctionId.get(fnId),
        auth: p.AuthorizationType,
        authorizer: p.AuthorizerId,
      });
    }
    return routes;
  }

  const EXPECTED: Record<string, HandlerName> = {
    "GET /entitlements": "list-entitlements",
    "POST /requests": "create-request",
    "GET /requests": "list-requests",
    "GET /requests/{id}": "get-request",
    "GET /requests/{id}/audit": "get-audit-trail",
    "POST /requests/{id}/approve": "approve-request",
    "POST /requests/{id}/deny": "deny-request",
    "POST /requests/{id}/cancel": "cancel-request",
    "POST /requests/{id}/token": "issue-token",
    "POST /requests/{id}/revoke": "revoke-request",
    "POST /requests/{id}/review": "review-request",
    "POST /requests/{id}/extend": "extend-request",
    "GET /.well-known/jwks.json": "well-known",
    "GET /.well-known/oauth-authorization-server": "well-known",
  };

  it("wires every route of docs/http-api.md and the audit trail to its handler, and nothing else", () => {
    const routes = wiredRoutes();
    expect(Object.fromEntries([...routes].map(([k, v]) => [k, v.handler]))).toEqual(EXPECTED);
  });

  it("puts the identity authorizer in front of every route except the two public well-known documents", () => {
    const authorizerId = logicalId(built.stateless.api.identityAuthorizer.node.defaultChild as CfnElement);
    for (const [route, wired] of wiredRoutes()) {
      if (route.startsWith("GET /.well-known/")) {
        expect(wired.auth, route).toBe("NONE");
      } else {
        expect(wired.auth, route).toBe("CUSTOM");
        expect(wired.authorizer, route).toEqual({ Ref: authorizerId });
      }
    }
  });

  it("configures the identity authorizer's identity source and cache TTL explicitly", () => {
    template.stateless.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "REQUEST",
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 0,
    });
  });

  it("answers API Gateway's own 401, 403 and unknown-route errors with problem details", () => {
    for (const [type, status, code] of [
      ["UNAUTHORIZED", "401", "unauthenticated"],
      ["ACCESS_DENIED", "403", "forbidden"],
      ["MISSING_AUTHENTICATION_TOKEN", "404", "not_found"],
    ]) {
      template.stateless.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: type,
        StatusCode: status,
        ResponseParameters: { "gatewayresponse.header.Content-Type": "'application/problem+json'" },
        ResponseTemplates: { "application/json": Match.stringLikeRegexp(`"code":"${code}"`) },
      });
    }
  });

  it("logs access and errors, traces and throttles the stage without logging request data", () => {
    template.stateless.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [
        Match.objectLike({ LoggingLevel: "ERROR", DataTraceEnabled: false, ThrottlingRateLimit: 50 }),
      ],
    });
  });
});

describe("Lambdas", () => {
  it("runs no Lambda on a deprecated runtime: every function is nodejs22.x or newer, on arm64", () => {
    for (const key of ["stateful", "stateless", "console", "demo"] as const) {
      for (const [id, fn] of Object.entries(template[key].findResources("AWS::Lambda::Function"))) {
        const runtime = String(fn.Properties.Runtime);
        if (id.startsWith("CustomCDKBucketDeployment")) {
          // aws-cdk-lib's own file-copy handler for the console's files: a supported Python it chooses.
          expect(
            Number(/^python3\.(\d+)$/.exec(runtime)?.[1]),
            `${key}/${id} runs ${runtime}`,
          ).toBeGreaterThanOrEqual(12);
          continue;
        }
        const major = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);
        expect(major, `${key}/${id} runs ${runtime}`).toBeGreaterThanOrEqual(22);
        expect(fn.Properties.Architectures, id).toEqual(["arm64"]);
      }
    }
  });

  it("gives every Lambda active tracing, source maps and its own log group with retention", () => {
    for (const { stack, fn, handler } of lambdas()) {
      const props = functionProps(stack, fn);
      expect(props.TracingConfig, handler).toEqual({ Mode: "Active" });
      expect(envOf(stack, fn).NODE_OPTIONS, handler).toBe("--enable-source-maps");
      const logGroupId = logicalId(fn.logGroup);
      expect(props.LoggingConfig, handler).toEqual({ LogGroup: { Ref: logGroupId } });
      expect(json[stack].Resources[logGroupId]?.Properties?.RetentionInDays, handler).toBeGreaterThan(0);
    }
  });

  it("sets exactly the environment each handler's schema reads (functions/config/environment.ts)", () => {
    const localOnly = new Set<string>([
      ENV.dynamodbEndpoint,
      ENV.kmsEndpoint,
      ENV.oidcJwksUri,
      ENV.eventBridgeEndpoint,
      ENV.sqsEndpoint,
      ENV.secretsManagerEndpoint,
      ENV.snsEndpoint,
      ENV.cursorKeyFile,
    ]);
    // Only the e-mail delivery Lambda publishes to SNS topics.
    const unsetFor: Partial<Record<HandlerName, string[]>> = {
      "notify-slack": [ENV.emailTopics],
      "notify-webhook": [ENV.emailTopics],
    };
    const keysOf = (schema: { shape: Record<string, unknown> }) =>
      Object.keys(schema.shape)
        .filter((k) => !localOnly.has(k))
        .sort();
    const schemaByHandler: Record<HandlerName, { shape: Record<string, unknown> }> = {
      "list-entitlements": StoreEnvironmentSchema,
      "create-request": StoreEnvironmentSchema,
      "list-requests": ListEnvironmentSchema,
      "get-request": StoreEnvironmentSchema,
      "get-audit-trail": StoreEnvironmentSchema,
      "approve-request": StoreEnvironmentSchema,
      "deny-request": StoreEnvironmentSchema,
      "cancel-request": StoreEnvironmentSchema,
      "revoke-request": StoreEnvironmentSchema,
      "review-request": StoreEnvironmentSchema,
      "extend-request": StoreEnvironmentSchema,
      "issue-token": IssueEnvironmentSchema,
      "well-known": JwksEnvironmentSchema,
      "identity-authorizer": IdentityAuthorizerEnvironmentSchema,
      "jit-authorizer": JitAuthorizerEnvironmentSchema,
      "expiry-consumer": ExpiryConsumerEnvironmentSchema,
      "trusted-keys-resource": TrustedKeysResourceEnvironmentSchema,
      "notify-publisher": PublisherEnvironmentSchema,
      "notify-slack": DeliveryEnvironmentSchema,
      "notify-webhook": DeliveryEnvironmentSchema,
      "notify-email": DeliveryEnvironmentSchema,
      "reminder-sweeper": SweeperEnvironmentSchema,
    };
    // Every REST handler of the JIT API also reads the console origin for its CORS headers.
    const restHandlers = new Set(JIT_API_ROUTES.filter((r) => !r.public).map((r) => r.handler));
    for (const { stack, fn, handler } of lambdas()) {
      const env = envOf(stack, fn);
      const names = Object.keys(env)
        .filter((k) => k !== "NODE_OPTIONS")
        .sort();
      const expected = keysOf(schemaByHandler[handler]).filter((k) => !unsetFor[handler]?.includes(k));
      if (restHandlers.has(handler)) expected.push(...keysOf(CorsEnvironmentSchema));
      expect(names, handler).toEqual(expected.sort());
      if (ENV.policyFile in env) expect(env[ENV.policyFile], handler).toBe("/var/task/policy.json");
    }
  });

  it("gives the issuer built from the API id, region and stage to the issue, JWKS and authorizer Lambdas", () => {
    const urlParts = (apiId: unknown) => [
      "https://",
      apiId,
      ".execute-api.",
      { Ref: "AWS::Region" },
      ".",
      { Ref: "AWS::URLSuffix" },
      "/v1",
    ];
    const issuer = { "Fn::Join": ["", urlParts({ Ref: logicalId(built.stateless.api.restApi) })] };
    const fns = built.stateless.api.functions;
    expect(envOf("stateless", fns.get("issue-token") as JitFunction)[ENV.issuer]).toEqual(issuer);
    expect(envOf("stateless", fns.get("well-known") as JitFunction)[ENV.issuer]).toEqual(issuer);
    // The demo stack builds the same URL, with the API id imported from the stateless stack.
    const demoIssuer = envOf("demo", built.demo?.api.authorizer.fn as JitFunction)[ENV.issuer] as {
      "Fn::Join": [string, unknown[]];
    };
    const parts = demoIssuer["Fn::Join"][1];
    const imported = parts[1] as { "Fn::ImportValue": string };
    const exported = Object.values(json.stateless.Outputs ?? {}).find(
      (o) => (o as { Export?: { Name: string } }).Export?.Name === imported["Fn::ImportValue"],
    );
    expect(exported?.Value).toEqual({ Ref: logicalId(built.stateless.api.restApi) });
    expect(parts).toEqual(urlParts(imported));
    template.stateless.hasOutput("Issuer", { Value: issuer });
    template.stateless.hasOutput("JwksUrl", { Value: Match.anyValue() });
    template.stateless.hasOutput("ApiUrl", { Value: Match.anyValue() });
  });

  it("publishes and trusts the current signing key, and signs with it", () => {
    const keyArn = built.stateless.resolve(built.stateful.signingKey.keyArn);
    const fns = built.stateless.api.functions;
    const issueEnv = envOf("stateless", fns.get("issue-token") as JitFunction);
    expect(JSON.stringify(issueEnv[ENV.signingKeyId])).toContain(logicalId(built.stateful.signingKey));
    expect(
      JSON.stringify(envOf("stateless", fns.get("well-known") as JitFunction)[ENV.publicKeyIds]),
    ).toContain(logicalId(built.stateful.signingKey));
    expect(keyArn).toBeDefined();
  });

  it("bundles each handler as ESM that imports cleanly, with the validated policy beside it", () => {
    const example = loadPolicyFile(EXAMPLE_POLICY);
    const entries: { handler: string; file: string }[] = [];
    for (const { stack, fn, handler } of lambdas()) {
      const code = functionProps(stack, fn).Code as { S3Key: string };
      const assetDir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, "")}`);
      expect(existsSync(join(assetDir, "index.mjs")), handler).toBe(true);
      expect(existsSync(join(assetDir, "index.mjs.map")), handler).toBe(true);
      const policyFile = join(assetDir, "policy.json");
      if (ENV.policyFile in envOf(stack, fn)) {
        const bundled = parsePolicy(readFileSync(policyFile, "utf8"), policyFile);
        expect(bundled.entitlements, handler).toEqual(example.entitlements);
        expect(bundled.users, "development IdP users are not shipped").toEqual([]);
      } else {
        expect(existsSync(policyFile), handler).toBe(false);
      }
      entries.push({ handler, file: join(assetDir, "index.mjs") });
    }
    // The handler contract: importing a bundle must not throw or touch the network, even with no
    // environment. Imported by plain Node (as Lambda does), one child process for all bundles.
    const script = `for (const [name, file] of JSON.parse(process.argv[1])) {
      const m = await import(file);
      console.log(name + " " + typeof m.handler);
    }`;
    const result = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "--enable-source-maps",
        "-e",
        script,
        JSON.stringify(entries.map((e) => [e.handler, pathToFileURL(e.file).href])),
      ],
      { encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n").sort()).toEqual(
      entries.map((e) => `${e.handler} function`).sort(),
    );
  });
});

describe("expiry consumer", () => {
  it("reads the Requests stream with partial batch failures, bisection, bounded retries and a failure queue", () => {
    template.stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(built.stateless.expiry.fn.function) },
      EventSourceArn: { "Fn::ImportValue": Match.stringLikeRegexp("RequestsTable.*StreamArn") },
      StartingPosition: "TRIM_HORIZON",
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      DestinationConfig: {
        OnFailure: { Destination: { "Fn::GetAtt": [logicalId(built.stateless.expiry.failures), "Arn"] } },
      },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ["REMOVE"] }) }] },
    });
    template.stateless.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
  });
});

describe("IAM least privilege", () => {
  function allStatements() {
    return (["stateful", "stateless", "demo"] as const).flatMap((k) => iamStatements(k, json[k]));
  }

  /** A readable name for a statement resource. */
  function label(resource: unknown, fn: JitFunction): string {
    const text = JSON.stringify(resource);
    const requests = logicalId(built.stateful.requestsTable);
    const index = /\/index\/([A-Za-z]+)/.exec(text)?.[1];
    if (resource === "*") return "*";
    if (text.includes(requests) && text.includes("StreamArn")) return "Requests stream";
    const audit = logicalId(built.stateful.auditTable);
    if (text.includes(audit) && text.includes("StreamArn")) return "Audit stream";
    const notifier = built.stateless.notifier;
    if (text.includes(logicalId(built.stateful.notificationsTable))) return "Notifications";
    if (text.includes(logicalId(notifier.bus))) return "bus";
    if (text.includes(logicalId(notifier.publisherFailures))) return "publisher failure queue";
    for (const [name, channel] of notifier.channels) {
      if (text.includes(logicalId(channel.queue))) return `queue ${name}`;
      if (channel.topic && text.includes(logicalId(channel.topic))) return `topic ${name}`;
    }
    if (text.includes(logicalId(built.stateful.cursorKeySecret))) return "cursor key secret";
    const secret = /secret:([^"]+)-\?\?\?\?\?\?/.exec(text)?.[1];
    if (secret) return `secret ${secret}`;
    if (text.includes(requests)) return index === undefined ? "Requests" : `Requests index ${index}`;
    if (text.includes(logicalId(built.stateful.auditTable))) return "Audit";
    if (text.includes(logicalId(built.stateful.signingKey))) return "SigningKey";
    if (text.includes(logicalId(fn.logGroup))) return "own log group";
    if (text.includes(logicalId(built.stateless.expiry.failures))) return "failure queue";
    return text;
  }

  it("grants no wildcard actions on KMS or DynamoDB anywhere", () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(20);
    for (const s of statements) {
      for (const action of s.actions) {
        const wildcard = action === "*" || (/^(kms|dynamodb):/i.test(action) && action.includes("*"));
        expect(wildcard, `${s.stack}/${s.policy}: ${action}`).toBe(false);
      }
    }
  });

  it("lets only the issue Lambda's role kms:Sign", () => {
    const issueRole = logicalId(built.stateless.api.functions.get("issue-token")?.role as never);
    const signers = allStatements()
      .filter((s) => s.effect === "Allow" && s.actions.some((a) => /^kms:(Sign|\*)$/i.test(a)))
      .flatMap((s) => s.roles.map((r) => `${s.stack}/${r}`));
    expect(signers).toEqual([`stateless/${issueRole}`]);
  });

  it("grants each Lambda exactly the table, stream and key actions its handler uses", () => {
    const common = [
      "logs:CreateLogStream → own log group",
      "logs:PutLogEvents → own log group",
      "xray:PutTelemetryRecords → *",
      "xray:PutTraceSegments → *",
    ];
    // A delivery Lambda consumes its channels' queues and remembers what it delivered; nothing else.
    const delivery = (channels: string[]) => [
      "dynamodb:GetItem → Notifications",
      "dynamodb:PutItem → Notifications",
      ...channels.flatMap((c) =>
        [
          "sqs:ReceiveMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueUrl",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
        ].map((a) => `${a} → queue ${c}`),
      ),
    ];
    const transition = [
      "dynamodb:GetItem → Requests",
      "dynamodb:UpdateItem → Requests",
      "dynamodb:PutItem → Audit",
    ];
    const expected: Record<HandlerName, string[]> = {
      "list-entitlements": [],
      "create-request": ["dynamodb:PutItem → Requests", "dynamodb:PutItem → Audit"],
      "list-requests": [
        `dynamodb:Query → Requests index ${REQUESTS_BY_REQUESTER_INDEX}`,
        `dynamodb:Query → Requests index ${REQUESTS_PENDING_INDEX}`,
        "secretsmanager:GetSecretValue → cursor key secret",
      ],
      "get-request": ["dynamodb:GetItem → Requests"],
      "get-audit-trail": ["dynamodb:GetItem → Requests", "dynamodb:Query → Audit"],
      "approve-request": transition,
      "deny-request": transition,
      "cancel-request": transition,
      "revoke-request": transition,
      "review-request": transition,
      "extend-request": [
        "dynamodb:GetItem → Requests",
        "dynamodb:PutItem → Requests",
        "dynamodb:UpdateItem → Requests",
        "dynamodb:PutItem → Audit",
      ],
      "issue-token": [
        "dynamodb:GetItem → Requests",
        "dynamodb:UpdateItem → Requests",
        "dynamodb:PutItem → Audit",
        "kms:Sign → SigningKey",
        "kms:GetPublicKey → SigningKey",
      ],
      "well-known": ["kms:GetPublicKey → SigningKey"],
      "identity-authorizer": [],
      // Never KMS: its keys come from the trusted-keys resource at deploy time.
      "jit-authorizer": ["dynamodb:GetItem → Requests"],
      "trusted-keys-resource": ["kms:GetPublicKey → SigningKey"],
      "expiry-consumer": [
        "dynamodb:PutItem → Audit",
        "dynamodb:DescribeStream → Requests stream",
        "dynamodb:GetRecords → Requests stream",
        "dynamodb:GetShardIterator → Requests stream",
        "dynamodb:ListStreams → *",
        "sqs:SendMessage → failure queue",
        "sqs:GetQueueAttributes → failure queue",
        "sqs:GetQueueUrl → failure queue",
      ],
      "notify-publisher": [
        "dynamodb:GetItem → Requests",
        "events:PutEvents → bus",
        "dynamodb:DescribeStream → Audit stream",
        "dynamodb:GetRecords → Audit stream",
        "dynamodb:GetShardIterator → Audit stream",
        "dynamodb:ListStreams → *",
        "sqs:SendMessage → publisher failure queue",
        "sqs:GetQueueAttributes → publisher failure queue",
        "sqs:GetQueueUrl → publisher failure queue",
      ],
      "reminder-sweeper": [
        `dynamodb:Query → Requests index ${REQUESTS_PENDING_INDEX}`,
        "dynamodb:GetItem → Notifications",
        "dynamodb:PutItem → Notifications",
        "events:PutEvents → bus",
      ],
      "notify-slack": [
        ...delivery(["sre-approvals", "security-alerts", "requester-updates"]),
        "secretsmanager:GetSecretValue → secret jit-access/slack-sre-approvals",
        "secretsmanager:GetSecretValue → secret jit-access/slack-security-alerts",
        "secretsmanager:GetSecretValue → secret jit-access/slack-requester-updates",
      ],
      "notify-webhook": [
        ...delivery(["siem-webhook"]),
        "secretsmanager:GetSecretValue → secret jit-access/siem-webhook",
      ],
      "notify-email": [...delivery(["security-email"]), "sns:Publish → topic security-email"],
    };
    const statements = allStatements();
    for (const { handler, fn, stack } of lambdas()) {
      const role = logicalId(fn.role);
      const granted = statements
        .filter((s) => s.stack === stack && s.roles.includes(role))
        .flatMap((s) => {
          expect(s.effect).toBe("Allow");
          return s.actions.flatMap((a) => s.resources.map((r) => `${a} → ${label(r, fn)}`));
        });
      expect(granted.sort(), handler).toEqual([...common, ...expected[handler]].sort());
    }
  });

  it("never lets anything update, delete or batch-write Audit items", () => {
    const audit = logicalId(built.stateful.auditTable);
    const mutating = /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQL\w+|\*)$/;
    let auditStatements = 0;
    for (const s of allStatements()) {
      const where = `${s.stack}/${s.policy}`;
      // The notification publisher reads the Audit stream: stream reads only.
      const onAuditStream = s.resources.some((r) => {
        const text = JSON.stringify(r);
        return text.includes(audit) && text.includes("StreamArn");
      });
      if (onAuditStream) {
        for (const action of s.actions) {
          expect(
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            where,
          ).toContain(action);
        }
        continue;
      }
      const onAudit = s.resources.some((r) => JSON.stringify(r).includes(audit));
      const onAnything = s.resources.includes("*");
      if (onAudit) {
        auditStatements++;
        for (const action of s.actions)
          expect(["dynamodb:PutItem", "dynamodb:Query"], where).toContain(action);
      }
      if (onAudit || onAnything) {
        for (const action of s.actions) expect(mutating.test(action), `${where}: ${action}`).toBe(false);
      }
    }
    expect(auditStatements).toBeGreaterThan(5);
  });
});

describe("demo protected API", () => {
  it("puts the JIT authorizer with an explicit identity source and cache TTL in front of every method", () => {
    const authorizers = template.demo.findResources("AWS::ApiGateway::Authorizer");
    expect(Object.values(authorizers)).toHaveLength(1);
    const [id, authorizer] = Object.entries(authorizers)[0] as [
      string,
      { Properties: Record<string, unknown> },
    ];
    expect(authorizer.Properties).toMatchObject({
      Type: "TOKEN",
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 15,
    });
    const methods = Object.values(template.demo.findResources("AWS::ApiGateway::Method"));
    expect(methods.length).toBeGreaterThanOrEqual(8);
    for (const m of methods) {
      expect(m.Properties).toMatchObject({ AuthorizationType: "CUSTOM", AuthorizerId: { Ref: id } });
    }
  });

  it("splits the 30 s revocation bound between API Gateway's cache and the grant cache", () => {
    const env = envOf("demo", built.demo?.api.authorizer.fn as JitFunction);
    expect(env[ENV.revocationCacheSeconds]).toBe("15");
    expect(env[ENV.audience]).toBe("orders-api");
    template.demo.hasOutput("RevocationBoundSeconds", { Value: "30" });
  });
});

describe("notifications (events, channels, reminders)", () => {
  const notifier = () => built.stateless.notifier;

  it("streams new Audit images to the publisher, INSERTs only, with partial batch failures", () => {
    template.stateful.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: Match.arrayWith([Match.objectLike({ AttributeName: "eventId" })]),
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
    });
    template.stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(notifier().publisher.function) },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ["INSERT"] }) }] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
    });
  });

  it("routes each channel through its own bus rule, queue, dead-letter queue and alarm", () => {
    const channels = [...notifier().channels];
    expect(channels.map(([name]) => name).sort()).toEqual(
      ["requester-updates", "security-alerts", "security-email", "siem-webhook", "sre-approvals"].sort(),
    );
    for (const [name, channel] of channels) {
      template.stateless.hasResourceProperties("AWS::Events::Rule", {
        EventBusName: { Ref: logicalId(notifier().bus) },
        EventPattern: { source: ["jit-access"], detail: { channels: [name] } },
        Targets: [
          Match.objectLike({
            Arn: { "Fn::GetAtt": [logicalId(channel.queue), "Arn"] },
            InputTransformer: Match.objectLike({
              InputTemplate: Match.stringLikeRegexp(`"channel":"${name}"`),
            }),
          }),
        ],
      });
      template.stateless.hasResourceProperties("AWS::SQS::Queue", {
        RedrivePolicy: {
          deadLetterTargetArn: { "Fn::GetAtt": [logicalId(channel.deadLetterQueue), "Arn"] },
          maxReceiveCount: 8,
        },
        SqsManagedSseEnabled: true,
      });
      template.stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "ApproximateNumberOfMessagesVisible",
        Namespace: "AWS/SQS",
        Dimensions: [
          { Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(channel.deadLetterQueue), "QueueName"] } },
        ],
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
      const delivery = notifier().deliveries.get(channel.type) as JitFunction;
      template.stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        FunctionName: { Ref: logicalId(delivery.function) },
        EventSourceArn: { "Fn::GetAtt": [logicalId(channel.queue), "Arn"] },
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
    }
  });

  it("lets the rules send to their queues only, and the e-mail channel's topic is encrypted", () => {
    for (const [, channel] of notifier().channels) {
      template.stateless.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: logicalId(channel.queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(["sqs:SendMessage"]),
              Principal: { Service: "events.amazonaws.com" },
              Condition: {
                ArnEquals: { "aws:SourceArn": { "Fn::GetAtt": [logicalId(channel.rule), "Arn"] } },
              },
            }),
          ]),
        },
      });
    }
    template.stateless.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
  });

  it("runs the reminder sweeper every minute through EventBridge Scheduler", () => {
    template.stateless.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 minute)",
      Target: Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(notifier().sweeper.function), "Arn"] } }),
    });
  });
});

describe("cdk-nag and synth", () => {
  it("reports no unacknowledged AwsSolutions finding", () => {
    const findings = nagFindings.map(
      (v) => `${v.ruleName} (${v.severity}): ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
    );
    expect(findings).toEqual([]);
  });

  it("gives every acknowledgement a written reason", () => {
    const acks = acknowledgements(built.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(isWrittenReason(ack.reason), `${ack.path}: ${ack.id}`).toBe(true);
  });

  it("synthesizes environment-agnostic stacks that need no lookups (so no AWS credentials)", () => {
    for (const stack of assembly.stacks) {
      expect(stack.environment.account, stack.stackName).toBe("unknown-account");
      expect(stack.environment.region, stack.stackName).toBe("unknown-region");
    }
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });
});

describe("web console", () => {
  /** The console origin as the stateless stack receives it: an import of the console stack's output. */
  const isConsoleOrigin = (value: unknown) => JSON.stringify(value).includes("Fn::ImportValue");

  it("serves a private bucket through CloudFront origin access control, HTTPS only", () => {
    template.console.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.console.resourceCountIs("AWS::CloudFront::OriginAccessControl", 1);
    template.console.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: "index.html",
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: "redirect-to-https",
          ResponseHeadersPolicyId: Match.anyValue(),
          FunctionAssociations: [Match.objectLike({ EventType: "viewer-request" })],
        }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
    // The bucket policy lets only CloudFront (this distribution) read objects.
    const policies = Object.values(template.console.findResources("AWS::S3::BucketPolicy"));
    const statements = policies.flatMap(
      (p) =>
        (p.Properties as { PolicyDocument: { Statement: Record<string, unknown>[] } }).PolicyDocument
          .Statement,
    );
    const reads = statements.filter((st) => JSON.stringify(st.Action).includes("s3:GetObject"));
    expect(reads.length).toBeGreaterThan(0);
    for (const st of reads) {
      expect(st.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
      expect(JSON.stringify(st.Condition)).toContain("AWS:SourceArn");
    }
  });

  it("sends the security headers of console/security-headers.ts from the response headers policy", () => {
    const [policy] = Object.values(template.console.findResources("AWS::CloudFront::ResponseHeadersPolicy"));
    const config = policy?.Properties?.ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: Record<string, Record<string, unknown>>;
      CustomHeadersConfig: { Items: { Header: string; Value: string; Override: boolean }[] };
    };
    const security = config.SecurityHeadersConfig;
    const csp = JSON.stringify(security.ContentSecurityPolicy?.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
      "upgrade-insecure-requests",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*;|connect-src \*/);
    // connect-src: this origin, the identity provider (Cognito in this region) and API Gateway in this region.
    expect(csp).toMatch(/connect-src 'self' https:\/\/cognito-idp\./);
    expect(csp).toContain("https://*.execute-api.");
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: "no-referrer", Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: "DENY", Override: true });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(config.CustomHeadersConfig.Items).toEqual(
      Object.entries(CUSTOM_SECURITY_HEADERS).map(([Header, Value]) => ({ Header, Value, Override: true })),
    );
    for (const override of Object.values(security)) expect(override.Override).toBe(true);
  });

  it("routes extension-less paths (deep links) to index.html and leaves files alone", () => {
    const [fn] = Object.values(template.console.findResources("AWS::CloudFront::Function"));
    const code = fn?.Properties?.FunctionCode as string;
    // Run the function's code as CloudFront would, on a few viewer requests.
    const handler = new Function(`${code}; return handler;`)() as (e: unknown) => { uri: string };
    const route = (uri: string) => handler({ request: { uri } }).uri;
    expect(route("/requests/7f3c2a")).toBe("/index.html");
    expect(route("/access")).toBe("/index.html");
    expect(route("/")).toBe("/index.html");
    expect(route("/assets/index-abc123.js")).toBe("/assets/index-abc123.js");
    expect(route("/config.json")).toBe("/config.json");
  });

  it("outputs the console URL, and the stateless stack writes config.json with the API URL, issuer and client id", () => {
    template.console.hasOutput("ConsoleUrl", {
      Value: { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [Match.anyValue(), "DomainName"] }]] },
    });
    const deployments = Object.values(template.stateless.findResources("Custom::CDKBucketDeployment"));
    expect(deployments).toHaveLength(1);
    const props = deployments[0]?.Properties as Record<string, unknown>;
    expect(isConsoleOrigin(props.DestinationBucketName)).toBe(true);
    expect(props.Prune).toBe(false);
    expect(props.DistributionPaths).toEqual(["/config.json"]);
    const markers = JSON.stringify(props.SourceMarkers);
    expect(markers).toContain("execute-api");
    expect(markers).toContain("cognito-idp");
  });

  it("gives every JIT API handler the console origin, and nothing else in the app references back", () => {
    for (const { stack, fn, handler } of lambdas()) {
      const env = envOf(stack, fn);
      if (ENV.consoleOrigin in env) expect(isConsoleOrigin(env[ENV.consoleOrigin]), handler).toBe(true);
    }
    // The console stack refers only to the stateful stack (the user pool, for its app clients): the
    // stateless stack depends on it, not the reverse.
    const imports = JSON.stringify(json.console).match(/"Fn::ImportValue":"[^":]*:/g) ?? [];
    expect(new Set(imports)).toEqual(new Set([`"Fn::ImportValue":"${built.stateful.stackName}:`]));
    expect(built.stateless.dependencies).toContain(built.console);
  });

  it("answers CORS preflights for the console origin only, on every authorized resource", () => {
    const methods = Object.values(template.stateless.findResources("AWS::ApiGateway::Method")).map(
      (m) => m.Properties as Record<string, unknown>,
    );
    const preflights = methods.filter((m) => m.HttpMethod === "OPTIONS");
    const authorizedResources = new Set(
      methods.filter((m) => m.AuthorizationType === "CUSTOM").map((m) => JSON.stringify(m.ResourceId)),
    );
    expect(new Set(preflights.map((m) => JSON.stringify(m.ResourceId)))).toEqual(authorizedResources);
    for (const m of preflights) {
      expect(m.AuthorizationType).toBe("NONE");
      const integration = m.Integration as { Type: string; IntegrationResponses: Record<string, unknown>[] };
      expect(integration.Type).toBe("MOCK");
      const headers = integration.IntegrationResponses[0]?.ResponseParameters as Record<string, unknown>;
      // A fixed origin (never "*", never reflected), so any other origin sees a value that does not match.
      expect(isConsoleOrigin(headers["method.response.header.Access-Control-Allow-Origin"])).toBe(true);
      expect(JSON.stringify(headers)).not.toContain("'*'");
      expect(headers["method.response.header.Access-Control-Allow-Headers"]).toBe(
        "'Authorization,Content-Type'",
      );
    }
  });

  it("adds the console origin to API Gateway's own 401, 403 and default 4xx/5xx responses", () => {
    const responses = Object.values(template.stateless.findResources("AWS::ApiGateway::GatewayResponse"));
    const types = responses.map((r) => (r.Properties as { ResponseType: string }).ResponseType).sort();
    expect(types).toEqual([
      "ACCESS_DENIED",
      "DEFAULT_4XX",
      "DEFAULT_5XX",
      "MISSING_AUTHENTICATION_TOKEN",
      "UNAUTHORIZED",
    ]);
    for (const r of responses) {
      const params = (r.Properties as { ResponseParameters: Record<string, unknown> }).ResponseParameters;
      expect(isConsoleOrigin(params["gatewayresponse.header.Access-Control-Allow-Origin"])).toBe(true);
    }
  });
});
