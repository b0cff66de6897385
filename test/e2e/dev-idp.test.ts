import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_IDP_CLIENT_ID, type DevIdp, startDevIdp } from "#local/dev-idp.js";
import { http } from "./http.js";

const USERS = [
  { username: "alice", email: "alice@example.com", groups: ["engineers", "oncall"] },
  { username: "dave", email: undefined, groups: ["jit-admins"] },
];

const dirs: string[] = [];
const idps: DevIdp[] = [];
afterAll(async () => {
  for (const idp of idps) await idp.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(options: { keyFile?: string; port?: number } = {}): Promise<DevIdp> {
  const idp = await startDevIdp({
    users: USERS,
    groupsClaim: "groups",
    port: options.port ?? 0,
    keyFile: options.keyFile,
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
      audience: DEV_IDP_CLIENT_ID,
      algorithms: ["RS256"],
    });
    expect(protectedHeader.kid).toBeTypeOf("string");
    expect(payload).toMatchObject({
      sub: "alice",
      aud: DEV_IDP_CLIENT_ID,
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
    expect(answer.body.detail).toContain("alice, dave");
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
      audience: DEV_IDP_CLIENT_ID,
    });
    expect(payload.sub).toBe("dave");
    expect(payload.groups).toEqual(["jit-admins"]);
    const again = (await loginAs(second, { username: "dave" })).body.id_token;
    expect(decodeProtectedHeader(again).kid).toBe(decodeProtectedHeader(token).kid);
  });
});
