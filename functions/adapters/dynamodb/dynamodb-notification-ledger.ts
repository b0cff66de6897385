import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "../../domain/clock.js";
import type { NotificationLedger } from "../../ports/notifications.js";
import { TTL_ATTRIBUTE } from "./table-definitions.js";

/** The Notifications table as the notifier's idempotency memory. */
export class DynamoDbNotificationLedger implements NotificationLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async has(key: string): Promise<boolean> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { key }, ConsistentRead: true }),
    );
    return out.Item !== undefined;
  }

  async record(key: string, ttlSeconds: number): Promise<void> {
    const now = this.clock.nowMs();
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          key,
          recordedAt: new Date(now).toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(now / 1000) + ttlSeconds,
        },
      }),
    );
  }
}
