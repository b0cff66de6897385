import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { BUNDLING_STACKS } from "aws-cdk-lib/cx-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CALLBACK_PORT } from "#cli/commands/login.js";
import { ENV } from "#functions/config/environment.js";
import { PROJECT_ROOT } from "#infra/bundling.js";
import { DEFAULT_CLI_CALLBACK_PORT } from "#infra/constructs/sign-in-clients.js";
import { createJitAccessApp } from "#infra/jit-access-app.js";
import { CDK_JSON_FEATURE_FLAGS, type TemplateJson } from "./helpers.js";

// Sign-in as `cdk synth` makes it (docs/identity.md): Cognito by default, with a domain and two code-only
// public app clients next to the console; or an external issuer, with no user pool at all. Synthesized
// without bundling the Lambdas (their code does not matter here).

type Stacks = Record<"stateful" | "stateless" | "console", TemplateJson>;
const work = mkdtempSync(join(tmpdir(), "jit-infra-sign-in-"));
const EXAMPLE = readFileSync(join(PROJECT_ROOT, "config", "example.yaml"), "utf8");

function synth(policyText: string, context: Record<string, unknown> = {}): Stacks {
  const policyFile = join(work, `policy-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(policyFile, policyText);
  const built = createJitAccessApp({
    nag: false,
    appProps: {
      outdir: mkdtempSync(join(work, "out-")),
      context: {
        ...CDK_JSON_FEATURE_FLAGS,
        "jit-access:config": policyFile,
        "jit-access:demo": false,
        [BUNDLING_STACKS]: [],
        ...context,
      },
    },
  });
  const assembly = built.app.synth();
  const template = (name: string) => assembly.getStackByName(name).template as TemplateJson;
  return {
    stateful: template(built.stateful.stackName),
    stateless: template(built.stateless.stackName),
    console: template(built.console.stackName),
  };
}

/** The identity authorizer's environment (the function whose environment names the OIDC issuer). */
function identityAuthorizerEnv(stateless: TemplateJson): Record<string, unknown> {
  const variables = (r: TemplateJson["Resources"][string]): Record<string, unknown> =>
    (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const found = Object.values(stateless.Resources).filter(
    (r) => r.Type === "AWS::Lambda::Function" && ENV.oidcIssuer in variables(r),
  );
  expect(found).toHaveLength(1);
  return variables(found[0] as TemplateJson["Resources"][string]);
}

/** The console's Content-Security-Policy, as CloudFormation will render it. */
function consoleCsp(consoleStack: TemplateJson): string {
  const policy = Object.values(consoleStack.Resources).find(
    (r) => r.Type === "AWS::CloudFront::ResponseHeadersPolicy",
  );
  const config = policy?.Properties?.ResponseHeadersPolicyConfig as {
    SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } };
  };
  return JSON.stringify(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Cognito (the default)", () => {
  let stacks: Stacks;
  beforeAll(() => {
    stacks = synth(EXAMPLE);
  }, 300_000);

  it("creates the user pool and its domain in the stateful stack, with the prefix from context or the account", () => {
    const stateful = Template.fromJSON(stacks.stateful);
    stateful.resourceCountIs("AWS::Cognito::UserPool", 1);
    stateful.hasResourceProperties("AWS::Cognito::UserPoolDomain", {
      Domain: { "Fn::Join": ["-", ["jitaccess", { Ref: "AWS::AccountId" }]] },
    });
    stateful.resourceCountIs("AWS::Cognito::UserPoolClient", 0);
    const named = synth(EXAMPLE, { "jit-access:cognitoDomainPrefix": "acme-jit" });
    Template.fromJSON(named.stateful).hasResourceProperties("AWS::Cognito::UserPoolDomain", {
      Domain: "acme-jit",
    });
  });

  it("creates two public app clients next to the console: code flow with PKCE only, exact redirect URIs", () => {
    const console = Template.fromJSON(stacks.console);
    const clients = console.findResources("AWS::Cognito::UserPoolClient");
    expect(Object.keys(clients)).toHaveLength(2);
    for (const client of Object.values(clients)) {
      expect(client.Properties).toMatchObject({
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ["code"],
        AllowedOAuthScopes: ["openid"],
        SupportedIdentityProviders: ["COGNITO"],
        EnableTokenRevocation: true,
        RefreshTokenRotation: { Feature: "ENABLED", RetryGracePeriodSeconds: 10 },
        UserPoolId: { "Fn::ImportValue": expect.stringMatching(/^JitAccessStateful:.*UserPool/) },
      });
      expect(client.Properties.ExplicitAuthFlows).not.toContain("ALLOW_USER_PASSWORD_AUTH");
    }
    const callbacks = Object.values(clients).map((c) => c.Properties.CallbackURLs);
    const distribution = Object.keys(console.findResources("AWS::CloudFront::Distribution"))[0] as string;
    expect(callbacks).toContainEqual([
      { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distribution, "DomainName"] }, "/callback"]] },
    ]);
    expect(callbacks).toContainEqual([`http://localhost:${DEFAULT_CLI_CALLBACK_PORT}/callback`]);
    // The CLI's default --port is the port registered here.
    expect(DEFAULT_CALLBACK_PORT).toBe(DEFAULT_CLI_CALLBACK_PORT);
  });

  it("leaves no CDK default behind: no example.com, no implicit flow, anywhere in the app", () => {
    for (const [name, template] of Object.entries(stacks)) {
      const text = JSON.stringify(template);
      expect(text, name).not.toContain("example.com");
      expect(text, name).not.toContain("implicit");
    }
  });

  it("registers another CLI port and a custom console origin when context says so", () => {
    const custom = synth(EXAMPLE, {
      "jit-access:cliCallbackPort": 9123,
      "jit-access:consoleUrl": "https://jit.acme.test",
    });
    const callbacks = Object.values(
      Template.fromJSON(custom.console).findResources("AWS::Cognito::UserPoolClient"),
    ).map((c) => c.Properties.CallbackURLs as unknown[]);
    expect(callbacks).toContainEqual(["http://localhost:9123/callback"]);
    expect(callbacks.find((urls) => urls.length === 2)?.[1]).toBe("https://jit.acme.test/callback");
    expect(JSON.stringify(custom.stateless.Outputs?.CliLoginCommand)).toContain("--port 9123");
  });

  it("gives the identity authorizer the pool's issuer and both client ids, from the console stack's exports", () => {
    const env = identityAuthorizerEnv(stacks.stateless);
    expect(JSON.stringify(env[ENV.oidcIssuer])).toContain("https://cognito-idp.");
    const clientIds = JSON.stringify(env[ENV.oidcClientIds]);
    expect(clientIds.match(/"Fn::ImportValue":"JitAccessConsole:/g)).toHaveLength(2);
    expect(env[ENV.oidcGroupsClaim]).toBe("cognito:groups");
    expect(env[ENV.oidcJwksUri]).toBeUndefined();
  });

  it("lets the console reach Cognito's domain and issuer (CSP), and names the hosted endpoints in config.json", () => {
    const csp = consoleCsp(stacks.console);
    expect(csp).toMatch(/connect-src 'self' https:\/\/cognito-idp\./);
    expect(csp).toContain(".auth.");
    expect(csp).toContain(".amazoncognito.com");
    const deployment = Object.values(stacks.stateless.Resources).find(
      (r) => r.Type === "Custom::CDKBucketDeployment",
    );
    // Deploy-time values become markers of the JSON: the API URL, the issuer, the console's client id and
    // Cognito's domain, twice (authorization and token endpoints).
    const markers = JSON.stringify(deployment?.Properties?.SourceMarkers);
    expect(markers.match(/"Fn::ImportValue":"JitAccessStateful:[^"]*UserPoolDomain/g)).toHaveLength(2);
    expect(markers).toMatch(/"Fn::ImportValue":"JitAccessConsole:[^"]*ConsoleClient/);
  });

  it("outputs the whole `jit login` command, and the stacks depend one way: stateful ← console ← stateless", () => {
    const command = JSON.stringify(stacks.stateless.Outputs?.CliLoginCommand);
    expect(command).toContain("jit login --endpoint");
    expect(command).toContain("--issuer");
    expect(command).toContain("--client-id");
    expect(command).not.toContain("--port");
    expect(JSON.stringify(stacks.stateful)).not.toContain("Fn::ImportValue");
    expect(JSON.stringify(stacks.console)).not.toContain("JitAccessStateless");
  });
});

