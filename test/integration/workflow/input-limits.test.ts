import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayText } from "#cli/format.js";
import { IDENTITY_CONTEXT } from "#functions/adapters/http/caller-identity.js";
import {
  createWorkflowHarness,
  invoke,
  proxyEvent,
  type TestResponse,
  USERS,
  type WorkflowHarness,
} from "./workflow-harness.js";

const { alice, bob } = USERS;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness();
});
afterAll(() => h.close());

async function itemCounts(): Promise<{ requests: number; audit: number }> {
  const count = async (table: string) =>
    (await h.doc.send(new ScanCommand({ TableName: table, Select: "COUNT", ConsistentRead: true }))).Count ??
    0;
  return { requests: await count(h.tables.requests), audit: await count(h.tables.audit) };
}

/** Invisible texts of H24: each alone, repeated, and mixed with spaces. */
const INVISIBLE = {
  "U+200B zero width space": "\u200b",
  "U+2060 word joiner": "\u2060\u2060",
  "U+00AD soft hyphen": "\u00ad",
  "U+2800 braille blank": "\u2800\u2800\u2800",
  "U+3164 hangul filler": "\u3164",
  "ZWJ and ZWNJ": "\u200d\u200c",
  "U+FEFF byte order mark": "\ufeff",
  "mixed with spaces": " \u200b \u3164\t\u2060 ",
} as const;

describe("H24 invisible justification", () => {
  for (const [name, text] of Object.entries(INVISIBLE)) {
    it(`refuses a required justification of only ${name} with 400 naming the field, storing nothing`, async () => {
      const before = await itemCounts();
      const res = await h.createRequest(alice, {
        entitlement: "db-admin",
        justification: text,
        ticket: "INC-1",
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_request", field: "justification" });
      expect(res.body.detail).toContain("visible text");
      expect(await itemCounts()).toEqual(before);
    });

    it(`refuses a deny reason of only ${name} with 400 naming the field`, async () => {
      const created = await h.createRequest(alice, { entitlement: "ops-read" });
      const res = await h.act("deny", bob, created.body.requestId, { reason: text });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_request", field: "reason" });
      expect((await h.getRequest(alice, created.body.requestId)).body.status).toBe("PENDING");
    });
  }

  it("accepts a justification with one visible character among invisible ones", async () => {
    const res = await h.createRequest(alice, {
      entitlement: "db-admin",
      justification: "\u200bx\u200b",
      ticket: "INC-1",
    });
    expect(res.status).toBe(201);
  });

  it("shows invisible characters escaped in the CLI", () => {
    expect(displayText("fix\u200b\u3164 db\u2060")).toBe("fix\\u{200b}\\u{3164} db\\u{2060}");
    expect(displayText("\u2800\ufeff\u00ad")).toBe("\\u{2800}\\u{feff}\\u{ad}");
  });
});

describe("H28 oversize or odd identity claims", () => {
  /** A create call whose authorizer context is given raw (as an identity authorizer might pass it on). */
  function createWithContext(context: Record<string, unknown>): Promise<TestResponse> {
    const event = proxyEvent({
      caller: alice,
      method: "POST",
      path: "/requests",
      body: { entitlement: "ops-read" },
    });
    (event.requestContext as { authorizer: unknown }).authorizer = context;
    return invoke(h.handlers.create, event);
  }
  const groups = JSON.stringify(["engineers"]);
  const cases: [string, Record<string, unknown>, number, string][] = [
    [
      "a sub of 5,000 characters",
      { [IDENTITY_CONTEXT.sub]: "a".repeat(5000), [IDENTITY_CONTEXT.groups]: groups },
      400,
      "invalid_identity",
    ],
    [
      "a sub with NUL",
      { [IDENTITY_CONTEXT.sub]: "alice\u0000admin", [IDENTITY_CONTEXT.groups]: groups },
      400,
      "invalid_identity",
    ],
    [
      "a sub with an escape sequence",
      { [IDENTITY_CONTEXT.sub]: "alice\u001b[2J", [IDENTITY_CONTEXT.groups]: groups },
      400,
      "invalid_identity",
    ],
    [
      "a sub with a lone surrogate",
      { [IDENTITY_CONTEXT.sub]: "alice\ud800", [IDENTITY_CONTEXT.groups]: groups },
      400,
      "invalid_identity",
    ],
    [
      "2,000 groups",
      {
        [IDENTITY_CONTEXT.sub]: "alice",
        [IDENTITY_CONTEXT.groups]: JSON.stringify([
          "engineers",
          ...Array.from({ length: 1999 }, (_, i) => `g${i}`),
        ]),
      },
      400,
      "invalid_identity",
    ],
    [
      "a group with a control character",
      { [IDENTITY_CONTEXT.sub]: "alice", [IDENTITY_CONTEXT.groups]: JSON.stringify(["engineers", "sre\n"]) },
      400,
      "invalid_identity",
    ],
    [
      "a groups claim that is a string",
      { [IDENTITY_CONTEXT.sub]: "alice", [IDENTITY_CONTEXT.groups]: JSON.stringify("engineers") },
      401,
      "unauthenticated",
    ],
    [
      "a groups claim that is an object",
      { [IDENTITY_CONTEXT.sub]: "alice", [IDENTITY_CONTEXT.groups]: JSON.stringify({ engineers: true }) },
      401,
      "unauthenticated",
    ],
  ];
  for (const [name, context, status, code] of cases) {
    it(`refuses ${name} with ${status} ${code}, never 500, and stores nothing`, async () => {
      const before = await itemCounts();
      const res = await createWithContext(context);
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(res.headers["content-type"]).toBe("application/problem+json");
      expect(await itemCounts()).toEqual(before);
    });
  }

  it("accepts a sub of 255 characters and 256 groups (the documented limits)", async () => {
    const res = await createWithContext({
      [IDENTITY_CONTEXT.sub]: "b".repeat(255),
      [IDENTITY_CONTEXT.groups]: JSON.stringify([
        "engineers",
        ...Array.from({ length: 255 }, (_, i) => `g${i}`),
      ]),
    });
    expect(res.status).toBe(201);
  });
});
