import { describe, expect, it } from "vitest";
import type { GatewayRequest } from "#local/api-gateway/proxy-event.js";
import { RestApi, type RestRoute } from "#local/api-gateway/rest-api.js";
import type { RouteDefinition } from "#local/api-gateway/routes.js";

const CONSOLE = "http://127.0.0.1:4005";

function request(method: string, path: string, headers: Record<string, string> = {}): GatewayRequest {
  return {
    method,
    rawPath: path,
    rawQuery: "",
    rawHeaders: Object.entries(headers).flat(),
    body: Buffer.alloc(0),
    sourceIp: "127.0.0.1",
    host: "127.0.0.1:4000",
  };
}

const denyAll = {
  name: "deny",
  identityHeaders: ["Authorization"],
  resultTtlSeconds: 0,
  invoke: async () => {
    throw new Error("Unauthorized");
  },
};

function api(cors?: { allowOrigin: string }): RestApi {
  const routes: RouteDefinition<RestRoute>[] = [
    {
      method: "GET",
      resource: "/requests/{id}",
      target: {
        authorizer: denyAll,
        integration: async () => ({ statusCode: 200, body: "{}" }),
      },
    },
  ];
  return new RestApi({
    location: { apiId: "api", stage: "local", region: "us-east-1" },
    routes,
    integrationTimeoutMs: 1000,
    ...(cors === undefined ? {} : { cors }),
  });
}

describe("API Gateway emulator CORS", () => {
  it("answers a preflight from any origin with the console origin only, so a foreign origin gets no match", async () => {
    const response = await api({ allowOrigin: CONSOLE }).handle(
      request("OPTIONS", "/requests/r-1", {
        Origin: "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
      }),
    );
    expect(response.statusCode).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe(CONSOLE);
    expect(response.headers["access-control-allow-origin"]).not.toBe("https://evil.example");
    expect(response.headers["access-control-allow-headers"]).toBe("Authorization, Content-Type");
    expect(response.headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS");
  });

  it("puts the console origin on its own 401 (gateway response), so the console can read it", async () => {
    const response = await api({ allowOrigin: CONSOLE }).handle(
      request("GET", "/requests/r-1", { Origin: CONSOLE }),
    );
    expect(response.statusCode).toBe(401);
    expect(response.headers["access-control-allow-origin"]).toBe(CONSOLE);
  });

  it("answers OPTIONS on an unknown path, and everything without CORS configured, as API Gateway would", async () => {
    const unknown = await api({ allowOrigin: CONSOLE }).handle(request("OPTIONS", "/nowhere"));
    expect(unknown.statusCode).toBe(403);
    const plain = api();
    const preflight = await plain.handle(request("OPTIONS", "/requests/r-1", { Origin: CONSOLE }));
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    const denied = await plain.handle(request("GET", "/requests/r-1", { Origin: CONSOLE }));
    expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
