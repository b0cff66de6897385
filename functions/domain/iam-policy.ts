import { HTTP_METHODS, isHttpMethod, permissionResourceTails } from "./route-matching.js";

/**
 * IAM policy documents as a Lambda authorizer returns them to API Gateway, and the `execute-api` ARNs
 * they name. References:
 * - output shape: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * - ARN format: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 */

/** The only policy language version API Gateway evaluates with variables and wildcards as documented. */
export const POLICY_VERSION = "2012-10-17";

/** The action API Gateway checks for an invocation. */
export const INVOKE_ACTION = "execute-api:Invoke";

/** One statement of an authorizer policy. */
export interface IamPolicyStatement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
}

/** An authorizer policy document. */
export interface IamPolicyDocument {
  Version: typeof POLICY_VERSION;
  Statement: IamPolicyStatement[];
}

/**
 * A parsed `methodArn` / `routeArn`:
 * `arn:{partition}:execute-api:{region}:{accountId}:{apiId}/{stage}/{method}/{path}`.
 */
export interface ExecuteApiArn {
  partition: string;
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
  /** One of the HTTP methods of route-matching.ts. */
  method: string;
  /** The invoked path, starting with `/` (the root resource is `/`). Literal: never a pattern. */
  path: string;
}

/** Thrown when a `methodArn`/`routeArn` is not a well-formed `execute-api` invocation ARN. */
export class InvalidExecuteApiArnError extends Error {
  override name = "InvalidExecuteApiArnError";
}

// Every part that ends up in an Allow ARN is checked against an alphabet without `*`, `?`, `/` or `:`,
// so nothing taken from the event can widen the resources we allow.
const PARTITION = /^aws(?:-[a-z]+)*$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ACCOUNT = /^\d{12}$/;
const API_ID = /^[A-Za-z0-9_-]{1,128}$/;
const STAGE = /^(?:\$default|[A-Za-z0-9_-]{1,128})$/;
const MAX_ARN_LENGTH = 4_096;

/**
 * The whole grammar of {@link parseExecuteApiArn} in one expression:
 * `arn:{partition}:execute-api:{region}:{accountId}:{apiId}/{stage}/{method}/{path}`. Each group is the
 * part's alphabet above, every separator it consumes is one the step-by-step parse splits on, and no
 * group admits a space or control character, so a match is an ARN that parse accepts, with the same
 * parts (`path` keeps its leading `/`). One match costs a fraction of the checks and splits it stands in
 * for on every authorizer call (about 2 % of a warm decision with the tails below, measured in process).
 */
const EXECUTE_API_ARN = new RegExp(
  `^arn:(${body(PARTITION)}):execute-api:(${body(REGION)}):(${body(ACCOUNT)}):` +
    `(${body(API_ID)})/(${body(STAGE)})/(${HTTP_METHODS.join("|")})(/[^\\x00-\\x20\\x7f]*)$`,
);

/** The pattern of an anchored `^…$` part expression, to embed it in {@link EXECUTE_API_ARN}. */
function body(anchored: RegExp): string {
  return anchored.source.slice(1, -1);
}

/**
 * Parses an API Gateway invocation ARN strictly.
 * @throws InvalidExecuteApiArnError naming the part that is wrong.
 */
export function parseExecuteApiArn(arn: string): ExecuteApiArn {
  if (typeof arn !== "string" || arn.length > MAX_ARN_LENGTH) throw notPrintable();
  const m = EXECUTE_API_ARN.exec(arn);
  if (m === null) return parseExecuteApiArnStepwise(arn);
  const [, partition = "", region = "", accountId = "", apiId = "", stage = "", method = "", path = ""] = m;
  return { partition, region, accountId, apiId, stage, method, path };
}

/**
 * The step-by-step parse, the reference grammar: only ARNs that {@link EXECUTE_API_ARN} refuses get here,
 * so it names what is wrong (and, should the two ever disagree, its answer is the one given).
 */
function parseExecuteApiArnStepwise(arn: string): ExecuteApiArn {
  if (hasSpaceOrControl(arn)) throw notPrintable();
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || parts[2] !== "execute-api") {
    throw new InvalidExecuteApiArnError("not an execute-api ARN");
  }
  const [, partition = "", , region = "", accountId = ""] = parts;
  const resource = parts.slice(5).join(":");
  if (!PARTITION.test(partition)) throw new InvalidExecuteApiArnError("bad partition");
  if (!REGION.test(region)) throw new InvalidExecuteApiArnError("bad region");
  if (!ACCOUNT.test(accountId)) throw new InvalidExecuteApiArnError("bad account id");
  const [apiId = "", stage = "", method = "", ...pathParts] = resource.split("/");
  if (!API_ID.test(apiId)) throw new InvalidExecuteApiArnError("bad API id");
  if (!STAGE.test(stage)) throw new InvalidExecuteApiArnError("bad stage");
  if (!isHttpMethod(method)) throw new InvalidExecuteApiArnError("bad method");
  if (pathParts.length === 0) throw new InvalidExecuteApiArnError("no resource path");
  return { partition, region, accountId, apiId, stage, method, path: `/${pathParts.join("/")}` };
}

function notPrintable(): InvalidExecuteApiArnError {
  return new InvalidExecuteApiArnError("ARN is not a printable string of reasonable length");
}

function hasSpaceOrControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** `arn:…:{apiId}/{stage}/`: the prefix every ARN of this API and stage shares. */
export function executeApiArnPrefix(arn: Omit<ExecuteApiArn, "method" | "path">): string {
  return `arn:${arn.partition}:execute-api:${arn.region}:${arn.accountId}:${arn.apiId}/${arn.stage}/`;
}

/**
 * Every invocation ARN the `permissions` open on the API and stage of `arn`, deduplicated, in order.
 * A permission's `*` stays an IAM wildcard in the path; a method `*` is expanded into the concrete verbs.
 * @throws InvalidPermissionError for a permission outside the strict grammar (callers deny).
 */
export function permissionArns(permissions: readonly string[], arn: ExecuteApiArn): string[] {
  // Deduplicated on the tails, which is the same as on whole ARNs (one prefix): the tails are kept per
  // permission with their hashes, while each new `prefix + tail` would be flattened and hashed first.
  const tails = new Set<string>();
  for (const permission of permissions) {
    for (const tail of permissionResourceTails(permission)) tails.add(tail);
  }
  const prefix = executeApiArnPrefix(arn);
  const out: string[] = [];
  for (const tail of tails) out.push(prefix + tail);
  return out;
}

/** One Allow statement for `execute-api:Invoke` on `resources` (at least one). */
export function allowPolicy(resources: readonly string[]): IamPolicyDocument {
  if (resources.length === 0) throw new RangeError("an Allow policy needs at least one resource");
  return {
    Version: POLICY_VERSION,
    Statement: [{ Effect: "Allow", Action: INVOKE_ACTION, Resource: [...resources] }],
  };
}

/** One explicit Deny statement for `execute-api:Invoke` on `resource`. */
export function denyPolicy(resource: string): IamPolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Effect: "Deny", Action: INVOKE_ACTION, Resource: [resource] }],
  };
}
