import { IdentityTokenRejectedError } from "./oidc-identity-verifier.js";

type HeaderMap = Record<string, string | undefined> | null | undefined;
type MultiValueHeaderMap = Record<string, string[] | undefined> | null | undefined;

// RFC 6750 §2.1: `Bearer 1*SP b64token`. The scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The bearer token of a REST REQUEST authorizer event's `Authorization` header (header names are matched
 * case-insensitively, as HTTP requires).
 * @returns the token text, without the scheme.
 * @throws IdentityTokenRejectedError `missing_token` when there is no Authorization header;
 *   `malformed_authorization` for another scheme (`Basic`), an empty token, or several Authorization
 *   headers (ambiguous: refused rather than picking one).
 */
export function bearerTokenFromHeaders(headers: HeaderMap, multiValueHeaders?: MultiValueHeaderMap): string {
  const values: string[] = [];
  for (const [name, value] of Object.entries(multiValueHeaders ?? {})) {
    if (name.toLowerCase() === "authorization" && Array.isArray(value)) values.push(...value);
  }
  if (values.length === 0) {
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (name.toLowerCase() === "authorization" && typeof value === "string") values.push(value);
    }
  }
  if (values.length === 0) throw new IdentityTokenRejectedError("missing_token");
  if (values.length > 1) throw new IdentityTokenRejectedError("malformed_authorization");
  const match = BEARER.exec((values[0] ?? "").trim());
  if (!match?.[1]) throw new IdentityTokenRejectedError("malformed_authorization");
  return match[1];
}
