import { describe, expect, it } from "vitest";
import { parseRequestsStreamRecord } from "#functions/adapters/dynamodb/requests-stream-record.js";
import { TTL_ATTRIBUTE } from "#functions/adapters/dynamodb/table-definitions.js";
import {
  classifyRemoval,
  type RequestRemoval,
  TTL_ACTOR,
  UNKNOWN_ACTOR,
} from "#functions/use-cases/record-expiry.js";

const NOW = 1_800_000_000;

function removal(overrides: Partial<RequestRemoval>): RequestRemoval {
  return {
    requestId: "r-1",
    streamRecordId: "100",
    removedAtEpochSeconds: NOW,
    remover: "none",
    streamEventName: "REMOVE",
    snapshot: {},
    ...overrides,
  };
}

describe("classifyRemoval", () => {
  it("labels a removal by the TTL service identity EXPIRED whatever the TTL says", () => {
    expect(classifyRemoval(removal({ remover: "dynamodb-ttl", ttlEpochSeconds: NOW + 9999 }), NOW)).toEqual({
      action: "EXPIRED",
      actor: TTL_ACTOR,
      source: "service-identity",
    });
  });

  it("infers TTL when there is no identity and the TTL had passed at removal", () => {
    expect(classifyRemoval(removal({ ttlEpochSeconds: NOW - 3600 }), NOW)).toEqual({
      action: "EXPIRED",
      actor: TTL_ACTOR,
      source: "ttl-inferred",
    });
  });

  it("allows for record times rounded down to the minute, but never beyond now", () => {
    const roundedDown = removal({ removedAtEpochSeconds: NOW - 59, ttlEpochSeconds: NOW - 10 });
    expect(classifyRemoval(roundedDown, NOW).action).toBe("EXPIRED");
    expect(
      classifyRemoval(removal({ removedAtEpochSeconds: NOW - 59, ttlEpochSeconds: NOW + 1 }), NOW).action,
    ).toBe("DELETED");
    expect(
      classifyRemoval(removal({ removedAtEpochSeconds: NOW - 600, ttlEpochSeconds: NOW - 500 }), NOW).action,
    ).toBe("DELETED");
  });

  it("labels a removal without identity before its TTL a manual DELETED by an unknown actor", () => {
    expect(classifyRemoval(removal({ ttlEpochSeconds: NOW + 3600 }), NOW)).toEqual({
      action: "DELETED",
      actor: UNKNOWN_ACTOR,
      source: "no-identity",
    });
  });

  it("labels a removal of an item without a TTL DELETED: TTL cannot have removed it", () => {
    expect(classifyRemoval(removal({}), NOW).action).toBe("DELETED");
  });

  it("does not trust an identity other than the TTL service", () => {
    expect(classifyRemoval(removal({ remover: "other", ttlEpochSeconds: NOW - 10 }), NOW)).toEqual({
      action: "DELETED",
      actor: UNKNOWN_ACTOR,
      source: "unrecognised-identity",
    });
  });
});

const oldImage = {
  requestId: { S: "r-9" },
  status: { S: "APPROVED" },
  entitlementId: { S: "prod-read" },
  requester: { S: "alice" },
  expiresAt: { S: "2027-01-15T08:00:00.000Z" },
  [TTL_ATTRIBUTE]: { N: String(NOW - 100) },
};

function streamRecord(overrides: Record<string, unknown> = {}, dynamodb: Record<string, unknown> = {}) {
  return {
    eventID: "e-1",
    eventName: "REMOVE",
    eventSource: "aws:dynamodb",
    dynamodb: {
      ApproximateCreationDateTime: NOW,
      Keys: { requestId: { S: "r-9" } },
      OldImage: oldImage,
      SequenceNumber: "4000000000000000000001",
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ...dynamodb,
    },
    ...overrides,
  };
}

