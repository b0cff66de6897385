import { type CfnElement, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { CONSOLE_DIST_DIR, ensureConsoleBuilt } from "#console/build.js";
import { ConsoleHosting } from "../constructs/console-hosting.js";
import { acknowledgeBucketDeploymentHandler } from "../nag.js";

/** Properties of {@link JitAccessConsoleStack}. */
export interface JitAccessConsoleStackProps extends StackProps {
  /**
   * Where the console may connect (CSP `connect-src`) besides its own origin: the JIT API and the
   * identity provider's endpoints, as origins or CSP host patterns.
   */
  readonly connectSources: readonly string[];
  /** The built console. @default console/dist (rebuilt first when older than its sources) */
  readonly siteDir?: string;
}

/**
 * The web console: S3 + CloudFront hosting with the security headers. It refers to no other stack's
 * resources except through props given as plain values, and the stateless stack refers to it (the
 * console origin for CORS; it also writes the console's config.json), so the two never reference each
 * other both ways.
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
  }
}
