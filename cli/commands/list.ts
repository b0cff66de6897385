import { type Command, Option } from "commander";
import type { CliContext } from "../context.js";
import { requestsTable } from "../views.js";

/** Registers `jit list`. */
export function registerListCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("list")
    .description(
      "list your own live requests (--all: finished ones too), or with --pending those waiting for your approval",
    )
    .addOption(new Option("--pending", "requests you may approve (GET /requests?pending)").conflicts("all"))
    .option("--all", "your requests including finished ones (denied, cancelled, revoked, expired)")
    .action(async (opts: { pending?: boolean; all?: boolean }, command: Command) => {
      const ctx = context(command);
      const which = opts.pending ? "pending" : opts.all ? "all" : "mine";
      const requests = await ctx.client().listRequests(which);
      const empty = opts.pending ? "(no requests waiting for your approval)" : "(you have no requests)";
      ctx.emit(() => requestsTable(requests, ctx.now(), empty), requests);
    });
}
