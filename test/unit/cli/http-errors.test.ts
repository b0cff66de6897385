import { describe, expect, it } from "vitest";
import { ApiError, EXIT, UnreachableError } from "#cli/errors.js";
import { apiErrorFrom, foreignAnswer, unreachable } from "#cli/http-client.js";

describe("apiErrorFrom", () => {
  it("takes detail and code from an RFC 9457 problem document; 4xx exits 1", () => {
    const err = apiErrorFrom(
      403,
      JSON.stringify({
        type: "https://github.com/jit-access/jit-access#error-self_approval",
        title: "Forbidden",
        status: 403,
        detail: "You cannot approve your own request.",
        code: "self_approval",
      }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe("You cannot approve your own request.");
    expect(err.code).toBe("self_approval");
    expect(err.status).toBe(403);
    expect(err.exitCode).toBe(EXIT.refused);
  });

  it("treats 5xx as the server failing: exit 3", () => {
    const err = apiErrorFrom(
      500,
      JSON.stringify({ detail: "An internal error occurred.", code: "internal" }),
    );
    expect(err.exitCode).toBe(EXIT.unavailable);
  });

  it("reads API Gateway's own {message} errors and adds the login hint to 401s", () => {
    const err = apiErrorFrom(401, JSON.stringify({ message: "Unauthorized" }), "run `jit login` again");
    expect(err.message).toBe("Unauthorized — run `jit login` again");
    expect(err.code).toBeUndefined();
  });

  it("falls back to the start of a non-JSON body, made terminal-safe", () => {
    const err = apiErrorFrom(404, "<html>\u001b[31mNot here</html>");
    expect(err.message).toBe("<html>\\u{1b}[31mNot here</html>");
    expect(apiErrorFrom(409, "").message).toBe("HTTP 409");
  });
});

describe("unreachable", () => {
  it("asks whether the local stack runs when a loopback endpoint refuses connections", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const err = unreachable("http://127.0.0.1:4000", new TypeError("fetch failed", { cause }), 30_000);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toBe("cannot reach http://127.0.0.1:4000 — is `npm start` running?");
    expect(err.exitCode).toBe(EXIT.unavailable);
  });

  it("names the network error for a remote endpoint", () => {
    const cause = Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    const err = unreachable("https://jit.example.com/prod", new TypeError("fetch failed", { cause }), 30_000);
    expect(err.message).toBe(
      "cannot reach https://jit.example.com/prod (ENOTFOUND) — check --endpoint/JIT_ENDPOINT and your network",
    );
  });

  it("says how long it waited on a timeout", () => {
    const err = unreachable("http://127.0.0.1:4000", new DOMException("timed out", "TimeoutError"), 30_000);
    expect(err.message).toBe("http://127.0.0.1:4000 did not answer within 30s");
  });
});

describe("answers from a service that is not the JIT API", () => {
  it("calls API Gateway's Missing Authentication Token a missing route (exit 3)", () => {
    const err = foreignAnswer(
      "https://x.example",
      "GET",
      "/requests?mine",
      403,
      '{"message":"Missing Authentication Token"}',
      "--endpoint",
    );
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toContain("https://x.example has no route GET /requests");
    expect(err?.message).toContain("stage path");
  });

  it("calls a 4xx without a problem document foreign (exit 3), naming where the URL came from", () => {
    const err = foreignAnswer(
      "https://x.example",
      "POST",
      "/requests",
      404,
      "<html>Not Found</html>",
      "profile work",
    );
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toContain("does not look like a jit-access JIT API; check profile work");
  });

  it("keeps the JIT API's own refusals: problem documents and API Gateway's 401", () => {
    expect(foreignAnswer("u", "GET", "/x", 403, '{"code":"forbidden","detail":"no"}')).toBeUndefined();
    expect(foreignAnswer("u", "GET", "/x", 401, '{"message":"Unauthorized"}')).toBeUndefined();
    expect(foreignAnswer("u", "GET", "/x", 503, "<html>")).toBeUndefined();
  });
});
