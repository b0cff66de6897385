import type { Command } from "commander";
import type { AccessRequestView } from "../api-types.js";
import type { CliContext } from "../context.js";
import { parseCliDuration } from "../duration.js";
import { displayText, formatTime } from "../format.js";
import { requestDetails } from "../views.js";

/** Registers `jit approve`, `jit deny`, `jit cancel` and `jit revoke` (POST /requests/{id}/<action>). */
export function registerTransitionCommands(
  program: Command,
  context: (command: Command) => CliContext,
): void {
  program
    .command("approve")
    .description("approve a request you are an approver of (never your own)")
    .argument("<id>", "request id")
    .option("--comment <text>", "a comment recorded with your approval")
    .action(async (id: string, opts: { comment?: string }, command: Command) => {
      const ctx = context(command);
      const body: Record<string, string> = opts.comment === undefined ? {} : { comment: opts.comment };
      const request = await ctx.client().transition(id, "approve", body);
      const headline =
        request.status === "PENDING"
          ? `Approval recorded: ${request.approvals?.length ?? 1} approval(s) so far; the request is still PENDING.`
          : `Approved: the request is ${request.status}.`;
      report(ctx, headline, request);
    });

  program
    .command("deny")
    .description("deny a request you are an approver of")
    .argument("<id>", "request id")
    .requiredOption("--reason <text>", "why (shown to the requester)")
    .action(async (id: string, opts: { reason: string }, command: Command) => {
      const ctx = context(command);
      const request = await ctx.client().transition(id, "deny", { reason: opts.reason });
      report(ctx, `Denied: the request is ${request.status}.`, request);
    });

  program
    .command("cancel")
    .description("cancel your own pending request")
    .argument("<id>", "request id")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const ctx = context(command);
      const request = await ctx.client().transition(id, "cancel");
      report(ctx, `Cancelled: the request is ${request.status}.`, request);
    });

  program
    .command("revoke")
    .description(
      "end a grant now (requester, approver or admin); its tokens stop working within the revocation bound",
    )
    .argument("<id>", "request id")
    .option("--reason <text>", "why (recorded in the audit trail)")
    .action(async (id: string, opts: { reason?: string }, command: Command) => {
      const ctx = context(command);
      const body: Record<string, string> = opts.reason === undefined ? {} : { reason: opts.reason };
      const request = await ctx.client().transition(id, "revoke", body);
      report(ctx, `Revoked: the request is ${request.status}.`, request);
    });
}

/** Registers `jit extend` and `jit review`. */
export function registerGrantCommands(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("extend")
    .description(
      "ask for more time on your active grant (approved like the request was, or at once where the policy allows)",
    )
    .argument("<id>", "the grant's request id")
    .requiredOption("--for <duration>", "how much longer: ISO 8601 (PT30M) or friendly (30m, 1h)")
    .option("--reason <text>", "why (required where the entitlement requires a justification)")
    .action(async (id: string, opts: { for: string; reason?: string }, command: Command) => {
      const ctx = context(command);
      const body: Record<string, string> = { duration: parseCliDuration(opts.for, "--for").iso };
      if (opts.reason !== undefined) body.justification = opts.reason;
      const extension = await ctx.client().transition(id, "extend", body);
      const headline =
        extension.status === "APPROVED"
          ? `Extended: grant ${id} now expires ${formatTime(extension.extendedTo, ctx.now()) ?? "later"}.`
          : `Extension requested: ${extension.requestId} is ${extension.status}; an approver must approve it.`;
      report(ctx, headline, extension);
    });

  program
    .command("review")
    .description("record your review of a break-glass grant (admins; once per grant)")
    .argument("<id>", "the break-glass grant's request id")
    .requiredOption("--note <text>", "what the review found (recorded in the audit trail)")
    .action(async (id: string, opts: { note: string }, command: Command) => {
      const ctx = context(command);
      const request = await ctx.client().transition(id, "review", { note: opts.note });
      report(ctx, `Reviewed: break-glass grant ${id} is marked reviewed.`, request);
    });
}

function report(ctx: CliContext, headline: string, request: AccessRequestView): void {
  ctx.emit(() => `${displayText(headline)}\n${requestDetails(request, ctx.now())}`, request);
}
