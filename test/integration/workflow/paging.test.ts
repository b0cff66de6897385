import { base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealCursor } from "#functions/adapters/cursor/list-cursor.js";
import { createWorkflowHarness, type TestResponse, USERS, type WorkflowHarness } from "./workflow-harness.js";

const { alice, bob, carol, dave, mallory } = USERS;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness();
});
afterAll(() => h.close());

/** Follows `next` from the first page to the last, collecting every page. */
async function allPages(
  caller: (typeof USERS)[keyof typeof USERS],
  query: Record<string, string>,
): Promise<{ pages: string[][]; ids: string[] }> {
  const pages: string[][] = [];
  let next: string | undefined;
  for (let i = 0; i < 50; i++) {
    const res = await h.list(caller, next === undefined ? query : { ...query, next });
    expect(res.status).toBe(200);
    pages.push(res.body.requests.map((r: { requestId: string }) => r.requestId));
    next = res.body.next;
    if (next === undefined) break;
    expect(typeof next).toBe("string");
  }
  expect(next).toBeUndefined();
  return { pages, ids: pages.flat() };
}

function expectInvalidCursor(res: TestResponse, mentions: string): void {
  expect(res.status).toBe(400);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  expect(res.body).toMatchObject({ code: "invalid_cursor", field: "next" });
  expect(res.body.detail).toContain(mentions);
}

describe("paging of GET /requests", () => {
  it("pages ?mine&all newest first with limit, every request once, and no next on the last page", async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      created.push((await h.createRequest(mallory, { entitlement: "ops-read" })).body.requestId);
      h.clock.advance(1_000);
    }
    const { pages, ids } = await allPages(mallory, { mine: "", all: "", limit: "3" });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(ids).toEqual([...created].reverse());
  });

  it("merges the partitions of ?pending oldest first, also when requests share one creation time", async () => {
    // bob approves ops-read (sre) and db-admin (sre, dba): two partitions of the status index.
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      const body =
        i % 3 === 0
          ? { entitlement: "db-admin", justification: "j", ticket: "INC-7" }
          : { entitlement: "ops-read" };
      expected.push((await h.createRequest(alice, body)).body.requestId);
      // Half of them at the same instant: ties across partitions must neither repeat nor drop an item.
      if (i >= 3) h.clock.advance(1_000);
    }
    const whole = await h.list(bob, { pending: "", limit: "100" });
    const everything = whole.body.requests.map((r: { requestId: string }) => r.requestId) as string[];
    expect(everything).toEqual(expect.arrayContaining(expected));
    for (const limit of ["1", "2", "4"]) {
      const { ids } = await allPages(bob, { pending: "", limit });
      expect(ids).toEqual(everything);
    }
  });

  it("pages ?active for an admin across entitlements", async () => {
    const grants: string[] = [];
    for (let i = 0; i < 3; i++) {
      grants.push((await h.createRequest(alice, { entitlement: "auto-read" })).body.requestId);
      h.clock.advance(1_000);
    }
    const { ids, pages } = await allPages(dave, { active: "", limit: "1" });
    expect(ids).toEqual(expect.arrayContaining(grants));
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.every((p) => p.length <= 1)).toBe(true);
  });

  it("uses 50 as the default limit and refuses a limit outside 1-100 by name", async () => {
    for (let i = 0; i < 51; i++) {
      expect((await h.createRequest(mallory, { entitlement: "payments" })).status).toBe(201);
    }
    const first = await h.list(USERS.paula, { pending: "" });
    expect(first.body.requests).toHaveLength(50);
    const second = await h.list(USERS.paula, { pending: "", next: first.body.next });
    expect(second.body.requests).toHaveLength(1);
    expect(second.body.next).toBeUndefined();
    for (const limit of ["0", "101", "x", "", "1.5", "-1"]) {
      const res = await h.list(bob, { pending: "", limit });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_request", field: "limit" });
    }
  });
});

describe("cursors are sealed to their list and caller (paging)", () => {
  let cursor: string;
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) await h.createRequest(bob, { entitlement: "ops-read" });
    const first = await h.list(bob, { mine: "", all: "", limit: "1" });
    cursor = first.body.next;
    expect(typeof cursor).toBe("string");
  });

  it("continues with the cursor as issued", async () => {
    const res = await h.list(bob, { mine: "", all: "", limit: "1", next: cursor });
    expect(res.status).toBe(200);
    expect(res.body.requests).toHaveLength(1);
  });

  it("refuses a forged cursor: one changed character, a rewritten position, or a cursor sealed under another key", async () => {
    const [payload, tag] = cursor.split(".") as [string, string];
    const flipped = `${payload.slice(0, -1)}${payload.endsWith("A") ? "B" : "A"}.${tag}`;
    expectInvalidCursor(await h.list(bob, { mine: "", all: "", next: flipped }), "altered");
    const content = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    content.s = "carol";
    const rewritten = `${base64url.encode(JSON.stringify(content))}.${tag}`;
    expectInvalidCursor(await h.list(bob, { mine: "", all: "", next: rewritten }), "altered");
    const otherKey = sealCursor(new Uint8Array(32).fill(1), {
      list: "mine&all",
      sub: "bob",
      positions: [{}],
    });
    expectInvalidCursor(await h.list(bob, { mine: "", all: "", next: otherKey }), "altered");
    for (const junk of ["", "x", "a.b.c", "%%%.%%%", "x".repeat(9000)]) {
      expectInvalidCursor(await h.list(bob, { mine: "", all: "", next: junk }), "next cursor");
    }
  });

  it("refuses bob's cursor presented by carol (a foreign cursor)", async () => {
    expectInvalidCursor(await h.list(carol, { mine: "", all: "", next: cursor }), "another user");
  });

  it("refuses a cursor of another list: ?mine&all's cursor on ?mine or ?pending", async () => {
    expectInvalidCursor(await h.list(bob, { mine: "", next: cursor }), "another list");
    expectInvalidCursor(await h.list(bob, { pending: "", next: cursor }), "another list");
  });
});
