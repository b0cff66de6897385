/**
 * Entry point of the `jit` command (bin/jit.mjs loads it through tsx). The exit code is set, not forced,
 * so stdout and stderr are flushed before the process ends.
 */
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv);
