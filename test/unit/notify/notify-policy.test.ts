import { describe, expect, it } from "vitest";
import { parsePolicy } from "#functions/config/load-policy.js";

const entitlement = (notify: string) => `
entitlements:
  - id: ops
    description: Ops
    audience: ops-api
    permissions: ["GET /ops/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT1H
    notify: ${notify}
`;

describe("policy notifications", () => {
  it("refuses a channel name notifications.channels does not define, naming the field", () => {
    const text = `${entitlement("{ approvers: [sre-chat, sre-chatt] }")}
notifications:
  channels:
    sre-chat: { type: slack, secret: jit/sre }
`;
    expect(() => parsePolicy(text, "p.yaml")).toThrow(
      /entitlements\[0\]\.notify\.approvers\[1\]: unknown channel "sre-chatt"; notifications\.channels defines: sre-chat/,
    );
  });

  it("refuses a slack or webhook channel without a secret, and an unknown type", () => {
    expect(() =>
      parsePolicy(
        `${entitlement("{}")}\nnotifications:\n  channels:\n    hook: { type: webhook, url: "https://x.example" }\n`,
        "p.yaml",
      ),
    ).toThrow(/notifications\.channels\.hook\.secret/);
    expect(() =>
      parsePolicy(
        `${entitlement("{}")}\nnotifications:\n  channels:\n    x: { type: teams, secret: a }\n`,
        "p.yaml",
      ),
    ).toThrow(/notifications\.channels\.x/);
  });

  it("reads channels, reminder timing in seconds and per-audience channel lists", () => {
    const policy = parsePolicy(
      `${entitlement("{ security: [mail] }")}
notifications:
  channels:
    mail: { type: email }
  reminders: { firstAfter: PT5M }
`,
      "p.yaml",
    );
    expect(policy.notifications.channels.mail?.type).toBe("email");
    expect(policy.notifications.reminders).toEqual({
      firstAfterSeconds: 300,
      escalateBeforeSeconds: 1800,
      expiryWarningBeforeSeconds: 600,
    });
    expect(policy.entitlements[0]?.notify).toEqual({
      approvers: [],
      requester: [],
      security: ["mail"],
      escalation: [],
    });
  });
});
