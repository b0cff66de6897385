import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEV_IDP_CLI_CLIENT_ID,
  DEV_IDP_CONSOLE_CLIENT_ID,
  type DevIdp,
  startDevIdp,
} from "#local/dev-idp.js";
import { openSignInPage, signInAs, submitSignIn } from "#test/helpers/sign-in-browser.js";
import { http } from "./http.js";

const USERS = [
  { username: "alice", email: "alice@example.com", groups: ["engineers", "oncall"] },
  { username: "dave", email: undefined, groups: ["jit-admins"] },
  { username: "mal", email: undefined, groups: ['<img src=x onerror="alert(1)">'] },
];
const CONSOLE_ORIGIN = "http://127.0.0.1:4405";

const dirs: string[] = [];
const idps: DevIdp[] = [];
afterAll(async () => {
  for (const idp of idps) await idp.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(
  options: { keyFile?: string; port?: number; tokenTtlSeconds?: number } = {},
): Promise<DevIdp> {
  const idp = await startDevIdp({
    users: USERS,
    groupsClaim: "groups",
    port: options.port ?? 0,
    keyFile: options.keyFile,
    consoleOrigin: CONSOLE_ORIGIN,
    tokenTtlSeconds: options.tokenTtlSeconds,
  });
  idps.push(idp);
  return idp;
}

async function loginAs(idp: DevIdp, body: unknown) {
  return http<{ id_token: string; code: string; detail: string; status: number }>(`${idp.issuer}/login`, {
    method: "POST",
    body,
  });
}

describe("development IdP", () => {
  it("publishes an OIDC discovery document pointing at its JWKS", async () => {
    const idp = await start();
    const discovery = await http(`${idp.issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({
      issuer: idp.issuer,
      jwks_uri: `${idp.issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ["RS256"],
    });
  });

  it("mints ID tokens a standard verifier accepts, with groups in the configured claim", async () => {
    const idp = await start();
    const answer = await loginAs(idp, { username: "alice" });
    expect(answer.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(answer.body.id_token, jwks, {
      issuer: idp.issuer,
      audience: DEV_IDP_CLI_CLIENT_ID,
      algorithms: ["RS256"],
    });
    expect(protectedHeader.kid).toBeTypeOf("string");
    expect(payload).toMatchObject({
      sub: "alice",
      aud: DEV_IDP_CLI_CLIENT_ID,
      email: "alice@example.com",
      groups: ["engineers", "oncall"],
      token_use: "id",
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3_600);
  });

  it("answers an unknown user with a 404 problem naming the known users", async () => {
    const idp = await start();
    const answer = await loginAs(idp, { username: "mallory" });
    expect(answer.status).toBe(404);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.body).toMatchObject({ status: 404, code: "not_found" });
    expect(answer.body.detail).toContain("alice, dave, mal");
  });

  it("answers a malformed login body with a 400 problem", async () => {
    const idp = await start();
    for (const body of [{}, { username: 7 }, { username: "alice", password: "x" }, "alice"]) {
      const answer = await loginAs(idp, body);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe("invalid_request");
    }
    const notJson = await fetch(`${idp.issuer}/login`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { code: string }).code).toBe("invalid_json");
  });

  it("keeps its signing key in the key file, so tokens minted before a restart still verify", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jit-e2e-idp-"));
    dirs.push(dir);
    const keyFile = join(dir, "dev-idp", "signing-key.json");
    const first = await start({ keyFile });
    const token = (await loginAs(first, { username: "dave" })).body.id_token;
    const port = first.port;
    await first.stop();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const second = await start({ keyFile, port });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(second.jwksUri)), {
      issuer: second.issuer,
      audience: DEV_IDP_CLI_CLIENT_ID,
    });
    expect(payload.sub).toBe("dave");
    expect(payload.groups).toEqual(["jit-admins"]);
    const again = (await loginAs(second, { username: "dave" })).body.id_token;
    expect(decodeProtectedHeader(again).kid).toBe(decodeProtectedHeader(token).kid);
  });
});

/** A loopback redirect URI of the CLI on some port (RFC 8252 §7.3: any port is accepted). */
const CLI_REDIRECT = "http://127.0.0.1:53682/callback";

