import type * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { CONSOLE_CONFIG_KEY } from "./console-hosting.js";

/** What the console reads from its `/config.json` (console/src/config.ts). Deploy-time tokens are fine. */
export interface ConsoleConfigValues {
  /** JIT API base URL, no trailing slash. */
  readonly apiUrl: string;
  /** OIDC issuer of the identity provider. */
  readonly issuer: string;
  /** The console's OAuth client id. */
  readonly clientId: string;
  /** The provider's authorization and token endpoints, when known at deploy time (Cognito's domain). */
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
}

/** Properties of {@link ConsoleConfigFile}. */
export interface ConsoleConfigFileProps {
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.IDistribution;
  readonly config: ConsoleConfigValues;
}

/**
 * Writes the console's `config.json` into its bucket at deploy time and invalidates the cached copy. It
 * lives in the stack that knows the JIT API's URL, so the console's stack never refers to the API's
 * (which refers to the console's origin for CORS and, through the sign-in clients, to its client ids).
 */
export class ConsoleConfigFile extends Construct {
  constructor(scope: Construct, id: string, props: ConsoleConfigFileProps) {
    super(scope, id);
    const document: Record<string, string> = {
      apiUrl: props.config.apiUrl,
      issuer: props.config.issuer,
      clientId: props.config.clientId,
    };
    if (props.config.authorizationEndpoint !== undefined && props.config.tokenEndpoint !== undefined) {
      document.authorizationEndpoint = props.config.authorizationEndpoint;
      document.tokenEndpoint = props.config.tokenEndpoint;
    }
    new s3deploy.BucketDeployment(this, "Upload", {
      sources: [s3deploy.Source.jsonData(CONSOLE_CONFIG_KEY, document)],
      destinationBucket: props.bucket,
      // Only config.json: the site's own files belong to the console stack's deployment.
      prune: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: props.distribution,
      distributionPaths: [`/${CONSOLE_CONFIG_KEY}`],
    });
  }
}
