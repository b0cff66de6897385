import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeJwt, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, PROJECT_ROOT, startLocalStack } from "#local/stack.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";

// Drives the real `jit` command (node bin/jit.mjs) as a subprocess against a local stack started here:
// in memory, free ports, the run's shared DynamoDB Local. The policy is config/example.yaml with a 3-second
// token lifetime, so `jit exec` has to renew its token while the command runs.

const JIT = resolve(PROJECT_ROOT, "bin", "jit.mjs");
const TOKEN_TTL_SECONDS = 3;

let stack: LocalStack;
let work: string;
let configDir: string;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `jit …` with a clean JIT_* environment: its own config dir, the stack found via JIT_DATA_DIR. */
function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Run> } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("JIT_")));
  const child = spawn(process.execPath, [JIT, ...args], {
    cwd: work,
    env: { ...base, JIT_CONFIG_DIR: configDir, JIT_DATA_DIR: stack.dataDir, ...env },
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
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

function jit(args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  return start(args, env).done;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "jit-cli-e2e-"));
  configDir = join(work, "config");
  const policyFile = join(work, "policy.yaml");
  const example = readFileSync(join(PROJECT_ROOT, "config", "example.yaml"), "utf8");
  writeFileSync(policyFile, example.replace(/^tokenTtl: .*$/m, `tokenTtl: PT${TOKEN_TTL_SECONDS}S`));
  const tables = await createTestTables(testDynamoDbClient(), "cli");
  stack = await startLocalStack({
    configFile: policyFile,
    inMemory: true,
    portBase: 0,
    dynamodb: { endpoint: testDynamoDbEndpoint(), tables },
  });
});

