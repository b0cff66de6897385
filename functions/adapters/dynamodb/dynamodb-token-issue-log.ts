import { type DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { AccessRequest } from "../../domain/access-request.js";
import type { AuditEvent } from "../../domain/audit-event.js";
import { ConflictError } from "../../domain/errors.js";
import type { TokenIssueLog } from "../../ports/token-issue-log.js";
import { DynamoDbAuditLog } from "./dynamodb-audit-log.js";
import { isTransactionLostRace } from "./lost-race.js";
import { LAST_TOKEN_ISSUED_ATTRIBUTE } from "./table-definitions.js";

/**
 * The Audit table for token issue: `TOKEN_ISSUED` is put in one `TransactWriteItems` with a conditional
 * update of the grant in the Requests table (APPROVED, same `version`, `expiresAt` after the event time,
 * and no later token recorded) that moves only {@link LAST_TOKEN_ISSUED_ATTRIBUTE} forward. A revoke that
 * committed first fails the condition; a revoke committing afterwards must carry a later time, because
 * transitions are conditioned on that attribute. So no `TOKEN_ISSUED` is ever ordered after `REVOKED` (H30).
 * An update rather than a `ConditionCheck` because only a write can order the revoke after the token.
 */
export class DynamoDbTokenIssueLog extends DynamoDbAuditLog implements TokenIssueLog {
  constructor(
    client: DynamoDBDocumentClient,
    auditTableName: string,
    private readonly requestsTableName: string,
  ) {
    super(client, auditTableName);
  }

  async appendTokenIssued(grant: AccessRequest, event: AuditEvent): Promise<void> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.requestsTableName,
                Key: { requestId: grant.requestId },
                UpdateExpression: "SET #lastToken = :at",
                // ISO 8601 times written by this code are all `toISOString()`: string order is time order.
                ConditionExpression:
                  "#status = :approved AND #version = :version AND #expiresAt > :at AND " +
                  "(attribute_not_exists(#lastToken) OR #lastToken <= :at)",
                ExpressionAttributeNames: {
                  "#status": "status",
                  "#version": "version",
                  "#expiresAt": "expiresAt",
                  "#lastToken": LAST_TOKEN_ISSUED_ATTRIBUTE,
                },
                ExpressionAttributeValues: {
                  ":approved": "APPROVED",
                  ":version": grant.version,
                  ":at": event.at,
                },
              },
            },
            { Put: this.putInput(event) },
          ],
        }),
      );
    } catch (err) {
      if (isTransactionLostRace(err)) {
        throw new ConflictError(
          `Grant ${grant.requestId} changed while a token was being issued; ask for a token again.`,
          "conflict",
          { cause: err },
        );
      }
      throw err;
    }
  }
}
