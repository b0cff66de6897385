import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PortInUseError } from "#local/api-gateway/server.js";
import { freePort } from "#local/dynamodb-local.js";
import { readEndpointsFile } from "#local/endpoints-file.js";
import { assertPortsFree, type LocalStack, PROJECT_ROOT, startLocalStack } from "#local/stack.js";
import {
  accessToken,
  callDemo,
  http,
  jitUser,
  login,
  startTestStack,
  TEST_AUTHORIZER_CACHE_SECONDS,
  TEST_REVOCATION_CACHE_SECONDS,
  waitUntil,
} from "./local-stack-client.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Six distinct free ports, one per service. */
async function sixPorts() {
  const ports = new Set<number>();
  while (ports.size < 6) ports.add(await freePort());
  const [jitApi, demoApi, idp, kms, dynamodb, console] = [...ports] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { jitApi, demoApi, idp, kms, dynamodb, console };
}

/** A base port with the five after it free too (bounded tries over random bases). */
async function freePortRun(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    try {
      await assertPortsFree([base, base + 1, base + 2, base + 3, base + 4, base + 5]);
      return base;
    } catch {
      // taken: try another base
    }
  }
  throw new Error("no run of six free ports found");
}

/** Runs `npm start`'s entry (`tsx local/start.ts`) with `args`. */
function startCli(args: string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["local/start.ts", ...args], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own config directory: `npm start` leaves a pointer there for the jit CLI.
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      JIT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "jit-e2e-config-")),
    },
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL");
  });
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe("data directory across restarts", () => {
  it("keeps grants, keys and identity tokens: a token issued before a restart still calls the demo API", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "jit-e2e-data-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const ports = await sixPorts();
    const options = {
      dataDir,
      ports,
      revocationCacheSeconds: TEST_REVOCATION_CACHE_SECONDS,
      authorizerCacheSeconds: TEST_AUTHORIZER_CACHE_SECONDS,
    };

    let stack: LocalStack = await startLocalStack(options);
    cleanups.push(() => stack.stop());
    expect(readEndpointsFile(dataDir)).toEqual(stack.endpoints);
    const alice = await jitUser(stack, "alice");
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-read",
    });
    expect(created.status).toBe(201);
    const id = created.body.requestId;
    const token = await accessToken(alice, id);
    expect((await callDemo(stack, token, "GET", "/orders")).status).toBe(200);
    const jwksBefore = (await http(`${stack.endpoints.jitApi}/.well-known/jwks.json`)).body;
    const idpJwksBefore = (await http(`${stack.endpoints.idp}/.well-known/jwks.json`)).body;
    await stack.stop();
    expect(existsSync(join(dataDir, "endpoints.json"))).toBe(false);

    stack = await startLocalStack(options);
    cleanups.push(() => stack.stop());
    expect((await http(`${stack.endpoints.jitApi}/.well-known/jwks.json`)).body).toEqual(jwksBefore);
    expect((await http(`${stack.endpoints.idp}/.well-known/jwks.json`)).body).toEqual(idpJwksBefore);
    // The access token from before the restart: same key, same issuer, grant still stored.
    expect((await callDemo(stack, token, "GET", "/orders/ord-1001")).status).toBe(200);
    // The identity token from before the restart still signs alice in, and her request is still there.
    const shown = await http<{ status: string }>(`${stack.endpoints.jitApi}/requests/${id}`, {
      bearer: alice.idToken,
    });
    expect(shown.status).toBe(200);
    expect(shown.body.status).toBe("APPROVED");
    await stack.stop();
  });
});

describe("ports already in use", () => {
  it("refuses a second stack on the same ports with a clear message and starts nothing", async () => {
    const base = await freePortRun();
    const first = await startTestStack({ portBase: base });
    cleanups.push(() => first.stop());

    const message = `port ${base} is in use — is jit-access already running? Stop it or use --port-base`;
    await expect(startLocalStack({ portBase: base, inMemory: true })).rejects.toThrow(
      new PortInUseError(base),
    );

    const cli = startCli(["--in-memory", "--port-base", String(base)]);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr().trim()).toBe(`error: ${message}`);
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
    // The first stack is untouched.
    expect((await http(`${first.endpoints.jitApi}/.well-known/jwks.json`)).status).toBe(200);
    expect((await login(first, "alice")).length).toBeGreaterThan(0);
    await first.stop();
  });
});

describe("npm start", () => {
  it("prints its URLs and walkthrough, serves, and on SIGINT stops everything it started", async () => {
    const base = await freePortRun();
    const cli = startCli(["--in-memory", "--port-base", String(base), "--quiet"]);
    const up = await waitUntil(
      async () => cli.stdout().includes("Ctrl-C stops everything") || cli.child.exitCode !== null,
      80_000,
      250,
    );
    expect(up, cli.stderr()).toBeDefined();
    const banner = cli.stdout();
    // The console is listed first: it is where a person starts.
    expect(banner.indexOf("console ")).toBeLessThan(banner.indexOf("JIT API "));
    expect(banner).toContain(`console          http://127.0.0.1:${base + 5}`);
    expect(banner).toContain(`JIT API          http://127.0.0.1:${base}`);
    expect(banner).toContain(`demo orders API  http://127.0.0.1:${base + 1}`);
    expect(banner).toContain(`dev IdP          http://127.0.0.1:${base + 2}`);
    expect(banner).toContain(`KMS endpoint     http://127.0.0.1:${base + 3}`);
    expect(banner).toContain(`DynamoDB Local   http://127.0.0.1:${base + 4}`);
    expect(banner).toMatch(/revocation bound 10 s/);
    const endpointsFile = /endpoints file (\S+)\)/.exec(banner)?.[1];
    expect(endpointsFile).toBeDefined();
    expect(JSON.parse(readFileSync(endpointsFile as string, "utf8"))).toEqual({
      console: `http://127.0.0.1:${base + 5}`,
      jitApi: `http://127.0.0.1:${base}`,
      demoApi: `http://127.0.0.1:${base + 1}`,
      idp: `http://127.0.0.1:${base + 2}`,
      dynamodb: `http://127.0.0.1:${base + 4}`,
      kms: `http://127.0.0.1:${base + 3}`,
      notifications: `http://127.0.0.1:${base + 6}`,
    });
    expect((await http(`http://127.0.0.1:${base}/.well-known/jwks.json`)).status).toBe(200);

    cli.child.kill("SIGINT");
    expect(await cli.exit).toBe(0);
    // Every port is free again: the servers are closed and DynamoDB Local (a Java process) is gone.
    await expect(
      assertPortsFree([base, base + 1, base + 2, base + 3, base + 4, base + 5]),
    ).resolves.toBeUndefined();
    expect(existsSync(endpointsFile as string)).toBe(false);
  });
});
