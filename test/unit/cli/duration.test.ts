import { describe, expect, it } from "vitest";
import { parseCliDuration } from "#cli/duration.js";
import { UsageError } from "#cli/errors.js";

describe("parseCliDuration", () => {
  it.each([
    ["1h", "PT1H", 3_600],
    ["30m", "PT30M", 1_800],
    ["90s", "PT90S", 90],
    ["1h30m", "PT1H30M", 5_400],
    ["2d", "P2D", 172_800],
    ["1d2h3m4s", "P1DT2H3M4S", 93_784],
    ["007m", "PT7M", 420],
  ])("turns the friendly form %s into %s", (text, iso, seconds) => {
    expect(parseCliDuration(text)).toEqual({ iso, seconds });
  });

  it("passes an ISO 8601 duration through unchanged", () => {
    expect(parseCliDuration("PT1H")).toEqual({ iso: "PT1H", seconds: 3_600 });
    expect(parseCliDuration("P1DT12H")).toEqual({ iso: "P1DT12H", seconds: 129_600 });
  });

  it("reads a bare whole number as seconds", () => {
    expect(parseCliDuration("600")).toEqual({ iso: "PT600S", seconds: 600 });
  });

  it("ignores surrounding spaces", () => {
    expect(parseCliDuration(" 45m ")).toEqual({ iso: "PT45M", seconds: 2_700 });
  });

  it.each([
    ["1.5h", /friendly one/],
    ["-1h", /friendly one/],
    ["1m1h", /friendly one/],
    ["1h 30m", /friendly one/],
    ["1y", /friendly one/],
    ["h", /friendly one/],
    ["", /empty value/],
    ["0s", /at least 1 second/],
    ["0", /at least 1 second/],
    ["PT0S", /at least 1 second/],
    ["P1M", /years or months/],
    ["PTXH", /not an ISO 8601 duration/],
    ["99999999999999999999s", /too large/],
  ])("refuses %j as a usage error", (text, message) => {
    expect(() => parseCliDuration(text)).toThrow(UsageError);
    expect(() => parseCliDuration(text)).toThrow(message);
  });

  it("names the option in its message", () => {
    expect(() => parseCliDuration("soon", "--timeout")).toThrow(/^--timeout takes/);
  });
});
