import { type CfnElement, CustomResource, Duration, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import {
  TRUSTED_KEYS_ATTRIBUTE,
  TRUSTED_KEYS_PROPERTY,
  TRUSTED_KEYS_RESOURCE_TYPE,
} from "#functions/config/trusted-keys-contract.js";
import { JitFunction } from "./jit-function.js";

/** Properties of {@link TrustedKeys}. */
export interface TrustedKeysProps {
  /** KMS signing key ARNs whose tokens are trusted: the current key first, then previous ones. */
  readonly keyArns: readonly string[];
  readonly logRetention: logs.RetentionDays;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
}

/**
 * The public keys of KMS signing keys, read at deploy time: a custom resource (provider framework,
 * aws-cdk-lib/custom-resources) whose `onEvent` Lambda (functions/handlers/trusted-keys-resource.ts)
 * calls `kms:GetPublicKey` on exactly `keyArns` and returns them as a JWK Set. {@link jwks} is that set
 * as JSON, for the JIT authorizer's `JIT_TRUSTED_JWKS`, so the authorizer needs no KMS permission and
 * makes no KMS call, not even at a cold start. A change to `keyArns` (a rotation) reads the keys again
 * and updates every function that uses {@link jwks}. An unusable key fails the deployment.
 */
export class TrustedKeys extends Construct {
  /** The JWK Set (RFC 7517 §5) as JSON: a deploy-time token (`Fn::GetAtt` of the resource). */
  readonly jwks: string;
  /** The function that reads the keys (the custom resource's `onEvent` handler). */
  readonly reader: JitFunction;

  constructor(scope: Construct, id: string, props: TrustedKeysProps) {
    super(scope, id);
    const reader = new JitFunction(this, "Reader", {
      handler: "trusted-keys-resource",
      description: "jit-access: reads the trusted public keys from KMS at deploy time",
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    });
    this.reader = reader;
    reader.grantGetPublicKey(props.keyArns);

    // The framework's own role, instead of the AWS managed AWSLambdaBasicExecutionRole: logs to its one
    // log group only; the Provider adds the permission to invoke the reader.
    const frameworkLogs = new logs.LogGroup(this, "ProviderLogs", { retention: props.logRetention });
    const frameworkRole = new iam.Role(this, "ProviderRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "jit-access trusted-keys custom resource provider framework",
    });
    frameworkRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [frameworkLogs.logGroupArn],
      }),
    );
    const provider = new cr.Provider(this, "Provider", {
      onEventHandler: reader.function,
      logGroup: frameworkLogs,
      frameworkOnEventRole: frameworkRole,
    });
    // The framework's function is plain JavaScript: run it on arm64 like every other function here.
    const frameworkFunction = provider.node.findChild("framework-onEvent").node
      .defaultChild as lambda.CfnFunction;
    frameworkFunction.addPropertyOverride("Architectures", ["arm64"]);

    const resource = new CustomResource(this, "Resource", {
      serviceToken: provider.serviceToken,
      resourceType: TRUSTED_KEYS_RESOURCE_TYPE,
      properties: { [TRUSTED_KEYS_PROPERTY]: [...props.keyArns] },
    });
    this.jwks = resource.getAttString(TRUSTED_KEYS_ATTRIBUTE);

    const readerLogicalId = Stack.of(this).getLogicalId(reader.function.node.defaultChild as CfnElement);
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${readerLogicalId}.Arn>:*]`,
      reason:
        "The custom resource provider framework (aws-cdk-lib) grants lambda:InvokeFunction on the reader " +
        "function and on its versions and aliases (`<function ARN>:*`); it is one function of this construct.",
    });
  }
}
