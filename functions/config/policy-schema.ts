import * as z from "zod/mini";
import "./zod-locale.js";
import { parseDurationSeconds } from "../domain/duration.js";
import { isTrustworthyUrl } from "../domain/trustworthy-url.js";

/** HTTP methods a permission may name; `*` means any method (API Gateway's wildcard). */
export const PERMISSION_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"] as const;

const slug = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
      "must be a slug: lowercase letters, digits and '-', 1-64 characters",
    ),
  );

const groupName = z.string().check(z.minLength(1, "must not be empty"), z.maxLength(256));

/** An ISO 8601 duration string, checked here so the error names the field; converted to seconds later. */
const isoDuration = z.string().check(
  z.superRefine((text: string, ctx) => {
    try {
      const seconds = parseDurationSeconds(text);
      if (seconds < 1) ctx.addIssue({ code: "custom", message: `"${text}" must be at least 1 second` });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  }),
);

/**
 * A permission: `METHOD /path`. The path must start with `/`; `*` matches any characters, `/` included,
 * exactly as in the API Gateway `methodArn` resource of an IAM policy (so `GET /orders/*` covers
 * `/orders/1` and `/orders/1/items`, not `/orders`).
 */
const permission = z.string().check(
  z.superRefine((text: string, ctx) => {
    const match = /^(\S+) (\S+)$/.exec(text);
    if (!match) {
      ctx.addIssue({ code: "custom", message: `"${text}" must be "METHOD /path", e.g. "GET /orders/*"` });
      return;
    }
    const [, method = "", path = ""] = match;
    if (!(PERMISSION_METHODS as readonly string[]).includes(method)) {
      ctx.addIssue({
        code: "custom",
        message: `"${text}": method "${method}" must be one of ${PERMISSION_METHODS.join(", ")}`,
      });
    }
    if (!path.startsWith("/")) {
      ctx.addIssue({ code: "custom", message: `"${text}": path "${path}" must start with "/"` });
    } else if (!/^[A-Za-z0-9._~!$&'()+,;=:@%/*-]+$/.test(path)) {
      ctx.addIssue({
        code: "custom",
        message: `"${text}": path "${path}" has characters not allowed in a URL path`,
      });
    }
  }),
);

const ticketPattern = z.string().check(
  z.superRefine((text: string, ctx) => {
    try {
      new RegExp(text, "u");
    } catch (err) {
      ctx.addIssue({
        code: "custom",
        message: `is not a valid regular expression: ${(err as Error).message}`,
      });
    }
  }),
);

/** Channel names per audience of one entitlement (docs/configuration.md); names from `notifications.channels`. */
const NotifySchema = z.strictObject({
  approvers: z._default(z.array(slug), []),
  requester: z._default(z.array(slug), []),
  security: z._default(z.array(slug), []),
  /** Told once, shortly before a pending request's approval deadline (`notifications.reminders.escalateBefore`). */
  escalation: z._default(z.array(slug), []),
});

/** A Secrets Manager secret name (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html). */
const secretName = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9/_+=.@-]{1,512}$/,
      "must be a Secrets Manager secret name (letters, digits, /_+=.@-)",
    ),
  );

/** One notification channel (docs/configuration.md). Slack and webhook channels read their secret from Secrets Manager. */
export const ChannelSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("slack"),
    secret: secretName,
    url: z.optional(z.url({ protocol: /^https?$/ })),
  }),
  z.strictObject({
    type: z.literal("webhook"),
    secret: secretName,
    url: z.optional(z.url({ protocol: /^https?$/ })),
  }),
  z.strictObject({ type: z.literal("email"), secret: z.optional(secretName), url: z.optional(z.url()) }),
]);

/** Top-level `notifications`: the channels and the reminder timing. */
const NotificationsSchema = z.strictObject({
  channels: z._default(z.record(slug, ChannelSchema), {}),
  reminders: z._default(
    z.strictObject({
      /** First re-announcement of a pending request after creation; each later one waits twice as long. */
      firstAfter: z._default(isoDuration, "PT15M"),
      /** Escalation lead time before the approval deadline (only for entitlements with `notify.escalation`). */
      escalateBefore: z._default(isoDuration, "PT30M"),
      /** How long before a grant expires its requester is warned. */
      expiryWarningBefore: z._default(isoDuration, "PT10M"),
    }),
    { firstAfter: "PT15M", escalateBefore: "PT30M", expiryWarningBefore: "PT10M" },
  ),
});

const approverCount = z
  .number()
  .check(z.int("must be a whole number"), z.gte(1, "must be at least 1"), z.lte(10, "must be at most 10"));

