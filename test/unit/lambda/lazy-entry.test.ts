import { describe, expect, it } from "vitest";
import { authorizerEntry, lazyEntry, throwingEntry } from "#functions/adapters/lambda/lazy-entry.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import { CapturingLogger } from "#test/unit/workflow/log-capture.js";

describe("lazyEntry", () => {
  it("builds once per container, also for calls that arrive while the first build runs", async () => {
    let builds = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entry = lazyEntry(
      async () => {
        builds++;
        await gate;
        return async (n: number) => n * 2;
      },
      () => -1,
    );
    const pending = [entry(1), entry(2), entry(3)];
    release();
    expect(await Promise.all(pending)).toEqual([2, 4, 6]);
    expect(await entry(4)).toBe(8);
    expect(builds).toBe(1);
  });

  it("answers with the fail-closed answer while building fails, and builds again on the next call", async () => {
    let builds = 0;
    const failures: unknown[] = [];
    const entry = lazyEntry(
      () => {
        builds++;
        if (builds <= 2) throw new ConfigurationError(`attempt ${builds}`);
        return async (n: number) => n + 1;
      },
      (err, n) => {
        failures.push(err);
        return -n;
      },
    );
    expect(await entry(5)).toBe(-5);
    expect(await entry(6)).toBe(-6);
    expect(await entry(7)).toBe(8);
    expect(await entry(8)).toBe(9);
    expect(builds).toBe(3);
    expect(failures.map((e) => (e as Error).message)).toEqual(["attempt 1", "attempt 2"]);
  });
});

describe("authorizerEntry", () => {
  it("refuses with exactly Unauthorized while the authorizer cannot be built, logging init_failed", async () => {
    const logger = new CapturingLogger();
    const entry = authorizerEntry(() => {
      throw new ConfigurationError("JIT_ISSUER: must be set");
    }, logger);
    await expect(entry({})).rejects.toThrow(/^Unauthorized$/);
    expect(logger.lines).toMatchObject([
      {
        level: "ERROR",
        reason: "init_failed",
        decision: "unauthorized",
        errorName: "ConfigurationError",
        errorMessage: "JIT_ISSUER: must be set",
      },
    ]);
  });
});

describe("throwingEntry", () => {
  it("fails the invocation with the build error, so the caller retries, and builds again next time", async () => {
    const logger = new CapturingLogger();
    let builds = 0;
    const entry = throwingEntry(() => {
      builds++;
      if (builds === 1) throw new ConfigurationError("JIT_AUDIT_TABLE: must be set");
      return async (event: { n: number }) => event.n;
    }, logger);
    await expect(entry({ n: 1 })).rejects.toThrow("JIT_AUDIT_TABLE: must be set");
    expect(await entry({ n: 2 })).toBe(2);
    expect(logger.lines).toMatchObject([{ level: "ERROR", errorName: "ConfigurationError" }]);
  });
});
