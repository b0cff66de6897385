import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HSTS_MAX_AGE_SECONDS } from "#console/security-headers.js";
import { type ConsoleServer, startConsoleServer } from "#local/console-server.js";

const API = "http://127.0.0.1:41000";
const IDP = "http://127.0.0.1:41002";
let dist: string;
let server: ConsoleServer;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), "jit-console-dist-"));
  mkdirSync(join(dist, "assets"));
  writeFileSync(
    join(dist, "index.html"),
    '<!doctype html><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(join(dist, "assets", "app.js"), "console.log(1)");
  writeFileSync(join(dist, "..", "jit-console-secret.txt"), "outside the dist folder");
  server = await startConsoleServer({ port: 0, distDir: dist });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dist, { recursive: true, force: true });
  rmSync(join(dist, "..", "jit-console-secret.txt"), { force: true });
});

/** A raw GET (the path is sent as is, so `..` is not normalised away by the client). */
function rawGet(
  path: string,
  method = "GET",
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers as Record<string, string>,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("local console server", () => {
  it("answers 503 until the stack tells it where the API and the IdP are", async () => {
    const res = await rawGet("/");
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    server.configure({
      apiUrl: API,
      issuer: IDP,
      clientId: "jit-console",
      tokenEndpoint: `${IDP}/token`,
      authorizationEndpoint: `${IDP}/authorize`,
    });
  });

  it("sends the strict security headers on pages, files and errors alike", async () => {
    for (const path of ["/", "/requests/r-1", "/assets/app.js", "/config.json", "/assets/missing.js"]) {
      const { headers } = await rawGet(path);
      const csp = headers["content-security-policy"] ?? "";
      expect(csp, path).toBe(
        [
          "default-src 'none'",
          "script-src 'self'",
          "style-src 'self'",
          "img-src 'self' data:",
          "font-src 'self'",
          `connect-src 'self' ${API} ${IDP}`,
          "manifest-src 'self'",
          "base-uri 'none'",
          "form-action 'self'",
          "frame-ancestors 'none'",
          "object-src 'none'",
        ].join("; "),
      );
      expect(headers["strict-transport-security"], path).toBe(
        `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
      );
      expect(headers["referrer-policy"], path).toBe("no-referrer");
      expect(headers["x-content-type-options"], path).toBe("nosniff");
      expect(headers["x-frame-options"], path).toBe("DENY");
    }
  });

  it("serves index.html for client-side routes such as the /requests/{id} deep link", async () => {
    for (const path of ["/", "/access", "/requests/0f6c2d1e-aaaa", "/callback?code=x&state=y"]) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(200);
      expect(res.headers["content-type"], path).toBe("text/html; charset=utf-8");
      expect(res.body, path).toContain('src="/assets/app.js"');
    }
  });

  it("serves config.json with the API, issuer and client id, never cached", async () => {
    const res = await rawGet("/config.json");
    expect(res.status).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(res.body)).toEqual({
      apiUrl: API,
      issuer: IDP,
      clientId: "jit-console",
      authorizationEndpoint: `${IDP}/authorize`,
      tokenEndpoint: `${IDP}/token`,
    });
  });

  it("serves hashed assets with a long cache and answers 404 for a missing file", async () => {
    const asset = await rawGet("/assets/app.js");
    expect(asset.status).toBe(200);
    expect(asset.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(asset.headers["cache-control"]).toContain("immutable");
    expect((await rawGet("/assets/missing.js")).status).toBe(404);
  });

  it("never serves a file outside its folder, however the path is spelled", async () => {
    for (const path of [
      "/../jit-console-secret.txt",
      "/%2e%2e/jit-console-secret.txt",
      "/assets/..%2f..%2fjit-console-secret.txt",
    ]) {
      const res = await rawGet(path);
      expect(res.body, path).not.toContain("outside the dist folder");
    }
  });

  it("answers only GET and HEAD", async () => {
    const res = await rawGet("/", "POST");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD");
    const head = await rawGet("/", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });
});
