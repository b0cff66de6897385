import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "#cli/errors.js";
import { configDir, readProfile, readProfiles, writeProfile } from "#cli/session.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jit-session-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const alice = {
  idToken: "a.b.c",
  endpoint: "http://127.0.0.1:4000",
  subject: "alice",
  savedAt: "2026-11-29T12:00:00Z",
};

describe("session store", () => {
  it("stores the identity token in a file only its owner can read or write", () => {
    const store = join(dir, "nested", "jit-access");
    const path = writeProfile(store, "default", alice);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(store).mode & 0o077).toBe(0);
    expect(readProfile(store, "default")).toEqual(alice);
  });

  it("tightens the mode of an existing file when it rewrites it", () => {
    const path = join(dir, "session.json");
    writeFileSync(path, JSON.stringify({ profiles: {} }), { mode: 0o644 });
    writeProfile(dir, "default", alice);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("keeps one identity per profile and removes only the one logged out", () => {
    writeProfile(dir, "default", alice);
    writeProfile(dir, "prod", { ...alice, endpoint: "https://jit.example.com/prod", idToken: "p.q.r" });
    writeProfile(dir, "default", undefined);
    expect(Object.keys(readProfiles(dir))).toEqual(["prod"]);
    expect(readProfile(dir, "prod")?.idToken).toBe("p.q.r");
    expect(readdirTmp()).toEqual([]);
  });

  it("reads a missing file as no profiles", () => {
    expect(readProfiles(join(dir, "absent"))).toEqual({});
  });

  it("refuses a file that is not a session file, naming it", () => {
    writeFileSync(join(dir, "session.json"), "{not json");
    expect(() => readProfiles(dir)).toThrow(UsageError);
    expect(() => readProfiles(dir)).toThrow(/session\.json is not valid JSON/);
    writeFileSync(join(dir, "session.json"), JSON.stringify({ profiles: { default: { idToken: 1 } } }));
    expect(() => readProfiles(dir)).toThrow(/is not a jit session file/);
  });

  it("finds its directory in JIT_CONFIG_DIR, then XDG_CONFIG_HOME, then ~/.config", () => {
    expect(configDir({ JIT_CONFIG_DIR: "/c", XDG_CONFIG_HOME: "/x" })).toBe("/c");
    expect(configDir({ XDG_CONFIG_HOME: "/x" })).toBe("/x/jit-access");
    expect(configDir({})).toMatch(/\.config\/jit-access$/);
  });
});

function readdirTmp(): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".tmp"));
}
