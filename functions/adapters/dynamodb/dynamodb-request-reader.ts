import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { AccessRequest } from "../../domain/access-request.js";
import type { RequestReader } from "../../ports/request-store.js";
import { fromRequestItem } from "./request-item.js";

/**
 * Reads one request by id from the Requests table. Shared by the workflow repository, token issue and
 * the JIT authorizer, so all of them interpret items the same way.
 */
export class DynamoDbRequestReader implements RequestReader {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  /** @throws MalformedRequestItemError when the stored item is not a valid request. */
  async get(
    requestId: string,
    options: { consistentRead?: boolean } = {},
  ): Promise<AccessRequest | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { requestId },
        ConsistentRead: options.consistentRead === true,
      }),
    );
    return out.Item ? fromRequestItem(out.Item) : undefined;
  }
}
