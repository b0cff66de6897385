import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeJwt } from "jose";
import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, PROJECT_ROOT } from "#local/stack.js";
import { startTestStack } from "./local-stack-client.js";

// `jit login` as a real OAuth client of the local stack's development IdP: the test plays the browser
// (reads the URL the CLI prints, GET /authorize, posts the sign-in form, follows the redirect to the CLI's
// loopback listener). Identity tokens live 6 s here, so the CLI has to renew them with the refresh token.

const JIT = resolve(PROJECT_ROOT, "bin", "jit.mjs");
const ID_TOKEN_TTL_SECONDS = 6;

let stack: LocalStack;
let work: string;
let configDir: string;
let sessionFile: string;
/** A refresh token the CLI already exchanged (rotated away). */
let rotatedAway: string | undefined;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  done: Promise<Run>;
  stderr: () => string;
}

function start(args: string[]): Running {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("JIT_") && name !== "DISPLAY" && name !== "WAYLAND_DISPLAY",
    ),
  );
  const child = spawn(process.execPath, [JIT, ...args], {
    cwd: work,
    env: { ...base, JIT_CONFIG_DIR: configDir, JIT_DATA_DIR: stack.dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<Run>((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`jit ${args.join(" ")} did not finish in 60 s\n${stdout}\n${stderr}`));
    }, 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
  return { child, done, stderr: () => stderr };
}

const jit = (args: string[]) => start(args).done;

/** Starts `jit login` and returns it with the sign-in URL it printed. */
async function startLogin(args: string[] = []): Promise<Running & { url: URL }> {
  const running = start(["login", ...args]);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /^\s+(http:\/\/\S+\/authorize\?\S+)$/m.exec(running.stderr());
    if (match?.[1]) return { ...running, url: new URL(match[1]) };
    if (Date.now() > deadline) throw new Error(`jit login printed no URL:\n${running.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The browser at the development IdP: the sign-in page, then the form post; returns the 302's Location. */
async function signInAt(authorizeUrl: URL, username: string): Promise<URL> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(username);
  const form = new URLSearchParams(authorizeUrl.searchParams);
  form.set("username", username);
  const answer = await fetch(new URL("/authorize", authorizeUrl), {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location") as string);
}

/** Follows the redirect to the CLI's loopback listener, as the browser would. */
async function deliver(callback: URL): Promise<{ status: number; text: string }> {
  const answer = await fetch(callback);
  return { status: answer.status, text: await answer.text() };
}

/**
 * An authorization request of the test's own (another verifier, or another redirect URI) that carries the
 * CLI's `state`: what an attacker who saw the CLI's URL could start.
 */
async function foreignRequest(
  cli: URL,
  changes: { redirectUri?: string; codeChallenge?: string },
): Promise<URL> {
  const url = new URL(cli);
  if (changes.redirectUri !== undefined) url.searchParams.set("redirect_uri", changes.redirectUri);
  if (changes.codeChallenge !== undefined) url.searchParams.set("code_challenge", changes.codeChallenge);
  return url;
}

function session(): { text: string; mtimeMs: number } {
  return { text: readFileSync(sessionFile, "utf8"), mtimeMs: statSync(sessionFile).mtimeMs };
}

function profile(name = "default"): Record<string, string> {
  return (
    JSON.parse(readFileSync(sessionFile, "utf8")) as { profiles: Record<string, Record<string, string>> }
  ).profiles[name] as Record<string, string>;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "jit-cli-login-"));
  configDir = join(work, "config");
  sessionFile = join(configDir, "session.json");
  stack = await startTestStack({ identityTokenTtlSeconds: ID_TOKEN_TTL_SECONDS });
});

afterAll(async () => {
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("jit login: browser sign-in at the development IdP (authorization code + PKCE, loopback redirect)", () => {
  it("signs alice in through the printed URL, without a browser on this machine, and keeps both tokens 0600", async () => {
    const login = await startLogin();
    const { url } = login;
    expect(`${url.origin}${url.pathname}`).toBe(`${stack.endpoints.idp}/authorize`);
    expect(url.searchParams.get("client_id")).toBe("jit-cli");
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get("redirect_uri")).toMatch(/^http:\/\/localhost:\d+\/callback$/);

    const callback = await signInAt(url, "alice");
    expect(`${callback.origin}${callback.pathname}`).toBe(url.searchParams.get("redirect_uri"));
    const answer = await deliver(callback);
    expect(answer).toEqual({
      status: 200,
      text: "Signed in to jit-access as alice. You can close this tab.\n",
    });
    const r = await login.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Logged in as alice at ${stack.endpoints.jitApi} (profile default).`);
    expect(r.stdout).toContain("the CLI renews it with the refresh token");
    expect(r.stderr).not.toContain("Opened your browser");

    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);
    const stored = profile();
    expect(stored).toMatchObject({ subject: "alice", issuer: stack.endpoints.idp, clientId: "jit-cli" });
    expect(stored.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeJwt(stored.idToken as string)).toMatchObject({ sub: "alice", aud: "jit-cli" });
    // The listener answered once and closed: the redirect cannot be replayed at it.
    await expect(fetch(callback)).rejects.toThrow();
  });

  it("then every command works with that identity", async () => {
    const who = await jit(["whoami", "--json"]);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({
      sub: "alice",
      groups: ["engineers", "oncall"],
      issuer: stack.endpoints.idp,
      source: "profile default",
      renewable: true,
    });

    const entitlements = await jit(["entitlements"]);
    expect(entitlements.code).toBe(0);
    expect(entitlements.stdout).toMatch(/^orders-admin\s/m);

    const request = await jit([
      "request",
      "orders-admin",
      "--for",
      "30m",
      "--ticket",
      "INC-4211",
      "--reason",
      "fix stuck orders",
      "--json",
    ]);
    expect(request.code, request.stderr).toBe(0);
    const id = (JSON.parse(request.stdout) as { requestId: string }).requestId;

    expect((await jit(["list"])).stdout).toContain(id);
    expect((await jit(["approve", id, "--as", "bob", "--comment", "ok"])).code).toBe(0);
    const shown = await jit(["show", id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/APPROVED/);
    const token = await jit(["token", id]);
    expect(token.code).toBe(0);
    const orders = await fetch(`${stack.endpoints.demoApi}/orders`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(orders.status).toBe(200);
    const exec = await jit([
      "exec",
      id,
      "--",
      process.execPath,
      "-e",
      "process.exit(process.env.JIT_AUTHORIZATION ? 0 : 9)",
    ]);
    expect(exec.code).toBe(0);
    const revoke = await jit(["revoke", id, "--reason", "done"]);
    expect(revoke.code).toBe(0);
    expect((await jit(["list", "--all"])).stdout).toMatch(new RegExp(`${id}.*REVOKED`));
    const doctor = await jit(["doctor"]);
    expect(doctor.stdout).toMatch(/identity.*alice.*the API accepts it/);
  });

  it("renews the expired identity token with the refresh token, without a prompt", async () => {
    const before = profile();
    const exp = decodeJwt(before.idToken as string).exp as number;
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1_000));
    expect(exp * 1000).toBeLessThan(Date.now());

    // Two commands at once: one renews, the other waits for the session lock and uses the new token
    // (spending the rotating refresh token twice would make the IdP revoke the sign-in).
    const [r, concurrent] = await Promise.all([jit(["entitlements"]), jit(["list"])]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^orders-admin\s/m);
    expect(concurrent.stderr).toBe("");
    expect(concurrent.code).toBe(0);
    const after = profile();
    expect(after.idToken).not.toBe(before.idToken);
    expect(after.refreshToken).not.toBe(before.refreshToken); // the development IdP rotates them
    rotatedAway = before.refreshToken;
    const claims = decodeJwt(after.idToken as string);
    expect(claims.sub).toBe("alice");
    expect((claims.exp as number) * 1000).toBeGreaterThan(Date.now());
    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);
  });

  it("says to sign in again when the IdP refuses the refresh token (a replayed one revoked the sign-in)", async () => {
    const stored = profile();
    // Replaying a rotated refresh token makes the IdP revoke every token of the sign-in (RFC 9700 §4.14.2).
    const replay = await fetch(`${stack.endpoints.idp}/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: rotatedAway as string,
        client_id: "jit-cli",
      }),
    });
    expect(replay.status).toBe(400);
    const exp = decodeJwt(stored.idToken as string).exp as number;
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1_000));
    const r = await jit(["entitlements"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: the identity provider refused to renew the identity token: unknown or revoked",
    );
    expect(r.stderr).toContain("run `jit login` again");
    expect(profile().idToken).toBe(stored.idToken);
  });

  it("logout forgets both tokens; whoami then says to log in", async () => {
    const saved = readFileSync(sessionFile, "utf8");
    const r = await jit(["logout"]);
    expect(r.code).toBe(0);
    expect(readFileSync(sessionFile, "utf8")).not.toContain("refreshToken");
    const who = await jit(["whoami"]);
    expect(who.code).toBe(2);
    expect(who.stderr).toContain("not logged in: run `jit login`");
    // Put alice back for the hostile cases, which check that nothing touches the file.
    writeFileSync(sessionFile, saved, { mode: 0o600 });
  });
});

describe("jit login refuses a hostile sign-in (H33) and stores nothing", () => {
  it("ignores a redirect whose state is not its own, answering 400, and keeps waiting", async () => {
    const before = session();
    const login = await startLogin(["--no-browser", "--profile", "h33"]);
    const redirectUri = login.url.searchParams.get("redirect_uri") as string;
    const forged = await deliver(new URL(`${redirectUri}?code=forged&state=not-the-cli-state`));
    expect(forged.status).toBe(400);
    expect(forged.text).toContain("state does not match");
    await expect.poll(login.stderr).toContain("Ignored a redirect whose state does not match this sign-in");
    expect(session()).toEqual(before);
    login.child.kill("SIGTERM");
    await login.done;
    expect(session()).toEqual(before);
  });

  it("refuses a code that was already redeemed (by whoever saw it first)", async () => {
    const before = session();
    const login = await startLogin(["--no-browser", "--profile", "h33"]);
    const verifier = generateRandomCodeVerifier();
    const attacker = await foreignRequest(login.url, {
      codeChallenge: await calculatePKCECodeChallenge(verifier),
    });
    const callback = await signInAt(attacker, "alice");
    const code = callback.searchParams.get("code") as string;
    const first = await fetch(`${stack.endpoints.idp}/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        client_id: "jit-cli",
        redirect_uri: login.url.searchParams.get("redirect_uri") as string,
        code_verifier: verifier,
      }),
    });
    expect(first.status).toBe(200);
    const answer = await deliver(callback);
    expect(answer.status).toBe(400);
    const r = await login.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: the identity provider refused the sign-in: the authorization code was already used",
    );
    expect(r.stderr).toContain("nothing was stored");
    expect(session()).toEqual(before);
  });

  it("refuses a code issued for another PKCE challenge (code_verifier does not match)", async () => {
    const before = session();
    const login = await startLogin(["--no-browser", "--profile", "h33"]);
    const attacker = await foreignRequest(login.url, {
      codeChallenge: await calculatePKCECodeChallenge(generateRandomCodeVerifier()),
    });
    const answer = await deliver(await signInAt(attacker, "alice"));
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("code_verifier does not match the code_challenge");
    const r = await login.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: the identity provider refused the sign-in: code_verifier does not match the code_challenge (invalid_grant); nothing was stored",
    );
    expect(session()).toEqual(before);
  });

  it("refuses a code issued for another redirect URI, and the IdP refuses an unregistered one", async () => {
    const before = session();
    const login = await startLogin(["--no-browser", "--profile", "h33"]);
    const cliRedirect = login.url.searchParams.get("redirect_uri") as string;

    const unregistered = await fetch(
      await foreignRequest(login.url, { redirectUri: "http://evil.example/callback" }),
    );
    expect(unregistered.status).toBe(400);
    expect(await unregistered.text()).toContain("Redirect URI not allowed");

    // Same listener, another spelling of it: the code is bound to the URI it was issued for.
    const other = cliRedirect.replace("//localhost:", "//127.0.0.1:");
    const callback = await signInAt(await foreignRequest(login.url, { redirectUri: other }), "alice");
    expect(callback.host).toMatch(/^127\.0\.0\.1:/);
    const answer = await deliver(callback);
    expect(answer.status).toBe(400);
    const r = await login.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: the identity provider refused the sign-in: redirect_uri differs from the one of the authorization request (invalid_grant); nothing was stored",
    );
    expect(session()).toEqual(before);
  });
});