/** An OAuth client id: printable, no spaces (RFC 6749 §2.2 leaves the form to the provider). */
const clientId = z
  .string()
  .check(z.regex(/^[\x21-\x7e]{1,256}$/, "must be 1-256 printable characters without spaces"));

/**
 * An identity provider URL: https, or http on a loopback address only (a local IdP), with no query or
 * fragment (OpenID Connect Discovery 1.0 §2 for the issuer).
 */
function identityUrl(name: string) {
  return z.string().check(
    z.superRefine((text: string, ctx) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({ code: "custom", message: `"${text}" is not a URL` });
        return;
      }
      if (!isTrustworthyUrl(url)) {
        ctx.addIssue({
          code: "custom",
          message: `"${text}" must be an https URL (http only on a loopback address: localhost, 127.0.0.1, [::1])`,
        });
      } else if (url.search !== "" || url.hash !== "" || text.includes("#")) {
        ctx.addIssue({ code: "custom", message: `the ${name} "${text}" must not have a query or fragment` });
      }
    }),
  );
}

/** One entitlement as written in the policy file (docs/configuration.md). */
export const EntitlementSchema = z.strictObject({
  id: slug,
  description: z.string().check(z.minLength(1, "must not be empty")),
  audience: z.string().check(z.minLength(1, "must not be empty")),
  permissions: z
    .array(permission)
    .check(z.minLength(1, 'must list at least one permission, e.g. "GET /orders/*"')),
  eligibleGroups: z.array(groupName).check(z.minLength(1, "must list at least one group")),
  approverGroups: z._default(z.array(groupName), []),
  minApprovals: z.optional(approverCount),
  approvals: z.optional(
    z
      .array(
        z.strictObject({
          groups: z.array(groupName).check(z.minLength(1, "must list at least one group")),
          min: z._default(approverCount, 1),
        }),
      )
      .check(z.minLength(1, "must list at least one step"), z.maxLength(10, "must list at most 10 steps")),
  ),
  maxDuration: isoDuration,
  defaultDuration: z.optional(isoDuration),
  approvalTimeout: z._default(isoDuration, "P1D"),
  requireJustification: z._default(z.boolean(), true),
  ticketPattern: z.optional(ticketPattern),
  autoApprove: z._default(z.boolean(), false),
  breakGlass: z._default(z.boolean(), false),
  /** Whether an active grant may be extended (docs/configuration.md, "Extending a grant"); absent: never. */
  extension: z.optional(
    z.strictObject({
      /** Longest a grant may last in all, extensions included (`expiresAt ≤ grantedAt + this`). */
      maxTotalDuration: isoDuration,
      /** Extensions are granted at once (audited) instead of by the entitlement's approval rule. */
      autoApprove: z._default(z.boolean(), false),
    }),
  ),
  notify: z._default(NotifySchema, { approvers: [], requester: [], security: [], escalation: [] }),
});

/** A development IdP user (local stack only; ignored in AWS). */
export const DevUserSchema = z.strictObject({
  username: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be lowercase letters, digits, '.', '_' or '-'")),
  email: z.optional(z.string().check(z.email("must be an email address"))),
  groups: z._default(z.array(groupName), []),
});

