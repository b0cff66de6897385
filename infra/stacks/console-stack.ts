import { type CfnElement, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type { Construct } from "constructs";
import { CONSOLE_DIST_DIR, ensureConsoleBuilt } from "#console/build.js";
import { ConsoleHosting } from "../constructs/console-hosting.js";
import { SignInClients } from "../constructs/sign-in-clients.js";
import { acknowledgeBucketDeploymentHandler } from "../nag.js";

/** Properties of {@link JitAccessConsoleStack}. */
export interface JitAccessConsoleStackProps extends StackProps {
  /**
   * Where the console may connect (CSP `connect-src`) besides its own origin: the JIT API and the
   * identity provider's endpoints, as origins or CSP host patterns.
   */
  readonly connectSources: readonly string[];
  /**
   * The Cognito user pool whose app clients (console and CLI) this stack creates, next to the console
   * they redirect to; omitted with an external identity provider.
   */
  readonly signIn?: {
    readonly userPool: cognito.IUserPool;
    /** Port of the CLI's loopback redirect. @default 8400 */
    readonly cliCallbackPort?: number;
    /** Another origin the console is served from (a custom domain), also allowed as a redirect. */
    readonly extraConsoleOrigin?: string;
  };
  /** The built console. @default console/dist (rebuilt first when older than its sources) */
  readonly siteDir?: string;
}

/**
 * The web console: S3 + CloudFront hosting with the security headers, and with Cognito the two app
 * clients (console, CLI) whose redirect URIs name the distribution. It refers only to the stateful stack
 * (the user pool and its domain); the stateless stack refers to it (the console origin for CORS, the client
 * ids; it also writes the console's config.json), so no two stacks reference each other both ways.
 */
export class JitAccessConsoleStack extends Stack {
  readonly hosting: ConsoleHosting;
  /** `https://<distribution domain>`. */
  readonly url: string;
  /**
   * Export name of the console bucket's ARN. The stateless stack imports it by this fixed name to write
   * config.json, so its deployment role's policy names the bucket predictably.
   */
  readonly bucketArnExportName: string;
  /** The Cognito app clients, when {@link JitAccessConsoleStackProps.signIn} names a user pool. */
  readonly signInClients: SignInClients | undefined;

  constructor(scope: Construct, id: string, props: JitAccessConsoleStackProps) {
    super(scope, id, props);
    if (props.siteDir === undefined) ensureConsoleBuilt();
    this.hosting = new ConsoleHosting(this, "Console", {
      siteDir: props.siteDir ?? CONSOLE_DIST_DIR,
      connectSources: props.connectSources,
    });
    const bucketId = this.getLogicalId(this.hosting.bucket.node.defaultChild as CfnElement);
    acknowledgeBucketDeploymentHandler(this, `<${bucketId}.Arn>`);
    this.url = this.hosting.url;
    this.bucketArnExportName = `${this.stackName}-ConsoleBucketArn`;
    new CfnOutput(this, "ConsoleBucketArn", {
      value: this.hosting.bucket.bucketArn,
      exportName: this.bucketArnExportName,
      description: "The console's bucket (config.json is written here by the stateless stack)",
    });
    new CfnOutput(this, "ConsoleUrl", {
      value: this.url,
      description: "The web console: open it in a browser",
    });
    if (props.signIn === undefined) {
      this.signInClients = undefined;
    } else {
      const origins = [this.url];
      const extra = props.signIn.extraConsoleOrigin?.replace(/\/+$/, "");
      if (extra !== undefined && extra !== this.url) origins.push(extra);
      this.signInClients = new SignInClients(this, "SignInClients", {
        userPool: props.signIn.userPool,
        consoleOrigins: origins,
        ...(props.signIn.cliCallbackPort === undefined
          ? {}
          : { cliCallbackPort: props.signIn.cliCallbackPort }),
      });
      new CfnOutput(this, "ConsoleClientId", {
        value: this.signInClients.consoleClient.userPoolClientId,
        description: "Cognito app client of the console (identity tokens' aud)",
      });
      new CfnOutput(this, "CliClientId", {
        value: this.signInClients.cliClient.userPoolClientId,
        description: `Cognito app client of the jit CLI: jit login --client-id <this> (redirect ${this.signInClients.cliCallbackUrl})`,
      });
    }
  }
}
