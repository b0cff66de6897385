import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { RemoverIdentity, RequestRemoval } from "../../use-cases/record-expiry.js";
import { TTL_ATTRIBUTE } from "./table-definitions.js";

/** The service identity DynamoDB puts on stream records of TTL deletions. */
export const TTL_SERVICE_IDENTITY = { type: "Service", principalId: "dynamodb.amazonaws.com" } as const;

/** One Requests stream record, read: a removal to audit, a write to ignore, or a record that cannot be used. */
export type RequestsStreamRecord =
  | { kind: "removal"; removal: RequestRemoval }
  | { kind: "ignored"; eventName: "INSERT" | "MODIFY" }
  | { kind: "unusable"; problem: string; sequenceNumber?: string; eventName?: string };

/**
 * Reads a Lambda DynamoDB Streams record of the Requests table (view NEW_AND_OLD_IMAGES; images in
 * DynamoDB JSON). Never throws: anything that is not a well-formed INSERT, MODIFY or REMOVE comes back as
 * `unusable` with a reason that is safe to log (no item contents).
 *
 * The event name is matched ignoring case and surrounding spaces, because emulators and replicas do not
 * all spell it as the SDK's `OperationType`; a record under another name that has an old image and no
 * new image (DynamoDB Local's TTL deletes arrive as `UNKNOWN_TO_SDK_VERSION`) is a removal; anything
 * else is unusable.
 * Source: https://docs.aws.amazon.com/amazondynamodbstreams/latest/APIReference/API_Record.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 * @param record a `DynamoDBStreamEvent.Records` element, typed `unknown` because it is not trusted.
 */
export function parseRequestsStreamRecord(record: unknown): RequestsStreamRecord {
  if (!isObject(record)) return { kind: "unusable", problem: "record is not an object" };
  const stream = record.dynamodb;
  const sequenceNumber = isObject(stream) ? stream.SequenceNumber : undefined;
  const rawName = record.eventName;
  const eventName = typeof rawName === "string" ? rawName : undefined;
  const unusable = (problem: string): RequestsStreamRecord => ({
    kind: "unusable",
    problem,
    ...(typeof sequenceNumber === "string" ? { sequenceNumber } : {}),
    ...(eventName === undefined ? {} : { eventName: eventName.slice(0, 64) }),
  });
  if (!isObject(stream)) return unusable("record has no dynamodb member");
  if (typeof sequenceNumber !== "string" || sequenceNumber.length === 0) {
    return unusable("record has no sequence number");
  }
  const name = eventName?.trim().toUpperCase();
  if (name === "INSERT" || name === "MODIFY") return { kind: "ignored", eventName: name };
  // DynamoDB Local emits its TTL deletes as `UNKNOWN_TO_SDK_VERSION` (the Java SDK's placeholder for an
  // operation type it cannot name): a record with an old image and no new image is a removal whatever
  // it is called.
  const removalShape = isObject(stream.OldImage) && stream.NewImage === undefined;
  if (name !== "REMOVE" && !removalShape) return unusable("unknown eventName");

  const removedAt = stream.ApproximateCreationDateTime;
  if (typeof removedAt !== "number" || !Number.isFinite(removedAt) || removedAt <= 0) {
    return unusable("record has no ApproximateCreationDateTime");
  }
  if (!isObject(stream.OldImage)) return unusable("REMOVE record has no OldImage");
  let oldImage: Record<string, unknown>;
  try {
    oldImage = unmarshall(stream.OldImage as Record<string, AttributeValue>);
  } catch {
    return unusable("OldImage is not valid DynamoDB JSON");
  }
  const requestId = oldImage.requestId;
  if (typeof requestId !== "string" || requestId.length === 0) return unusable("OldImage has no requestId");
  const ttl = oldImage[TTL_ATTRIBUTE];
  const text = (key: string) => (typeof oldImage[key] === "string" ? (oldImage[key] as string) : undefined);

  const removal: RequestRemoval = {
    requestId,
    streamRecordId: sequenceNumber,
    removedAtEpochSeconds: Math.floor(removedAt),
    remover: removerIdentity(record.userIdentity),
    streamEventName: (eventName ?? "").slice(0, 64),
    snapshot: {
      status: text("status"),
      entitlementId: text("entitlementId"),
      requester: text("requester"),
      expiresAt: text("expiresAt"),
    },
  };
  if (typeof ttl === "number" && Number.isFinite(ttl)) removal.ttlEpochSeconds = ttl;
  return { kind: "removal", removal };
}

function removerIdentity(userIdentity: unknown): RemoverIdentity {
  if (userIdentity === undefined || userIdentity === null) return "none";
  if (
    isObject(userIdentity) &&
    userIdentity.type === TTL_SERVICE_IDENTITY.type &&
    userIdentity.principalId === TTL_SERVICE_IDENTITY.principalId
  ) {
    return "dynamodb-ttl";
  }
  return "other";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
