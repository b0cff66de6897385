/** Region and account the emulator reports in ARNs and request contexts (no AWS account is involved). */
export const LOCAL_REGION = "us-east-1";
/** Placeholder AWS account id of the local stack. */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** Where a REST API is deployed, as its `methodArn`s name it. */
export interface ApiLocation {
  apiId: string;
  stage: string;
  region?: string;
  accountId?: string;
}

/**
 * The `methodArn` API Gateway passes to a REST API Lambda authorizer:
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`, where `{path}` is the request
 * path without its leading slash (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html).
 * @param method the HTTP method of the call, e.g. `GET`.
 * @param path the request path as sent (percent-encoding kept, so an encoded `*` or `/` in a path value
 *   cannot become a wildcard or an extra segment).
 */
export function methodArn(location: ApiLocation, method: string, path: string): string {
  const region = location.region ?? LOCAL_REGION;
  const account = location.accountId ?? LOCAL_ACCOUNT_ID;
  const resource = path.startsWith("/") ? path.slice(1) : path;
  return `arn:aws:execute-api:${region}:${account}:${location.apiId}/${location.stage}/${method}/${resource}`;
}
