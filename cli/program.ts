import { Command, CommanderError, Option } from "commander";
import { registerCompletionCommand } from "./commands/completion.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerEndpointsCommand } from "./commands/endpoints.js";
import { registerEntitlementsCommand } from "./commands/entitlements.js";
import { registerExecCommand } from "./commands/exec.js";
import { registerListCommand } from "./commands/list.js";
import { registerLoginCommands } from "./commands/login.js";
import { registerRequestCommand } from "./commands/request.js";
import { registerShowCommand } from "./commands/show.js";
import { registerTokenCommand } from "./commands/token.js";
import { registerGrantCommands, registerTransitionCommands } from "./commands/transitions.js";
import { CliContext, type Output } from "./context.js";
import { ApiError, CliError, EXIT } from "./errors.js";
import { displayText } from "./format.js";
import { CLI_VERSION } from "./version.js";

/**
 * Builds the `jit` program (commander). Global options are declared here and read by every command
 * through {@link CliContext}; commander's own errors throw a CommanderError (exitOverride) that
 * {@link runCli} turns into exit code 2.
 */
export function buildProgram(
  output: Output,
  result: { exitCode: number },
  env: NodeJS.ProcessEnv = process.env,
): Command {
  const program = new Command("jit")
    .description("jit-access: request, approve and use just-in-time access grants")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.stdout.write(text),
      writeErr: (text) => output.stderr.write(text),
    })
    .showSuggestionAfterError()
    .version(CLI_VERSION, "-V, --version", "print the version of jit-access")
    .option("--endpoint <url>", "JIT API base URL (env: JIT_ENDPOINT; default: jitApi of endpoints.json)")
    .option(
      "--data-dir <dir>",
      "the local stack's data directory, holding endpoints.json (env: JIT_DATA_DIR; default: .data)",
    )
    .option("--idp <url>", "development IdP base URL (env: JIT_IDP_ENDPOINT; default: idp of endpoints.json)")
    .option("--profile <name>", "which stored identity to use (env: JIT_PROFILE; default: default)")
    .addOption(new Option("--as <user>", "log in at the development IdP as this user for this one command"))
    .addOption(new Option("--json", "machine-readable JSON on stdout"));

  const context = (command: Command) => CliContext.of(command, output, result, env);
  registerLoginCommands(program, context);
  registerEntitlementsCommand(program, context);
  registerRequestCommand(program, context);
  registerListCommand(program, context);
  registerShowCommand(program, context);
  registerTransitionCommands(program, context);
  registerGrantCommands(program, context);
  registerTokenCommand(program, context);
  registerExecCommand(program, context);
  registerDoctorCommand(program, context);
  registerEndpointsCommand(program, context);
  registerCompletionCommand(program, (text) => output.stdout.write(text));
  return program;
}

/**
 * Runs the CLI and returns its exit code (README, "Errors and exit codes"): 0 ok, 1 the API refused (4xx) or a
 * waited-for request was not approved, 2 usage (commander's errors included), 3 server unreachable or 5xx;
 * `exec` returns its command's code. Every error is one `error: …` line on stderr.
 * @param argv `process.argv` form: node, script, then the arguments.
 * @param env the environment the JIT_* variables are read from.
 */
export async function runCli(
  argv: string[],
  output: Output = process,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const result = { exitCode: EXIT.ok as number };
  const program = buildProgram(output, result, env);
  try {
    await program.parseAsync(argv);
    return result.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests end with 0; everything else commander refuses is a usage error.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      const code = err instanceof ApiError && err.code ? ` (${err.code}, HTTP ${err.status})` : "";
      const status = err instanceof ApiError && !err.code ? ` (HTTP ${err.status})` : "";
      output.stderr.write(`error: ${displayText(err.message)}${code}${status}\n`);
      return err.exitCode;
    }
    output.stderr.write(
      `error: unexpected failure: ${displayText((err as Error)?.message ?? String(err))}\n`,
    );
    return EXIT.unavailable;
  }
}
