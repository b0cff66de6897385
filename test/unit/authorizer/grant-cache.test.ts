import { describe, expect, it } from "vitest";
import { CachedRequestReader } from "#functions/adapters/grant-cache.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import type { RequestReader } from "#functions/ports/request-store.js";
import {
  activeGrant,
  CountingRequestReader,
  InMemoryRequestReader,
  T0_MS,
} from "#test/helpers/authorizer.js";
import { ManualClock } from "#test/helpers/clock.js";

function setup(maxAgeSeconds = 30, maxEntries?: number) {
  const clock = new ManualClock(T0_MS);
  const store = new InMemoryRequestReader();
  store.put(activeGrant("r1", T0_MS));
  store.put(activeGrant("r2", T0_MS));
  const counting = new CountingRequestReader(store);
  const cache = new CachedRequestReader(counting, {
    maxAgeSeconds,
    clock,
    ...(maxEntries ? { maxEntries } : {}),
  });
  return { clock, store, counting, cache };
}

describe("CachedRequestReader", () => {
  it("reads a grant once per cache window, and again once the window is over", async () => {
    const { clock, counting, cache } = setup(30);
    for (let second = 0; second < 30; second++) {
      expect((await cache.get("r1"))?.requestId).toBe("r1");
      clock.advance(1_000);
    }
    expect(counting.readsOf("r1")).toBe(1);
    await cache.get("r1");
    expect(counting.readsOf("r1")).toBe(2);
  });

  it("sees a change only after the maximum age, never later", async () => {
    const { clock, store, cache } = setup(10);
    await cache.get("r1");
    store.put({ ...activeGrant("r1", T0_MS), status: "REVOKED" });
    clock.advance(9_999);
    expect((await cache.get("r1"))?.status).toBe("APPROVED");
    clock.advance(1);
    expect((await cache.get("r1"))?.status).toBe("REVOKED");
  });

  it("caches not found", async () => {
    const { counting, cache } = setup();
    expect(await cache.get("missing")).toBeUndefined();
    expect(await cache.get("missing")).toBeUndefined();
    expect(counting.readsOf("missing")).toBe(1);
  });

  it("never caches an error", async () => {
    const clock = new ManualClock(T0_MS);
    let fail = true;
    let reads = 0;
    const flaky: RequestReader = {
      get: async (id) => {
        reads++;
        if (fail) throw new Error("ThrottlingException");
        return activeGrant(id, T0_MS);
      },
    };
    const cache = new CachedRequestReader(flaky, { maxAgeSeconds: 30, clock });
    await expect(cache.get("r1")).rejects.toThrow("ThrottlingException");
    fail = false;
    expect((await cache.get("r1"))?.requestId).toBe("r1");
    expect(reads).toBe(2);
  });

  it("shares one read between concurrent misses", async () => {
    const { counting, cache } = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.get("r1")));
    expect(results.every((r) => r?.requestId === "r1")).toBe(true);
    expect(counting.readsOf("r1")).toBe(1);
  });

  it("reads every time when the maximum age is 0", async () => {
    const { counting, cache } = setup(0);
    await cache.get("r1");
    await cache.get("r1");
    expect(counting.readsOf("r1")).toBe(2);
  });

  it("treats entries as stale when the clock moves backwards", async () => {
    const { clock, counting, cache } = setup(30);
    await cache.get("r1");
    clock.advance(-1_000);
    await cache.get("r1");
    expect(counting.readsOf("r1")).toBe(2);
  });

  it("asks the store for strongly consistent reads", async () => {
    const clock = new ManualClock(T0_MS);
    const seen: (boolean | undefined)[] = [];
    const inner: RequestReader = {
      get: async (_id, options) => {
        seen.push(options?.consistentRead);
        return undefined as AccessRequest | undefined;
      },
    };
    await new CachedRequestReader(inner, { maxAgeSeconds: 30, clock }).get("r1");
    expect(seen).toEqual([true]);
  });

  it("keeps at most maxEntries grants, dropping the oldest", async () => {
    const { counting, cache } = setup(30, 1);
    await cache.get("r1");
    await cache.get("r2");
    await cache.get("r1");
    expect(counting.readsOf("r1")).toBe(2);
  });

  it("refuses a negative maximum age", () => {
    expect(
      () =>
        new CachedRequestReader(new InMemoryRequestReader(), {
          maxAgeSeconds: -1,
          clock: new ManualClock(0),
        }),
    ).toThrow(RangeError);
  });
});
