import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { IDENTITY_CONTEXT } from "#functions/adapters/http/caller-identity.js";
import { corsHeadersFromEnvironment } from "#functions/adapters/http/cors.js";
import { createRestHandler } from "#functions/adapters/http/rest-handler.js";
import { ENV } from "#functions/config/environment.js";
import { ConflictError } from "#functions/domain/errors.js";
import { CapturingLogger } from "./log-capture.js";

const CONSOLE = "https://console.example.com";

function event(): APIGatewayProxyEvent {
  return {
    resource: "/requests/{id}",
    path: "/requests/r-1",
    httpMethod: "GET",
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { id: "r-1" },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: "api-req-1",
      authorizer: { [IDENTITY_CONTEXT.sub]: "bob", [IDENTITY_CONTEXT.groups]: "[]" },
    } as unknown as APIGatewayProxyEvent["requestContext"],
  } as APIGatewayProxyEvent;
}

afterEach(() => {
  delete process.env[ENV.consoleOrigin];
});

describe("JIT API CORS headers", () => {
  it("allows exactly the configured console origin, on answers and on refusals", async () => {
    process.env[ENV.consoleOrigin] = CONSOLE;
    for (const fail of [false, true]) {
      const handler = createRestHandler({
        operation: "get-request",
        logger: new CapturingLogger(),
        pathId: true,
        handle: async () => {
          if (fail) throw new ConflictError("lost a race");
          return { statusCode: 200, body: {}, outcome: "ok" };
        },
      });
      const response = await handler(event());
      expect(response.statusCode).toBe(fail ? 409 : 200);
      expect(response.headers?.["access-control-allow-origin"]).toBe(CONSOLE);
      expect(response.headers?.vary).toBe("Origin");
    }
  });

  it("sends no CORS header when no console origin is configured", () => {
    expect(corsHeadersFromEnvironment({})).toEqual({});
  });

  it("refuses a console origin that is not an origin (a path, a wildcard, a trailing slash)", () => {
    for (const bad of [
      "https://console.example.com/",
      "https://console.example.com/app",
      "*",
      "console.example.com",
    ]) {
      expect(() => corsHeadersFromEnvironment({ [ENV.consoleOrigin]: bad }), bad).toThrow(
        /JIT_CONSOLE_ORIGIN/,
      );
    }
  });
});
