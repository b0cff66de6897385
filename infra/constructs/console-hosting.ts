import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import {
  CUSTOM_SECURITY_HEADERS,
  contentSecurityPolicy,
  HSTS_MAX_AGE_SECONDS,
} from "#console/security-headers.js";

/** Object key of the console's runtime configuration, written by {@link ConsoleConfigFile}. */
export const CONSOLE_CONFIG_KEY = "config.json";

/** Properties of {@link ConsoleHosting}. */
export interface ConsoleHostingProps {
  /** The built console (`npm run build` → console/dist). */
  readonly siteDir: string;
  /**
   * Where the page may connect besides its own origin: the JIT API and the identity provider, as CSP
   * sources (origins or host patterns). Deploy-time tokens are fine.
   */
  readonly connectSources: readonly string[];
}

/**
 * CloudFront viewer-request function for client-side routes: a path without a file extension (`/access`,
 * the `/requests/{id}` deep link) is served `/index.html`; files keep their path, so a missing asset is a
 * 403/404 rather than an HTML page with status 200.
 */
const SPA_ROUTING_FUNCTION = `function handler(event) {
  var request = event.request;
  var last = request.uri.split("/").pop();
  if (last.indexOf(".") === -1) request.uri = "/index.html";
  return request;
}`;

/**
 * Hosting of the web console: a private S3 bucket (all public access blocked, TLS only, S3-managed
 * encryption) read by CloudFront through origin access control, HTTPS only, with a response headers
 * policy carrying the headers of console/security-headers.ts (CSP, HSTS, Referrer-Policy, frame and type
 * options), client-side routing for deep links, and the built files uploaded at deploy time (hashed
 * assets cached for a year, the rest revalidated). `config.json` is not part of the upload: the stack that
 * knows the JIT API's URL writes it (infra/constructs/console-config.ts).
 */
export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headersPolicy: cloudfront.ResponseHeadersPolicy;
  /** `https://<distribution domain>`: the console's origin (no trailing slash). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, "Site", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      // Kept on stack deletion like every bucket CloudFormation cannot empty; it holds only build output.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "The bucket holds only the console's public build output and config.json, uploaded by CloudFormation; " +
        "it is read only by CloudFront through origin access control. Viewer requests are in the distribution's " +
        "metrics and the JIT API's access logs record every action.",
    });

    this.headersPolicy = new cloudfront.ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "jit-access console: CSP, HSTS, no referrer, no framing",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy({
            connectSources: props.connectSources,
            upgradeInsecureRequests: true,
          }),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS),
          includeSubdomains: true,
          override: true,
        },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      },
      customHeadersBehavior: {
        customHeaders: Object.entries(CUSTOM_SECURITY_HEADERS).map(([header, value]) => ({
          header,
          value,
          override: true,
        })),
      },
    });

    const routing = new cloudfront.Function(this, "SpaRouting", {
      comment: "jit-access console: serve index.html for client-side routes",
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(SPA_ROUTING_FUNCTION),
    });

    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `${Stack.of(this).stackName} web console`,
      defaultRootObject: "index.html",
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headersPolicy,
        compress: true,
        functionAssociations: [{ function: routing, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR1",
      reason:
        "Who may use the console is decided by sign-in at the identity provider and by the JIT API, not by " +
        "country; geo restrictions would lock out travelling on-call engineers.",
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR2",
      reason:
        "The distribution serves static files only; every action goes to the JIT API, which requires a verified " +
        "token and is throttled. Associate your web ACL with the distribution to add AWS WAF.",
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR3",
      reason:
        "Standard logs would record downloads of public static files only (no identities, no actions); the " +
        "JIT API's access and audit logs record every action taken through the console.",
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR4",
      reason:
        "The default *.cloudfront.net certificate cannot pin a minimum TLS version (TLSv1.2_2021 is requested " +
        "and applies once a custom domain and certificate are configured); viewers are redirected to HTTPS and HSTS is sent.",
    });

    new s3deploy.BucketDeployment(this, "Assets", {
      sources: [s3deploy.Source.asset(`${props.siteDir}/assets`)],
      destinationBucket: this.bucket,
      destinationKeyPrefix: "assets/",
      // Hashed file names: safe to cache for a year; older ones stay for tabs still open on them.
      prune: false,
      cacheControl: [
        s3deploy.CacheControl.setPublic(),
        s3deploy.CacheControl.maxAge(Duration.days(365)),
        s3deploy.CacheControl.immutable(),
      ],
    });
    new s3deploy.BucketDeployment(this, "Pages", {
      sources: [s3deploy.Source.asset(props.siteDir, { exclude: ["assets/**"] })],
      destinationBucket: this.bucket,
      prune: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ["/index.html", "/"],
    });

    this.url = `https://${this.distribution.distributionDomainName}`;
  }
}
