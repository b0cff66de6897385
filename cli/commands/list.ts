import { type Command, Option } from "commander";
import type { CliContext } from "../context.js";
import { requestsTable } from "../views.js";

/** Registers `jit list`. */
export function registerListCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("list")
    .description(
      "list your own live requests (--all: finished ones too); --pending: those waiting for your approval; " +
        "--active: live grants you oversee; --unreviewed: break-glass grants awaiting review",
    )
    .addOption(
      new Option("--pending", "requests you may approve (GET /requests?pending)").conflicts([
        "all",
        "active",
        "unreviewed",
      ]),
    )
    .addOption(
      new Option(
        "--active",
        "live grants you oversee: all for admins, your entitlements' for approvers (GET /requests?active)",
      ).conflicts(["all", "unreviewed"]),
    )
    .addOption(
      new Option(
        "--unreviewed",
        "break-glass grants no admin has reviewed yet (GET /requests?breakGlass&unreviewed)",
      ).conflicts("all"),
    )
    .option("--all", "your requests including finished ones (denied, cancelled, revoked, expired)")
    .action(
      async (
        opts: { pending?: boolean; all?: boolean; active?: boolean; unreviewed?: boolean },
        command: Command,
      ) => {
        const ctx = context(command);
        const which = opts.pending
          ? "pending"
          : opts.active
            ? "active"
            : opts.unreviewed
              ? "unreviewed"
              : opts.all
                ? "all"
                : "mine";
        const requests = await ctx.client().listRequests(which);
        const empty = {
          pending: "(no requests waiting for your approval)",
          active: "(no live grants you oversee)",
          unreviewed: "(no break-glass grants waiting for review)",
          all: "(you have no requests)",
          mine: "(you have no requests)",
        }[which];
        ctx.emit(() => requestsTable(requests, ctx.now(), empty), requests);
      },
    );
}
