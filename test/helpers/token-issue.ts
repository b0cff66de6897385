import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { identityContext } from "#functions/adapters/http/caller-identity.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import type { AuditEvent } from "#functions/domain/audit-event.js";
import { ConflictError } from "#functions/domain/errors.js";
import type { AccessTokenClaims, SigningAlgorithm } from "#functions/domain/token-claims.js";
import type { PublicKeySource, VerificationKey } from "#functions/ports/public-keys.js";
import type { RequestReader } from "#functions/ports/request-store.js";
import type { SignedToken, TokenSigner } from "#functions/ports/signer.js";
import type { TokenIssueLog } from "#functions/ports/token-issue-log.js";

/** Fixtures for token issue tests: grants, REST events, in-memory ports and a local-key signer. */

export const ISSUER = "https://jit.example.test/prod";
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An APPROVED grant for alice on orders-read (audience orders-api) that started 5 minutes before
 * `nowMs` and ends `remainingSeconds` after it (default one hour).
 */
export function grantFixture(
  requestId: string,
  nowMs: number,
  overrides: Partial<AccessRequest> & { remainingSeconds?: number } = {},
): AccessRequest {
  const { remainingSeconds = 3600, ...rest } = overrides;
  const grantedAtMs = nowMs - 300_000;
  const expiresAtMs = nowMs + remainingSeconds * 1000;
  return {
    requestId,
    requester: "alice",
    entitlementId: "orders-read",
    audience: "orders-api",
    durationSeconds: Math.round((expiresAtMs - grantedAtMs) / 1000),
    status: "APPROVED",
    version: 2,
    createdAt: iso(grantedAtMs - 60_000),
    approvalDeadline: iso(grantedAtMs + 3_600_000),
    approvals: [{ approver: "bob", at: iso(grantedAtMs) }],
    breakGlass: false,
    autoApproved: false,
    grantedAt: iso(grantedAtMs),
    expiresAt: iso(expiresAtMs),
    updatedAt: iso(grantedAtMs),
    ...rest,
  };
}

/** A REST proxy event for `POST /requests/{id}/token` as the identity authorizer passes it on. */
export function tokenRequestEvent(
  id: string,
  caller?: { sub: string; groups?: string[] },
): APIGatewayProxyEvent {
  return {
    resource: "/requests/{id}/token",
    path: `/requests/${id}/token`,
    httpMethod: "POST",
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { id },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: "api-request-1",
      authorizer:
        caller === undefined ? undefined : identityContext({ sub: caller.sub, groups: caller.groups ?? [] }),
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

/** A public GET event for a well-known path (as API Gateway sends it: `resource` equals the path). */
export function wellKnownEvent(path: string, method = "GET"): APIGatewayProxyEvent {
  return {
    ...tokenRequestEvent("x"),
    resource: path,
    path,
    httpMethod: method,
    pathParameters: null,
    requestContext: { requestId: "api-request-2" } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

/** A {@link RequestReader} over a map that remembers the read options it was given. */
export class MemoryRequests implements RequestReader {
  readonly items = new Map<string, AccessRequest>();
  readonly reads: { requestId: string; consistentRead: boolean }[] = [];
  put(request: AccessRequest): this {
    this.items.set(request.requestId, structuredClone(request));
    return this;
  }
  async get(requestId: string, options?: { consistentRead?: boolean }): Promise<AccessRequest | undefined> {
    this.reads.push({ requestId, consistentRead: options?.consistentRead === true });
    const found = this.items.get(requestId);
    return found === undefined ? undefined : structuredClone(found);
  }
}

/**
 * An append-only {@link TokenIssueLog} in memory; `failNext` makes the next append fail like a lost write.
 * With `requests`, a token is recorded only while its grant there is unchanged (as the DynamoDB adapter).
 */
export class MemoryAuditLog implements TokenIssueLog {
  readonly events: AuditEvent[] = [];
  failNext = false;
  constructor(private readonly requests?: MemoryRequests) {}
  async appendTokenIssued(grant: AccessRequest, event: AuditEvent): Promise<void> {
    const stored = this.requests?.items.get(grant.requestId);
    if (
      this.requests !== undefined &&
      (stored?.status !== "APPROVED" ||
        stored.version !== grant.version ||
        !(event.at < (stored.expiresAt ?? "")))
    ) {
      throw new ConflictError(`Grant ${grant.requestId} changed.`);
    }
    await this.append(event);
  }
  async append(event: AuditEvent): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("audit table unavailable");
    }
    if (this.events.some((e) => e.requestId === event.requestId && e.eventId === event.eventId)) {
      throw new ConflictError(`Audit event ${event.eventId} already exists.`);
    }
    this.events.push(structuredClone(event));
  }
  async list(requestId: string): Promise<AuditEvent[]> {
    return this.events.filter((e) => e.requestId === requestId);
  }
}

/** A key pair generated for one test, exposed as a {@link VerificationKey}. */
export interface LocalKey {
  privateKey: CryptoKey;
  verificationKey: VerificationKey;
}

/** Generates a key pair; `kid` is its RFC 7638 thumbprint, as the KMS adapters set it. */
export async function generateLocalKey(alg: SigningAlgorithm = "ES256"): Promise<LocalKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  const publicJwk: JWK = { ...jwk, kid, alg, use: "sig" };
  return { privateKey, verificationKey: { kid, alg, publicJwk, keyId: `local-${kid}` } };
}

/** A real {@link TokenSigner} over a local key (jose), for unit tests without KMS; counts its calls. */
export class LocalKeySigner implements TokenSigner {
  calls = 0;
  fail = false;
  constructor(readonly key: LocalKey) {}
  async sign(claims: AccessTokenClaims, options: { typ: string }): Promise<SignedToken> {
    this.calls++;
    if (this.fail) throw new Error("signing service unavailable");
    const { kid, alg } = this.key.verificationKey;
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg, typ: options.typ, kid })
      .sign(this.key.privateKey);
    return { token, kid, alg };
  }
}

/** A {@link PublicKeySource} over fixed keys; `fail` makes `load` reject like a KMS outage. */
export class StaticKeySource implements PublicKeySource {
  fail = false;
  constructor(readonly keys: VerificationKey[]) {}
  async load(): Promise<VerificationKey[]> {
    if (this.fail) throw new Error("GetPublicKey throttled");
    return this.keys;
  }
}

/** A Powertools logger that prints nothing. */
export function quietLogger(): Logger {
  return new Logger({ serviceName: "jit-tokens-test", logLevel: "SILENT" });
}
