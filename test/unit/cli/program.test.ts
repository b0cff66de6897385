import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsecuredJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Output } from "#cli/context.js";
import { runCli } from "#cli/program.js";
import { readProfile } from "#cli/session.js";

// These runs never reach a network: each case fails (or succeeds) before any HTTP call. A case that did
// call out would fail differently (exit 3: the data directory below holds no endpoints.json).
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jit-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function jit(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const output = {
    stdout: {
      write: (s: string) => {
        stdout += s;
        return true;
      },
      isTTY: false,
    },
    stderr: {
      write: (s: string) => {
        stderr += s;
        return true;
      },
      isTTY: false,
    },
  } as unknown as Output;
  const code = await runCli(["node", "jit", ...args], output, {
    JIT_CONFIG_DIR: join(dir, "config"),
    JIT_DATA_DIR: join(dir, "data"),
    ...env,
  });
  return { code, stdout, stderr };
}

function idToken(sub: string, expiresInSeconds = 3_600): string {
  return new UnsecuredJWT({ sub }).setIssuedAt().setExpirationTime(`${expiresInSeconds}s`).encode();
}

describe("jit (usage errors exit 2)", () => {
  it("refuses an unknown command with commander's message", async () => {
    const r = await jit(["bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'bogus'");
  });

  it("refuses deny without --reason", async () => {
    const r = await jit(["deny", "r1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--reason <text>' not specified");
  });

  it("says how to log in when no identity is known", async () => {
    const r = await jit(["list", "--endpoint", "http://127.0.0.1:4000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: not logged in: run `jit login` (sign in in a browser), `jit login --user <name>` against the local stack, " +
        "`jit login --token <id token>`, or set JIT_ID_TOKEN\n",
    );
  });

  it("checks --for before sending anything", async () => {
    const r = await jit(["request", "orders-admin", "--for", "1.5h"], { JIT_ID_TOKEN: idToken("alice") });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--for takes an ISO 8601 duration (PT1H) or a friendly one");
  });

  it("refuses a request id that could change the URL path", async () => {
    const r = await jit(["show", "..", "--endpoint", "http://127.0.0.1:4000"], {
      JIT_ID_TOKEN: idToken("alice"),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('".." is not a request id');
  });

  it("refuses an endpoint that is not an http(s) URL", async () => {
    const r = await jit(["list", "--endpoint", "file:///etc/passwd"], { JIT_ID_TOKEN: idToken("alice") });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"file:///etc/passwd" is not an http(s) URL');
  });
});

describe("jit login --token", () => {
  it("stores the token for this profile and endpoint in a 0600 file", async () => {
    const token = idToken("alice");
    const r = await jit(["login", "--token", token, "--endpoint", "http://127.0.0.1:4000/", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ profile: "default", subject: "alice", endpoint: "http://127.0.0.1:4000" });
    expect(statSync(out.sessionFile as string).mode & 0o777).toBe(0o600);
    expect(readProfile(join(dir, "config"), "default")).toMatchObject({
      idToken: token,
      endpoint: "http://127.0.0.1:4000",
    });
  });

  it("never sends a stored token to another endpoint than the one it was obtained for", async () => {
    await jit(["login", "--token", idToken("alice"), "--endpoint", "http://127.0.0.1:4000"]);
    const r = await jit(["list", "--endpoint", "https://jit.example.com/prod"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "the identity of profile default was obtained for http://127.0.0.1:4000, not https://jit.example.com/prod",
    );
  });

  it("refuses text that is not a JWT, and an expired token", async () => {
    const bad = await jit(["login", "--token", "not-a-token", "--endpoint", "http://127.0.0.1:4000"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("the identity token is not a JWT");
    const expired = await jit([
      "login",
      "--token",
      idToken("alice", -60),
      "--endpoint",
      "http://127.0.0.1:4000",
    ]);
    expect(expired.code).toBe(2);
    expect(expired.stderr).toContain("the identity token has expired");
  });
});

describe("jit without a running local stack", () => {
  it("exits 3 and says the local stack is not running when endpoints.json is missing", async () => {
    const r = await jit(["entitlements"], { JIT_ID_TOKEN: idToken("alice") });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      `cannot find the local stack: ${join(dir, "data", "endpoints.json")} does not exist`,
    );
    expect(r.stderr).toContain("is `npm start` running");
  });

  it("exits 2 naming the file when endpoints.json is not the local stack's", async () => {
    const data = join(dir, "data");
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, "endpoints.json"), JSON.stringify({ jitApi: "ftp://x" }));
    const r = await jit(["entitlements"], { JIT_ID_TOKEN: idToken("alice") });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("endpoints.json: jitApi");
  });
});
