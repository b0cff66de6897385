import { App, type AppProps, Aws, Duration, Fn } from "aws-cdk-lib";
import { originOf } from "#console/security-headers.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import type { OidcSettings } from "./constructs/identity.js";
import { addNagChecks } from "./nag.js";
import { loadDeploymentPolicy } from "./policy-file.js";
import { JitAccessConsoleStack } from "./stacks/console-stack.js";
import { DemoOrdersStack } from "./stacks/demo-orders-stack.js";
import { JitAccessStatefulStack } from "./stacks/stateful-stack.js";
import { JitAccessStatelessStack } from "./stacks/stateless-stack.js";

/** Context keys the app reads (`cdk.json` "context", or `-c key=value` on the command line). */
export const CONTEXT = {
  /** Policy file (YAML or JSON), relative to the folder of cdk.json. Required. */
  config: "jit-access:config",
  /** Prefix of the stack names. Default `JitAccess`. */
  stackPrefix: "jit-access:stackPrefix",
  /** Signing key generation (a whole number ≥ 1); raise it to create a new key. Default 1. */
  signingKeyGeneration: "jit-access:signingKeyGeneration",
  /** Retired signing key ARNs still published and trusted: a JSON array or a comma-separated string. */
  previousKeyArns: "jit-access:previousKeyArns",
  /** Custom domain of the JIT API (issuer `https://<domain>`), with its ACM certificate ARN. */
  domainName: "jit-access:domainName",
  certificateArn: "jit-access:certificateArn",
  /** Deploy the demo orders API (`true`/`false`). Default true. */
  demo: "jit-access:demo",
  /** Revocation bound of the demo API, seconds. Default 30. */
  demoRevocationBoundSeconds: "jit-access:demoRevocationBoundSeconds",
  /** Base URL of the web console, for links in notifications (e.g. https://jit.example.com). */
  consoleUrl: "jit-access:consoleUrl",
  /** Cognito Plus plan with threat protection (`true`/`false`). Default false. */
  threatProtection: "jit-access:threatProtection",
  /**
   * Prefix of the Cognito domain `https://{prefix}.auth.{region}.amazoncognito.com`, unique per region.
   * Default `{stack prefix, lowercased}-{account id}`.
   */
  cognitoDomainPrefix: "jit-access:cognitoDomainPrefix",
  /** Port of the CLI's loopback redirect registered at Cognito (`jit login --port`). Default 8400. */
  cliCallbackPort: "jit-access:cliCallbackPort",
} as const;

/** CDK feature flag choosing weak (SSM) or strong (export) cross-stack references. */
const CROSS_STACK_REFERENCES = "@aws-cdk/core:defaultCrossStackReferences";

/** Options of {@link createJitAccessApp}. */
export interface JitAccessAppOptions {
  /** Passed to `new App()`: tests give `outdir` and `context`. */
  readonly appProps?: AppProps;
  /** Register cdk-nag's AwsSolutions checks. @default true */
  readonly nag?: boolean;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
}

/** The app and its stacks. */
export interface JitAccessApp {
  readonly app: App;
  readonly stateful: JitAccessStatefulStack;
  readonly stateless: JitAccessStatelessStack;
  readonly console: JitAccessConsoleStack;
  readonly demo: DemoOrdersStack | undefined;
}

/** A KMS key ARN, as `previousKeyArns` must hold (aliases and key ids are ambiguous across accounts). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * Builds the jit-access CDK app: the stateful stack (tables, signing key, identity provider), the stateless
 * stack (JIT API, Lambdas, expiry consumer) and, unless turned off, the demo orders API protected by the
 * JIT authorizer. Stacks are environment-agnostic (no account/region, no lookups), so synth needs no AWS
 * credentials. The policy file is validated first; a bad file stops here.
 * @throws ConfigurationError naming the policy file and field, or the context key, that is wrong.
 */
