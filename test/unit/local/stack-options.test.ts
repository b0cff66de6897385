import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  endpointsFilePath,
  readEndpointsFile,
  removeEndpointsFile,
  writeEndpointsFile,
} from "#local/endpoints-file.js";
import { type LocalStack, resolvePorts } from "#local/stack.js";
import { parseStartArguments, startBanner } from "#local/start.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "jit-unit-local-"));
  dirs.push(dir);
  return dir;
}

const ENDPOINTS = {
  console: "http://127.0.0.1:4005",
  jitApi: "http://127.0.0.1:4000",
  demoApi: "http://127.0.0.1:4001",
  idp: "http://127.0.0.1:4002",
  kms: "http://127.0.0.1:4003",
  dynamodb: "http://127.0.0.1:4004",
  notifications: "http://127.0.0.1:4006",
};

describe("npm start arguments", () => {
  it("defaults to port base 4000, the example policy, .data and 5 s caches", () => {
    const options = parseStartArguments([]);
    expect(options).toMatchObject({
      portBase: 4000,
      inMemory: false,
      revocationCacheSeconds: 5,
      authorizerCacheSeconds: 5,
    });
    expect(options.config).toMatch(/config[/\\]example\.yaml$/);
    expect(options.dataDir).toMatch(/\.data$/);
  });

  it("reads --config, --data-dir, --in-memory, --port-base and the cache flags", () => {
    expect(
      parseStartArguments([
        "--config",
        "p.yaml",
        "--data-dir",
        "/tmp/x",
        "--in-memory",
        "--port-base",
        "5000",
        "--revocation-cache-seconds",
        "2",
        "--authorizer-cache-seconds",
        "0",
      ]),
    ).toMatchObject({
      config: "p.yaml",
      dataDir: "/tmp/x",
      inMemory: true,
      portBase: 5000,
      revocationCacheSeconds: 2,
      authorizerCacheSeconds: 0,
    });
  });

  it("refuses an unknown option and a value that is not a whole number in range, naming it", () => {
    expect(() => parseStartArguments(["--bogus"])).toThrow(/unknown option '--bogus'/);
    expect(() => parseStartArguments(["--port-base", "40x"])).toThrow(/--port-base.*whole number/);
    expect(() => parseStartArguments(["--revocation-cache-seconds", "-1"])).toThrow(/whole number/);
    expect(() => parseStartArguments(["--authorizer-cache-seconds", "3601"])).toThrow(/0 to 3600/);
  });
});

describe("local stack ports", () => {
  it("lays the services out from the port base, the console at base + 5", () => {
    expect(resolvePorts({ portBase: 4000 })).toEqual({
      jitApi: 4000,
      demoApi: 4001,
      idp: 4002,
      kms: 4003,
      dynamodb: 4004,
      console: 4005,
      notifications: 4006,
    });
  });

  it("uses free ports for every service with base 0, and explicit ports over the base", () => {
    expect(resolvePorts({ portBase: 0 })).toEqual({
      jitApi: 0,
      demoApi: 0,
      idp: 0,
      kms: 0,
      dynamodb: 0,
      console: 0,
      notifications: 0,
    });
    expect(resolvePorts({ portBase: 0, ports: { jitApi: 4100 } }).jitApi).toBe(4100);
  });

  it("refuses a privileged or overflowing port base", () => {
    expect(() => resolvePorts({ portBase: 80 })).toThrow(RangeError);
    expect(() => resolvePorts({ portBase: 65_530 })).toThrow(RangeError);
    expect(resolvePorts({ portBase: 65_529 }).notifications).toBe(65_535);
  });
});

describe("endpoints.json", () => {
  it("round-trips the six endpoints", () => {
    const dir = tempDir();
    const path = writeEndpointsFile(dir, ENDPOINTS);
    expect(path).toBe(endpointsFilePath(dir));
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(ENDPOINTS);
    expect(readEndpointsFile(dir)).toEqual(ENDPOINTS);
  });

  it("names the file when it is missing or invalid", () => {
    const dir = tempDir();
    expect(() => readEndpointsFile(dir)).toThrow(dir);
    writeFileSync(endpointsFilePath(dir), JSON.stringify({ jitApi: "not a url" }));
    expect(() => readEndpointsFile(dir)).toThrow(/not a valid endpoints file/);
  });

  it("is removed on stop only while it still lists this stack's endpoints", () => {
    const dir = tempDir();
    writeEndpointsFile(dir, { ...ENDPOINTS, jitApi: "http://127.0.0.1:5000" });
    removeEndpointsFile(dir, ENDPOINTS);
    expect(readEndpointsFile(dir).jitApi).toBe("http://127.0.0.1:5000");
    writeEndpointsFile(dir, ENDPOINTS);
    removeEndpointsFile(dir, ENDPOINTS);
    expect(() => readEndpointsFile(dir)).toThrow();
  });
});

describe("npm start banner", () => {
  const stack = {
    endpoints: ENDPOINTS,
    dataDir: "/tmp/jit-access-x",
    endpointsFile: "/tmp/jit-access-x/endpoints.json",
    inMemory: true,
    configFile: "/work/config/example.yaml",
    policy: { users: [{ username: "alice", email: undefined, groups: ["engineers"] }] },
    demoAudience: "orders-api",
    revocationCacheSeconds: 5,
    authorizerCacheSeconds: 5,
    revocationBoundSeconds: 10,
  } as unknown as LocalStack;

  it("lists every URL, the revocation bound and a three-step walkthrough that finds this data directory", () => {
    const banner = startBanner(stack);
    for (const url of Object.values(ENDPOINTS)) expect(banner).toContain(url);
    expect(banner).toContain("revocation bound 10 s (grant cache 5 s + authorizer cache 5 s)");
    expect(banner).toContain("endpoints file /tmp/jit-access-x/endpoints.json");
    const steps = banner.split("\n").filter((line) => /^ {2}\d\. /.test(line));
    expect(steps).toHaveLength(3);
    for (const step of steps) expect(step).toContain("npx jit --data-dir /tmp/jit-access-x");
    expect(steps[2]).toContain(`${ENDPOINTS.demoApi}/orders/ord-1001`);
  });
});