describe("development IdP: authorization code flow with PKCE", () => {
  let idp: DevIdp;
  let as: oauth.AuthorizationServer;
  const cli: oauth.Client = { client_id: DEV_IDP_CLI_CLIENT_ID };
  const options = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    idp = await start();
    const issuer = new URL(idp.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
  });

  /** Builds an authorization request for `client` and returns its URL with the PKCE verifier and state. */
  async function authorization(clientId: string, redirectUri: string, extra: Record<string, string> = {}) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: "openid email",
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      ...extra,
    }).toString();
    return { url: url.href, verifier, state, nonce };
  }

  /** Signs `username` in for the CLI and returns the callback parameters and what the code needs. */
  async function codeFor(username: string, redirectUri = CLI_REDIRECT) {
    const request = await authorization(DEV_IDP_CLI_CLIENT_ID, redirectUri);
    const callback = await signInAs(idp.issuer, request.url, username);
    const params = oauth.validateAuthResponse(as, cli, callback, request.state);
    return { ...request, params, redirectUri };
  }

  async function redeem(params: URLSearchParams, redirectUri: string, verifier: string) {
    return oauth.authorizationCodeGrantRequest(as, cli, oauth.None(), params, redirectUri, verifier, options);
  }

  it("publishes the code flow in its discovery document: PKCE S256, public clients, refresh tokens", () => {
    expect(as).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/authorize`,
      token_endpoint: `${idp.issuer}/token`,
      jwks_uri: `${idp.issuer}/.well-known/jwks.json`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
    });
  });

  it("signs a user in through the page, redirects to the loopback URI with code, state and iss, and issues an ID token for the CLI", async () => {
    const request = await authorization(DEV_IDP_CLI_CLIENT_ID, "http://localhost:61234/callback");
    const page = await openSignInPage(request.url);
    expect(page.status).toBe(200);
    expect(page.usernames).toEqual(["alice", "dave", "mal"]);
    const answer = await submitSignIn(idp.issuer, page.fields, "alice");
    expect(answer.status).toBe(302);
    const callback = new URL(answer.location ?? "");
    expect(`${callback.origin}${callback.pathname}`).toBe("http://localhost:61234/callback");
    expect(callback.searchParams.get("state")).toBe(request.state);
    expect(callback.searchParams.get("iss")).toBe(idp.issuer);

    const params = oauth.validateAuthResponse(as, cli, callback, request.state);
    const response = await redeem(params, "http://localhost:61234/callback", request.verifier);
    const tokens = await oauth.processAuthorizationCodeResponse(as, cli, response, {
      expectedNonce: request.nonce,
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const { payload } = await jwtVerify(tokens.id_token as string, createRemoteJWKSet(new URL(idp.jwksUri)), {
      issuer: idp.issuer,
      audience: DEV_IDP_CLI_CLIENT_ID,
    });
    expect(payload).toMatchObject({ sub: "alice", groups: ["engineers", "oncall"], nonce: request.nonce });
  });

  it("renews the ID token with the refresh token, rotating it; a rotated refresh token replayed revokes the sign-in", async () => {
    const { params, verifier, redirectUri, nonce } = await codeFor("dave");
    const first = await oauth.processAuthorizationCodeResponse(
      as,
      cli,
      await redeem(params, redirectUri, verifier),
      { expectedNonce: nonce },
    );
    const renewed = await oauth.processRefreshTokenResponse(
      as,
      cli,
      await oauth.refreshTokenGrantRequest(as, cli, oauth.None(), first.refresh_token as string, options),
    );
    expect(oauth.getValidatedIdTokenClaims(renewed)?.sub).toBe("dave");
    expect(renewed.refresh_token).not.toBe(first.refresh_token);

    const replay = await oauth
      .processRefreshTokenResponse(
        as,
        cli,
        await oauth.refreshTokenGrantRequest(as, cli, oauth.None(), first.refresh_token as string, options),
      )
      .catch((err: unknown) => err);
    expect(replay).toBeInstanceOf(oauth.ResponseBodyError);
    expect((replay as oauth.ResponseBodyError).error).toBe("invalid_grant");
    const afterReplay = await oauth
      .refreshTokenGrantRequest(as, cli, oauth.None(), renewed.refresh_token as string, options)
      .then((r) => r.json());
    expect(afterReplay).toMatchObject({ error: "invalid_grant" });
  });

  it("H33 refuses an authorization code redeemed twice, and revokes what the first redemption gave", async () => {
    const { params, verifier, redirectUri } = await codeFor("alice");
    const first = (await (await redeem(params, redirectUri, verifier)).json()) as { refresh_token: string };
    expect(first).toHaveProperty("refresh_token");
    const second = await redeem(params, redirectUri, verifier);
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({
      error: "invalid_grant",
      error_description: "the authorization code was already used; the tokens it gave were revoked",
    });
    const refresh = await oauth.refreshTokenGrantRequest(as, cli, oauth.None(), first.refresh_token, options);
    expect(refresh.status).toBe(400);
  });

  it("H33 refuses a code_verifier that does not match the challenge", async () => {
    const { params, redirectUri } = await codeFor("alice");
    const answer = await redeem(params, redirectUri, oauth.generateRandomCodeVerifier());
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      error: "invalid_grant",
      error_description: "code_verifier does not match the code_challenge",
    });
  });

  it("H33 refuses a redirect_uri at the token endpoint that differs from the authorization request's", async () => {
    const { params, verifier } = await codeFor("alice");
    const answer = await redeem(params, "http://127.0.0.1:1/callback", verifier);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      error: "invalid_grant",
      error_description: "redirect_uri differs from the one of the authorization request",
    });
  });

  it("H33 refuses at the sign-in page, without redirecting, a redirect_uri the client has not registered", async () => {
    for (const [clientId, redirectUri] of [
      [DEV_IDP_CLI_CLIENT_ID, "https://evil.example/callback"],
      [DEV_IDP_CLI_CLIENT_ID, "http://127.0.0.1.evil.example:8080/callback"],
      [DEV_IDP_CLI_CLIENT_ID, "http://localhost/callback"],
      [DEV_IDP_CLI_CLIENT_ID, "http://localhost:8080/other"],
      [DEV_IDP_CLI_CLIENT_ID, "http://localhost:8080/callback?x=1"],
      [DEV_IDP_CONSOLE_CLIENT_ID, "http://127.0.0.1:9999/callback"],
      [DEV_IDP_CONSOLE_CLIENT_ID, `${CONSOLE_ORIGIN}/callback/`],
      ["someone-else", CLI_REDIRECT],
    ] as const) {
      const { url } = await authorization(clientId, redirectUri);
      const page = await openSignInPage(url);
      expect(page.status, `${clientId} ${redirectUri}`).toBe(400);
      expect(page.headers.get("location")).toBeNull();
      expect(page.usernames).toEqual([]);
    }
  });

  it("accepts the console client only at the console's /callback", async () => {
    const request = await authorization(DEV_IDP_CONSOLE_CLIENT_ID, `${CONSOLE_ORIGIN}/callback`);
    const callback = await signInAs(idp.issuer, request.url, "dave");
    expect(`${callback.origin}${callback.pathname}`).toBe(`${CONSOLE_ORIGIN}/callback`);
    const consoleClient: oauth.Client = { client_id: DEV_IDP_CONSOLE_CLIENT_ID };
    const params = oauth.validateAuthResponse(as, consoleClient, callback, request.state);
    // A console code cannot be redeemed by the CLI client.
    const asCli = await redeem(params, `${CONSOLE_ORIGIN}/callback`, request.verifier);
    expect(await asCli.json()).toMatchObject({
      error: "invalid_grant",
      error_description: "the authorization code was issued to another client",
    });
  });

  it("sends protocol errors back to a registered redirect URI with the state: no PKCE, no openid scope", async () => {
    for (const [extra, error] of [
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ scope: "email" }, "invalid_scope"],
      [{ response_type: "token" }, "unsupported_response_type"],
    ] as const) {
      const request = await authorization(DEV_IDP_CLI_CLIENT_ID, CLI_REDIRECT, extra);
      const answer = await fetch(request.url, { redirect: "manual" });
      expect(answer.status).toBe(302);
      const location = new URL(answer.headers.get("location") ?? "");
      expect(location.searchParams.get("error")).toBe(error);
      expect(location.searchParams.get("state")).toBe(request.state);
      expect(location.searchParams.get("code")).toBeNull();
    }
  });

  it("shows user text on the sign-in page as text, under a CSP with no script and no framing", async () => {
    const { url } = await authorization(DEV_IDP_CLI_CLIENT_ID, CLI_REDIRECT, {
      state: '"><script>alert(1)</script>',
    });
    const page = await openSignInPage(url);
    expect(page.html).not.toContain("<script>");
    expect(page.html).not.toContain("<img");
    expect(page.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(page.fields.state).toBe('"><script>alert(1)</script>');
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
  });

  it("re-shows the page for an unknown user without issuing a code", async () => {
    const request = await authorization(DEV_IDP_CLI_CLIENT_ID, CLI_REDIRECT);
    const page = await openSignInPage(request.url);
    const answer = await submitSignIn(idp.issuer, page.fields, "mallory");
    expect(answer.status).toBe(400);
    expect(answer.location).toBeNull();
    expect(answer.text).toContain("Unknown user &quot;mallory&quot;");
  });

  it("answers CORS on the token endpoint for the console origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${idp.issuer}/token`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const allowed = await preflight(CONSOLE_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(CONSOLE_ORIGIN);
    expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");

    const other = await preflight("http://127.0.0.1:9999");
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(`${idp.issuer}/token`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: DEV_IDP_CONSOLE_CLIENT_ID }),
    });
    expect(post.status).toBe(403);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses an unknown client and an unsupported grant at the token endpoint", async () => {
    const post = (fields: Record<string, string>) =>
      fetch(`${idp.issuer}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields),
      });
    const unknown = await post({ grant_type: "authorization_code", client_id: "x", code: "y" });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: "invalid_client" });
    const password = await post({ grant_type: "password", client_id: DEV_IDP_CLI_CLIENT_ID });
    expect(await password.json()).toMatchObject({ error: "unsupported_grant_type" });
    const json = await fetch(`${idp.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
  });
});
