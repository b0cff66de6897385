import { randomBytes, randomUUID } from "node:crypto";
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
import {
  DEV_IDP_CLI_CLIENT_ID,
  DEV_IDP_CONSOLE_CLIENT_ID,
  type DevIdpClients,
  isKnownClient,
  redirectUriRefusal,
} from "./dev-idp-clients.js";
import { DevIdpGrants, GrantRefusedError, type SignIn } from "./dev-idp-grants.js";
import { errorPage, SIGN_IN_PAGE_HEADERS, signInPage } from "./dev-idp-sign-in-page.js";

export { DEV_IDP_CLI_CLIENT_ID, DEV_IDP_CONSOLE_CLIENT_ID } from "./dev-idp-clients.js";

/**
 * Signing algorithm of the development IdP. RS256 is the one every OpenID Provider must support
 * (OpenID Connect Discovery 1.0 §3, `id_token_signing_alg_values_supported`), and Cognito uses it too.
 */
export const DEV_IDP_ALGORITHM = "RS256";

/** Lifetime of a development identity token, seconds. */
export const DEV_IDP_TOKEN_TTL_SECONDS = 3_600;

/** Largest request body (`POST /login`, `/authorize`, `/token`), bytes. */
const BODY_LIMIT_BYTES = 16 * 1024;
/** Longest `state` and `nonce` accepted, characters. */
const MAX_STATE_LENGTH = 512;
/** A PKCE S256 `code_challenge`: the base64url SHA-256 of the verifier, 43 characters (RFC 7636 §4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** A running development OIDC identity provider. */
export interface DevIdp {
  /** Issuer URL (`iss`), `http://127.0.0.1:PORT`; also the base of every endpoint. */
  issuer: string;
  port: number;
  jwksUri: string;
  /** Client id of the `jit` CLI (`aud` of its ID tokens and of `POST /login` tokens). */
  cliClientId: string;
  /** Client id of the web console. */
  consoleClientId: string;
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
  /** Client id of the CLI; default {@link DEV_IDP_CLI_CLIENT_ID}. */
  cliClientId?: string;
  /** Client id of the console; default {@link DEV_IDP_CONSOLE_CLIENT_ID}. */
  consoleClientId?: string;
  /**
   * Origin of the web console (`http://127.0.0.1:PORT`): its `/callback` is the console client's only
   * redirect URI, and the only origin allowed by CORS. Omitted: the console client cannot sign in.
   */
  consoleOrigin?: string;
  /** ID token lifetime, seconds; default {@link DEV_IDP_TOKEN_TTL_SECONDS}. */
  tokenTtlSeconds?: number;
}

const LoginBody = z.strictObject({ username: z.string().min(1, "must not be empty").max(64) });

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

/** Parameters of an authorization request carried from the sign-in page to `POST /authorize`. */
const AUTHORIZATION_PARAMETERS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
] as const;

/** A checked authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636 §4.3). */
interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string;
  /** The parameters as received, to carry through the sign-in page. */
  parameters: Record<string, string>;
}

/** Outcome of checking an authorization request: usable, an error page, or an error sent to the client. */
type AuthorizationCheck =
  | { ok: true; request: AuthorizationRequest }
  | { ok: false; page: { title: string; detail: string } }
  | { ok: false; redirect: { redirectUri: string; error: string; description: string; state?: string } };

