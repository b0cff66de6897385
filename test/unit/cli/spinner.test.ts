import { describe, expect, it } from "vitest";
import { startSpinner } from "#cli/spinner.js";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    target: {
      isTTY,
      write: (s: string) => {
        writes.push(s);
        return true;
      },
    } as unknown as NodeJS.WritableStream & { isTTY: boolean },
  };
}

describe("startSpinner", () => {
  it("writes nothing when stderr is not a terminal", () => {
    const { writes, target } = stream(false);
    const spinner = startSpinner(target, "waiting");
    spinner.update("still waiting");
    spinner.stop();
    expect(writes).toEqual([]);
  });

  it("draws on a terminal and erases its line when stopped", () => {
    const { writes, target } = stream(true);
    const spinner = startSpinner(target, "waiting for approval");
    const erase = "\r\u001b[2K";
    expect(writes[0]?.startsWith(erase)).toBe(true);
    expect(writes[0]?.slice(erase.length)).toMatch(/^\S waiting for approval$/);
    spinner.stop();
    spinner.stop();
    expect(writes.at(-1)).toBe("\r\u001b[2K");
    expect(writes.filter((w) => w === "\r\u001b[2K")).toHaveLength(1);
  });
});
