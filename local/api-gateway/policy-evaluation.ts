import { INVOKE_ACTION, POLICY_VERSION } from "#functions/domain/iam-policy.js";
import { iamWildcardMatch } from "#functions/domain/route-matching.js";

// API Gateway's side of a Lambda authorizer, for the local emulator and the tests that check what API
// Gateway would do with an authorizer's answer. The Lambdas never evaluate policies: only API Gateway does.

/** Outcome of {@link evaluatePolicy}. `NoMatch` is an implicit deny. */
export type PolicyEvaluation = "Allow" | "Deny" | "NoMatch";

/**
 * Evaluates an authorizer policy for one invocation the way API Gateway does
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * a matching explicit Deny wins; otherwise a matching Allow allows; otherwise `NoMatch` (implicit deny).
 *
 * Matching: `Action` case-insensitively against `execute-api:Invoke`; `Resource` as an ARN, each of the
 * first five `:`-separated segments and the resource part matched separately with IAM wildcards (`*`
 * any run, `?` one character, never spanning a segment; `*` alone matches every ARN). `methodArn` is
 * literal.
 *
 * Fail closed on what this small evaluator does not model: a document that is not version 2012-10-17
 * with well-formed statements evaluates to `Deny`; a statement with `Condition`, `NotAction`,
 * `NotResource`, `Principal` or `NotPrincipal` never allows, and as a Deny it is taken to match.
 * @param policyDocument the `policyDocument` an authorizer returned (any JSON value).
 * @param methodArn the invocation ARN being authorized.
 */
export function evaluatePolicy(policyDocument: unknown, methodArn: string): PolicyEvaluation {
  if (!isRecord(policyDocument) || policyDocument.Version !== POLICY_VERSION) return "Deny";
  const raw = policyDocument.Statement;
  const statements = Array.isArray(raw) ? raw : [raw];
  let allowed = false;
  for (const statement of statements) {
    if (!isRecord(statement)) return "Deny";
    const effect = statement.Effect;
    if (effect !== "Allow" && effect !== "Deny") return "Deny";
    const unmodelled = UNMODELLED_ELEMENTS.some((k) => k in statement);
    const actions = stringList(statement.Action);
    const resources = stringList(statement.Resource);
    if (effect === "Deny") {
      if (unmodelled) return "Deny";
      if (actions === undefined || resources === undefined) return "Deny";
      if (matchesAction(actions) && resources.some((r) => arnMatches(r, methodArn))) return "Deny";
    } else {
      if (unmodelled || actions === undefined || resources === undefined) continue;
      if (matchesAction(actions) && resources.some((r) => arnMatches(r, methodArn))) allowed = true;
    }
  }
  return allowed ? "Allow" : "NoMatch";
}

const UNMODELLED_ELEMENTS = ["Condition", "NotAction", "NotResource", "Principal", "NotPrincipal"] as const;

function matchesAction(actions: string[]): boolean {
  const target = INVOKE_ACTION.toLowerCase();
  return actions.some((a) => iamWildcardMatch(a.toLowerCase(), target));
}

/** ARN pattern vs literal ARN, segment by segment (wildcards never span the first five `:`). */
function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === "*") return true;
  const p = splitArn(pattern);
  const a = splitArn(arn);
  if (p === undefined || a === undefined) return false;
  return p.every((segment, i) => iamWildcardMatch(segment, a[i] ?? ""));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) return value;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