afterAll(async () => {
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("jit CLI against the local stack", () => {
  let requestId: string;

  it("logs alice in at the development IdP and keeps her identity token in a 0600 file", async () => {
    const r = await jit(["login", "--user", "alice"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Logged in as alice at ${stack.endpoints.jitApi} (profile default).`);
    expect(statSync(join(configDir, "session.json")).mode & 0o777).toBe(0o600);
  });

  it("lists the entitlements alice may request, with how each is approved", async () => {
    const r = await jit(["entitlements"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+APPROVAL\s+DEFAULT\s+MAX/m);
    expect(r.stdout).toMatch(
      /^orders-admin\s+1 approver from sre \(never the requester\)\s+1h\s+4h\s+INC-\[0-9\]\+/m,
    );
    expect(r.stdout).toMatch(/^orders-read\s+auto\s/m);
  });

  it("requests orders-admin with a ticket and a reason", async () => {
    const r = await jit([
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
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const request = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(request).toMatchObject({
      entitlement: "orders-admin",
      requester: "alice",
      status: "PENDING",
      durationSeconds: 1_800,
      ticket: "INC-4211",
      justification: "fix stuck orders",
    });
    requestId = request.requestId as string;
  });

  it("refuses alice's approval of her own request: exit 1 with the self_approval problem", async () => {
    const r = await jit(["approve", requestId]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("error: You cannot approve your own request. (self_approval, HTTP 403)\n");
  });

  it("shows bob the request as pending and lets him approve it with --as", async () => {
    const pending = await jit(["list", "--pending", "--as", "bob"]);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(
      new RegExp(`^${requestId}\\s+orders-admin\\s+alice\\s+PENDING\\s+30m`, "m"),
    );

    const r = await jit(["approve", requestId, "--as", "bob", "--comment", "go ahead"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Approved: the request is APPROVED.");
    expect(r.stdout).toMatch(/^Approvals:\s+1 of 1: bob .*"go ahead"$/m);
    expect(r.stdout).toMatch(/^Expires:\s+\S+ \S+Z \(in (29m\d+s|30m)\)$/m);
  });

  it("shows the request with its audit trail", async () => {
    const r = await jit(["show", requestId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Status:\s+APPROVED$/m);
    expect(r.stdout).toMatch(/^Ticket:\s+INC-4211$/m);
    expect(r.stdout).toContain("Audit trail:");
    expect(r.stdout).toMatch(/\sREQUESTED\s+alice\s/);
    expect(r.stdout).toMatch(/\sAPPROVED\s+bob\s/);

    const json = await jit(["show", requestId, "--json"]);
    const shown = JSON.parse(json.stdout) as { request: { status: string }; audit: { action: string }[] };
    expect(shown.request.status).toBe("APPROVED");
    expect(shown.audit.map((e) => e.action)).toEqual(expect.arrayContaining(["REQUESTED", "APPROVED"]));
  });

  it("prints only an access token for the grant", async () => {
    const r = await jit(["token", requestId]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(r.stdout).toBe(`${token}\n`);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: "alice",
      aud: "orders-api",
      scope: "orders-admin",
      jit_request_id: requestId,
    });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(TOKEN_TTL_SECONDS);
  });

  it("runs a command with the token, renews the token file before it expires, and exits with the command's code", async () => {
    // The command calls the demo API with the first token, waits for the token file to change, calls it
    // again with the renewed token, reports, and exits 7.
    const script = `
      const fs = require("node:fs");
      const first = process.env.JIT_ACCESS_TOKEN;
      const file = process.env.JIT_ACCESS_TOKEN_FILE;
      const call = (auth) => fetch(process.env.DEMO_API + "/orders", { headers: { authorization: auth } }).then((r) => r.status);
      (async () => {
        const out = {
          bearerMatches: process.env.JIT_AUTHORIZATION === "Bearer " + first,
          fileMatches: fs.readFileSync(file, "utf8") === first,
          fileMode: (fs.statSync(file).mode & 0o777).toString(8),
          hasIdToken: "JIT_ID_TOKEN" in process.env,
          requestId: process.env.JIT_REQUEST_ID,
          firstStatus: await call(process.env.JIT_AUTHORIZATION),
          file,
        };
        const deadline = Date.now() + 15000;
        let renewed = first;
        while (renewed === first && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          renewed = fs.readFileSync(file, "utf8");
        }
        out.renewed = renewed !== first;
        out.renewedStatus = await call("Bearer " + renewed);
        console.log(JSON.stringify(out));
        process.exit(7);
      })();`;
    // Alice's identity token, given through JIT_ID_TOKEN this time: the command must not inherit it.
    const session = JSON.parse(readFileSync(join(configDir, "session.json"), "utf8")) as {
      profiles: { default: { idToken: string } };
    };
    const r = await jit(["exec", requestId, "--", process.execPath, "-e", script], {
      DEMO_API: stack.endpoints.demoApi,
      JIT_ID_TOKEN: session.profiles.default.idToken,
    });
    expect(r.code).toBe(7);
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(out).toMatchObject({
      bearerMatches: true,
      fileMatches: true,
      fileMode: "600",
      hasIdToken: false,
      requestId,
      firstStatus: 200,
      renewed: true,
      renewedStatus: 200,
    });
    expect(existsSync(out.file as string)).toBe(false);
  });

  it("passes SIGTERM on to the command and exits with its code", async () => {
    const script = `process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(42); });
      console.log("ready"); setInterval(() => {}, 1000);`;
    const { child, done } = start(["exec", requestId, "--", process.execPath, "-e", script]);
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
    });
    await until("the command to start", async () => (seen.includes("ready") ? true : undefined));
    child.kill("SIGTERM");
    const r = await done;
    expect(r.code).toBe(42);
    expect(r.stdout).toContain("got SIGTERM");
  });

  it("revokes the grant; a new token is then refused with exit 1", async () => {
    const r = await jit(["revoke", requestId, "--reason", "done"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Revoked: the request is REVOKED.");
    expect(r.stdout).toMatch(/^Revoke reason:\s+done$/m);

    const token = await jit(["token", requestId]);
    expect(token.code).toBe(1);
    expect(token.stdout).toBe("");
    expect(token.stderr).toMatch(/^error: .+ \([a-z_]+, HTTP 4\d\d\)\n$/);
  });

  it("waits with --wait until an approver decides", async () => {
    const waiting = start([
      "request",
      "orders-admin",
      "--for",
      "PT15M",
      "--ticket",
      "INC-4212",
      "--reason",
      "second fix",
      "--wait",
      "--timeout",
      "1m",
    ]);
    const pendingId = await announcedRequestId(waiting.child);
    const approved = await jit(["approve", pendingId, "--as", "bob"]);
    expect(approved.code).toBe(0);
    const r = await waiting.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Access to orders-admin granted: get a token with \`jit token ${pendingId}\``);
    expect(r.stdout).toMatch(/^Status:\s+APPROVED$/m);
  });

  it("ends --wait with exit 1 when --timeout passes first", async () => {
    const r = await jit([
      "request",
      "orders-admin",
      "--ticket",
      "INC-4214",
      "--reason",
      "fourth",
      "--wait",
      "--timeout",
      "2s",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Status:\s+PENDING$/m);
    expect(r.stderr).toMatch(
      /error: request \S+ is still PENDING after 2s; check later with `jit show \S+`\n$/,
    );
  });

  it("ends --wait with exit 1 when the request is denied", async () => {
    const waiting = start(["request", "orders-admin", "--ticket", "INC-4213", "--reason", "third", "--wait"]);
    const pendingId = await announcedRequestId(waiting.child);
    const denied = await jit(["deny", pendingId, "--as", "carol", "--reason", "not now"]);
    expect(denied.code).toBe(0);
    const r = await waiting.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Status:\s+DENIED$/m);
    expect(r.stderr).toContain(`error: request ${pendingId} was not approved (DENIED): not now`);
  });
});

/** The request id `jit request --wait` announces on stderr before it starts waiting. */
async function announcedRequestId(child: ChildProcess): Promise<string> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return until(
    "the request to be announced",
    async () => /request (\S+) is waiting for approval/.exec(stderr)?.[1],
  );
}