describe("parseRequestsStreamRecord", () => {
  it("reads DynamoDB Local's TTL delete (UNKNOWN_TO_SDK_VERSION, old image, no new image) as a removal", () => {
    const parsed = parseRequestsStreamRecord(streamRecord({ eventName: "UNKNOWN_TO_SDK_VERSION" }));
    expect(parsed).toMatchObject({
      kind: "removal",
      removal: { requestId: "r-9", remover: "none", streamEventName: "UNKNOWN_TO_SDK_VERSION" },
    });
  });

  it("reads a REMOVE's old image from DynamoDB JSON", () => {
    expect(parseRequestsStreamRecord(streamRecord())).toEqual({
      kind: "removal",
      removal: {
        requestId: "r-9",
        streamRecordId: "4000000000000000000001",
        removedAtEpochSeconds: NOW,
        remover: "none",
        ttlEpochSeconds: NOW - 100,
        streamEventName: "REMOVE",
        snapshot: {
          status: "APPROVED",
          entitlementId: "prod-read",
          requester: "alice",
          expiresAt: "2027-01-15T08:00:00.000Z",
        },
      },
    });
  });

  it("recognises the TTL service identity only when both type and principal match", () => {
    const ttl = { userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" } };
    const impostor = { userIdentity: { type: "Service", principalId: "lambda.amazonaws.com" } };
    const parsed = (r: unknown) => parseRequestsStreamRecord(r);
    expect(parsed(streamRecord(ttl))).toMatchObject({ removal: { remover: "dynamodb-ttl" } });
    expect(parsed(streamRecord(impostor))).toMatchObject({ removal: { remover: "other" } });
  });

  it("matches the event name ignoring case and spaces", () => {
    expect(parseRequestsStreamRecord(streamRecord({ eventName: " remove " }))).toMatchObject({
      kind: "removal",
      removal: { streamEventName: " remove " },
    });
  });

  it("ignores INSERT and MODIFY", () => {
    expect(parseRequestsStreamRecord(streamRecord({ eventName: "INSERT" }))).toEqual({
      kind: "ignored",
      eventName: "INSERT",
    });
    expect(parseRequestsStreamRecord(streamRecord({ eventName: "MODIFY" }))).toEqual({
      kind: "ignored",
      eventName: "MODIFY",
    });
  });

  it.each([
    ["not an object", "REMOVE", /not an object/],
    ["without a dynamodb member", { eventName: "REMOVE" }, /no dynamodb member/],
    [
      "with an unknown event name and a new image",
      streamRecord({ eventName: "ERASE" }, { NewImage: oldImage }),
      /unknown eventName/,
    ],
    [
      "without an event name, with a new image",
      streamRecord({ eventName: undefined }, { NewImage: oldImage }),
      /unknown eventName/,
    ],
    ["without a sequence number", streamRecord({}, { SequenceNumber: undefined }), /sequence number/],
    [
      "without a creation time",
      streamRecord({}, { ApproximateCreationDateTime: "yesterday" }),
      /Approximate/,
    ],
    ["without an old image", streamRecord({}, { OldImage: undefined }), /no OldImage/],
    [
      "with an invalid old image",
      streamRecord({}, { OldImage: { requestId: { Q: "x" } } }),
      /valid DynamoDB JSON/,
    ],
    ["with no request id", streamRecord({}, { OldImage: { status: { S: "APPROVED" } } }), /no requestId/],
    ["with a numeric request id", streamRecord({}, { OldImage: { requestId: { N: "5" } } }), /no requestId/],
  ])("reports a record %s as unusable, without throwing", (_label, record, problem) => {
    const parsed = parseRequestsStreamRecord(record);
    expect(parsed.kind).toBe("unusable");
    expect(parsed.kind === "unusable" && parsed.problem).toMatch(problem);
  });

  it("ignores a TTL attribute that is not a number", () => {
    const record = streamRecord({}, { OldImage: { ...oldImage, [TTL_ATTRIBUTE]: { S: "soon" } } });
    const parsed = parseRequestsStreamRecord(record);
    expect(parsed.kind === "removal" && parsed.removal.ttlEpochSeconds).toBeUndefined();
  });
});
