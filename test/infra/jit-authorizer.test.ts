import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpUrlIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as iam from "aws-cdk-lib/aws-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENV } from "#functions/config/environment.js";
import {
  TRUSTED_KEYS_ATTRIBUTE,
  TRUSTED_KEYS_PROPERTY,
  TRUSTED_KEYS_RESOURCE_TYPE,
} from "#functions/config/trusted-keys-contract.js";
import { PROJECT_ROOT } from "#infra/bundling.js";
import { JitAuthorizer, splitRevocationBound } from "#infra/constructs/jit-authorizer.js";
import { loadDeploymentPolicy } from "#infra/policy-file.js";
import { iamStatements, type TemplateJson } from "./helpers.js";

const CURRENT_KEY = "arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const PREVIOUS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/66666666-7777-8888-9999-000000000000";
const ISSUER = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1";
const policy = loadDeploymentPolicy(join(PROJECT_ROOT, "config", "example.yaml"));

describe("splitRevocationBound", () => {
  it("splits the bound so that result cache + grant cache equals it exactly", () => {
    expect(splitRevocationBound(Duration.seconds(30))).toEqual({
      boundSeconds: 30,
      resultsCacheTtlSeconds: 15,
      grantCacheSeconds: 15,
    });
    expect(splitRevocationBound(Duration.seconds(31))).toEqual({
      boundSeconds: 31,
      resultsCacheTtlSeconds: 15,
      grantCacheSeconds: 16,
    });
    expect(splitRevocationBound(Duration.minutes(2), Duration.seconds(100))).toEqual({
      boundSeconds: 120,
      resultsCacheTtlSeconds: 100,
      grantCacheSeconds: 20,
    });
  });

  it("turns both caches off for a bound of zero", () => {
    expect(splitRevocationBound(Duration.seconds(0))).toEqual({
      boundSeconds: 0,
      resultsCacheTtlSeconds: 0,
      grantCacheSeconds: 0,
    });
  });

  it("refuses bounds that cannot be met, naming the setting", () => {
    expect(() => splitRevocationBound(Duration.millis(1500))).toThrow(/revocationBound: must be a whole/);
    expect(() => splitRevocationBound(Duration.seconds(7201))).toThrow(
      /revocationBound: 7201 s is more than 7200/,
    );
    expect(() => splitRevocationBound(Duration.seconds(10), Duration.seconds(11))).toThrow(
      /resultsCacheTtl: 11 s is longer than the revocationBound/,
    );
    expect(() => splitRevocationBound(Duration.seconds(7000), Duration.seconds(100))).toThrow(
      /grant cache would be 6900 s/,
    );
  });
});