/** The whole policy file. */
export const PolicyFileSchema = z
  .strictObject({
    tokenTtl: z._default(isoDuration, "PT15M"),
    adminGroups: z._default(z.array(groupName), []),
    identity: z._default(
      z.strictObject({
        issuer: z.optional(identityUrl("issuer")),
        consoleClientId: z.optional(clientId),
        cliClientId: z.optional(clientId),
        groupsClaim: z._default(z.string().check(z.minLength(1), z.maxLength(256)), "cognito:groups"),
        jwksUri: z.optional(identityUrl("jwksUri")),
        // Replaced by the two client ids; declared only so that it is refused with a message naming them.
        audience: z.optional(z.unknown()),
      }),
      { groupsClaim: "cognito:groups" },
    ),
    entitlements: z.array(EntitlementSchema).check(z.minLength(1, "must define at least one entitlement")),
    users: z._default(z.array(DevUserSchema), []),
    notifications: z._default(NotificationsSchema, {
      channels: {},
      reminders: { firstAfter: "PT15M", escalateBefore: "PT30M", expiryWarningBefore: "PT10M" },
    }),
  })
  .check(
    z.superRefine((policy, ctx) => {
      const seen = new Map<string, number>();
      policy.entitlements.forEach((e, i) => {
        const first = seen.get(e.id);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["entitlements", i, "id"],
            message: `duplicate id "${e.id}" (also entitlements[${first}])`,
          });
        } else seen.set(e.id, i);

        const needsApproval = !e.autoApprove && !e.breakGlass;
        if (e.approvals !== undefined && (e.approverGroups.length > 0 || e.minApprovals !== undefined)) {
          ctx.addIssue({
            code: "custom",
            path: ["entitlements", i, "approvals"],
            message:
              "cannot be combined with approverGroups or minApprovals: give the rule either as steps " +
              "(approvals: [{groups, min}]) or as approverGroups + minApprovals",
          });
        }
        if (needsApproval && e.approverGroups.length === 0 && e.approvals === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["entitlements", i, "approverGroups"],
            message:
              "needs at least one approver group or an approvals rule (or set autoApprove or breakGlass)",
          });
        }
        if (e.autoApprove && e.breakGlass) {
          ctx.addIssue({
            code: "custom",
            path: ["entitlements", i, "breakGlass"],
            message: "cannot be combined with autoApprove",
          });
        }
        if (e.extension !== undefined) {
          if (e.breakGlass) {
            ctx.addIssue({
              code: "custom",
              path: ["entitlements", i, "extension"],
              message: "cannot be combined with breakGlass: a new emergency is a new break-glass grant",
            });
          }
          if (safeSeconds(e.extension.maxTotalDuration) < safeSeconds(e.maxDuration)) {
            ctx.addIssue({
              code: "custom",
              path: ["entitlements", i, "extension", "maxTotalDuration"],
              message:
                `${e.extension.maxTotalDuration} is shorter than maxDuration ${e.maxDuration}: ` +
                "it bounds the whole grant, extensions included",
            });
          }
        }
        if (e.defaultDuration !== undefined && safeSeconds(e.defaultDuration) > safeSeconds(e.maxDuration)) {
          ctx.addIssue({
            code: "custom",
            path: ["entitlements", i, "defaultDuration"],
            message: `${e.defaultDuration} is longer than maxDuration ${e.maxDuration}`,
          });
        }
      });
      const channels = Object.keys(policy.notifications.channels);
      policy.entitlements.forEach((e, i) => {
        for (const [audience, names] of Object.entries(e.notify)) {
          names.forEach((name, j) => {
            if (!channels.includes(name)) {
              ctx.addIssue({
                code: "custom",
                path: ["entitlements", i, "notify", audience, j],
                message:
                  channels.length === 0
                    ? `unknown channel "${name}": define it under notifications.channels`
                    : `unknown channel "${name}"; notifications.channels defines: ${channels.join(", ")}`,
              });
            }
          });
        }
      });

      checkIdentity(policy.identity, ctx);
      const users = new Map<string, number>();
      policy.users.forEach((u, i) => {
        const first = users.get(u.username);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["users", i, "username"],
            message: `duplicate username "${u.username}" (also users[${first}])`,
          });
        } else users.set(u.username, i);
      });
    }),
  );

/** Cross-field rules of `identity` (docs/identity.md). */
function checkIdentity(
  identity: {
    issuer?: string | undefined;
    consoleClientId?: string | undefined;
    cliClientId?: string | undefined;
    jwksUri?: string | undefined;
    audience?: unknown;
  },
  ctx: { addIssue(issue: { code: "custom"; path: PropertyKey[]; message: string }): void },
): void {
  if (identity.audience !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["identity", "audience"],
      message:
        'is replaced by "consoleClientId" and "cliClientId": the client ids of the web console and of the jit CLI, ' +
        "both accepted as the aud of identity tokens",
    });
  }
  if (identity.issuer === undefined) {
    for (const field of ["consoleClientId", "cliClientId", "jwksUri"] as const) {
      if (identity[field] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["identity", field],
          message:
            "applies to an external OIDC provider only: set identity.issuer too, or leave it out to let the CDK app " +
            "create the Cognito user pool and its clients",
        });
      }
    }
    return;
  }
  for (const field of ["consoleClientId", "cliClientId"] as const) {
    if (identity[field] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["identity", field],
        message: `is required when identity.issuer names an external OIDC provider (the ${field === "consoleClientId" ? "web console's" : "jit CLI's"} client id at that provider)`,
      });
    }
  }
}

function safeSeconds(text: string): number {
  try {
    return parseDurationSeconds(text);
  } catch {
    return Number.NaN;
  }
}

/** The policy file as written (after defaults). */
export type PolicyFile = z.output<typeof PolicyFileSchema>;
