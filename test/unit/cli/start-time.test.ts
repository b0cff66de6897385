import { describe, expect, it } from "vitest";
import { closestMatch, editDistance } from "#cli/did-you-mean.js";
import { UsageError } from "#cli/errors.js";
import { parseStartTime } from "#cli/start-time.js";

const NOW = Date.parse("2026-03-10T08:00:00.000Z");

describe("jit request --start", () => {
  it("reads +<duration> as that long from now, friendly or ISO 8601", () => {
    expect(parseStartTime("+2h", NOW)).toBe("2026-03-10T10:00:00.000Z");
    expect(parseStartTime("+1h30m", NOW)).toBe("2026-03-10T09:30:00.000Z");
    expect(parseStartTime("+PT45M", NOW)).toBe("2026-03-10T08:45:00.000Z");
  });

  it("keeps a date-time with a zone as given, in UTC", () => {
    expect(parseStartTime("2026-03-11T09:00Z", NOW)).toBe("2026-03-11T09:00:00.000Z");
    expect(parseStartTime("2026-03-11T09:00:00+02:00", NOW)).toBe("2026-03-11T07:00:00.000Z");
  });

  it("reads a date-time without a zone, and HH:MM, in the local time zone", () => {
    const local = new Date(2026, 2, 11, 9, 0, 0, 0).toISOString();
    expect(parseStartTime("2026-03-11T09:00", NOW)).toBe(local);
    const next = new Date(NOW);
    next.setHours(7, 15, 0, 0);
    if (next.getTime() <= NOW) next.setDate(next.getDate() + 1);
    expect(parseStartTime("07:15", NOW)).toBe(next.toISOString());
    expect(Date.parse(parseStartTime("07:15", NOW))).toBeGreaterThan(NOW);
  });

  it.each([["tomorrow"], ["25:00"], ["2026-02-30T09:61Z"], ["+"], ["+0m"], ["9am"], [""]])(
    "refuses %j with exit 2, listing the forms it takes",
    (text) => {
      const run = () => parseStartTime(text, NOW);
      expect(run).toThrow(UsageError);
      expect(run).toThrow(/--start/);
    },
  );

  it("refuses a start in the past rather than silently starting now", () => {
    expect(() => parseStartTime("2026-03-09T09:00Z", NOW)).toThrow(
      /--start 2026-03-09T09:00Z is in the past/,
    );
  });
});

describe("did you mean", () => {
  it("counts edits, a swap of neighbours as one", () => {
    expect(editDistance("orders-admn", "orders-admin")).toBe(1);
    expect(editDistance("ordres-admin", "orders-admin")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("suggests the closest entitlement for a typo and nothing for an unrelated name", () => {
    const ids = ["orders-read", "orders-admin", "payments-refund"];
    expect(closestMatch("orders-admn", ids)).toBe("orders-admin");
    expect(closestMatch("Orders-Admin", ids)).toBe("orders-admin");
    expect(closestMatch("payment-refund", ids)).toBe("payments-refund");
    expect(closestMatch("kubernetes", ids)).toBeUndefined();
    expect(closestMatch("ab", ["xy"])).toBeUndefined();
  });
});
