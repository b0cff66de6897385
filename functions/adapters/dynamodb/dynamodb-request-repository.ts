import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { AccessRequest } from "../../domain/access-request.js";
import type { AuditEvent } from "../../domain/audit-event.js";
import { ConflictError } from "../../domain/errors.js";
import type { RequestTransition } from "../../domain/request-transitions.js";
import type {
  ExtensionChange,
  ListOptions,
  ListPartition,
  PartitionEntry,
  PartitionPosition,
  PartitionRead,
  RequestRepository,
} from "../../ports/request-repository.js";
import type { DynamoDbAuditLog } from "./dynamodb-audit-log.js";
import { DynamoDbRequestReader } from "./dynamodb-request-reader.js";
import { isTransactionLostRace } from "./lost-race.js";
import {
  fromRequestItem,
  type RequestItem,
  statusEntitlementKey,
  toRequestItem,
  ttlEpochSeconds,
} from "./request-item.js";
import {
  LAST_TOKEN_ISSUED_ATTRIBUTE,
  REQUESTS_BY_REQUESTER_INDEX,
  REQUESTS_PENDING_INDEX,
  STATUS_ENTITLEMENT_ATTRIBUTE,
  TTL_ATTRIBUTE,
} from "./table-definitions.js";

/**
 * Fields a transition may change. Everything else (requester, entitlement, audience, duration,
 * justification, ticket, startsAt, createdAt, ...) is fixed at creation and never written again.
 */
const MUTABLE_FIELDS = [
  "status",
  "version",
  "approvals",
  "grantedAt",
  "expiresAt",
  "deniedBy",
  "denyReason",
  "cancelledAt",
  "revokedAt",
  "revokedBy",
  "revokeReason",
  "reviewedAt",
  "reviewedBy",
  "reviewNote",
  "extendedTo",
  "updatedAt",
] as const satisfies readonly (keyof AccessRequest)[];

/** The items of one `TransactWriteItems`. */
type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>;

/** Items per DynamoDB Query page, and the most pages one list reads (bounded work per call). */
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/** Called for a stored item that is not a valid request (e.g. a millisecond TTL); it is left out. */
export type MalformedItemListener = (item: RequestItem, error: unknown) => void;

/**
 * The Requests table as the workflow's {@link RequestRepository}. Reads come from the shared
 * {@link DynamoDbRequestReader} (same item validation as the authorizer and token issue). Every write is
 * one `TransactWriteItems`: the request write conditioned on the expected state, plus the audit `Put`s
 * conditioned on `attribute_not_exists`. A failed condition becomes a {@link ConflictError} here, at the
 * boundary (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 */
