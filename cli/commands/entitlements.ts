import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { entitlementsTable } from "../views.js";

/** Registers `jit entitlements`. */
export function registerEntitlementsCommand(
  program: Command,
  context: (command: Command) => CliContext,
): void {
  program
    .command("entitlements")
    .description("list the entitlements you may request")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command);
      const entitlements = await ctx.client().listEntitlements();
      ctx.emit(() => entitlementsTable(entitlements), entitlements);
    });
}
