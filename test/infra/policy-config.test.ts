import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { CfnUserPool } from "aws-cdk-lib/aws-cognito";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "#infra/bundling.js";
import { JitIdentity } from "#infra/constructs/identity.js";
import { createJitAccessApp } from "#infra/jit-access-app.js";
import { loadDeploymentPolicy } from "#infra/policy-file.js";

const EXAMPLE = readFileSync(join(PROJECT_ROOT, "config", "example.yaml"), "utf8");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jit-infra-config-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a policy file into the test's temp folder and returns its path. */
function policyFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The example policy with the first entitlement's `minApprovals` set to 0 (must be ≥ 1). */
const BROKEN = EXAMPLE.replace("minApprovals: 1", "minApprovals: 0");

describe("policy validation at synth", () => {
  it("stops app construction with the loader's message naming the file and the field", () => {
    const path = policyFile("broken.yaml", BROKEN);
    expect(BROKEN).not.toBe(EXAMPLE);
    expect(() => createJitAccessApp({ appProps: { context: { "jit-access:config": path } } })).toThrow(
      expect.objectContaining({
        code: "configuration",
        message: expect.stringMatching(
          new RegExp(
            `${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: entitlements\\[1\\]\\.minApprovals: must be at least 1`,
          ),
        ),
      }),
    );
  });

  it("fails `cdk synth` with that message and no stack trace", () => {
    const path = policyFile("broken-cli.yaml", BROKEN);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CDK_DISABLE_VERSION_CHECK: "1",
      CDK_DISABLE_CLI_TELEMETRY: "1",
    };
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) {
      delete env[name];
    }
    const result = spawnSync(
      "npx",
      [
        "cdk",
        "synth",
        "--quiet",
        "--no-notices",
        "-c",
        `jit-access:config=${path}`,
        "-o",
        join(dir, "cdk.out"),
      ],
      { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 170_000 },
    );
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).not.toBe(0);
    expect(output).toContain(`${path}: entitlements[1].minApprovals: must be at least 1`);
    expect(output).not.toMatch(/^\s+at .+\(.*\.ts:\d+:\d+\)$/m);
  }, 180_000);

  it("names the context key when no policy file is configured", () => {
    expect(() => createJitAccessApp({ appProps: { context: { "jit-access:config": "" } } })).toThrow(
      /Context "jit-access:config" must name the policy file/,
    );
  });

  it("refuses previousKeyArns that are not KMS key ARNs, naming the context key", () => {
    expect(() =>
      createJitAccessApp({
        appProps: {
          context: {
            "jit-access:config": policyFile("ok.yaml", EXAMPLE),
            "jit-access:previousKeyArns": "alias/old-key",
          },
        },
      }),
    ).toThrow(/Context "jit-access:previousKeyArns": "alias\/old-key" is not a KMS key ARN/);
  });

  it("bundles the validated policy as JSON without the development IdP users", () => {
    const deployed = loadDeploymentPolicy(policyFile("bundle.yaml", EXAMPLE));
    const bundled = JSON.parse(readFileSync(deployed.bundledJsonPath, "utf8")) as Record<string, unknown>;
    expect(bundled.users).toBeUndefined();
    expect((bundled.entitlements as unknown[]).length).toBe(deployed.policy.entitlements.length);
    expect(deployed.policy.users.length).toBeGreaterThan(0);
  });
});

