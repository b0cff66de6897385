import { describe, expect, it } from "vitest";
import { formatDurationSeconds, parseDurationSeconds } from "#functions/domain/duration.js";

describe("ISO 8601 durations", () => {
  it.each([
    ["PT15M", 900],
    ["PT1H", 3_600],
    ["PT1H30M", 5_400],
    ["P1D", 86_400],
    ["P1W", 604_800],
    ["PT90S", 90],
    ["PT1.5H", 5_400],
  ])("parses %s as %i seconds", (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(["1h", "3600", "", "PT", "P1Y", "P2M", "-PT1H", "PT1H ", "pt1h"])("refuses %j", (text) => {
    expect(() => parseDurationSeconds(text)).toThrow(RangeError);
  });

  it.each([
    [0, "PT0S"],
    [59, "PT59S"],
    [3_600, "PT1H"],
    [5_400, "PT1H30M"],
    [90_061, "P1DT1H1M1S"],
  ])("formats %i seconds as %s", (seconds, text) => {
    expect(formatDurationSeconds(seconds)).toBe(text);
    expect(parseDurationSeconds(text)).toBe(seconds);
  });
});
