import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EndpointResolver, type EndpointSettings, LOCAL_STACK_POINTER_FILE } from "#cli/endpoints.js";
import { UnreachableError, UsageError } from "#cli/errors.js";

let dir: string;
let cwd: string;
let configDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jit-endpoints-"));
  cwd = join(dir, "somewhere", "else");
  configDir = join(dir, "config");
  mkdirSync(cwd, { recursive: true });
  mkdirSync(configDir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an endpoints.json for a stack whose ports start at `base`; returns its path. */
function stackFile(dataDir: string, base: number): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "endpoints.json");
  writeFileSync(
    path,
    JSON.stringify({
      jitApi: `http://127.0.0.1:${base}`,
      demoApi: `http://127.0.0.1:${base + 1}`,
      idp: `http://127.0.0.1:${base + 2}`,
      kms: `http://127.0.0.1:${base + 3}`,
      dynamodb: `http://127.0.0.1:${base + 4}`,
    }),
  );
  return path;
}

function pointTo(endpointsFile: string, pid: number): void {
  writeFileSync(join(configDir, LOCAL_STACK_POINTER_FILE), JSON.stringify({ endpointsFile, pid }));
}

function resolver(settings: Partial<EndpointSettings> = {}, running: number[] = [4242]): EndpointResolver {
  return new EndpointResolver({ cwd, configDir, isRunning: (pid) => running.includes(pid), ...settings });
}

describe("JIT API discovery order", () => {
  it("1. --endpoint (or JIT_ENDPOINT) wins over everything, and says where it came from", () => {
    stackFile(join(cwd, ".data"), 5200);
    const r = resolver({
      endpoint: { value: "https://api.example.com/prod/", source: "--endpoint" },
      profileEndpoint: () => ({ value: "http://127.0.0.1:9000", source: "profile default" }),
    });
    expect(r.jitApiWithSource()).toEqual({ value: "https://api.example.com/prod", source: "--endpoint" });
  });

  it("2. --data-dir/JIT_DATA_DIR names the local stack's file, before the profile", () => {
    const file = stackFile(join(dir, "stack"), 5200);
    const r = resolver({
      dataDir: join(dir, "stack"),
      profileEndpoint: () => ({ value: "http://127.0.0.1:9000", source: "profile default" }),
    });
    expect(r.jitApiWithSource()).toEqual({ value: "http://127.0.0.1:5200", source: file });
    expect(r.idp()).toBe("http://127.0.0.1:5202");
  });

  it("3. the endpoint the profile logged in to comes before a local stack found by looking", () => {
    stackFile(join(cwd, ".data"), 5200);
    const r = resolver({
      profileEndpoint: () => ({ value: "https://api.example.com", source: "profile work" }),
    });
    expect(r.jitApiWithSource()).toEqual({ value: "https://api.example.com", source: "profile work" });
  });

  it("4. ./.data/endpoints.json of the current directory", () => {
    const file = stackFile(join(cwd, ".data"), 5200);
    expect(resolver().jitApiWithSource()).toEqual({ value: "http://127.0.0.1:5200", source: file });
  });

  it("5. from any directory: the pointer a running npm start leaves in the config directory", () => {
    const file = stackFile(join(dir, "checkout", ".data"), 5200);
    pointTo(file, 4242);
    const r = resolver();
    expect(r.jitApiWithSource()).toEqual({ value: "http://127.0.0.1:5200", source: file });
    expect(r.idp()).toBe("http://127.0.0.1:5202");
    expect(r.localStack()?.endpoints.demoApi).toBe("http://127.0.0.1:5201");
  });

  it("ignores a pointer whose npm start is no longer running, and then says what it looked for (exit 3)", () => {
    pointTo(stackFile(join(dir, "checkout", ".data"), 5200), 999_999);
    const r = resolver();
    expect(() => r.jitApi()).toThrow(UnreachableError);
    expect(() => r.jitApi()).toThrow(
      /no --endpoint or JIT_ENDPOINT, no `jit login`, and no local stack running/,
    );
    expect(() => r.jitApi()).toThrow(/npm start/);
  });

  it("finds the IdP of the profile's local stack through the pointer, from any directory", () => {
    const file = stackFile(join(dir, "checkout", ".data"), 5200);
    pointTo(file, 4242);
    const r = resolver({
      profileEndpoint: () => ({ value: "http://127.0.0.1:5200", source: "profile default" }),
    });
    expect(r.idpWithSource()).toEqual({ value: "http://127.0.0.1:5202", source: file });
  });

  it("has no IdP for a remote API unless --idp says (exit 2)", () => {
    const r = resolver({ endpoint: { value: "https://api.example.com", source: "JIT_ENDPOINT" } });
    expect(() => r.idp()).toThrow(UsageError);
    expect(r.localStack()).toBeUndefined();
  });

  it("refuses a URL that is not http(s), naming where it came from", () => {
    const r = resolver({ endpoint: { value: "ftp://x", source: "JIT_ENDPOINT" } });
    expect(() => r.jitApi()).toThrow(/JIT_ENDPOINT: "ftp:\/\/x" is not an http\(s\) URL/);
  });
});
