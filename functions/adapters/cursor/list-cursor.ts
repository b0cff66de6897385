import { createHmac, timingSafeEqual } from "node:crypto";
import { base64url } from "jose";
import { ValidationError } from "../../domain/errors.js";
import type { ListPositions } from "../../use-cases/paged-list.js";

/** Longest `next` accepted, characters: a cursor holds one small position per partition a list reads. */
export const MAX_CURSOR_LENGTH = 8192;
/** Fewest key bytes: HMAC-SHA256 keys shorter than the hash length weaken it (RFC 2104 §3). */
export const MIN_CURSOR_KEY_BYTES = 32;
const VERSION = 1;

/** What a cursor binds: the list it continues, the caller it was issued to, and where each partition stands. */
export interface CursorContent {
  /** The list's name, e.g. `mine`, `mine&all`, `pending`. */
  list: string;
  /** The caller's `sub`. */
  sub: string;
  positions: ListPositions;
}

/**
 * Seals a list position into an opaque `next` cursor: `base64url(JSON) "." base64url(HMAC-SHA256)` under
 * `key`, the MAC covering the JSON bytes (RFC 2104; jose's base64url, RFC 4648 §5).
 */
export function sealCursor(key: Uint8Array, content: CursorContent): string {
  const payload = base64url.encode(
    JSON.stringify({ v: VERSION, l: content.list, s: content.sub, p: content.positions }),
  );
  return `${payload}.${base64url.encode(mac(key, payload))}`;
}

/**
 * Opens a cursor sealed by {@link sealCursor} for `list` and `sub`.
 * @returns the positions, one per partition the list reads (the use case checks their number).
 * @throws ValidationError `invalid_cursor` (400, field `next`) when it is malformed, altered, sealed under
 *   another key, or issued for another list or another caller.
 */
export function openCursor(
  key: Uint8Array,
  cursor: string,
  expected: { list: string; sub: string },
): ListPositions {
  const refuse = (why: string): never => {
    throw new ValidationError(
      `The next cursor ${why}. Use the next value of the page before, unchanged, with the same list and ` +
        "identity, or start the list again without next.",
      { field: "next" },
      "invalid_cursor",
    );
  };
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) refuse("is empty or too long");
  const [payload, tag, extra] = cursor.split(".");
  if (payload === undefined || tag === undefined || extra !== undefined)
    refuse("is not a cursor of this API");
  let given: Uint8Array;
  try {
    given = base64url.decode(tag as string);
  } catch {
    return refuse("is not a cursor of this API");
  }
  const wanted = mac(key, payload as string);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    refuse("was altered or was not issued by this API");
  }
  let content: { v?: unknown; l?: unknown; s?: unknown; p?: unknown };
  try {
    content = JSON.parse(new TextDecoder().decode(base64url.decode(payload as string)));
  } catch {
    return refuse("is not a cursor of this API");
  }
  if (content.v !== VERSION) refuse("is from another version of this API");
  if (content.l !== expected.list) refuse(`belongs to another list, not ?${expected.list}`);
  if (content.s !== expected.sub) refuse("was issued to another user");
  const positions = content.p;
  if (!Array.isArray(positions) || !positions.every(isPosition)) refuse("is not a cursor of this API");
  return positions as ListPositions;
}

function isPosition(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== "object" || Array.isArray(value)) return false;
  return Object.values(value as Record<string, unknown>).every((v) => typeof v === "string");
}

function mac(key: Uint8Array, payload: string): Buffer {
  return createHmac("sha256", key).update(payload, "utf8").digest();
}
