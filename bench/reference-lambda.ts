import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createLocalJWKSet, jwtVerify } from "jose";

/**
 * The cold-start reference: a bundle holding only jose and a DynamoDB GetItem, the least any JWT
 * authorizer that reads a grant must load. Never deployed; bundled by the benchmark only.
 */
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function handler(event: { token: string; jwks: { keys: [] }; table: string }): Promise<unknown> {
  const { payload } = await jwtVerify(event.token, createLocalJWKSet(event.jwks));
  const out = await doc.send(new GetCommand({ TableName: event.table, Key: { requestId: String(payload.jti) } }));
  return out.Item;
}
