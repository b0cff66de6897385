import type { AccessRequest } from "../domain/access-request.js";
import type { Clock } from "../domain/clock.js";
import type { RequestReader } from "../ports/request-store.js";

/** Default bound on cached grants per container; the oldest entry goes first when it is reached. */
export const DEFAULT_GRANT_CACHE_ENTRIES = 10_000;

/** Settings of {@link CachedRequestReader}. */
export interface GrantCacheOptions {
  /**
   * Longest age of a cached read, seconds (`JIT_REVOCATION_CACHE_SECONDS`). A revocation is seen at the
   * latest this long after it is stored (plus the API Gateway authorizer cache TTL). `0` disables caching.
   */
  maxAgeSeconds: number;
  clock: Clock;
  /** Most entries kept; default {@link DEFAULT_GRANT_CACHE_ENTRIES}. */
  maxEntries?: number;
}

interface Entry {
  value: AccessRequest | undefined;
  /** When the read that produced `value` started (epoch ms): ageing from the start errs towards fresh. */
  readAtMs: number;
}

/**
 * A {@link RequestReader} that remembers each grant read for at most `maxAgeSeconds`, so the authorizer
 * does at most one table read per grant per cache window while revocation latency stays bounded.
 *
 * - Results are cached by request id, "not found" included; errors are never cached (the next call reads
 *   again), so a throttled read cannot pin a decision.
 * - Concurrent misses for one id share one read.
 * - Reads go to the inner reader with `consistentRead: true`, so the bound is the cache age alone and not
 *   also DynamoDB's replication lag.
 * - An entry is stale when the clock is at or past `readAtMs + maxAge`, or has moved backwards.
 */
export class CachedRequestReader implements RequestReader {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<AccessRequest | undefined>>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly inner: RequestReader,
    private readonly options: GrantCacheOptions,
  ) {
    if (!Number.isFinite(options.maxAgeSeconds) || options.maxAgeSeconds < 0)
      throw new RangeError("maxAgeSeconds must be a number ≥ 0");
    this.maxAgeMs = options.maxAgeSeconds * 1000;
    this.maxEntries = options.maxEntries ?? DEFAULT_GRANT_CACHE_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new RangeError("maxEntries must be a whole number ≥ 1");
  }

  /**
   * The grant `requestId`, from the cache when a read of it is younger than the maximum age.
   * `options` is ignored: reads are always strongly consistent.
   * @throws whatever the inner reader throws (not cached).
   */
  async get(requestId: string): Promise<AccessRequest | undefined> {
    const now = this.options.clock.nowMs();
    const cached = this.entries.get(requestId);
    if (cached !== undefined && now >= cached.readAtMs && now - cached.readAtMs < this.maxAgeMs) {
      return cached.value;
    }
    const pending = this.inFlight.get(requestId);
    if (pending !== undefined) return pending;

    const read = this.inner
      .get(requestId, { consistentRead: true })
      .then((value) => {
        if (this.maxAgeMs > 0) this.remember(requestId, { value, readAtMs: now });
        return value;
      })
      .finally(() => {
        this.inFlight.delete(requestId);
      });
    this.inFlight.set(requestId, read);
    return read;
  }

  private remember(requestId: string, entry: Entry): void {
    this.entries.delete(requestId);
    this.entries.set(requestId, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
