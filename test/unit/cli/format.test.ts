import { describe, expect, it } from "vitest";
import {
  displayText,
  formatFriendlyDuration,
  formatKeyValues,
  formatRelative,
  formatTable,
  formatTime,
} from "#cli/format.js";

interface Row {
  id: string;
  status: string;
  reason?: string;
}

const columns = [
  { header: "id", value: (r: Row) => r.id },
  { header: "status", value: (r: Row) => r.status },
  { header: "reason", value: (r: Row) => r.reason, maxWidth: 12 },
];

describe("formatTable", () => {
  it("aligns columns under upper-case headers, two spaces apart, without trailing spaces", () => {
    const text = formatTable(columns, [
      { id: "a1", status: "PENDING", reason: "deploy fix" },
      { id: "b22222", status: "APPROVED", reason: "x" },
    ]);
    expect(text).toBe(
      ["ID      STATUS    REASON", "a1      PENDING   deploy fix", "b22222  APPROVED  x", ""].join("\n"),
    );
  });

  it("shows empty cells as '-' and cuts long cells with an ellipsis", () => {
    const text = formatTable(columns, [{ id: "a", status: "DENIED", reason: "a very long justification" }]);
    expect(text.split("\n")[1]).toBe("a   DENIED  a very long…");
    expect(formatTable(columns, [{ id: "a", status: "" }]).split("\n")[1]).toBe("a   -       -");
  });

  it("prints the empty message when there are no rows", () => {
    expect(formatTable(columns, [], "(you have no requests)")).toBe("(you have no requests)\n");
  });

  it("keeps cells typed by other people from driving the terminal", () => {
    const text = formatTable(columns, [{ id: "a", status: "PENDING", reason: "\u001b[2Jhi\nthere" }]);
    expect(text).not.toContain("\u001b");
    expect(text).not.toContain("there\n");
    expect(text).toContain("\\u{1b}[2Jhi");
  });
});

describe("displayText", () => {
  it("escapes ANSI sequences, C1 controls and bidi overrides, and flattens line breaks", () => {
    expect(displayText("a\u001b]0;pwned\u0007b")).toBe("a\\u{1b}]0;pwned\\u{7}b");
    expect(displayText("x\u009b31my")).toBe("x\\u{9b}31my");
    expect(displayText("admin\u202egnp.exe")).toBe("admin\\u{202e}gnp.exe");
    expect(displayText("one\ntwo\tthree")).toBe("one two three");
  });

  it("shows plain text, numbers and missing values as expected", () => {
    expect(displayText("Zoë – ok")).toBe("Zoë – ok");
    expect(displayText(42)).toBe("42");
    expect(displayText(undefined)).toBe("");
  });
});

describe("formatKeyValues", () => {
  it("aligns values and leaves out absent ones", () => {
    expect(
      formatKeyValues([
        ["Request", "r1"],
        ["Ticket", undefined],
        ["Entitlement", "orders-admin"],
      ]),
    ).toBe("Request:      r1\nEntitlement:  orders-admin\n");
  });
});

describe("durations and times", () => {
  it("formats seconds in the friendly form", () => {
    expect(formatFriendlyDuration(0)).toBe("0s");
    expect(formatFriendlyDuration(90)).toBe("1m30s");
    expect(formatFriendlyDuration(3_600)).toBe("1h");
    expect(formatFriendlyDuration(93_784)).toBe("1d2h3m4s");
  });

  it("says how far a time is, to two units", () => {
    const now = Date.parse("2026-11-29T12:00:00Z");
    expect(formatRelative(now + 59 * 60_000, now)).toBe("in 59m");
    expect(formatRelative(now - 192_000, now)).toBe("3m12s ago");
    expect(formatRelative(now + 93_784_000, now)).toBe("in 1d2h");
    expect(formatRelative(now + 300, now)).toBe("now");
  });

  it("shows an ISO time in UTC with its distance from now", () => {
    const now = Date.parse("2026-11-29T12:00:00Z");
    expect(formatTime("2026-11-29T13:00:00.000Z", now)).toBe("2026-11-29 13:00:00Z (in 1h)");
    expect(formatTime("not a time", now)).toBe("not a time");
    expect(formatTime(undefined, now)).toBeUndefined();
  });
});
