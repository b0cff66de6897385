import { describe, expect, it } from "vitest";
import {
  findCoveringPermission,
  InvalidPermissionError,
  iamWildcardMatch,
  parsePermission,
  permissionCoversRoute,
} from "#functions/domain/route-matching.js";

describe("iamWildcardMatch", () => {
  it("treats * as any run of characters, slashes and the empty run included", () => {
    expect(iamWildcardMatch("GET/orders/*", "GET/orders/1")).toBe(true);
    expect(iamWildcardMatch("GET/orders/*", "GET/orders/1/items")).toBe(true);
    expect(iamWildcardMatch("GET/orders/*", "GET/orders/")).toBe(true);
    expect(iamWildcardMatch("GET/orders/*", "GET/orders")).toBe(false);
    expect(iamWildcardMatch("POST/payments/*/refund", "POST/payments/7/refund")).toBe(true);
    expect(iamWildcardMatch("POST/payments/*/refund", "POST/payments/7/refund/x")).toBe(false);
  });

  it("treats ? as exactly one character", () => {
    expect(iamWildcardMatch("a?c", "abc")).toBe(true);
    expect(iamWildcardMatch("a?c", "ac")).toBe(false);
    expect(iamWildcardMatch("a?c", "abbc")).toBe(false);
  });

  it("takes the value literally: a * in the value matches only a * or a wildcard in the pattern", () => {
    expect(iamWildcardMatch("GET/accounts/123", "GET/accounts/*")).toBe(false);
    expect(iamWildcardMatch("GET/accounts/12", "GET/accounts/1*")).toBe(false);
  });

  it("is case-sensitive like IAM resource matching", () => {
    expect(iamWildcardMatch("GET/Orders", "GET/orders")).toBe(false);
  });

  it("stays fast on patterns with many stars against long values", () => {
    const pattern = `${"*a".repeat(30)}b`;
    const value = "a".repeat(5_000);
    expect(iamWildcardMatch(pattern, value)).toBe(false);
  });
});

describe("parsePermission", () => {
  it("expands the method * into the concrete verbs", () => {
    expect(parsePermission("* /orders").methods).toEqual([
      "GET",
      "POST",
      "PUT",
      "PATCH",
      "DELETE",
      "HEAD",
      "OPTIONS",
    ]);
    expect(parsePermission("GET /orders/*")).toEqual({ methods: ["GET"], pathPattern: "/orders/*" });
  });

  it.each([
    "GET /orders?x",
    "GET /orders/ x",
    'GET /orders/"',
    "GET orders",
    "FETCH /orders",
    "get /orders",
    "GET  /orders",
    "GET /orders\n",
  ])("refuses %j", (permission) => {
    expect(() => parsePermission(permission)).toThrow(InvalidPermissionError);
  });
});

describe("permissionCoversRoute", () => {
  it("matches the method exactly and * as any method", () => {
    expect(permissionCoversRoute("GET /orders", { method: "GET", path: "/orders" })).toBe(true);
    expect(permissionCoversRoute("GET /orders", { method: "POST", path: "/orders" })).toBe(false);
    expect(permissionCoversRoute("* /orders", { method: "DELETE", path: "/orders" })).toBe(true);
  });

  it("does not let a method * reach into the path (no GET /x/orders for * /orders)", () => {
    expect(permissionCoversRoute("* /orders", { method: "GET", path: "/x/orders" })).toBe(false);
  });

  it("refuses methods API Gateway does not invoke and paths without a leading slash", () => {
    expect(permissionCoversRoute("* /orders", { method: "TRACE", path: "/orders" })).toBe(false);
    expect(permissionCoversRoute("* /*", { method: "GET", path: "orders" })).toBe(false);
  });

  it("covers the root resource only with a permission for it", () => {
    expect(permissionCoversRoute("GET /", { method: "GET", path: "/" })).toBe(true);
    expect(permissionCoversRoute("GET /orders/*", { method: "GET", path: "/" })).toBe(false);
  });

  it("finds the covering permission, or none", () => {
    const permissions = ["GET /orders", "GET /orders/*"];
    expect(findCoveringPermission(permissions, { method: "GET", path: "/orders/9" })).toBe("GET /orders/*");
    expect(findCoveringPermission(permissions, { method: "PUT", path: "/orders/9" })).toBeUndefined();
  });
});
