import type { APIGatewayAuthorizerResult } from "aws-lambda";

/** A `methodArn` that does not have the execute-api shape; the authorizer treats it as a refusal. */
export class InvalidMethodArnError extends Error {
  override name = "InvalidMethodArnError";
}

/**
 * The ARN covering every method and path of the stage a `methodArn` belongs to:
 * `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/GET/requests/1` →
 * `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/*\/*`.
 *
 * Why the whole stage: with authorizer result caching on, API Gateway reuses one policy for every route
 * called with the same identity source, so a policy naming only the first route would wrongly refuse the
 * next one. The identity authorizer only authenticates; each handler authorizes its own route.
 * Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 * @throws InvalidMethodArnError when the ARN is not an execute-api method ARN.
 */
export function wholeStageResource(methodArn: string): string {
  const parts = methodArn.split(":");
  if (parts.length !== 6 || parts[0] !== "arn" || parts[2] !== "execute-api") {
    throw new InvalidMethodArnError("methodArn is not an execute-api ARN");
  }
  const [, partition, , region, account, resource] = parts;
  const [apiId, stage] = (resource ?? "").split("/");
  if (!partition || !region || !account || !apiId || !stage) {
    throw new InvalidMethodArnError("methodArn lacks partition, region, account, API id or stage");
  }
  return `arn:${partition}:execute-api:${region}:${account}:${apiId}/${stage}/*/*`;
}

/**
 * A REST API (v1) authorizer Allow result: `execute-api:Invoke` on `resource`, with `principalId` and a flat
 * string `context` (API Gateway accepts only strings, numbers and booleans there).
 * Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 */
export function allowPolicy(
  principalId: string,
  resource: string,
  context: Record<string, string>,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: resource }],
    },
    context,
  };
}
