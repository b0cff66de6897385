import { afterEach, describe, expect, it } from "vitest";
import { DynamoDbLocalError, startDynamoDbLocal } from "#local/dynamodb-local.js";

describe("DynamoDB Local harness without Java", () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it("fails with a message naming the Debian package to install", async () => {
    process.env.PATH = "/nonexistent-jit-access-test";
    const started = startDynamoDbLocal();
    await expect(started).rejects.toBeInstanceOf(DynamoDbLocalError);
    await expect(started).rejects.toThrow(/apt-get install -y openjdk-17-jdk-headless/);
  });
});