export class DynamoDbRequestRepository extends DynamoDbRequestReader implements RequestRepository {
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly auditLog: DynamoDbAuditLog,
    private readonly onMalformedItem: MalformedItemListener = () => {},
  ) {
    super(client, tableName);
  }

  async create(request: AccessRequest, events: AuditEvent[]): Promise<void> {
    await this.transact(this.createItems(request, events), `Request ${request.requestId} already exists.`);
  }

  async transition(t: RequestTransition): Promise<void> {
    await this.transact(
      this.transitionItems(t),
      `Request ${t.before.requestId} changed while you acted on it (it is no longer ` +
        `${t.before.status} version ${t.before.version}); reload it and retry if still relevant.`,
    );
  }

  async extend(change: ExtensionChange): Promise<void> {
    const { extension, grant } = change;
    await this.transact(
      [
        ...("create" in extension
          ? this.createItems(extension.create, extension.events)
          : this.transitionItems(extension.transition)),
        ...this.transitionItems(grant),
      ],
      `Grant ${grant.before.requestId} or its extension changed while you acted on it; reload and retry ` +
        "if still relevant.",
    );
  }

  private createItems(request: AccessRequest, events: AuditEvent[]): TransactItems {
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: toRequestItem(request),
          ConditionExpression: "attribute_not_exists(requestId)",
        },
      },
      ...events.map((e) => ({ Put: this.auditLog.putInput(e) })),
    ];
  }

  private transitionItems(t: RequestTransition): TransactItems {
    const { before, after } = t;
    if (before.requestId !== after.requestId || after.version !== before.version + 1) {
      throw new Error(`Invalid transition of request ${before.requestId}`);
    }
    const names: Record<string, string> = {
      "#status": "status",
      "#version": "version",
      ...(t.deadlineField === null ? {} : { "#deadline": t.deadlineField }),
      "#ttl": TTL_ATTRIBUTE,
      "#lastToken": LAST_TOKEN_ISSUED_ATTRIBUTE,
    };
    const values: Record<string, unknown> = {
      ":expectedStatus": before.status,
      ":expectedVersion": before.version,
      ":now": t.now,
      ":ttl": ttlEpochSeconds(after),
    };
    const sets = ["#ttl = :ttl"];
    const removes: string[] = [];
    for (const field of MUTABLE_FIELDS) {
      const value = after[field];
      if (value !== undefined) {
        names[`#f_${field}`] = field;
        values[`:f_${field}`] = value;
        sets.push(`#f_${field} = :f_${field}`);
      } else if (before[field] !== undefined) {
        names[`#f_${field}`] = field;
        removes.push(`#f_${field}`);
      }
    }
    names["#statusEntitlement"] = STATUS_ENTITLEMENT_ATTRIBUTE;
    values[":statusEntitlement"] = statusEntitlementKey(after.status, after.entitlementId);
    sets.push("#statusEntitlement = :statusEntitlement");
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: { requestId: before.requestId },
          UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
          // ISO 8601 times written by this code are all `toISOString()` (fixed width, UTC), so string
          // order is time order.
          // No token issued "after" this transition may already be stored (H30, see
          // LAST_TOKEN_ISSUED_ATTRIBUTE): the caller retries with a fresh time.
          ConditionExpression:
            "#status = :expectedStatus AND #version = :expectedVersion AND " +
            (t.deadlineField === null ? "" : "#deadline > :now AND ") +
            "(attribute_not_exists(#lastToken) OR #lastToken <= :now)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      { Put: this.auditLog.putInput(t.event) },
    ];
  }

  async listByRequester(requester: string, options: ListOptions): Promise<AccessRequest[]> {
    const after = options.createdAfter;
    return this.query(
      {
        TableName: this.tableName,
        IndexName: REQUESTS_BY_REQUESTER_INDEX,
        KeyConditionExpression: `requester = :r${after === undefined ? "" : " AND createdAt >= :after"}`,
        ExpressionAttributeValues: { ":r": requester, ...(after === undefined ? {} : { ":after": after }) },
        ScanIndexForward: false,
      },
      options.limit,
    );
  }

  async listPending(entitlementId: string, options: ListOptions): Promise<AccessRequest[]> {
    return this.listByStatusKey(statusEntitlementKey("PENDING", entitlementId), options);
  }

  async listByStatus(
    status: "APPROVED" | "REVOKED",
    entitlementId: string,
    options: ListOptions,
  ): Promise<AccessRequest[]> {
    return this.listByStatusKey(statusEntitlementKey(status, entitlementId), options);
  }

  private async listByStatusKey(key: string, options: ListOptions): Promise<AccessRequest[]> {
    const after = options.createdAfter;
    return this.query(
      {
        TableName: this.tableName,
        IndexName: REQUESTS_PENDING_INDEX,
        KeyConditionExpression: `#se = :e${after === undefined ? "" : " AND createdAt >= :after"}`,
        ExpressionAttributeNames: { "#se": STATUS_ENTITLEMENT_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":e": key,
          ...(after === undefined ? {} : { ":after": after }),
        },
        ScanIndexForward: true,
      },
      options.limit,
    );
  }

  async readPartition(
    partition: ListPartition,
    after: PartitionPosition | undefined,
    wanted: number,
  ): Promise<PartitionRead> {
    const since = partition.createdAfter;
    const byRequester = partition.kind === "requester";
    const input: QueryCommandInput = byRequester
      ? {
          TableName: this.tableName,
          IndexName: REQUESTS_BY_REQUESTER_INDEX,
          KeyConditionExpression: `requester = :p${since === undefined ? "" : " AND createdAt >= :after"}`,
          ExpressionAttributeValues: { ":p": partition.requester, ...(since ? { ":after": since } : {}) },
          ScanIndexForward: false,
        }
      : {
          TableName: this.tableName,
          IndexName: REQUESTS_PENDING_INDEX,
          KeyConditionExpression: `#se = :p${since === undefined ? "" : " AND createdAt >= :after"}`,
          ExpressionAttributeNames: { "#se": STATUS_ENTITLEMENT_ATTRIBUTE },
          ExpressionAttributeValues: {
            ":p": statusEntitlementKey(partition.status, partition.entitlementId),
            ...(since ? { ":after": since } : {}),
          },
          ScanIndexForward: true,
        };
    const partitionKey = byRequester ? "requester" : STATUS_ENTITLEMENT_ATTRIBUTE;
    const entries: PartitionEntry[] = [];
    let startKey: Record<string, unknown> | undefined = after === undefined ? undefined : { ...after };
    for (let page = 0; page < MAX_PAGES && entries.length < wanted; page++) {
      const result = await this.client.send(
        new QueryCommand({
          ...input,
          Limit: Math.min(PAGE_SIZE, wanted - entries.length),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        // The index position of this item: what DynamoDB would return as LastEvaluatedKey after it.
        const position = {
          requestId: String(item.requestId),
          [partitionKey]: String(item[partitionKey]),
          createdAt: String(item.createdAt),
        };
        let request: AccessRequest | undefined;
        try {
          request = fromRequestItem(item);
        } catch (err) {
          this.onMalformedItem(item, err);
        }
        entries.push({ request, position });
      }
      startKey = result.LastEvaluatedKey;
      if (!startKey) return { entries, exhausted: true };
    }
    return { entries, exhausted: false };
  }

  private async query(input: QueryCommandInput, limit: number): Promise<AccessRequest[]> {
    const out: AccessRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES && out.length < limit; page++) {
      const result = await this.client.send(
        new QueryCommand({ ...input, Limit: PAGE_SIZE, ExclusiveStartKey: startKey }),
      );
      for (const item of result.Items ?? []) {
        try {
          out.push(fromRequestItem(item));
        } catch (err) {
          this.onMalformedItem(item, err);
        }
      }
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return out.slice(0, limit);
  }

  private async transact(items: TransactItems, conflictMessage: string): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (isTransactionLostRace(err)) throw new ConflictError(conflictMessage, "conflict", { cause: err });
      throw err;
    }
  }
}
