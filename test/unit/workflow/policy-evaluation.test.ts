import { describe, expect, it } from "vitest";
import { parsePolicy } from "#functions/config/load-policy.js";
import { ForbiddenError, ValidationError } from "#functions/domain/errors.js";
import { newAccessRequest } from "#functions/domain/new-request.js";
import type { Entitlement } from "#functions/domain/policy.js";
import {
  checkJustificationAndTicket,
  MAX_REQUESTABLE_DURATION_SECONDS,
  maybeSameIdentity,
  resolveDuration,
} from "#functions/domain/policy-evaluation.js";

const policy = parsePolicy(
  `
entitlements:
  - id: db
    description: d
    audience: db-api
    permissions: ["GET /db/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT1H
    defaultDuration: PT15M
    ticketPattern: "INC-[0-9]+|CHG-[0-9]+"
`,
  "unit.yaml",
);
const db = policy.entitlements[0] as Entitlement;

describe("resolveDuration", () => {
  it("uses the entitlement default when none is asked", () => {
    expect(resolveDuration(db, {})).toEqual({
      durationSeconds: 900,
      requestedDurationSeconds: 900,
      clamped: false,
    });
  });

  it("clamps to maxDuration and reports it", () => {
    expect(resolveDuration(db, { durationSeconds: 3601 })).toEqual({
      durationSeconds: 3600,
      requestedDurationSeconds: 3601,
      clamped: true,
    });
    expect(resolveDuration(db, { duration: "P1D" }).durationSeconds).toBe(3600);
  });

  it.each([
    [{ durationSeconds: 0 }, "durationSeconds"],
    [{ durationSeconds: -1 }, "durationSeconds"],
    [{ durationSeconds: 0.5 }, "durationSeconds"],
    [{ durationSeconds: MAX_REQUESTABLE_DURATION_SECONDS + 1 }, "durationSeconds"],
    [{ duration: "PT0S" }, "duration"],
    [{ duration: "PT0.4S" }, "duration"],
    [{ duration: "1h" }, "duration"],
    [{ duration: "P2Y" }, "duration"],
    [{ duration: "PT1H", durationSeconds: 60 }, "duration"],
  ])("refuses %j naming %s", (input, field) => {
    try {
      resolveDuration(db, input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details).toEqual({ field });
      expect((err as ValidationError).message).toContain(field);
    }
  });
});

describe("checkJustificationAndTicket", () => {
  it("requires the ticket to match the whole pattern, every alternative anchored", () => {
    expect(() => checkJustificationAndTicket(db, { justification: "x", ticket: "CHG-9" })).not.toThrow();
    for (const ticket of ["INC-1x", "xINC-1", "INC-", "CHG-1 INC-2"]) {
      expect(() => checkJustificationAndTicket(db, { justification: "x", ticket }), ticket).toThrow(/ticket/);
    }
  });

  it("refuses a blank justification when one is required", () => {
    expect(() => checkJustificationAndTicket(db, { justification: " \n", ticket: "INC-1" })).toThrow(
      /justification/,
    );
  });
});

describe("maybeSameIdentity", () => {
  it("folds case and compatibility forms, so refusals cannot be dodged by spelling", () => {
    expect(maybeSameIdentity("Alice@Example.com", "alice@example.com")).toBe(true);
    expect(maybeSameIdentity("ａｌｉｃｅ", "alice")).toBe(true);
    expect(maybeSameIdentity("alice", "alicia")).toBe(false);
  });
});

describe("H20 approver scope at creation", () => {
  it("refuses creating a request no one but the requester could approve (no approver groups)", () => {
    const noApprovers: Entitlement = { ...db, approverGroups: [] };
    expect(() =>
      newAccessRequest({
        entitlement: noApprovers,
        actor: { sub: "alice", groups: ["engineers"] },
        input: { justification: "x", ticket: "INC-1" },
        nowMs: Date.UTC(2026, 0, 1),
        requestId: "r-1",
      }),
    ).toThrow(ForbiddenError);
  });
});
