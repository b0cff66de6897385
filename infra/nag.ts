import { type Stack, Validations } from "aws-cdk-lib";
import type * as apigateway from "aws-cdk-lib/aws-apigateway";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";

/**
 * Registers cdk-nag's AwsSolutions checks on the app. cdk-nag 3 runs as a CDK policy validation plugin:
 * any unacknowledged finding (error or warning) fails synthesis with a report. Acknowledgements are made
 * next to the resource with `Validations.of(construct).acknowledge({ id, reason })`, always with a reason.
 */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/** Acknowledges AwsSolutions-APIG3 (no WAF web ACL) on a REST API, with the reason. */
export function acknowledgeNoWaf(api: apigateway.RestApi): void {
  Validations.of(api).acknowledge({
    id: "AwsSolutions-APIG3",
    reason:
      "AWS WAF is an account-level choice with its own cost and rules; every method already requires a " +
      "verified token and the stage is throttled. Associate your web ACL with the stage to add WAF.",
  });
}

/**
 * Acknowledges the findings on the Lambda that CDK's `BucketDeployment` adds once per stack (a singleton
 * `Custom::CDKBucketDeployment…` function owned by aws-cdk-lib), with the reasons. Call after the stack's
 * deployments are created.
 * @param bucketArn how cdk-nag names the destination bucket's ARN in the role's policy: `<LogicalId.Arn>` for
 *   a bucket of the same stack, the export name for one imported with `Fn.importValue`.
 */
export function acknowledgeBucketDeploymentHandler(stack: Stack, bucketArn: string): void {
  const handler = stack.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
  if (handler === undefined) return;
  const copying =
    "CDK's BucketDeployment handler copies the console's files from the CDK asset bucket into the console " +
    "bucket at deploy time; aws-cdk-lib generates its role and policy, scoped to those two buckets";
  Validations.of(handler).acknowledge(
    {
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason: `${copying}; the AWS managed basic execution policy only lets it write its own logs.`,
    },
    ...[
      "Action::s3:GetObject*",
      "Action::s3:GetBucket*",
      "Action::s3:List*",
      "Action::s3:DeleteObject*",
      "Action::s3:Abort*",
      "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
      `Resource::${bucketArn}/*`,
    ].map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason: `${copying}: object-level wildcards within those buckets are what a copy of many files needs.`,
    })),
    {
      id: "AwsSolutions-IAM5[Resource::*]",
      reason: `${copying}; CloudFront invalidation actions (CreateInvalidation, GetInvalidation) support no resource-level scoping in the policy aws-cdk-lib writes.`,
    },
    {
      id: "AwsSolutions-L1",
      reason: `${copying}; its runtime is chosen by aws-cdk-lib and moves forward with aws-cdk-lib upgrades.`,
    },
  );
}