/**
 * Starts a development OpenID Connect identity provider on 127.0.0.1 (docs/local.md), a real OpenID
 * Provider for the authorization code flow with PKCE:
 * - `GET /.well-known/openid-configuration`: discovery document (OpenID Connect Discovery 1.0 §3).
 * - `GET /.well-known/jwks.json`: its public key (RFC 7517).
 * - `GET /authorize`: a sign-in page listing the policy's users (RFC 6749 §4.1.1; `response_type=code`,
 *   `scope` with `openid`, `code_challenge_method=S256` required). `POST /authorize` (form: `username`
 *   plus the request's parameters) answers 302 to `redirect_uri` with `code`, `state` and `iss` (RFC 9207).
 *   Before `client_id` and `redirect_uri` are proven, errors are an HTML page, never a redirect.
 * - `POST /token` (form, public clients: `client_id`, no secret): `grant_type=authorization_code` with
 *   `code`, `redirect_uri`, `code_verifier` (RFC 6749 §4.1.3, RFC 7636 §4.5); `grant_type=refresh_token`
 *   (RFC 6749 §6; refresh tokens rotate). Answers `{access_token, token_type, expires_in, id_token,
 *   refresh_token, scope}` or an RFC 6749 §5.2 error. CORS for the console origin only.
 * - `POST /login` `{"username": "alice"}`: `200 {"id_token", "token_type", "expires_in"}` for scripts (an ID
 *   token for the CLI client); unknown user 404, malformed body 400 (RFC 9457 problem JSON).
 * - `GET /users`: the users who can log in and their groups.
 * No password: development only, loopback only. Clients and redirect URIs: see local/dev-idp-clients.ts.
 *
 * ID token claims: `iss`, `sub` (the username), `aud` (client id), `iat`, `exp`, `auth_time`, `jti`,
 * `nonce` (when the request had one), `token_use: "id"`, `email`, `preferred_username`, and the groups in
 * `groupsClaim`. The access token is opaque and accepted nowhere: the JIT API takes the ID token.
 * @throws PortInUseError when the port is taken; an Error when `keyFile` holds something that is not our key.
 */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const key = await loadOrCreateKey(options.keyFile);
  const clients: DevIdpClients = {
    cliClientId: options.cliClientId ?? DEV_IDP_CLI_CLIENT_ID,
    consoleClientId: options.consoleClientId ?? DEV_IDP_CONSOLE_CLIENT_ID,
    consoleOrigin: options.consoleOrigin?.replace(/\/+$/, ""),
  };
  const ttl = options.tokenTtlSeconds ?? DEV_IDP_TOKEN_TTL_SECONDS;
  const users = new Map(options.users.map((u) => [u.username, u]));
  const grants = new DevIdpGrants();
  let issuer = "";

  const server = await listenOnLoopback((req, res) => {
    void route(req, res).catch(() => {
      if (!res.headersSent) sendProblem(res, 500, "internal", "The development IdP failed; see its log.");
    });
  }, options.port);
  issuer = server.url;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", issuer);
    const path = url.pathname;
    const cors = path === "/token" || path.startsWith("/.well-known/");
    if (cors && !allowCors(req, res)) return;
    if (req.method === "OPTIONS" && cors) {
      res.writeHead(204, { "access-control-max-age": "600" });
      res.end();
      return;
    }
    if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      sendJson(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["none"],
        authorization_response_iss_parameter_supported: true,
        scopes_supported: ["openid", "email", "profile"],
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
          "nonce",
          "email",
          "preferred_username",
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
    if (path === "/authorize") {
      if (req.method === "GET") return showSignInPage(url.searchParams, res);
      if (req.method === "POST") return signIn(req, res);
      res.setHeader("allow", "GET, POST");
      sendPage(res, 405, errorPage("Method not allowed", "Use GET or POST /authorize."));
      return;
    }
    if (path === "/token") {
      if (req.method !== "POST") {
        res.setHeader("allow", "POST, OPTIONS");
        sendOAuthError(res, 405, "invalid_request", "Use POST /token with a form body.");
        return;
      }
      await token(req, res);
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

  /** CORS for the console origin only: headers added when it asks; any other origin is refused. */
  function allowCors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    res.setHeader("vary", "Origin");
    if (origin === undefined) return true;
    if (clients.consoleOrigin === undefined || origin !== clients.consoleOrigin) {
      sendOAuthError(res, 403, "invalid_request", `Origin ${origin} is not allowed.`);
      return false;
    }
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", "content-type");
    return true;
  }

  function checkAuthorizationRequest(params: URLSearchParams): AuthorizationCheck {
    const parameters: Record<string, string> = {};
    for (const name of AUTHORIZATION_PARAMETERS) {
      const values = params.getAll(name);
      if (values.length > 1) {
        return { ok: false, page: { title: "Bad request", detail: `${name} is given more than once.` } };
      }
      if (values[0] !== undefined) parameters[name] = values[0];
    }
    const clientId = parameters.client_id;
    if (clientId === undefined || !isKnownClient(clients, clientId)) {
      return {
        ok: false,
        page: {
          title: "Unknown client",
          detail: `client_id must be ${clients.cliClientId} or ${clients.consoleClientId}.`,
        },
      };
    }
    const redirectUri = parameters.redirect_uri ?? "";
    const refusal = redirectUriRefusal(clients, clientId, redirectUri);
    if (refusal !== undefined) {
      return { ok: false, page: { title: "Redirect URI not allowed", detail: `${refusal}.` } };
    }
    const state = parameters.state;
    const fail = (error: string, description: string): AuthorizationCheck => ({
      ok: false,
      redirect: { redirectUri, error, description, ...(state === undefined ? {} : { state }) },
    });
    if (parameters.response_type !== "code") {
      return fail(
        "unsupported_response_type",
        "only response_type=code (authorization code flow) is supported",
      );
    }
    const scope = parameters.scope ?? "";
    if (!scope.split(" ").includes("openid")) return fail("invalid_scope", "scope must include openid");
    if (
      parameters.code_challenge_method !== "S256" ||
      !S256_CHALLENGE.test(parameters.code_challenge ?? "")
    ) {
      return fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
    }
    if ((state?.length ?? 0) > MAX_STATE_LENGTH || (parameters.nonce?.length ?? 0) > MAX_STATE_LENGTH) {
      return fail("invalid_request", `state and nonce must be at most ${MAX_STATE_LENGTH} characters`);
    }
    return {
      ok: true,
      request: {
        clientId,
        redirectUri,
        scope,
        state,
        nonce: parameters.nonce,
        codeChallenge: parameters.code_challenge as string,
        parameters,
      },
    };
  }

  function answerRefusedRequest(check: Exclude<AuthorizationCheck, { ok: true }>, res: ServerResponse): void {
    if ("page" in check) {
      sendPage(res, 400, errorPage(check.page.title, check.page.detail));
      return;
    }
    const { redirectUri, error, description, state } = check.redirect;
    redirect(res, redirectUri, {
      error,
      error_description: description,
      ...(state === undefined ? {} : { state }),
      iss: issuer,
    });
  }

  function showSignInPage(params: URLSearchParams, res: ServerResponse): void {
    const check = checkAuthorizationRequest(params);
    if (!check.ok) {
      answerRefusedRequest(check, res);
      return;
    }
    sendPage(res, 200, signInPage([...users.values()], check.request.parameters, check.request.clientId));
  }

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req, (status, detail) =>
      sendPage(res, status, errorPage("Bad request", detail)),
    );
    if (form === undefined) return;
    const check = checkAuthorizationRequest(form);
    if (!check.ok) {
      answerRefusedRequest(check, res);
      return;
    }
    const { request } = check;
    const username = form.get("username") ?? "";
    const user = users.get(username);
    if (user === undefined) {
      sendPage(
        res,
        400,
        signInPage([...users.values()], request.parameters, request.clientId, `Unknown user "${username}".`),
      );
      return;
    }
    const code = grants.issueCode(
      {
        username: user.username,
        clientId: request.clientId,
        authTime: Math.floor(Date.now() / 1000),
        scope: request.scope,
        nonce: request.nonce,
      },
      request.redirectUri,
      request.codeChallenge,
    );
    redirect(res, request.redirectUri, {
      code,
      ...(request.state === undefined ? {} : { state: request.state }),
      iss: issuer,
    });
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req, (status, detail) =>
      sendOAuthError(res, status, "invalid_request", detail),
    );
    if (form === undefined) return;
    for (const [name] of form) {
      if (form.getAll(name).length > 1) {
        sendOAuthError(res, 400, "invalid_request", `${name} is given more than once`);
        return;
      }
    }
    const clientId = form.get("client_id") ?? "";
    if (!isKnownClient(clients, clientId)) {
      sendOAuthError(res, 401, "invalid_client", "unknown client_id (public clients send client_id)");
      return;
    }
    const grantType = form.get("grant_type");
    try {
      let outcome: { signIn: SignIn; refreshToken: string };
      if (grantType === "authorization_code") {
        outcome = await grants.redeemCode({
          code: form.get("code") ?? "",
          clientId,
          redirectUri: form.get("redirect_uri") ?? "",
          codeVerifier: form.get("code_verifier") ?? "",
        });
      } else if (grantType === "refresh_token") {
        outcome = grants.refresh(form.get("refresh_token") ?? "", clientId);
      } else {
        sendOAuthError(
          res,
          400,
          "unsupported_grant_type",
          "grant_type must be authorization_code or refresh_token",
        );
        return;
      }
      const user = users.get(outcome.signIn.username);
      if (user === undefined) throw new GrantRefusedError("invalid_grant", "the user no longer exists");
      const idToken = await mintIdToken(user, outcome.signIn.clientId, {
        authTime: outcome.signIn.authTime,
        nonce: outcome.signIn.nonce,
      });
      sendJson(res, 200, {
        access_token: randomBytes(32).toString("base64url"),
        token_type: "Bearer",
        expires_in: ttl,
        id_token: idToken,
        refresh_token: outcome.refreshToken,
        scope: outcome.signIn.scope,
      });
    } catch (err) {
      if (err instanceof GrantRefusedError) {
        sendOAuthError(res, 400, err.error, err.description);
        return;
      }
      throw err;
    }
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readText(req);
    if (text === undefined) {
      sendProblem(res, 413, "invalid_request", `The body is larger than ${BODY_LIMIT_BYTES} bytes.`);
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
    const idToken = await mintIdToken(user, clients.cliClientId, {
      authTime: Math.floor(Date.now() / 1000),
      nonce: undefined,
    });
    sendJson(res, 200, { id_token: idToken, token_type: "Bearer", expires_in: ttl });
  }

  async function mintIdToken(
    user: DevUser,
    audience: string,
    session: { authTime: number; nonce: string | undefined },
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      token_use: "id",
      auth_time: session.authTime,
      preferred_username: user.username,
      [options.groupsClaim]: user.groups,
    };
    if (session.nonce !== undefined) claims.nonce = session.nonce;
    if (user.email !== undefined) {
      claims.email = user.email;
      claims.email_verified = true;
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: DEV_IDP_ALGORITHM, typ: "JWT", kid: key.kid })
      .setIssuer(issuer)
      .setSubject(user.username)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }

  return {
    issuer,
    port: server.port,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    cliClientId: clients.cliClientId,
    consoleClientId: clients.consoleClientId,
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
      if (size > BODY_LIMIT_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.once("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

/**
 * Reads an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, HTML forms).
 * @returns the fields, or `undefined` after `refuse` answered a wrong content type or an oversize body.
 */
async function readForm(
  req: IncomingMessage,
  refuse: (status: number, detail: string) => void,
): Promise<URLSearchParams | undefined> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    req.resume();
    refuse(415, "The body must be application/x-www-form-urlencoded.");
    return undefined;
  }
  const text = await readText(req);
  if (text === undefined) {
    refuse(413, `The body is larger than ${BODY_LIMIT_BYTES} bytes.`);
    return undefined;
  }
  return new URLSearchParams(text);
}

/** 302 to `target` with `parameters` added to its query (RFC 6749 §4.1.2). */
function redirect(res: ServerResponse, target: string, parameters: Record<string, string>): void {
  const url = new URL(target);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  res.writeHead(302, { location: url.href, "cache-control": "no-store", "referrer-policy": "no-referrer" });
  res.end();
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, SIGN_IN_PAGE_HEADERS);
  res.end(html);
}

/** An OAuth 2.0 error response (RFC 6749 §5.2): `{error, error_description}`. */
function sendOAuthError(res: ServerResponse, status: number, error: string, description: string): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    pragma: "no-cache",
  });
  res.end(JSON.stringify({ error, error_description: description }));
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