describe("identity provider", () => {
  const external = `${EXAMPLE.replace(
    "identity:\n",
    "identity:\n  issuer: https://login.example.com/realm\n  consoleClientId: jit-console-app\n  cliClientId: jit-cli-app\n  jwksUri: https://login.example.com/realm/keys\n",
  ).replace("groupsClaim: cognito:groups", "groupsClaim: groups")}`;

  it("uses the external OIDC issuer, both client ids, the JWKS override and groups claim of the policy and creates no user pool", () => {
    const stack = new Stack(new App(), "Identity");
    const identity = new JitIdentity(stack, "Identity", {
      policy: loadDeploymentPolicy(policyFile("external.yaml", external)).policy,
      policySource: "external.yaml",
      domainPrefix: "jit-test",
    });
    expect(identity.issuer).toBe("https://login.example.com/realm");
    expect(identity.externalClientIds).toEqual({ console: "jit-console-app", cli: "jit-cli-app" });
    expect(identity.groupsClaim).toBe("groups");
    expect(identity.jwksUri).toBe("https://login.example.com/realm/keys");
    expect(identity.userPool).toBeUndefined();
    expect(identity.userPoolDomain).toBeUndefined();
    expect(stack.node.findAll().filter((c) => c instanceof CfnUserPool)).toEqual([]);
  });

  it("refuses an external issuer without the client ids, naming the file and fields", () => {
    const noClients = external.replace(
      "  consoleClientId: jit-console-app\n  cliClientId: jit-cli-app\n",
      "",
    );
    const path = policyFile("no-clients.yaml", noClients);
    expect(() => loadDeploymentPolicy(path)).toThrow(
      `${path}: identity.consoleClientId: is required when identity.issuer names an external OIDC provider`,
    );
    expect(() => loadDeploymentPolicy(path)).toThrow(`${path}: identity.cliClientId: is required`);
  });

  it("refuses the old identity.audience with a message naming the two client id fields", () => {
    const path = policyFile(
      "audience.yaml",
      external.replace(
        "  cliClientId: jit-cli-app\n",
        "  cliClientId: jit-cli-app\n  audience: jit-access-cli\n",
      ),
    );
    expect(() => loadDeploymentPolicy(path)).toThrow(
      `${path}: identity.audience: is replaced by "consoleClientId" and "cliClientId"`,
    );
  });

  it("refuses a plain-http issuer or JWKS URI that is not on a loopback address", () => {
    const path = policyFile(
      "http.yaml",
      external.replace("issuer: https://login.example.com/realm", "issuer: http://login.example.com/realm"),
    );
    expect(() => loadDeploymentPolicy(path)).toThrow(
      /identity\.issuer: "http:\/\/login\.example\.com\/realm" must be an https URL/,
    );
    const loopback = policyFile(
      "loopback.yaml",
      external
        .replace("issuer: https://login.example.com/realm", "issuer: http://127.0.0.1:4002")
        .replace("jwksUri: https://login.example.com/realm/keys", "jwksUri: http://10.0.0.5/keys"),
    );
    expect(() => loadDeploymentPolicy(loopback)).toThrow(
      /identity\.jwksUri: "http:\/\/10\.0\.0\.5\/keys" must be an https URL/,
    );
    expect(() => loadDeploymentPolicy(loopback)).not.toThrow(/identity\.issuer/);
  });

  it("refuses a group name Cognito cannot hold, naming the group", () => {
    const path = policyFile(
      "spaced.yaml",
      EXAMPLE.replace("approverGroups: [sre]", 'approverGroups: ["site reliability"]'),
    );
    const stack = new Stack(new App(), "Identity");
    expect(
      () =>
        new JitIdentity(stack, "Identity", {
          policy: loadDeploymentPolicy(path).policy,
          policySource: path,
          domainPrefix: "jit-test",
        }),
    ).toThrow(/group "site reliability" cannot be a Cognito group name/);
  });

  it("uses the Cognito issuer URL of the created pool, with a domain of the given prefix and no app client", () => {
    const stack = new Stack(new App(), "Identity");
    const identity = new JitIdentity(stack, "Identity", {
      policy: loadDeploymentPolicy(policyFile("cognito.yaml", EXAMPLE)).policy,
      policySource: "cognito.yaml",
      domainPrefix: "jit-test",
    });
    const pool = stack.getLogicalId(identity.userPool?.node.defaultChild as never);
    expect(stack.resolve(identity.issuer)).toEqual({
      "Fn::Join": [
        "",
        ["https://cognito-idp.", { Ref: "AWS::Region" }, ".", { Ref: "AWS::URLSuffix" }, "/", { Ref: pool }],
      ],
    });
    expect(identity.externalClientIds).toBeUndefined();
    expect(identity.groupsClaim).toBe("cognito:groups");
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::Cognito::UserPoolDomain", {
      Domain: "jit-test",
      UserPoolId: { Ref: pool },
    });
    // The app clients live with the console (infra/constructs/sign-in-clients.ts), not here.
    template.resourceCountIs("AWS::Cognito::UserPoolClient", 0);
  });

  it("refuses a Cognito domain prefix Cognito would refuse", () => {
    for (const domainPrefix of ["Jit", "-jit", "my-aws-jit", "jit_access"]) {
      const stack = new Stack(new App(), "Identity");
      expect(
        () =>
          new JitIdentity(stack, "Identity", {
            policy: loadDeploymentPolicy(policyFile("cognito.yaml", EXAMPLE)).policy,
            policySource: "cognito.yaml",
            domainPrefix,
          }),
        domainPrefix,
      ).toThrow(`Cognito domain prefix "${domainPrefix}"`);
    }
  });
});
