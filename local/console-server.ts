import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { consoleSecurityHeaders, originOf } from "#console/security-headers.js";
import { type LocalHttpServer, listenOnLoopback } from "./api-gateway/server.js";

/** What the console reads from `/config.json` (console/src/config.ts). */
export interface ConsoleRuntimeConfig {
  apiUrl: string;
  issuer: string;
  clientId: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

/** A running console server. */
export interface ConsoleServer extends LocalHttpServer {
  /**
   * Sets `/config.json` and the CSP's `connect-src` (the JIT API and the identity provider's endpoints).
   * Until called, every page answers 503: the console would not know where its API is.
   */
  configure(config: ConsoleRuntimeConfig): void;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serves the built console (`distDir`, from `npm run build`) on 127.0.0.1 as CloudFront serves it in AWS:
 * the files with the security headers of console/security-headers.ts on every answer, `index.html` for
 * every other path (client-side routes such as the `/requests/{id}` deep link), and a generated
 * `/config.json`. GET and HEAD only.
 * @throws PortInUseError when the port is taken.
 */
export async function startConsoleServer(options: { port: number; distDir: string }): Promise<ConsoleServer> {
  const root = resolve(options.distDir);
  let config: ConsoleRuntimeConfig | undefined;
  let headers: Record<string, string> = consoleSecurityHeaders({
    connectSources: [],
    upgradeInsecureRequests: false,
  });

  const server = await listenOnLoopback((req, res) => {
    void serve(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", "The console server failed.");
      else res.destroy();
    });
  }, options.port);

  function send(
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ) {
    res.writeHead(status, {
      ...headers,
      "content-type": type,
      "content-length": String(Buffer.byteLength(body)),
      ...extra,
    });
    res.end(res.req.method === "HEAD" ? undefined : body);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "text/plain; charset=utf-8", "Method Not Allowed", { allow: "GET, HEAD" });
      return;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (config === undefined) {
      send(res, 503, "text/plain; charset=utf-8", "The local stack is still starting.", {
        "retry-after": "1",
      });
      return;
    }
    if (path === "/config.json") {
      send(res, 200, "application/json", JSON.stringify(config), { "cache-control": "no-store" });
      return;
    }
    const file = await staticFile(path);
    if (file !== undefined) {
      const immutable = path.startsWith("/assets/");
      send(res, 200, CONTENT_TYPES[extname(file)] ?? "application/octet-stream", await readFile(file), {
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      });
      return;
    }
    // A path with a file extension that does not exist is a missing file; anything else is a page.
    if (extname(path) !== "") {
      send(res, 404, "text/plain; charset=utf-8", "Not Found");
      return;
    }
    const index = await staticFile("/index.html");
    if (index === undefined) {
      send(res, 503, "text/plain; charset=utf-8", "The console is not built: run npm run build.");
      return;
    }
    send(res, 200, CONTENT_TYPES[".html"] as string, await readFile(index), { "cache-control": "no-cache" });
  }

  /** The file under the dist folder for a URL path, if it is one (never outside the folder). */
  async function staticFile(urlPath: string): Promise<string | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (decoded.includes("\0")) return undefined;
    const candidate = normalize(join(root, decoded));
    if (candidate !== root && !candidate.startsWith(`${root}${sep}`)) return undefined;
    try {
      return (await stat(candidate)).isFile() ? candidate : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    ...server,
    configure(next) {
      config = { ...next };
      const sources = [next.apiUrl, next.issuer, next.authorizationEndpoint, next.tokenEndpoint]
        .filter((u): u is string => u !== undefined)
        .map(originOf);
      headers = consoleSecurityHeaders({ connectSources: sources, upgradeInsecureRequests: false });
    },
  };
}
