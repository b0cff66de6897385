import { describe, expect, it } from "vitest";
import {
  allowPolicy,
  denyPolicy,
  InvalidExecuteApiArnError,
  parseExecuteApiArn,
  permissionArns,
} from "#functions/domain/iam-policy.js";
import { InvalidPermissionError, permissionCoversRoute } from "#functions/domain/route-matching.js";
import { evaluatePolicy } from "#local/api-gateway/policy-evaluation.js";
import { API_ARN_PREFIX, methodArn } from "#test/helpers/authorizer.js";

const arn = parseExecuteApiArn(methodArn("GET", "/orders/1"));

describe("parseExecuteApiArn", () => {
  it("reads region, account, API, stage, method and path of a methodArn", () => {
    expect(arn).toEqual({
      partition: "aws",
      region: "us-east-1",
      accountId: "123456789012",
      apiId: "abcdef123",
      stage: "prod",
      method: "GET",
      path: "/orders/1",
    });
  });

  it("reads the root resource as /", () => {
    expect(parseExecuteApiArn(`${API_ARN_PREFIX}GET/`).path).toBe("/");
  });

  it("accepts the HTTP API $default stage", () => {
    expect(
      parseExecuteApiArn("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/$default/POST/x").stage,
    ).toBe("$default");
  });

  it.each([
    ["a wildcard API id", "arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/orders"],
    ["a wildcard stage", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/*/GET/orders"],
    ["a wildcard account", "arn:aws:execute-api:us-east-1:*:abcdef123/prod/GET/orders"],
    ["a wildcard region", "arn:aws:execute-api:*:123456789012:abcdef123/prod/GET/orders"],
    ["another service", "arn:aws:lambda:us-east-1:123456789012:abcdef123/prod/GET/orders"],
    ["a wildcard method", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/orders"],
    ["no path", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET"],
    ["whitespace", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders 1"],
    ["an HTTP API $default route", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/$default"],
  ])("refuses %s", (_, text) => {
    expect(() => parseExecuteApiArn(text)).toThrow(InvalidExecuteApiArnError);
  });

  it("keeps colons, wildcards and non-ASCII characters of the path literally", () => {
    expect(parseExecuteApiArn(`${API_ARN_PREFIX}GET/a:b/*/caf\u00e9`).path).toBe("/a:b/*/caf\u00e9");
    expect(parseExecuteApiArn("arn:aws-cn:execute-api:cn-north-1:123456789012:a_b-c/st/PATCH//x")).toEqual({
      partition: "aws-cn",
      region: "cn-north-1",
      accountId: "123456789012",
      apiId: "a_b-c",
      stage: "st",
      method: "PATCH",
      path: "//x",
    });
  });

  it.each([
    ["a space", " "],
    ["a tab", "\t"],
    ["a newline", "\n"],
    ["a NUL", "\u0000"],
    ["a DEL", "\u007f"],
  ])("refuses %s anywhere, naming it the same way", (_, bad) => {
    const valid = `${API_ARN_PREFIX}GET/orders/1`;
    for (const at of [valid.indexOf("/GET") + 1, valid.length - 1, valid.length, 4]) {
      const text = valid.slice(0, at) + bad + valid.slice(at);
      expect(() => parseExecuteApiArn(text)).toThrow("ARN is not a printable string of reasonable length");
    }
  });

  it("names the part that is wrong", () => {
    const bad = (text: string) => () => parseExecuteApiArn(text);
    expect(bad("arn:aws:execute-api:us-east-1:12345678901:abcdef123/prod/GET/x")).toThrow("bad account id");
    expect(bad("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/TRACE/x")).toThrow("bad method");
    expect(bad("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET")).toThrow("no resource path");
    expect(bad("arn:aws:execute-api:us-east-1:123456789012:abc.def/prod/GET/x")).toThrow("bad API id");
  });
});

describe("permissionArns", () => {
  it("names one ARN per permission and method on the API and stage of the called ARN", () => {
    expect(permissionArns(["GET /orders", "GET /orders/*"], arn)).toEqual([
      `${API_ARN_PREFIX}GET/orders`,
      `${API_ARN_PREFIX}GET/orders/*`,
    ]);
  });

  it("expands a method * into the verbs, never a wildcard in the method segment", () => {
    const arns = permissionArns(["* /orders/*"], arn);
    expect(arns).toHaveLength(7);
    expect(arns).toContain(`${API_ARN_PREFIX}DELETE/orders/*`);
    expect(arns.every((a) => !a.startsWith(`${API_ARN_PREFIX}*`))).toBe(true);
  });

  it("lists each ARN once, in the order the permissions first name it", () => {
    expect(permissionArns(["GET /orders", "* /orders", "GET /orders", "POST /admin/*"], arn)).toEqual([
      `${API_ARN_PREFIX}GET/orders`,
      ...["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].map((m) => `${API_ARN_PREFIX}${m}/orders`),
      `${API_ARN_PREFIX}POST/admin/*`,
    ]);
  });

  it("refuses a permission that could inject a wildcard or break the document", () => {
    expect(() => permissionArns(["GET /orders/?"], arn)).toThrow(InvalidPermissionError);
    expect(() => permissionArns(['GET /orders/"],"Effect":"Allow'], arn)).toThrow(InvalidPermissionError);
  });
});

describe("evaluatePolicy", () => {
  const here = methodArn("GET", "/orders/1");

  it("allows what an Allow statement names, and nothing else (NoMatch)", () => {
    const policy = allowPolicy([`${API_ARN_PREFIX}GET/orders/*`]);
    expect(evaluatePolicy(policy, here)).toBe("Allow");
    expect(evaluatePolicy(policy, methodArn("POST", "/orders/1"))).toBe("NoMatch");
    expect(evaluatePolicy(policy, methodArn("GET", "/orders"))).toBe("NoMatch");
  });

  it("lets an explicit Deny win over a matching Allow", () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "execute-api:Invoke", Resource: "*" },
        { Effect: "Deny", Action: "execute-api:Invoke", Resource: here },
      ],
    };
    expect(evaluatePolicy(policy, here)).toBe("Deny");
    expect(evaluatePolicy(policy, methodArn("GET", "/orders/2"))).toBe("Allow");
  });

  it("matches actions case-insensitively and with wildcards", () => {
    const policy = (Action: string) => ({
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action, Resource: here },
    });
    expect(evaluatePolicy(policy("EXECUTE-API:invoke"), here)).toBe("Allow");
    expect(evaluatePolicy(policy("execute-api:*"), here)).toBe("Allow");
    expect(evaluatePolicy(policy("execute-api:ManageConnections"), here)).toBe("NoMatch");
  });

  it("never lets a wildcard span the ARN's colon-separated segments", () => {
    const policy = allowPolicy(["arn:aws:execute-api:us-east-1:*/prod/GET/orders/1"]);
    expect(evaluatePolicy(policy, here)).toBe("NoMatch");
    expect(evaluatePolicy(allowPolicy(["arn:aws:execute-api:*:*:abcdef123/prod/GET/*"]), here)).toBe("Allow");
  });

  it("fails closed on documents it does not model", () => {
    expect(evaluatePolicy(null, here)).toBe("Deny");
    expect(evaluatePolicy({ Version: "2008-10-17", Statement: [] }, here)).toBe("Deny");
    expect(evaluatePolicy({ Version: "2012-10-17", Statement: [{ Effect: "Maybe" }] }, here)).toBe("Deny");
    const conditionalAllow = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "*",
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "true" } },
        },
      ],
    };
    expect(evaluatePolicy(conditionalAllow, here)).toBe("NoMatch");
    const notResourceDeny = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", Action: "*", NotResource: "arn:aws:s3:::x" },
      ],
    };
    expect(evaluatePolicy(notResourceDeny, here)).toBe("Deny");
  });

  it("evaluates a Deny policy for the called ARN as Deny", () => {
    expect(evaluatePolicy(denyPolicy(here), here)).toBe("Deny");
  });
});

