import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname } from "node:path";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from "jose";
import { z } from "zod";
import type { DevUser } from "#functions/domain/policy.js";
import { listenOnLoopback } from "./api-gateway/server.js";

/** `aud` of every identity token the development IdP mints: the local client id of the JIT API. */
export const DEV_IDP_CLIENT_ID = "jit-access-local";

/**
 * Signing algorithm of the development IdP. RS256 is the one every OpenID Provider must support
 * (OpenID Connect Discovery 1.0 §3, `id_token_signing_alg_values_supported`), and Cognito uses it too.
 */
export const DEV_IDP_ALGORITHM = "RS256";

/** Lifetime of a development identity token, seconds. */
export const DEV_IDP_TOKEN_TTL_SECONDS = 3_600;

/** Largest `POST /login` body, bytes. */
const LOGIN_BODY_LIMIT_BYTES = 16 * 1024;

/** A running development OIDC identity provider. */
export interface DevIdp {
  /** Issuer URL (`iss`), `http://127.0.0.1:PORT`; also the base of every endpoint. */
  issuer: string;
  port: number;
  jwksUri: string;
  /** The client id tokens are minted for (`aud`). */
  clientId: string;
  /** Closes the server. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startDevIdp}. */
export interface DevIdpOptions {
  /** The policy's development users (`users`), the only ones who can log in. */
  users: readonly DevUser[];
  /** Claim that carries the groups (the policy's `identity.groupsClaim`). */
  groupsClaim: string;
  /** Fixed port, or 0 for a free one. */
  port: number;
  /** Keep the signing key in this file (private JWK, mode 0600) so tokens survive restarts; omit for memory only. */
  keyFile?: string;
  /** `aud` of minted tokens; default {@link DEV_IDP_CLIENT_ID}. */
  clientId?: string;
  /** Token lifetime, seconds; default {@link DEV_IDP_TOKEN_TTL_SECONDS}. */
  tokenTtlSeconds?: number;
}

const LoginBody = z.strictObject({ username: z.string().min(1, "must not be empty").max(64) });

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

/**
 * Starts a development OpenID Connect identity provider on 127.0.0.1. Endpoints:
 * - `GET /.well-known/openid-configuration`: discovery document (OpenID Connect Discovery 1.0).
 * - `GET /.well-known/jwks.json`: its public key (RFC 7517).
 * - `POST /login` `{"username": "alice"}`: `200 {"id_token", "token_type", "expires_in"}` for a user of the
 *   policy; unknown user 404, malformed body 400 (RFC 9457 problem JSON). No password: development only,
 *   loopback only.
 * - `GET /users`: the users who can log in and their groups.
 *
 * ID token claims: `iss`, `sub` (the username), `aud` (client id), `iat`, `exp`, `auth_time`, `jti`,
 * `token_use: "id"`, `email`, `preferred_username`, and the groups in `groupsClaim`.
 * @throws PortInUseError when the port is taken; an Error when `keyFile` holds something that is not our key.
 */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const key = await loadOrCreateKey(options.keyFile);
  const clientId = options.clientId ?? DEV_IDP_CLIENT_ID;
  const ttl = options.tokenTtlSeconds ?? DEV_IDP_TOKEN_TTL_SECONDS;
  const users = new Map(options.users.map((u) => [u.username, u]));
  let issuer = "";

