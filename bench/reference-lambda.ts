import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";

/**
 * The cold-start reference: a bundle holding only jose and a DynamoDB GetItem, the least any JWT
 * authorizer that reads a grant must load. Never deployed; bundled by the benchmark with the same
 * esbuild settings as the Lambdas. Like the handlers, it builds its client on the first call, so a
 * module load measures loading code only.
 */
let doc: DynamoDBDocumentClient | undefined;

/** Verifies `event.token` against `event.jwks` and reads the item named by its `jti`. */
export async function handler(event: {
  token: string;
  jwks: JSONWebKeySet;
  table: string;
}): Promise<unknown> {
  const { payload } = await jwtVerify(event.token, createLocalJWKSet(event.jwks));
  doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const out = await doc.send(
    new GetCommand({ TableName: event.table, Key: { requestId: String(payload.jti) } }),
  );
  return out.Item;
}
