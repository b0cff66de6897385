import { Validations } from "aws-cdk-lib";
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
