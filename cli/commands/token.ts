import type { Command } from "commander";
import type { CliContext } from "../context.js";

/** Registers `jit token`. */
export function registerTokenCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("token")
    .description(
      "issue an access token for an active grant and print it (only the token, for $(jit token <id>); --json adds expires_in)",
    )
    .argument("<id>", "request id of an approved grant")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const ctx = context(command);
      const token = await ctx.client().issueToken(id);
      ctx.emit(() => token.access_token, token);
    });
}
