import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import type { AccessRequest } from "#functions/domain/access-request.js";
import { ConflictError, ExpiredError, ForbiddenError, NotFoundError } from "#functions/domain/errors.js";
import { type IssueTokenDependencies, issueToken } from "#functions/use-cases/issue-token.js";
import { ManualClock } from "#test/helpers/clock.js";
import {
  generateLocalKey,
  grantFixture,
  ISSUER,
  type LocalKey,
  LocalKeySigner,
  MemoryAuditLog,
  MemoryRequests,
} from "#test/helpers/token-issue.js";

const NOW_MS = Date.UTC(2026, 10, 29, 12, 0, 0, 250);
const NOW_S = Math.floor(NOW_MS / 1000);
const TTL = 900;

let key: LocalKey;
let requests: MemoryRequests;
let audit: MemoryAuditLog;
let signer: LocalKeySigner;
let deps: IssueTokenDependencies;

beforeEach(async () => {
  key ??= await generateLocalKey();
  requests = new MemoryRequests();
  audit = new MemoryAuditLog(requests);
  signer = new LocalKeySigner(key);
  deps = {
    requests,
    audit,
    signer,
    clock: new ManualClock(NOW_MS),
    issuer: ISSUER,
    tokenTtlSeconds: TTL,
    entitlementIds: new Set(["orders-read", "orders-break-glass"]),
  };
});

const issue = (requestId: string, callerSub = "alice") => issueToken(deps, { requestId, callerSub });

