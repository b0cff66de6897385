import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { auditTable, requestDetails } from "../views.js";

/** Registers `jit show`. */
export function registerShowCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("show")
    .description("show a request and its audit trail")
    .argument("<id>", "request id")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const ctx = context(command);
      const client = ctx.client();
      const [request, audit] = await Promise.all([client.getRequest(id), client.getAuditTrail(id)]);
      ctx.emit(() => `${requestDetails(request, ctx.now())}\nAudit trail:\n${auditTable(audit, ctx.now())}`, {
        request,
        audit,
      });
    });
}