describe("JitAuthorizer in a platform team's own stack", () => {
  let outdir: string;
  let stack: Stack;
  let jit: JitAuthorizer;
  let template: Template;
  let json: TemplateJson;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "jit-infra-authorizer-"));
    const app = new App({ outdir });
    stack = new Stack(app, "PlatformTeam");
    jit = new JitAuthorizer(stack, "OrdersJit", {
      jit: {
        issuer: ISSUER,
        requestsTable: dynamodb.Table.fromTableName(stack, "Requests", "JitAccessStateful-RequestsTable-ABC"),
        publicKeyArns: [CURRENT_KEY, PREVIOUS_KEY],
        policy,
      },
      audience: "orders-api",
      revocationBound: Duration.seconds(60),
    });
    const rest = new apigateway.RestApi(stack, "Rest", {
      defaultMethodOptions: {
        authorizer: jit.restAuthorizer,
        authorizationType: apigateway.AuthorizationType.CUSTOM,
      },
    });
    rest.root.addResource("orders").addMethod("GET", new apigateway.MockIntegration());
    const http = new HttpApi(stack, "Http");
    http.addRoutes({
      path: "/orders",
      methods: [HttpMethod.GET],
      integration: new HttpUrlIntegration("Orders", "https://orders.example.com/orders"),
      authorizer: jit.httpAuthorizer,
    });
    template = Template.fromStack(stack);
    json = template.toJSON() as TemplateJson;
  }, 300_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  const trustedKeysResourceId = () =>
    stack.getLogicalId(jit.trustedKeys.node.findChild("Resource").node.defaultChild as never);
  const grantsOf = (role: iam.IRole) => {
    const id = stack.getLogicalId(role.node.defaultChild as never);
    return iamStatements("platform", json)
      .filter((s) => s.roles.includes(id))
      .flatMap((s) => s.actions.map((a) => `${a} ${JSON.stringify(s.resources)}`));
  };

  it("gives the REST API a TOKEN authorizer with the Authorization header and half the bound as cache TTL", () => {
    template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "TOKEN",
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 30,
    });
  });

  it("gives the HTTP API a simple-response authorizer keyed on token, method and path", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "REQUEST",
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: "2.0",
      IdentitySource: ["$request.header.Authorization", "$context.httpMethod", "$context.path"],
      AuthorizerResultTtlInSeconds: 30,
    });
  });

  it("configures the Lambda with the audience, issuer, trusted keys and the grant cache share of the bound", () => {
    const fnId = stack.getLogicalId(jit.fn.function.node.defaultChild as never);
    const props = json.Resources[fnId]?.Properties ?? {};
    const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      [ENV.audience]: "orders-api",
      [ENV.issuer]: ISSUER,
      [ENV.trustedJwks]: { "Fn::GetAtt": [trustedKeysResourceId(), TRUSTED_KEYS_ATTRIBUTE] },
      [ENV.revocationCacheSeconds]: "30",
      [ENV.policyFile]: "/var/task/policy.json",
      [ENV.requestsTable]: "JitAccessStateful-RequestsTable-ABC",
    });
  });

  it("grants the authorizer read of grants and nothing more: no KMS permission at all", () => {
    const granted = grantsOf(jit.fn.role);
    expect(granted.filter((g) => g.startsWith("dynamodb:") || g.startsWith("kms:"))).toEqual([
      expect.stringMatching(/^dynamodb:GetItem \[.*table\/JitAccessStateful-RequestsTable-ABC.*\]$/),
    ]);
    expect(
      granted.filter((g) => !/^(dynamodb|logs:CreateLogStream|logs:PutLogEvents|xray:Put)/.test(g)),
    ).toEqual([]);
  });

  it("reads the trusted public keys at deploy time: kms:GetPublicKey on exactly those keys, in order", () => {
    const resource = json.Resources[trustedKeysResourceId()];
    expect(resource?.Type).toBe(TRUSTED_KEYS_RESOURCE_TYPE);
    expect(resource?.Properties?.[TRUSTED_KEYS_PROPERTY]).toEqual([CURRENT_KEY, PREVIOUS_KEY]);
    const granted = grantsOf(jit.trustedKeys.reader.role);
    expect(granted.filter((g) => g.startsWith("dynamodb:") || g.startsWith("kms:"))).toEqual([
      `kms:GetPublicKey ${JSON.stringify([CURRENT_KEY, PREVIOUS_KEY])}`,
    ]);
    expect(granted.filter((g) => !/^(kms|logs:CreateLogStream|logs:PutLogEvents|xray:Put)/.test(g))).toEqual(
      [],
    );
  });

  it("refuses an audience that no entitlement of the policy grants", () => {
    const other = new Stack(new App(), "Other");
    expect(
      () =>
        new JitAuthorizer(other, "Typo", {
          jit: {
            issuer: ISSUER,
            requestsTable: dynamodb.Table.fromTableName(other, "Requests", "t"),
            publicKeyArns: [CURRENT_KEY],
            policy,
          },
          audience: "orders-apii",
          revocationBound: Duration.seconds(30),
        }),
    ).toThrow(/audience "orders-apii" is not the audience of any entitlement/);
  });
});