export function createJitAccessApp(options: JitAccessAppOptions = {}): JitAccessApp {
  const app = new App(options.appProps);
  // Strong cross-stack references (exports) keep the stateful stack from dropping a table or key the
  // stateless and demo stacks still use. Explicit, so CDK does not warn about an unset default.
  if (app.node.tryGetContext(CROSS_STACK_REFERENCES) === undefined) {
    app.node.setContext(CROSS_STACK_REFERENCES, "strong");
  }
  const configPath = app.node.tryGetContext(CONTEXT.config) as unknown;
  if (typeof configPath !== "string" || configPath.trim() === "") {
    throw new ConfigurationError(
      `Context "${CONTEXT.config}" must name the policy file (set it in cdk.json or pass -c ${CONTEXT.config}=path)`,
    );
  }
  const policy = loadDeploymentPolicy(configPath);
  if (options.nag !== false) addNagChecks(app);

  const prefix = stringContext(app, CONTEXT.stackPrefix) ?? "JitAccess";
  const handlersDir = options.handlersDir === undefined ? {} : { handlersDir: options.handlersDir };
  const threatProtection = booleanContext(app, CONTEXT.threatProtection);

  const cliCallbackPort = integerContext(app, CONTEXT.cliCallbackPort);
  const stateful = new JitAccessStatefulStack(app, `${prefix}Stateful`, {
    description: "jit-access stateful resources: Requests and Audit tables, signing key, identity provider",
    policy,
    cognitoDomainPrefix:
      stringContext(app, CONTEXT.cognitoDomainPrefix) ??
      Fn.join("-", [prefix.toLowerCase().replace(/[^a-z0-9-]/g, ""), Aws.ACCOUNT_ID]),
    signingKeyGeneration: integerContext(app, CONTEXT.signingKeyGeneration) ?? 1,
    ...(threatProtection === undefined ? {} : { threatProtection }),
  });

  const previousKeyArns = listContext(app, CONTEXT.previousKeyArns);
  for (const arn of previousKeyArns) {
    if (!KMS_KEY_ARN.test(arn)) {
      throw new ConfigurationError(
        `Context "${CONTEXT.previousKeyArns}": "${arn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`,
      );
    }
  }
  const consoleUrlContext = stringContext(app, CONTEXT.consoleUrl);
  const domainName = stringContext(app, CONTEXT.domainName);
  const certificateArn = stringContext(app, CONTEXT.certificateArn);
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new ConfigurationError(
      `Context "${CONTEXT.domainName}" and "${CONTEXT.certificateArn}" must be given together`,
    );
  }

  // The console's stack comes before the stateless one, which refers to it (CORS origin, client ids,
  // config.json). With Cognito it holds the two app clients, next to the distribution they redirect to,
  // and refers to the stateful stack's user pool and domain. Its CSP names the identity provider (the
  // issuer for discovery and keys; Cognito's domain for the token endpoint) and the JIT API: the API's exact
  // origin with a custom domain; otherwise API Gateway's domain in this region, since the API's id is only
  // known after the stateless stack, which must deploy after this one.
  const identity = stateful.identity;
  const hostedDomain = identity.userPoolDomain?.baseUrl();
  const consoleStack = new JitAccessConsoleStack(app, `${prefix}Console`, {
    description: "jit-access web console: S3 + CloudFront with strict security headers, sign-in app clients",
    connectSources: [
      ...(identity.userPool === undefined
        ? [originOf(identity.issuer)]
        : [`https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}`, hostedDomain as string]),
      domainName === undefined
        ? `https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`
        : `https://${domainName}`,
    ],
    ...(identity.userPool === undefined
      ? {}
      : {
          signIn: {
            userPool: identity.userPool,
            ...(cliCallbackPort === undefined ? {} : { cliCallbackPort }),
            ...(consoleUrlContext === undefined ? {} : { extraConsoleOrigin: consoleUrlContext }),
          },
        }),
  });
  const clients = consoleStack.signInClients;
  const clientIds = identity.externalClientIds ?? {
    console: clients?.consoleClient.userPoolClientId as string,
    cli: clients?.cliClient.userPoolClientId as string,
  };
  const oidc: OidcSettings = {
    issuer: identity.issuer,
    clientIds: [clientIds.console, clientIds.cli],
    groupsClaim: identity.groupsClaim,
    ...(identity.jwksUri === undefined ? {} : { jwksUri: identity.jwksUri }),
  };

  const stateless = new JitAccessStatelessStack(app, `${prefix}Stateless`, {
    description: "jit-access stateless resources: JIT API, Lambdas, expiry consumer",
    policy,
    requestsTable: stateful.requestsTable,
    auditTable: stateful.auditTable,
    notificationsTable: stateful.notificationsTable,
    signingKeyArn: stateful.signingKey.keyArn,
    cursorKeySecretArn: stateful.cursorKeySecret.secretArn,
    previousKeyArns,
    identity: oidc,
    cliLogin: {
      clientId: clientIds.cli,
      ...(identity.userPool !== undefined && cliCallbackPort !== undefined ? { port: cliCallbackPort } : {}),
    },
    console: {
      origin: consoleStack.url,
      bucketArnExportName: consoleStack.bucketArnExportName,
      distribution: consoleStack.hosting.distribution,
      clientId: clientIds.console,
      ...(hostedDomain === undefined
        ? {}
        : {
            authorizationEndpoint: `${hostedDomain}/oauth2/authorize`,
            tokenEndpoint: `${hostedDomain}/oauth2/token`,
          }),
    },
    ...(domainName !== undefined && certificateArn !== undefined
      ? { domain: { domainName, certificateArn } }
      : {}),
    ...handlersDir,
    // Notification links point at the deployed console unless another console URL is given.
    consoleUrl: consoleUrlContext ?? consoleStack.url,
  });

  let demo: DemoOrdersStack | undefined;
  if (booleanContext(app, CONTEXT.demo) !== false) {
    demo = new DemoOrdersStack(app, `${prefix}DemoOrders`, {
      description: "jit-access demo: an orders API protected by the JIT authorizer",
      jit: {
        issuer: stateless.api.issuer,
        requestsTable: stateful.requestsTable,
        publicKeyArns: stateless.api.publicKeyArns,
        policy,
      },
      revocationBound: Duration.seconds(integerContext(app, CONTEXT.demoRevocationBoundSeconds) ?? 30),
      ...handlersDir,
    });
  }
  return { app, stateful, stateless, console: consoleStack, demo };
}

function stringContext(app: App, key: string): string | undefined {
  const value = app.node.tryGetContext(key) as unknown;
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ConfigurationError(`Context "${key}" must be a string`);
  return value;
}

function integerContext(app: App, key: string): number | undefined {
  const value = app.node.tryGetContext(key) as unknown;
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigurationError(`Context "${key}" must be a whole number, got ${JSON.stringify(value)}`);
  }
  return n;
}

function booleanContext(app: App, key: string): boolean | undefined {
  const value = app.node.tryGetContext(key) as unknown;
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new ConfigurationError(`Context "${key}" must be true or false, got ${JSON.stringify(value)}`);
}

function listContext(app: App, key: string): string[] {
  const value = app.node.tryGetContext(key) as unknown;
  if (value === undefined || value === null || value === "") return [];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.map((v) => v.trim());
  if (typeof value === "string") {
    return value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  }
  throw new ConfigurationError(
    `Context "${key}" must be a JSON array of strings or a comma-separated string`,
  );
}
