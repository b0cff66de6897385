import { afterAll } from "vitest";
import { deleteTestTables } from "./dynamodb.js";

// Each integration/e2e test file drops the DynamoDB Local tables it created once it is done.
afterAll(deleteTestTables, 60_000);
