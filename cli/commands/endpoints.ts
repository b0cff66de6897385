import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { UnreachableError, UsageError } from "../errors.js";
import { formatTable } from "../format.js";

/** Registers `jit endpoints [name]`. */
export function registerEndpointsCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("endpoints")
    .description(
      'the running local stack\'s URLs (jitApi, demoApi, idp, kms, dynamodb, …); with a name, only that URL, for scripts: curl "$(jit endpoints demoApi)/orders"',
    )
    .argument("[name]", "one endpoint, e.g. demoApi")
    .action((name: string | undefined, _opts: unknown, command: Command) => {
      const ctx = context(command);
      const api = ctx.endpoints.jitApiWithSource();
      const stack = ctx.endpoints.localStack();
      const all: Record<string, string> = { jitApi: api.value };
      for (const [key, value] of Object.entries(stack?.endpoints ?? {})) {
        if (typeof value === "string" && key !== "jitApi") all[key] = value;
      }
      if (name !== undefined) {
        const url = all[name];
        if (url !== undefined) {
          ctx.emit(() => url, { [name]: url });
          return;
        }
        if (stack === undefined) {
          throw new UnreachableError(
            `no local stack lists ${api.value} (from ${api.source}), so there is no ${name} endpoint to show — is \`npm start\` running?`,
          );
        }
        throw new UsageError(
          `the local stack has no endpoint "${name}"; it has ${Object.keys(all).join(", ")}`,
        );
      }
      ctx.emit(
        () =>
          `${formatTable(
            [
              { header: "name", value: (r: [string, string]) => r[0] },
              { header: "url", value: (r) => r[1] },
            ],
            Object.entries(all),
          )}(from ${stack?.path ?? api.source})`,
        all,
      );
    });
}