  const server = await listenOnLoopback((req, res) => {
    void route(req, res).catch(() => {
      if (!res.headersSent) sendProblem(res, 500, "internal", "The development IdP failed; see its log.");
    });
  }, options.port);
  issuer = server.url;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      sendJson(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/login`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: [DEV_IDP_ALGORITHM],
        claims_supported: [
          "iss",
          "sub",
          "aud",
          "iat",
          "exp",
          "auth_time",
          "jti",
          "email",
          options.groupsClaim,
        ],
      });
      return;
    }
    if (req.method === "GET" && path === "/.well-known/jwks.json") {
      sendJson(res, 200, { keys: [key.publicJwk] });
      return;
    }
    if (req.method === "GET" && path === "/users") {
      sendJson(res, 200, {
        users: [...users.values()].map((u) => ({ username: u.username, groups: u.groups })),
      });
      return;
    }
    if (path === "/login") {
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        sendProblem(res, 405, "invalid_request", 'Use POST /login with {"username": "..."}.');
        return;
      }
      await login(req, res);
      return;
    }
    sendProblem(res, 404, "not_found", `No such endpoint: ${req.method} ${path}`);
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readText(req);
    if (text === undefined) {
      sendProblem(res, 413, "invalid_request", `The body is larger than ${LOGIN_BODY_LIMIT_BYTES} bytes.`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      sendProblem(res, 400, "invalid_json", 'The body must be JSON: {"username": "alice"}.');
      return;
    }
    const parsed = LoginBody.safeParse(raw);
    if (!parsed.success) {
      sendProblem(res, 400, "invalid_request", 'The body must be {"username": "<a user of the policy>"}.');
      return;
    }
    const user = users.get(parsed.data.username);
    if (!user) {
      const known = [...users.keys()].join(", ") || "(none: the policy has no users)";
      sendProblem(res, 404, "not_found", `Unknown user "${parsed.data.username}". Users: ${known}.`);
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      token_use: "id",
      auth_time: now,
      preferred_username: user.username,
      [options.groupsClaim]: user.groups,
    };
    if (user.email !== undefined) {
      claims.email = user.email;
      claims.email_verified = true;
    }
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: DEV_IDP_ALGORITHM, typ: "JWT", kid: key.kid })
      .setIssuer(issuer)
      .setSubject(user.username)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(key.privateKey);
    sendJson(res, 200, { id_token: idToken, token_type: "Bearer", expires_in: ttl });
  }

  return {
    issuer,
    port: server.port,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    clientId,
    stop: server.stop,
  };
}

/** Loads the signing key from `keyFile`, or creates one (and writes it there when a file is given). */
async function loadOrCreateKey(keyFile: string | undefined): Promise<SigningKey> {
  if (keyFile !== undefined && existsSync(keyFile)) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(readFileSync(keyFile, "utf8")) as JWK;
    } catch (err) {
      throw new Error(`${keyFile}: not a JSON private key of the development IdP: ${(err as Error).message}`);
    }
    if (jwk.kty !== "RSA" || typeof jwk.d !== "string") {
      throw new Error(
        `${keyFile}: not an RSA private JWK of the development IdP; delete it to make a new key`,
      );
    }
    const privateKey = (await importJWK(jwk, DEV_IDP_ALGORITHM)) as CryptoKey;
    return withPublicJwk(privateKey, jwk);
  }
  const { privateKey } = await generateKeyPair(DEV_IDP_ALGORITHM, { extractable: true, modulusLength: 2048 });
  const privateJwk = await exportJWK(privateKey);
  if (keyFile !== undefined) {
    mkdirSync(dirname(keyFile), { recursive: true });
    const temporary = `${keyFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(privateJwk), { mode: 0o600 });
    renameSync(temporary, keyFile);
  }
  return withPublicJwk(privateKey, privateJwk);
}

async function withPublicJwk(privateKey: CryptoKey, privateJwk: JWK): Promise<SigningKey> {
  const publicJwk: JWK = { kty: "RSA", n: privateJwk.n, e: privateJwk.e };
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, kid, publicJwk: { ...publicJwk, kid, alg: DEV_IDP_ALGORITHM, use: "sig" } };
}

function readText(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > LOGIN_BODY_LIMIT_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.once("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}

/** RFC 9457 problem details, with the same `code` vocabulary as the JIT API. */
function sendProblem(res: ServerResponse, status: number, code: string, detail: string): void {
  const titles: Record<number, string> = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    500: "Internal Server Error",
  };
  res.writeHead(status, { "content-type": "application/problem+json", "cache-control": "no-store" });
  res.end(
    JSON.stringify({
      type: `https://github.com/jit-access/jit-access#error-${code}`,
      title: titles[status] ?? "Error",
      status,
      detail,
      code,
    }),
  );
}
