import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { AccessRequest } from "../../domain/access-request.js";
import type { RequestsByStatus } from "../../ports/notifications.js";
import { fromRequestItem, statusEntitlementKey } from "./request-item.js";
import { REQUESTS_PENDING_INDEX, STATUS_ENTITLEMENT_ATTRIBUTE } from "./table-definitions.js";

/** Most pages one listing reads (100 items each): a bound, so a runaway table cannot stall a sweep. */
const MAX_PAGES = 50;

/**
 * Lists requests through the status index (`<status>#<entitlement>`), oldest first. Items that are not
 * valid requests are skipped and reported through `onMalformed`.
 */
export class DynamoDbRequestsByStatus implements RequestsByStatus {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly onMalformed: (error: unknown) => void = () => undefined,
  ) {}

  async list(status: "PENDING" | "APPROVED", entitlementId: string): Promise<AccessRequest[]> {
    const out: AccessRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: REQUESTS_PENDING_INDEX,
          KeyConditionExpression: "#se = :se",
          ExpressionAttributeNames: { "#se": STATUS_ENTITLEMENT_ATTRIBUTE },
          ExpressionAttributeValues: { ":se": statusEntitlementKey(status, entitlementId) },
          ScanIndexForward: true,
          Limit: 100,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        try {
          out.push(fromRequestItem(item));
        } catch (err) {
          this.onMalformed(err);
        }
      }
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return out;
  }
}
