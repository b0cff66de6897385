import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "#local/stack.js";
import { login, startTestStack } from "./local-stack-client.js";

// CORS over real HTTP against the local stack: the JIT API answers the console's origin and nothing else
// (a preflight from any other origin gets no matching Access-Control-Allow-Origin, so the browser blocks
// the call), and the console's own server grants no cross-origin reads at all.

const FOREIGN = "https://evil.example.test";
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

function preflight(url: string, origin: string, method = "POST"): Promise<Response> {
  return fetch(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

describe("CORS of the local stack", () => {
  it("answers the console origin's preflight to the JIT API with that origin, credentials headers allowed", async () => {
    const answer = await preflight(`${stack.endpoints.jitApi}/requests`, stack.endpoints.console);
    expect(answer.status).toBeLessThan(300);
    expect(answer.headers.get("access-control-allow-origin")).toBe(stack.endpoints.console);
    expect(answer.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("gives a foreign origin's preflight to the JIT API no matching Access-Control-Allow-Origin", async () => {
    for (const path of ["/requests", "/entitlements", "/requests/abc/approve", "/requests/abc/token"]) {
      const answer = await preflight(`${stack.endpoints.jitApi}${path}`, FOREIGN);
      const allowed = answer.headers.get("access-control-allow-origin");
      expect(allowed, path).not.toBe(FOREIGN);
      expect(allowed, path).not.toBe("*");
    }
    // Nor does an actual call from that origin, even with a valid identity: its answer is not readable.
    const idToken = await login(stack, "alice");
    const call = await fetch(`${stack.endpoints.jitApi}/entitlements`, {
      headers: { origin: FOREIGN, authorization: `Bearer ${idToken}` },
    });
    expect(call.headers.get("access-control-allow-origin")).not.toBe(FOREIGN);
    expect(call.headers.get("access-control-allow-origin")).not.toBe("*");
  });

  it("gives a foreign origin's preflight to the JIT API's 401 and unknown routes no matching origin either", async () => {
    const unauthorized = await fetch(`${stack.endpoints.jitApi}/entitlements`, {
      headers: { origin: FOREIGN },
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).not.toBe(FOREIGN);
    const unknown = await preflight(`${stack.endpoints.jitApi}/no-such-route`, FOREIGN);
    expect(unknown.headers.get("access-control-allow-origin")).not.toBe(FOREIGN);
  });

  it("gives no origin a CORS grant from the console server", async () => {
    for (const path of ["/", "/config.json", "/requests/abc"]) {
      for (const origin of [FOREIGN, stack.endpoints.jitApi]) {
        const answer = await preflight(`${stack.endpoints.console}${path}`, origin, "GET");
        expect(answer.headers.get("access-control-allow-origin"), `${origin} ${path}`).toBeNull();
        const get = await fetch(`${stack.endpoints.console}${path}`, { headers: { origin } });
        expect(get.headers.get("access-control-allow-origin"), `${origin} ${path}`).toBeNull();
      }
    }
  });
});