describe("issueToken", () => {
  it("issues an RFC 9068 access token with the documented header and claims", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    const issued = await issue("r-1");
    const header = decodeProtectedHeader(issued.accessToken);
    expect(header).toEqual({ alg: "ES256", typ: "at+jwt", kid: key.verificationKey.kid });
    const { payload } = await jwtVerify(issued.accessToken, key.verificationKey.publicJwk, {
      issuer: ISSUER,
      audience: "orders-api",
      typ: "at+jwt",
      currentDate: new Date(NOW_MS),
    });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: "alice",
      aud: "orders-api",
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + TTL,
      jti: issued.jti,
      client_id: "jit-access",
      scope: "orders-read",
      jit_request_id: "r-1",
    });
    expect(issued).toMatchObject({ tokenType: "Bearer", expiresIn: TTL, exp: NOW_S + TTL });
  });

  it("reads the grant with a strongly consistent read, so a revoke that just succeeded is seen", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    await issue("r-1");
    expect(requests.reads).toEqual([{ requestId: "r-1", consistentRead: true }]);
  });

  it("never lets exp outlive the grant: exp = expiresAt when the grant ends before iat + tokenTtl (H21)", async () => {
    requests.put(grantFixture("r-1", NOW_MS, { remainingSeconds: 120 }));
    const issued = await issue("r-1");
    const expiresAtS = Math.floor(
      Date.parse(grantFixture("r-1", NOW_MS, { remainingSeconds: 120 }).expiresAt as string) / 1000,
    );
    expect(issued.exp).toBe(expiresAtS);
    expect(decodeJwt(issued.accessToken).exp).toBe(expiresAtS);
    expect(issued.expiresIn).toBe(expiresAtS - NOW_S);
  });

  it("rounds a fractional expiresAt down, so exp is never after it", async () => {
    const expiresAt = new Date(NOW_MS + 60_900).toISOString(); // …:01:01.150Z
    requests.put(grantFixture("r-1", NOW_MS, { expiresAt }));
    const issued = await issue("r-1");
    expect(issued.exp * 1000).toBeLessThanOrEqual(Date.parse(expiresAt));
    expect(issued.exp).toBe(Math.floor(Date.parse(expiresAt) / 1000));
  });

  it("gives every token its own jti", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    const jtis = new Set<string>();
    for (let i = 0; i < 20; i++) jtis.add((await issue("r-1")).jti);
    expect(jtis.size).toBe(20);
  });

  it("sets jit_break_glass only on break-glass grants", async () => {
    requests.put(grantFixture("r-bg", NOW_MS, { entitlementId: "orders-break-glass", breakGlass: true }));
    requests.put(grantFixture("r-1", NOW_MS));
    expect(decodeJwt((await issue("r-bg")).accessToken).jit_break_glass).toBe(true);
    expect(decodeJwt((await issue("r-1")).accessToken)).not.toHaveProperty("jit_break_glass");
  });

  it("records TOKEN_ISSUED with jti, iat, exp and kid, and never the token", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    const issued = await issue("r-1");
    expect(audit.events).toHaveLength(1);
    const [event] = audit.events;
    expect(event).toMatchObject({
      requestId: "r-1",
      action: "TOKEN_ISSUED",
      actor: "alice",
      at: new Date(NOW_MS).toISOString(),
      details: { jti: issued.jti, iat: NOW_S, exp: issued.exp, kid: key.verificationKey.kid },
    });
    const signature = issued.accessToken.split(".")[2] as string;
    expect(JSON.stringify(audit.events)).not.toContain(signature);
  });

  it("returns no token when the audit record cannot be written", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    audit.failNext = true;
    await expect(issue("r-1")).rejects.toThrow("audit table unavailable");
  });

  it("records nothing when signing fails", async () => {
    requests.put(grantFixture("r-1", NOW_MS));
    signer.fail = true;
    await expect(issue("r-1")).rejects.toThrow("signing service unavailable");
    expect(audit.events).toEqual([]);
  });

  describe("refusals (nothing signed, nothing audited)", () => {
    const cases: [string, (r: AccessRequest) => AccessRequest, new (...a: never[]) => Error, string][] = [
      [
        "a pending request",
        (r) => ({ ...r, status: "PENDING", grantedAt: undefined, expiresAt: undefined }),
        ConflictError,
        "invalid_state",
      ],
      [
        "a denied request",
        (r) => ({ ...r, status: "DENIED", grantedAt: undefined, expiresAt: undefined }),
        ConflictError,
        "invalid_state",
      ],
      [
        "a cancelled request",
        (r) => ({ ...r, status: "CANCELLED", grantedAt: undefined, expiresAt: undefined }),
        ConflictError,
        "invalid_state",
      ],
      [
        "a revoked grant",
        (r) => ({ ...r, status: "REVOKED", revokedAt: r.updatedAt }),
        ConflictError,
        "invalid_state",
      ],
      [
        "a grant whose window has not started",
        (r) => ({ ...r, grantedAt: new Date(NOW_MS + 600_000).toISOString() }),
        ConflictError,
        "invalid_state",
      ],
      [
        "a grant that expired 60 s ago but is still stored (H15)",
        (r) => ({ ...r, expiresAt: new Date(NOW_MS - 60_000).toISOString() }),
        ExpiredError,
        "expired",
      ],
      [
        "a grant at exactly its expiresAt",
        (r) => ({ ...r, expiresAt: new Date(NOW_MS).toISOString() }),
        ExpiredError,
        "expired",
      ],
      [
        "a grant with less than a second left",
        (r) => ({ ...r, expiresAt: new Date(NOW_S * 1000 + 900).toISOString() }),
        ExpiredError,
        "expired",
      ],
      [
        "a pending request past its approval deadline",
        (r) => ({ ...r, status: "PENDING", approvalDeadline: new Date(NOW_MS - 1).toISOString() }),
        ExpiredError,
        "expired",
      ],
      [
        "a grant of an entitlement removed from the policy",
        (r) => ({ ...r, entitlementId: "gone" }),
        ConflictError,
        "invalid_state",
      ],
    ];
    for (const [name, change, errorClass, code] of cases) {
      it(`refuses ${name} with ${code}`, async () => {
        requests.put(change(grantFixture("r-1", NOW_MS)));
        const err = await issue("r-1").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(errorClass);
        expect((err as { code: string }).code).toBe(code);
        expect(signer.calls).toBe(0);
        expect(audit.events).toEqual([]);
      });
    }

    it("refuses an unknown request id with not_found", async () => {
      await expect(issue("nope")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("refuses anyone but the requester with forbidden, even an approver of the grant", async () => {
      requests.put(grantFixture("r-1", NOW_MS));
      await expect(issue("r-1", "bob")).rejects.toBeInstanceOf(ForbiddenError);
      await expect(issue("r-1", "Alice")).rejects.toBeInstanceOf(ForbiddenError);
      expect(signer.calls).toBe(0);
    });
  });
});
