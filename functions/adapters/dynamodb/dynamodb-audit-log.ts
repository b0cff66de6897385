import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { AuditEvent } from "../../domain/audit-event.js";
import { ConflictError } from "../../domain/errors.js";
import type { AuditLog } from "../../ports/audit-log.js";

/** The Audit table. Puts are conditional on `attribute_not_exists`, so nothing is ever overwritten. */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    protected readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The `Put` used alone here and inside a transition's `TransactWriteItems`. */
  putInput(event: AuditEvent) {
    return {
      TableName: this.tableName,
      Item: event,
      ConditionExpression: "attribute_not_exists(eventId)",
    };
  }

  async append(event: AuditEvent): Promise<void> {
    try {
      await this.documents.send(new PutCommand(this.putInput(event)));
    } catch (err) {
      if (
        err instanceof ConditionalCheckFailedException ||
        (err as { name?: string }).name === "ConditionalCheckFailedException"
      ) {
        throw new ConflictError(
          `Audit event ${event.eventId} already exists for request ${event.requestId}.`,
          "conflict",
          { cause: err },
        );
      }
      throw err;
    }
  }

  async list(requestId: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Bounded: an audit trail has a handful of events; 100 pages would be a runaway.
    for (let page = 0; page < 100; page++) {
      const out = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "requestId = :id",
          ExpressionAttributeValues: { ":id": requestId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      events.push(...((out.Items ?? []) as AuditEvent[]));
      startKey = out.LastEvaluatedKey;
      if (!startKey) break;
    }
    return events;
  }
}
