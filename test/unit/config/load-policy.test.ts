import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicyFile, parsePolicy } from "#functions/config/load-policy.js";
import { configurationErrorMessage } from "#test/helpers/errors.js";

/** A valid one-entitlement policy; each test breaks one thing in it. */
function policyWith(entitlement: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    entitlements: [
      {
        id: "orders-admin",
        description: "Admin on orders",
        audience: "orders-api",
        permissions: ["GET /orders/*"],
        eligibleGroups: ["engineers"],
        approverGroups: ["sre"],
        maxDuration: "PT4H",
        defaultDuration: "PT1H",
        ...entitlement,
      },
    ],
    ...extra,
  });
}

/** The message of the ConfigurationError thrown for `text`. */
function errorFor(text: string, source = "policy.yaml"): string {
  return configurationErrorMessage(() => parsePolicy(text, source));
}

describe("policy configuration", () => {
  it("loads the example configuration with durations in seconds", () => {
    const policy = loadPolicyFile("config/example.yaml");
    const byId = new Map(policy.entitlements.map((e) => [e.id, e]));
    expect(policy.tokenTtlSeconds).toBe(900);
    expect(byId.get("orders-read")).toMatchObject({ autoApprove: true, audience: "orders-api" });
    expect(byId.get("orders-admin")).toMatchObject({
      minApprovals: 1,
      approverGroups: ["sre"],
      maxDurationSeconds: 14_400,
    });
    expect(byId.get("payments-refund")).toMatchObject({ minApprovals: 2 });
    expect(byId.get("orders-break-glass")).toMatchObject({ breakGlass: true });
    expect(policy.users.map((u) => u.username)).toEqual(["alice", "bob", "carol", "dave"]);
  });

  it("applies documented defaults", () => {
    const policy = parsePolicy(policyWith({ defaultDuration: undefined, maxDuration: "PT30M" }), "p.json");
    const [e] = policy.entitlements;
    expect(e).toMatchObject({
      minApprovals: 1,
      defaultDurationSeconds: 1_800,
      approvalTimeoutSeconds: 86_400,
      requireJustification: true,
      autoApprove: false,
      breakGlass: false,
    });
    expect(policy.identity.groupsClaim).toBe("cognito:groups");
  });

  it("names the file, field and problem for an unknown field", () => {
    expect(errorFor(policyWith({ approvers: ["sre"] }))).toMatch(
      /policy\.yaml: entitlements\[0\]: unknown field "approvers"/,
    );
  });

  it("refuses an unknown top-level field", () => {
    expect(errorFor(policyWith({}, { tokenTTL: "PT5M" }))).toMatch(
      /policy\.yaml: \(root\): unknown field "tokenTTL"/,
    );
  });

  it("refuses a bad duration, naming the field", () => {
    expect(errorFor(policyWith({ maxDuration: "4 hours" }))).toMatch(
      /entitlements\[0\]\.maxDuration: "4 hours" is not an ISO 8601 duration/,
    );
  });

  it("refuses a duration in months, whose length varies", () => {
    expect(errorFor(policyWith({ maxDuration: "P1M" }))).toMatch(
      /entitlements\[0\]\.maxDuration: .*years or months/,
    );
  });

  it("refuses minApprovals below 1", () => {
    expect(errorFor(policyWith({ minApprovals: 0 }))).toMatch(
      /entitlements\[0\]\.minApprovals: must be at least 1/,
    );
  });

  it("refuses an entitlement that needs approval but names no approver group", () => {
    expect(errorFor(policyWith({ approverGroups: [] }))).toMatch(
      /entitlements\[0\]\.approverGroups: needs at least one approver group/,
    );
  });

  it("accepts no approver group when the entitlement is auto-approved", () => {
    expect(() => parsePolicy(policyWith({ approverGroups: [], autoApprove: true }), "p")).not.toThrow();
  });

  it("refuses empty permissions", () => {
    expect(errorFor(policyWith({ permissions: [] }))).toMatch(
      /entitlements\[0\]\.permissions: must list at least one permission/,
    );
  });

  it("refuses a permission with an unknown method", () => {
    expect(errorFor(policyWith({ permissions: ["FETCH /x"] }))).toMatch(
      /entitlements\[0\]\.permissions\[0\]: "FETCH \/x": method "FETCH" must be one of/,
    );
  });

  it("refuses a permission whose path has no leading slash", () => {
    expect(errorFor(policyWith({ permissions: ["GET /ok", "GET orders"] }))).toMatch(
      /entitlements\[0\]\.permissions\[1\]: "GET orders": path "orders" must start with "\/"/,
    );
  });

  it("refuses duplicate entitlement ids", () => {
    const text = JSON.stringify({
      entitlements: [JSON.parse(policyWith({})).entitlements[0], JSON.parse(policyWith({})).entitlements[0]],
    });
    expect(errorFor(text)).toMatch(
      /entitlements\[1\]\.id: duplicate id "orders-admin" \(also entitlements\[0\]\)/,
    );
  });

  it("refuses a ticket pattern that does not compile", () => {
    expect(errorFor(policyWith({ ticketPattern: "INC-([0-9]+" }))).toMatch(
      /entitlements\[0\]\.ticketPattern: is not a valid regular expression/,
    );
  });

  it("refuses defaultDuration above maxDuration", () => {
    expect(errorFor(policyWith({ defaultDuration: "PT5H", maxDuration: "PT4H" }))).toMatch(
      /entitlements\[0\]\.defaultDuration: PT5H is longer than maxDuration PT4H/,
    );
  });

  it("refuses autoApprove combined with breakGlass", () => {
    expect(errorFor(policyWith({ autoApprove: true, breakGlass: true }))).toMatch(
      /entitlements\[0\]\.breakGlass: cannot be combined/,
    );
  });

  it("refuses a field of the wrong type, naming it", () => {
    expect(errorFor(policyWith({ requireJustification: "yes" }))).toMatch(
      /entitlements\[0\]\.requireJustification: /,
    );
  });

  it("reports YAML syntax errors with the file name", () => {
    expect(errorFor("entitlements: [\n  - id: x", "broken.yaml")).toMatch(
      /^broken\.yaml: not valid YAML\/JSON/,
    );
  });

  it("reports every problem at once, one line each", () => {
    const lines = errorFor(policyWith({ minApprovals: 0, permissions: [] })).split("\n");
    expect(lines.filter((l) => l.includes("policy.yaml:"))).toHaveLength(2);
  });

  it("names a missing file", () => {
    expect(() => loadPolicyFile("/nonexistent/policy.yaml")).toThrow(
      /\/nonexistent\/policy\.yaml: cannot read policy file/,
    );
  });

  it("reads YAML files from disk", () => {
    const dir = mkdtempSync(join(tmpdir(), "jit-policy-"));
    const file = join(dir, "p.yaml");
    writeFileSync(
      file,
      "entitlements:\n  - id: a\n    description: d\n    audience: x\n    permissions: ['GET /a']\n    eligibleGroups: [g]\n    autoApprove: true\n    maxDuration: PT1H\n",
    );
    expect(loadPolicyFile(file).entitlements[0]?.maxDurationSeconds).toBe(3_600);
  });
});
