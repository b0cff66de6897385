/**
 * The logging use cases, composition and entries need: a message plus flat attributes (never a token).
 * Powertools' `Logger` satisfies it; tests pass an in-memory sink to read what was logged.
 */
export interface StructuredLog {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}