describe("jit request input in the CLI's terms", () => {
  it("schedules a start with --start +1h: the grant begins then, and a token before it is refused", async () => {
    const before = Date.now();
    const r = await jit(["request", "orders-read", "--start", "+1h", "--as", "alice", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const grant = JSON.parse(r.stdout) as Record<string, string>;
    expect(grant.status).toBe("APPROVED");
    const startsAt = Date.parse(grant.startsAt as string);
    expect(startsAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(startsAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(grant.grantedAt).toBe(grant.startsAt);
    const token = await jit(["token", grant.requestId as string, "--as", "alice"]);
    expect(token.code).toBe(1);
    expect(token.stderr).toContain("invalid_state");
    const human = await jit(["request", "orders-read", "--start", "+2h", "--as", "alice"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^Access to orders-read granted from \S+Z: get a token with `jit token \S+` once it starts\./,
    );
  });

  it("refuses a --start it cannot read, or in the past, with exit 2 before calling the API", async () => {
    const unreadable = await jit(["request", "orders-read", "--start", "tomorrow", "--as", "alice"]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain("error: --start takes a time: 2026-01-31T09:00Z (with a zone)");
    const past = await jit(["request", "orders-read", "--start", "2020-01-01T00:00Z", "--as", "alice"]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain("error: --start 2020-01-01T00:00Z is in the past");
  });

  it("words the API's startsAt bound as --start", async () => {
    const r = await jit(["request", "orders-read", "--start", "+8d", "--as", "alice"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: --start: must be at most 7 days ahead. (invalid_request, HTTP 400)\n");
  });

  it("says --reason is required for orders-admin, not the API's field name", async () => {
    const r = await jit(["request", "orders-admin", "--ticket", "INC-1", "--as", "alice"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: --reason is required for orders-admin: give a reason with visible text/,
    );
    expect(r.stderr).not.toContain("justification");
    const invisible = await jit([
      "request",
      "orders-admin",
      "--ticket",
      "INC-1",
      "--reason",
      "\u200b",
      "--as",
      "alice",
    ]);
    expect(invisible.stderr).toMatch(/^error: --reason is required for orders-admin/);
  });

  it("names --ticket when the ticket is missing or does not match the pattern", async () => {
    const missing = await jit(["request", "orders-admin", "--reason", "fix", "--as", "alice"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "error: --ticket is required for orders-admin: a ticket matching INC-[0-9]+ (invalid_request, HTTP 400)\n",
    );
    const wrong = await jit([
      "request",
      "orders-admin",
      "--reason",
      "fix",
      "--ticket",
      "JIRA-7",
      "--as",
      "alice",
    ]);
    expect(wrong.stderr).toBe(
      'error: --ticket "JIRA-7" does not match INC-[0-9]+, the pattern orders-admin requires (invalid_request, HTTP 400)\n',
    );
  });

  it("suggests the closest entitlement for a mistyped one", async () => {
    const r = await jit(["request", "orders-admn", "--as", "alice"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: unknown entitlement "orders-admn"; did you mean orders-admin? (`jit entitlements` lists the ones you may request) (unknown_entitlement, HTTP 404)\n',
    );
    const unrelated = await jit(["request", "kubernetes-root", "--as", "alice"]);
    expect(unrelated.stderr).not.toContain("did you mean");
    expect(unrelated.stderr).toContain('unknown entitlement "kubernetes-root"');
  });
});

describe("jit extend, list --active, list --unreviewed, review", () => {
  let grantId: string;

  it("extends alice's grant: an extension request bob sees as pending and approves, moving expiresAt", async () => {
    const created = await jit([
      "request",
      "orders-admin",
      "--for",
      "1h",
      "--ticket",
      "INC-18",
      "--reason",
      "long migration",
      "--as",
      "alice",
      "--json",
    ]);
    expect(created.code).toBe(0);
    grantId = (JSON.parse(created.stdout) as { requestId: string }).requestId;
    expect((await jit(["approve", grantId, "--as", "bob"])).code).toBe(0);
    const before = JSON.parse((await jit(["show", grantId, "--as", "alice", "--json"])).stdout) as {
      request: { expiresAt: string };
    };

    const r = await jit([
      "extend",
      grantId,
      "--for",
      "30m",
      "--reason",
      "migration runs late",
      "--as",
      "alice",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Extension requested: \S+ is PENDING; an approver must approve it\.$/m);
    expect(r.stdout).toMatch(new RegExp(`^Extends:\\s+${grantId}$`, "m"));
    expect(r.stdout).toMatch(/^Adds:\s+30m$/m);
    const extensionId = /^Request:\s+(\S+)$/m.exec(r.stdout)?.[1] as string;

    const pending = await jit(["list", "--pending", "--as", "bob"]);
    expect(pending.stdout).toMatch(
      new RegExp(`^${extensionId}\\s+orders-admin \\(extends ${grantId}\\)\\s+alice\\s+PENDING\\s+30m`, "m"),
    );
    const approved = await jit(["approve", extensionId, "--as", "bob"]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^Extended to:\s+\S+ \S+Z \(in 1h(29m(\d+s)?|30m)\)$/m);
    const after = JSON.parse((await jit(["show", grantId, "--as", "alice", "--json"])).stdout) as {
      request: { expiresAt: string };
    };
    expect(Date.parse(after.request.expiresAt) - Date.parse(before.request.expiresAt)).toBe(30 * 60_000);
  });

  it("cuts the last extension to extension.maxTotalDuration, then refuses with exit 1 and the extension_limit problem", async () => {
    // 1 h 30 min granted so far; each extension adds at most maxDuration (4 h); 8 h in all.
    const extend = async (approver: string) => {
      const r = await jit([
        "extend",
        grantId,
        "--for",
        "8h",
        "--reason",
        "all day",
        "--as",
        "alice",
        "--json",
      ]);
      expect(r.code).toBe(0);
      const ext = JSON.parse(r.stdout) as { requestId: string; durationSeconds: number; clamped: boolean };
      expect((await jit(["approve", ext.requestId, "--as", approver])).code).toBe(0);
      return ext;
    };
    expect(await extend("carol")).toMatchObject({ durationSeconds: 4 * 3600, clamped: true });
    expect(await extend("bob")).toMatchObject({ durationSeconds: 2.5 * 3600, clamped: true });
    const refused = await jit(["extend", grantId, "--for", "1m", "--reason", "more", "--as", "alice"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(extension_limit, HTTP 409\)\n$/);
  });

  it("lists live grants for an admin with --active, and none for a requester who oversees nothing", async () => {
    const dave = await jit(["list", "--active", "--as", "dave"]);
    expect(dave.code).toBe(0);
    expect(dave.stdout).toMatch(new RegExp(`^${grantId}\\s+orders-admin\\s+alice\\s+APPROVED`, "m"));
    const alice = await jit(["list", "--active", "--as", "alice"]);
    expect(alice.stdout.trim()).toBe("(no live grants you oversee)");
  });

  it("lists an unreviewed break-glass grant for dave, who reviews it once; a second review exits 1 with already_reviewed", async () => {
    const created = await jit([
      "request",
      "orders-break-glass",
      "--reason",
      "orders API down",
      "--as",
      "alice",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const id = (JSON.parse(created.stdout) as { requestId: string }).requestId;
    const unreviewed = await jit(["list", "--unreviewed", "--as", "dave"]);
    expect(unreviewed.stdout).toMatch(new RegExp(`^${id}\\s+orders-break-glass\\s+alice\\s+APPROVED`, "m"));

    const r = await jit([
      "review",
      id,
      "--note",
      "INC-99 outage, commands matched the runbook",
      "--as",
      "dave",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Reviewed: break-glass grant ${id} is marked reviewed.`);
    expect(r.stdout).toMatch(/^Status:\s+APPROVED \(break-glass, reviewed\)$/m);
    expect(r.stdout).toMatch(/^Review note:\s+INC-99 outage, commands matched the runbook$/m);
    expect((await jit(["list", "--unreviewed", "--as", "dave"])).stdout).not.toContain(id);

    const again = await jit(["review", id, "--note", "twice", "--as", "dave"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\(already_reviewed, HTTP 409\)\n$/);
    const notAdmin = await jit(["review", id, "--note", "me too", "--as", "bob"]);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toMatch(/\(forbidden, HTTP 403\)\n$/);
  });
});

describe("jit list paging", () => {
  it("shows one page and says more follow; --all-pages follows next to the last page", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await jit(["request", "orders-read", "--as", "carol", "--json"])).code).toBe(0);
    }
    const one = await jit(["list", "--all", "--limit", "1", "--as", "carol", "--json"]);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toHaveLength(1);
    expect(one.stderr).toBe("more requests follow: add --all-pages to list them all\n");
    const whole = await jit(["list", "--all", "--limit", "100", "--as", "carol", "--json"]);
    const ids = (JSON.parse(whole.stdout) as { requestId: string }[]).map((r) => r.requestId);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const paged = await jit(["list", "--all", "--limit", "1", "--all-pages", "--as", "carol", "--json"]);
    expect(paged.code).toBe(0);
    expect(paged.stderr).toBe("");
    expect((JSON.parse(paged.stdout) as { requestId: string }[]).map((r) => r.requestId)).toEqual(ids);
    const bad = await jit(["list", "--limit", "0", "--as", "carol"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--limit takes a whole number from 1 to 100");
  });
});

describe("jit CLI errors", () => {
  it("exits 2 with commander's message for an unknown command", async () => {
    const r = await jit(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'frobnicate'");
  });

  it("exits 3 with a clear message when the endpoint cannot be reached", async () => {
    const port = await new Promise<number>((resolvePort) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolvePort(free));
      });
    });
    const r = await jit(["list", "--endpoint", `http://127.0.0.1:${port}`], {
      JIT_ID_TOKEN: new UnsecuredJWT({ sub: "alice" }).setExpirationTime("1h").encode(),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: cannot reach http://127.0.0.1:${port} — is \`npm start\` running?\n`);
  });
});

describe("jit exit codes (one case per documented code)", () => {
  it("0: success, e.g. --version prints the package version", async () => {
    const r = await jit(["--version"]);
    expect(r.code).toBe(0);
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    expect(r.stdout.trim()).toBe(version);
  });

  it("0: doctor against a healthy local stack names the API, its issuer, the clock, the identity and every part", async () => {
    const r = await jit(["doctor", "--as", "alice"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`JIT API      ${stack.endpoints.jitApi} (from ${stack.endpointsFile})`);
    expect(r.stdout).toContain(`a jit-access API, token issuer ${stack.endpoints.jitApi}`);
    expect(r.stdout).toMatch(/^ok {2}\s*clock/m);
    expect(r.stdout).toContain(`alice (--as alice), issuer ${stack.endpoints.idp}`);
    expect(r.stdout).toMatch(/local stack +demoApi, idp, dynamodb, kms answer|local stack .*answer/);
  });

  it("0: completion prints a bash script that completes the subcommands", async () => {
    const r = await jit(["completion", "bash"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("complete -o default -F _jit_complete jit");
    expect(r.stdout).toMatch(/request\) COMPREPLY=.*--wait/);
  });

  it("1: the API refused (4xx): a JIT_ID_TOKEN it does not trust, with advice about JIT_ID_TOKEN", async () => {
    const forged = new UnsecuredJWT({ sub: "alice", iss: stack.endpoints.idp })
      .setExpirationTime("1h")
      .encode();
    const r = await jit(["list"], { JIT_ID_TOKEN: forged });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the API refused JIT_ID_TOKEN");
    expect(r.stderr).toContain("unset JIT_ID_TOKEN");
    expect(r.stderr).not.toContain("run `jit login` again");
  });

  it("2: usage: JIT_ID_TOKEN that is not a JWT, or has expired, is refused before any call, saying what to do", async () => {
    const notJwt = await jit(["list"], { JIT_ID_TOKEN: "not-a-token" });
    expect(notJwt.code).toBe(2);
    expect(notJwt.stderr).toContain("JIT_ID_TOKEN is not a JWT");
    const expired = new UnsecuredJWT({ sub: "alice", iss: "https://idp.example" })
      .setIssuedAt(1_000)
      .setExpirationTime(2_000)
      .encode();
    const old = await jit(["list"], { JIT_ID_TOKEN: expired });
    expect(old.code).toBe(2);
    expect(old.stderr).toContain(
      "JIT_ID_TOKEN expired at 1970-01-01T00:33:20.000Z: get a fresh identity token from https://idp.example",
    );
  });

  it("3: an --endpoint pointing at another service (the demo API) is not a JIT API", async () => {
    const token = { JIT_ID_TOKEN: new UnsecuredJWT({ sub: "alice" }).setExpirationTime("1h").encode() };
    const demo = await jit(["list", "--endpoint", stack.endpoints.demoApi], token);
    expect(demo.code).toBe(3);
    expect(demo.stderr).toContain(`${stack.endpoints.demoApi} has no route GET /requests`);
    expect(demo.stderr).toContain("check --endpoint");
  });

  it("130: Ctrl-C during --wait says the request is still pending and how to withdraw it", async () => {
    const waiting = start([
      "request",
      "orders-admin",
      "--ticket",
      "INC-4219",
      "--reason",
      "ctrl-c",
      "--wait",
      "--as",
      "alice",
    ]);
    const pendingId = await announcedRequestId(waiting.child);
    expect(waiting.child.kill("SIGINT")).toBe(true);
    const r = await waiting.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(
      `request ${pendingId} is still pending; \`jit cancel ${pendingId}\` withdraws it`,
    );
    expect(r.stderr).toContain("Waiting for 1 approver of sre");
    const show = await jit(["show", pendingId, "--as", "alice", "--json"]);
    expect((JSON.parse(show.stdout) as { request: { status: string } }).request.status).toBe("PENDING");
  });
});
