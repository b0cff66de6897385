import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DependencyTimeoutException,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  NotFoundException,
} from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import {
  dependencyOutage,
  THROTTLED_RETRY_AFTER_SECONDS,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
} from "#functions/adapters/aws/dependency-outage.js";
import { problemResponse } from "#functions/adapters/http/problem-details.js";
import { DependencyUnavailableError } from "#functions/domain/errors.js";

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

/** A Node socket error as the SDK's HTTP handler rejects with it. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

function kmsError(name: string, httpStatusCode: number) {
  return new KMSServiceException({ name, $fault: "client", message: name, ...meta(httpStatusCode) });
}

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: "Transaction cancelled",
    CancellationReasons: codes.map((Code) => ({ Code })),
    ...meta(400),
  });
}

describe("H31 dependency outage classification (AWS side)", () => {
  it.each([
    [
      "ProvisionedThroughputExceededException",
      new ProvisionedThroughputExceededException({ message: "x", ...meta(400) }),
    ],
    ["ThrottlingException (DynamoDB)", new ThrottlingException({ message: "x", ...meta(400) })],
    ["RequestLimitExceeded", new RequestLimitExceeded({ message: "x", ...meta(400) })],
    ["ThrottlingException (KMS)", kmsError("ThrottlingException", 400)],
    ["HTTP 429", kmsError("TooManyRequests", 429)],
    ["a transaction cancelled for capacity", cancelled("None", "ThrottlingError")],
  ])("treats %s as throttling: 503 with a short Retry-After", (_name, err) => {
    const outage = dependencyOutage("DynamoDB", err);
    expect(outage).toBeInstanceOf(DependencyUnavailableError);
    expect(outage).toMatchObject({
      code: "unavailable",
      dependency: "DynamoDB",
      retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS,
      cause: err,
    });
    expect(outage?.message).toContain("throttling");
  });

  it.each([
    ["InternalServerError", new InternalServerError({ message: "x", ...meta(500) })],
    [
      "ServiceUnavailable",
      new DynamoDBServiceException({
        name: "ServiceUnavailable",
        $fault: "server",
        message: "x",
        ...meta(503),
      }),
    ],
    ["KMSInternalException", new KMSInternalException({ message: "x", ...meta(500) })],
    ["DependencyTimeoutException", new DependencyTimeoutException({ message: "x", ...meta(503) })],
    ["ECONNREFUSED", socketError("ECONNREFUSED")],
    ["ECONNRESET", socketError("ECONNRESET")],
    ["ETIMEDOUT", socketError("ETIMEDOUT")],
    ["ENOTFOUND", socketError("ENOTFOUND")],
    [
      "TimeoutError",
      Object.assign(new Error("Connection timed out after 1000 ms"), { name: "TimeoutError" }),
    ],
  ])("treats %s as unavailable: 503 with Retry-After", (_name, err) => {
    expect(dependencyOutage("KMS", err)).toMatchObject({
      code: "unavailable",
      dependency: "KMS",
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    });
  });

  it.each([
    ["ConditionalCheckFailedException", new ConditionalCheckFailedException({ message: "x", ...meta(400) })],
    ["a transaction lost to a condition", cancelled("ConditionalCheckFailed", "ThrottlingError")],
    ["a transaction lost to another transaction", cancelled("TransactionConflict")],
    ["a transaction cancelled for validation", cancelled("ValidationError")],
    [
      "ResourceNotFoundException (wrong table name)",
      new ResourceNotFoundException({ message: "x", ...meta(400) }),
    ],
    ["AccessDeniedException (missing IAM permission)", kmsError("AccessDeniedException", 400)],
    ["KMS NotFoundException", new NotFoundException({ message: "x", ...meta(400) })],
    ["KMSInvalidStateException (key disabled)", new KMSInvalidStateException({ message: "x", ...meta(400) })],
    ["an aborted call", Object.assign(new Error("aborted"), { name: "AbortError" })],
    ["a plain Error", new Error("bug")],
    ["a string", "ECONNREFUSED"],
    ["undefined", undefined],
  ])("leaves %s to the adapter (a conflict, a configuration fault or a bug)", (_name, err) => {
    expect(dependencyOutage("DynamoDB", err)).toBeUndefined();
  });
});

describe("503 unavailable problem document", () => {
  it("answers 503 unavailable with Retry-After, no-store, and no internals", () => {
    const cause = socketError("ECONNREFUSED");
    const { response, unexpected } = problemResponse(
      new DependencyUnavailableError("DynamoDB", { cause, retryAfterSeconds: 7 }),
      "/requests",
    );
    expect(unexpected).toBe(false);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({
      "content-type": "application/problem+json",
      "cache-control": "no-store",
      "retry-after": "7",
    });
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ status: 503, code: "unavailable", title: "Service Unavailable" });
    expect(body.detail).toBe("DynamoDB is unavailable right now. Retry after 7 seconds.");
    expect(response.body).not.toContain("127.0.0.1");
    expect(response.body).not.toContain("stack");
  });

  it("sends a sane Retry-After for an error matched by shape (a duplicated bundle)", () => {
    const foreign = {
      name: "DependencyUnavailableError",
      code: "unavailable",
      message: "m",
      retryAfterSeconds: -3,
    };
    const { response } = problemResponse(foreign);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toBe("5");
  });

  it("rounds a fractional retry up to whole seconds, at least 1", () => {
    expect(new DependencyUnavailableError("KMS", { retryAfterSeconds: 0.2 }).retryAfterSeconds).toBe(1);
    expect(new DependencyUnavailableError("KMS", { retryAfterSeconds: 2.5 }).retryAfterSeconds).toBe(3);
  });
});
