import { expect } from "vitest";
import { ConfigurationError } from "#functions/domain/errors.js";

/**
 * The message of the ConfigurationError `action` throws; fails the test when it throws anything else or
 * nothing at all.
 */
export function configurationErrorMessage(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigurationError");
}
