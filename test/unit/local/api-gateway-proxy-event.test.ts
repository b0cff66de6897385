import { describe, expect, it } from "vitest";
import { headerMaps, queryMaps } from "#local/api-gateway/proxy-event.js";

describe("emulator query and header maps", () => {
  it("H27: keeps names from Object.prototype as ordinary keys, with no inherited members", () => {
    const { queryStringParameters: q, multiValueQueryStringParameters: mq } = queryMaps(
      "__proto__=a&toString&constructor=c&constructor=d&mine",
    );
    expect(Object.getPrototypeOf(q)).toBeNull();
    expect(Object.getPrototypeOf(mq)).toBeNull();
    expect(Object.keys(q ?? {})).toEqual(["__proto__", "toString", "constructor", "mine"]);
    expect(Object.entries(q ?? {})[0]).toEqual(["__proto__", "a"]);
    expect(q?.toString).toBe("");
    expect(mq?.constructor).toEqual(["c", "d"]);
    expect(q?.valueOf).toBeUndefined();
    // What the Lambda worker receives: the event crosses as JSON.
    expect(JSON.stringify(q)).toBe('{"__proto__":"a","toString":"","constructor":"d","mine":""}');
  });

  it("H27: header maps keep hostile names too", () => {
    const { headers, multiValueHeaders } = headerMaps(["__proto__", "x", "hasOwnProperty", "y", "Host", "h"]);
    expect(Object.getPrototypeOf(headers)).toBeNull();
    expect(headers?.hasOwnProperty).toBe("y");
    expect(Object.entries(multiValueHeaders ?? {})[0]).toEqual(["__proto__", ["x"]]);
    expect(headers?.Host).toBe("h");
  });
});
