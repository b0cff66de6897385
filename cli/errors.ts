/**
 * Errors of the `jit` CLI. Each carries the process exit code it ends with, so every failure path ends the
 * same way: a one-line message on stderr and a documented exit code (README, "Errors and exit codes").
 */

/** Exit codes of the `jit` CLI. `exec` ends with its command's own code instead. */
export const EXIT = {
  ok: 0,
  /** The API refused (HTTP 4xx), or a waited-for request ended without approval. */
  refused: 1,
  /** Bad arguments or options, missing login, unusable configuration. */
  usage: 2,
  /** The server cannot be reached, timed out, failed (HTTP 5xx) or answered something unreadable. */
  unavailable: 3,
} as const;

/** Base class: a message for a person and the exit code it ends the process with. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Exit 2: the command cannot run as given (bad option value, not logged in, no endpoint configured). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/**
 * An RFC 9457 problem document (or other error body) from the API. 4xx exit 1, 5xx exit 3.
 * `code` is the API's stable error code when the body carried one.
 */
export class ApiError extends CliError {
  readonly status: number;
  readonly code: string | undefined;
  readonly problem: Record<string, unknown> | undefined;

  constructor(status: number, message: string, code?: string, problem?: Record<string, unknown>) {
    super(message, status >= 500 ? EXIT.unavailable : EXIT.refused);
    this.status = status;
    this.code = code;
    this.problem = problem;
  }
}

/** Exit 3: no answer from the server (connection refused, DNS, timeout) or an unreadable answer. */
export class UnreachableError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.unavailable, options);
  }
}

/** Exit 1: `--wait` ended without an approval (denied, cancelled, expired, revoked, or `--timeout`). */
export class NotApprovedError extends CliError {
  constructor(message: string) {
    super(message, EXIT.refused);
  }
}
