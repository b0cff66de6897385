import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { GatewayResponse } from "./gateway-responses.js";
import { newRequestId } from "./proxy-event.js";
import type { RestApi } from "./rest-api.js";

/** Largest request body the emulator accepts by default, bytes (256 KiB); larger bodies get 413. */
export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;

/** A running loopback HTTP server. */
export interface LocalHttpServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  port: number;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, lets the requests already received finish for up to `drainMs`
   * (default 0), answers what is still unanswered then with a 503, and closes every connection, so the
   * port is free when it resolves. Requests arriving meanwhile on open keep-alive connections get the 503
   * at once. Idempotent: later calls return the first call's promise.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

/** `Retry-After` of the 503 a stopping server answers, seconds. */
export const STOPPING_RETRY_AFTER_SECONDS = 5;

/** Thrown when a port the local stack needs is taken. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(readonly port: number) {
    super(`port ${port} is in use — is jit-access already running? Stop it or use --port-base`);
  }
}

/**
 * Listens on 127.0.0.1 with `handler`, and tracks connections and unanswered requests so
 * {@link LocalHttpServer.stop} can drain in-flight calls for a bounded time and then close keep-alive
 * sockets instead of waiting for them.
 * @param port a fixed port, or 0 for a free one.
 * @throws PortInUseError when the port is taken.
 */
export async function listenOnLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
): Promise<LocalHttpServer> {
  const pending = new Set<ServerResponse>();
  let draining = false;
  const server: Server = createServer((req, res) => {
    if (draining) {
      sendStopping(res);
      return;
    }
    pending.add(res);
    res.once("close", () => pending.delete(res));
    handler(req, res);
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? new PortInUseError(port) : err);
    };
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  const drain = async (drainMs: number): Promise<void> => {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = Date.now() + drainMs;
    while (pending.size > 0 && Date.now() < deadline) await sleep(Math.min(25, deadline - Date.now()));
    for (const res of pending) sendStopping(res);
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    get inFlight() {
      return pending.size;
    },
    stop: (options) => {
      stopped ??= drain(Math.max(0, options?.drainMs ?? 0));
      return stopped;
    },
  };
}

/** The answer to a request the stopping server will not serve: 503 with `Retry-After`, connection closed. */
function sendStopping(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(
    JSON.stringify({
      type: "about:blank",
      title: "Service Unavailable",
      status: 503,
      code: "unavailable",
      detail: "The local stack is stopping. Retry once it runs again.",
    }),
  );
  res.writeHead(503, {
    "content-type": "application/problem+json",
    "content-length": String(body.length),
    "retry-after": String(STOPPING_RETRY_AFTER_SECONDS),
    connection: "close",
  });
  res.end(body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Serves a {@link RestApi} over HTTP on 127.0.0.1.
 * @param options.port fixed port, or 0 for a free one.
 * @param options.bodyLimitBytes bodies above this get API Gateway's 413 `{"message":"Request Too Long"}`.
 * @throws PortInUseError when the port is taken.
 */
export function serveRestApi(
  api: RestApi,
  options: { port: number; bodyLimitBytes?: number },
): Promise<LocalHttpServer> {
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  return listenOnLoopback((req, res) => {
    void serveOne(api, req, res, limit);
  }, options.port);
}

async function serveOne(
  api: RestApi,
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<void> {
  try {
    const body = await readBody(req, limit);
    if (body === "too-large") {
      send(res, api.gatewayResponse("requestTooLarge", newRequestId()), true);
      return;
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const response = await api.handle({
      method: (req.method ?? "GET").toUpperCase(),
      rawPath: q === -1 ? url : url.slice(0, q),
      rawQuery: q === -1 ? "" : url.slice(q + 1),
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
      host: req.headers.host ?? "127.0.0.1",
    });
    send(res, response, false);
  } catch {
    if (!res.headersSent) send(res, api.gatewayResponse("integrationFailure", newRequestId()), true);
    else res.destroy();
  }
}

/** Reads the body up to `limit` bytes; stops reading (and reports) as soon as it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve("too-large");
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.once("error", reject);
  });
}

function send(res: ServerResponse, response: GatewayResponse, close: boolean): void {
  // A stopping server may have answered already (its drain time ran out).
  if (res.headersSent) return;
  const headers: Record<string, string | string[]> = { ...response.headers };
  headers["content-length"] = String(response.body.length);
  if (close) headers.connection = "close";
  res.writeHead(response.statusCode, headers);
  res.end(response.body);
}
