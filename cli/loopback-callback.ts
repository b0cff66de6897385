import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UsageError } from "./errors.js";

/** Path of the CLI's redirect URI, as the providers register it: `http://localhost:{port}/callback`. */
export const CALLBACK_PATH = "/callback";

/** A redirect that reached the listener with the expected `state`; answer it once the sign-in is done. */
export interface Callback {
  /** The full redirect URL, `http://localhost:{port}/callback?code=…&state=…`. */
  url: URL;
  /** Answers the browser with a short plain-text page and stops the listener. */
  respond(status: number, text: string): void;
}

/** A loopback listener waiting for the provider's redirect (RFC 8252 §7.3). */
export interface CallbackListener {
  /** `http://localhost:{port}/callback`. */
  redirectUri: string;
  port: number;
  /**
   * Waits for the first redirect carrying `state`. Redirects with another or no `state` are answered 400
   * and reported through `onRefused`; the listener keeps waiting (a forged redirect cannot end a sign-in).
   * @throws UsageError after `timeoutMs` without one.
   */
  next(state: string, timeoutMs: number, onRefused: (reason: string) => void): Promise<Callback>;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Headers of every answer: plain text (nothing from the URL is rendered as HTML), not cached, no referrer. */
const ANSWER_HEADERS = {
  "content-type": "text/plain; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
} as const;

/**
 * Listens for the redirect of a browser sign-in on `127.0.0.1:{port}`, and on `[::1]:{port}` when this
 * machine has IPv6, because the redirect URI names `localhost` (Cognito allows plain http only for
 * `localhost`) and a browser may resolve it to either address. Only this machine can connect.
 * @param port the port registered at the provider, or 0 for any free one (providers that accept any
 *   loopback port, RFC 8252 §7.3, such as the local stack's development IdP).
 * @throws UsageError when the port is in use.
 */
export async function listenForCallback(port: number): Promise<CallbackListener> {
  let waiting:
    | { state: string; onRefused: (reason: string) => void; resolve: (callback: Callback) => void }
    | undefined;
  const servers: Server[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://localhost:${bound}`);
    if (req.method !== "GET" || url.pathname !== CALLBACK_PATH) {
      answer(
        res,
        404,
        "Not found. This is the jit CLI's sign-in listener; it only takes the sign-in redirect.",
      );
      return;
    }
    if (waiting === undefined) {
      answer(res, 409, "The jit CLI is not waiting for a sign-in now. Run `jit login` again.");
      return;
    }
    const state = url.searchParams.get("state");
    if (state !== waiting.state) {
      const reason =
        state === null
          ? "a redirect without state"
          : "a redirect whose state does not match this sign-in (not the request the CLI started)";
      answer(res, 400, `Refused: ${reason}. Nothing was stored; the CLI keeps waiting for its own sign-in.`);
      waiting.onRefused(reason);
      return;
    }
    const { resolve } = waiting;
    waiting = undefined;
    resolve({
      url,
      respond: (status, text) => {
        answer(res, status, text);
        void close();
      },
    });
  };

  let bound = port;
  const first = createServer(handle);
  try {
    await listen(first, port, "127.0.0.1");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new UsageError(
        `port ${port} is in use, so the sign-in redirect cannot reach the CLI: stop what uses it, or pass ` +
          "--port with another port registered at your identity provider (--port 0: any free port, for " +
          "providers that accept any loopback port)",
      );
    }
    throw err;
  }
  servers.push(first);
  bound = (first.address() as AddressInfo).port;
  const second = createServer(handle);
  try {
    await listen(second, bound, "::1");
    servers.push(second);
  } catch {
    // No IPv6 loopback here (or the port is taken there): browsers then reach localhost on 127.0.0.1.
  }
  for (const server of servers) server.unref();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      ),
    ).then(() => undefined);
    return closing;
  };

  return {
    redirectUri: `http://localhost:${bound}${CALLBACK_PATH}`,
    port: bound,
    next(state, timeoutMs, onRefused) {
      return new Promise<Callback>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(
            new UsageError(
              `no sign-in arrived within ${Math.round(timeoutMs / 1000)} s; nothing was stored. Run \`jit login\` again`,
            ),
          );
        }, timeoutMs);
        waiting = {
          state,
          onRefused,
          resolve: (callback) => {
            clearTimeout(timer);
            resolve(callback);
          },
        };
      });
    },
    close,
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, ANSWER_HEADERS);
  res.end(`${text}\n`);
}