describe("an external OIDC issuer", () => {
  let stacks: Stacks;
  beforeAll(() => {
    const external = EXAMPLE.replace(
      "identity:\n",
      "identity:\n  issuer: https://example-tenant.okta.test/oauth2/default\n  consoleClientId: 0oaconsole\n" +
        "  cliClientId: 0oacli\n  jwksUri: https://example-tenant.okta.test/oauth2/default/v1/keys\n",
    ).replace("groupsClaim: cognito:groups", "groupsClaim: groups");
    stacks = synth(external);
  }, 300_000);

  it("creates no user pool, domain or app client", () => {
    for (const template of Object.values(stacks)) {
      const types = Object.values(template.Resources).map((r) => r.Type);
      expect(types.filter((t) => t.startsWith("AWS::Cognito::"))).toEqual([]);
    }
  });

  it("gives the identity authorizer the discovery settings of the policy", () => {
    expect(identityAuthorizerEnv(stacks.stateless)).toMatchObject({
      [ENV.oidcIssuer]: "https://example-tenant.okta.test/oauth2/default",
      [ENV.oidcClientIds]: "0oaconsole,0oacli",
      [ENV.oidcGroupsClaim]: "groups",
      [ENV.oidcJwksUri]: "https://example-tenant.okta.test/oauth2/default/v1/keys",
    });
  });

  it("lets the console reach the issuer, writes its client id to config.json and outputs the login command", () => {
    expect(consoleCsp(stacks.console)).toContain("connect-src 'self' https://example-tenant.okta.test ");
    const deployment = Object.values(stacks.stateless.Resources).find(
      (r) => r.Type === "Custom::CDKBucketDeployment",
    );
    // Plain values are in the file itself; only the API URL is known at deploy time.
    const markers = JSON.stringify(deployment?.Properties?.SourceMarkers);
    expect(markers).toContain("execute-api");
    expect(markers).not.toContain("UserPool");
    expect(JSON.stringify(stacks.stateless.Outputs?.CliLoginCommand)).toContain(
      "--issuer https://example-tenant.okta.test/oauth2/default --client-id 0oacli",
    );
  });
});