describe("route matching and the emitted policy agree (H11, H12)", () => {
  const permissions = [
    "GET /orders",
    "GET /orders/*",
    "GET /accounts/123",
    "* /admin/*",
    "POST /payments/*/refund",
    "GET /",
  ];
  const paths = [
    "/",
    "/orders",
    "/orders/",
    "/orders/1",
    "/orders/1/items",
    "/ordersx",
    "/accounts/123",
    "/accounts/1234",
    "/accounts/12",
    "/accounts/123/secrets",
    "/accounts/*",
    "/accounts/12*",
    "/accounts/123%2Fsecrets",
    "/admin/jobs",
    "/x/admin/jobs",
    "/payments/9/refund",
    "/payments/9/refund/again",
    "/GET/orders",
  ];
  const methods = ["GET", "POST", "DELETE", "OPTIONS"];

  it("gives the same answer for every permission × method × path", () => {
    let compared = 0;
    for (const permission of permissions) {
      for (const method of methods) {
        for (const path of paths) {
          const called = methodArn(method, path);
          const byPolicy = evaluatePolicy(
            allowPolicy(permissionArns([permission], parseExecuteApiArn(called))),
            called,
          );
          const byRoute = permissionCoversRoute(permission, { method, path });
          expect({ permission, method, path, allowed: byPolicy === "Allow" }).toEqual({
            permission,
            method,
            path,
            allowed: byRoute,
          });
          compared++;
        }
      }
    }
    expect(compared).toBe(permissions.length * methods.length * paths.length);
  });
});
