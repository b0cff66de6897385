import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { PROJECT_ROOT } from "#infra/bundling.js";

/** A CloudFormation template as JSON. */
export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;
  Outputs?: Record<string, { Value: unknown }>;
}

/** One IAM statement and the roles it is attached to (logical ids). */
export interface AttachedStatement {
  stack: string;
  policy: string;
  roles: string[];
  actions: string[];
  resources: unknown[];
  effect: string;
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/**
 * Every IAM statement of a template: each AWS::IAM::Policy and each role's inline `Policies`, with the
 * roles they apply to.
 */
export function iamStatements(stack: string, template: TemplateJson): AttachedStatement[] {
  const out: AttachedStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === "AWS::IAM::Policy") {
      const roles = asArray(props.Roles as unknown[]).map((r) => (r as { Ref: string }).Ref);
      const doc = props.PolicyDocument as { Statement: Record<string, unknown>[] };
      for (const s of doc.Statement) out.push(statement(stack, id, roles, s));
    }
    if (resource.Type === "AWS::IAM::Role") {
      for (const p of asArray(
        props.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[],
      )) {
        for (const s of p.PolicyDocument.Statement) out.push(statement(stack, id, [id], s));
      }
    }
  }
  return out;
}

function statement(
  stack: string,
  policy: string,
  roles: string[],
  s: Record<string, unknown>,
): AttachedStatement {
  return {
    stack,
    policy,
    roles,
    actions: asArray(s.Action as string | string[]),
    resources: asArray(s.Resource as unknown),
    effect: String(s.Effect),
  };
}

/** Every acknowledgement (`Validations.of(x).acknowledge`) recorded in the construct tree. */
export function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: c.node.path, id, reason });
      }
    }
  }
  return out;
}

/** A reason a reviewer can act on: a sentence, not a placeholder. */
export function isWrittenReason(reason: string): boolean {
  const text = reason.trim();
  return (
    text.length >= 40 &&
    !/\b(todo|tbd|fixme|placeholder|lorem|xxx)\b/i.test(text) &&
    !/^(n\/a|none|ok|reason|suppressed?|ignore)\.?$/i.test(text)
  );
}

/** The `context` of the repository's cdk.json: what `cdk synth` and `cdk deploy` run with. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, "cdk.json"), "utf8")) as { context: Record<string, unknown> }
).context;

/** The CDK feature flags of cdk.json (its context without the app's own `jit-access:` keys). */
export const CDK_JSON_FEATURE_FLAGS: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries(CDK_JSON_CONTEXT).filter(([key]) => !key.startsWith("jit-access:")),
);
