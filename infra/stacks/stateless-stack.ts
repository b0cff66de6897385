import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import type * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { ConsoleConfigFile } from "../constructs/console-config.js";
import { ExpiryConsumer } from "../constructs/expiry-consumer.js";
import type { OidcSettings } from "../constructs/identity.js";
import { JitApi } from "../constructs/jit-api.js";
import { JitMonitoring } from "../constructs/monitoring.js";
import { Notifier } from "../constructs/notifier.js";
import { acknowledgeBucketDeploymentHandler, acknowledgeNoWaf } from "../nag.js";
import type { DeploymentPolicy } from "../policy-file.js";

/** Properties of {@link JitAccessStatelessStack}. */
export interface JitAccessStatelessStackProps extends StackProps {
  readonly policy: DeploymentPolicy;
  readonly requestsTable: dynamodb.ITable;
  readonly auditTable: dynamodb.ITable;
  readonly notificationsTable: dynamodb.ITable;
  readonly signingKeyArn: string;
  /** The stateful stack's secret holding the list cursor key. */
  readonly cursorKeySecretArn: string;
  /** Retired signing keys still published and trusted (rotation). @default none */
  readonly previousKeyArns?: readonly string[];
  readonly identity: OidcSettings;
  /** The CLI's client id (and, with Cognito, a non-default redirect port), for the `CliLoginCommand` output. */
  readonly cliLogin?: { readonly clientId: string; readonly port?: number };
  /** Custom domain of the JIT API; the issuer becomes `https://<domainName>`. */
  readonly domain?: { readonly domainName: string; readonly certificateArn: string };
  /** @default "v1" */
  readonly stageName?: string;
  /** @default three months */
  readonly logRetention?: logs.RetentionDays;
  /** See {@link JitApi}. @default true */
  readonly createApiGatewayCloudWatchRole?: boolean;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
  /** Base URL of the web console, for links in notifications. @default no links */
  readonly consoleUrl?: string;
  /**
   * The web console (infra/stacks/console-stack.ts): the JIT API allows its origin (CORS), and this stack,
   * which knows the API's URL, writes the console's config.json into its bucket.
   */
  readonly console?: JitConsoleSettings;
}

/** What the stateless stack needs of the web console. */
export interface JitConsoleSettings {
  /** `https://<console domain>`, no trailing slash. */
  readonly origin: string;
  /** Export name of the console bucket's ARN (imported by name: see JitAccessConsoleStack). */
  readonly bucketArnExportName: string;
  readonly distribution: cloudfront.IDistribution;
  /** The console's OAuth client id at the identity provider. */
  readonly clientId: string;
  /** The identity provider's authorization and token endpoints, when known at deploy time. */
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
}

/**
 * Everything that can be redeployed or replaced freely: the JIT API with its Lambdas and authorizer,
 * and the expiry consumer on the Requests stream. Holds no data.
 */
export class JitAccessStatelessStack extends Stack {
  readonly api: JitApi;
  readonly expiry: ExpiryConsumer;
  readonly notifier: Notifier;
  readonly monitoring: JitMonitoring;

  constructor(scope: Construct, id: string, props: JitAccessStatelessStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const handlersDir = props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir };
    this.api = new JitApi(this, "JitApi", {
      policy: props.policy,
      requestsTable: props.requestsTable,
      auditTable: props.auditTable,
      signingKeyArn: props.signingKeyArn,
      cursorKeySecretArn: props.cursorKeySecretArn,
      ...(props.previousKeyArns === undefined ? {} : { previousKeyArns: props.previousKeyArns }),
      identity: props.identity,
      ...(props.domain === undefined
        ? {}
        : {
            domain: {
              domainName: props.domain.domainName,
              certificate: acm.Certificate.fromCertificateArn(
                this,
                "Certificate",
                props.domain.certificateArn,
              ),
            },
          }),
      ...(props.stageName === undefined ? {} : { stageName: props.stageName }),
      logRetention,
      ...(props.createApiGatewayCloudWatchRole === undefined
        ? {}
        : { createCloudWatchRole: props.createApiGatewayCloudWatchRole }),
      ...handlersDir,
      ...(props.console === undefined ? {} : { consoleOrigin: props.console.origin }),
    });
    acknowledgeNoWaf(this.api.restApi);
    if (props.console !== undefined) {
      const { bucketArnExportName, distribution, clientId, authorizationEndpoint, tokenEndpoint } =
        props.console;
      const bucket = s3.Bucket.fromBucketArn(this, "ConsoleBucket", Fn.importValue(bucketArnExportName));
      new ConsoleConfigFile(this, "ConsoleConfig", {
        bucket,
        distribution,
        config: {
          apiUrl: this.api.issuer,
          issuer: props.identity.issuer,
          clientId,
          ...(authorizationEndpoint !== undefined && tokenEndpoint !== undefined
            ? { authorizationEndpoint, tokenEndpoint }
            : {}),
        },
      });
      acknowledgeBucketDeploymentHandler(this, bucketArnExportName);
    }
    this.expiry = new ExpiryConsumer(this, "Expiry", {
      requestsTable: props.requestsTable,
      auditTable: props.auditTable,
      logRetention,
      ...handlersDir,
    });

    this.notifier = new Notifier(this, "Notifier", {
      policy: props.policy,
      requestsTable: props.requestsTable,
      auditTable: props.auditTable,
      notificationsTable: props.notificationsTable,
      logRetention,
      ...(props.consoleUrl === undefined ? {} : { consoleUrl: props.consoleUrl }),
      ...handlersDir,
    });

    this.monitoring = new JitMonitoring(this, "Monitoring", {
      api: this.api.restApi,
      channels: [...this.notifier.channels.keys()],
      failureQueues: [
        ...[...this.notifier.channels].map(([name, channel]) => ({
          label: `channel ${name}`,
          queue: channel.deadLetterQueue,
          alarm: channel.alarm,
        })),
        { label: "audit publisher", queue: this.notifier.publisherFailures },
        { label: "expiry consumer", queue: this.expiry.failures },
      ],
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.restApi.url, description: "JIT API base URL" });
    if (props.cliLogin !== undefined) {
      new CfnOutput(this, "CliLoginCommand", {
        value: Fn.join(" ", [
          "jit login --endpoint",
          this.api.issuer,
          "--issuer",
          props.identity.issuer,
          "--client-id",
          props.cliLogin.clientId,
          ...(props.cliLogin.port === undefined ? [] : ["--port", String(props.cliLogin.port)]),
        ]),
        description: "Signs the jit CLI in at the identity provider (browser, authorization code + PKCE)",
      });
    }
    new CfnOutput(this, "Issuer", { value: this.api.issuer, description: "iss of the access tokens" });
    new CfnOutput(this, "JwksUrl", { value: this.api.jwksUrl });
    new CfnOutput(this, "PublishedKeyArns", {
      value: this.api.publicKeyArns.join(","),
      description: "Signing keys whose public keys the JWKS publishes (current first)",
    });
    new CfnOutput(this, "ExpiryFailureQueueUrl", { value: this.expiry.failures.queueUrl });
    new CfnOutput(this, "EventBusName", {
      value: this.notifier.bus.eventBusName,
      description: "EventBridge bus of jit-access events (docs/events.md)",
    });
    for (const [name, channel] of this.notifier.channels) {
      if (channel.topic) {
        new CfnOutput(this, `EmailTopic${name.replace(/[^A-Za-z0-9]/g, "")}`, {
          value: channel.topic.topicArn,
          description: `Subscribe e-mail addresses of channel ${name} to this SNS topic`,
        });
      }
    }
  }
}
