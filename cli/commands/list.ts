import { type Command, Option } from "commander";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
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
    .option("--limit <n>", "requests per page, 1-100 (the API's default: 50)")
    .option("--all-pages", "follow the list to its last page instead of showing the first page only")
    .action(
      async (
        opts: {
          pending?: boolean;
          all?: boolean;
          active?: boolean;
          unreviewed?: boolean;
          limit?: string;
          allPages?: boolean;
        },
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
        const requests = await ctx.client().listRequests(which, {
          ...(opts.limit === undefined ? {} : { limit: pageSize(opts.limit) }),
          allPages: opts.allPages === true,
        });
        const empty = {
          pending: "(no requests waiting for your approval)",
          active: "(no live grants you oversee)",
          unreviewed: "(no break-glass grants waiting for review)",
          all: "(you have no requests)",
          mine: "(you have no requests)",
        }[which];
        ctx.emit(() => requestsTable(requests, ctx.now(), empty), [...requests]);
        if (requests.more) {
          ctx.output.stderr.write("more requests follow: add --all-pages to list them all\n");
        }
      },
    );
}

/**
 * Reads `--limit`: a whole number from 1 to 100.
 * @throws UsageError (exit 2) for anything else.
 */
export function pageSize(text: string): number {
  if (!/^[0-9]{1,3}$/.test(text.trim()) || Number(text) < 1 || Number(text) > 100) {
    throw new UsageError(`--limit takes a whole number from 1 to 100; got "${text}"`);
  }
  return Number(text);
}
