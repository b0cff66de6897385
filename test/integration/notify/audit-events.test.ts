import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditAction, AuditEvent } from "#functions/domain/audit-event.js";
import { auditEventId } from "#functions/domain/audit-event.js";
import { KNOWN_DETAIL_TYPES } from "#functions/domain/notifications/integration-event.js";
import type { LocalBusEvent } from "#local/notify/local-event-bus.js";
import { PROJECT_ROOT } from "#local/stack.js";
import { deleteTestTables } from "#test/helpers/dynamodb.js";
import { eventually, type NotifyHarness, startNotifyHarness } from "./notify-harness.js";

const POLICY = `
entitlements:
  - id: ops-admin
    description: Administer ops
    audience: ops-api
    permissions: ["* /ops/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT1H
    notify: { approvers: [sre-chat, audit-hook], requester: [requester-chat], security: [security-mail] }
  - id: ops-break-glass
    description: Emergency access
    audience: ops-api
    permissions: ["* /*"]
    eligibleGroups: [oncall]
    breakGlass: true
    maxDuration: PT1H
    notify: { security: [security-mail, audit-hook], requester: [requester-chat] }
notifications:
  channels:
    sre-chat: { type: slack, secret: test/sre-chat }
    requester-chat: { type: slack, secret: test/requester-chat }
    audit-hook: { type: webhook, secret: test/audit-hook }
    security-mail: { type: email }
`;

const schema = JSON.parse(
  readFileSync(join(PROJECT_ROOT, "docs", "events", "jit-access-event.schema.json"), "utf8"),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const validateEvent = ajv.compile(schema);

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness({ policyYaml: POLICY, queueSecondsMs: 50 });
});
afterAll(async () => {
  await h?.stop();
  await deleteTestTables();
});

const eventsFor = (requestId: string): LocalBusEvent[] =>
  h.notifier.bus.events.filter((e) => (e.detail.request as { requestId: string }).requestId === requestId);

describe("audit stream → event bus", () => {
  it("puts exactly one bus event per audit event, for every audit action, each valid against the documented JSON Schema", async () => {
    const pending = await h.createRequest("ops-admin", "alice", { justification: "rotate keys" });
    const at = new Date().toISOString();
    // One audit event of every other action on the same request (the stream does not care who wrote it).
    const actions: AuditAction[] = [
      "APPROVAL_RECORDED",
      "APPROVED",
      "AUTO_APPROVED",
      "BREAK_GLASS_GRANTED",
      "DENIED",
      "CANCELLED",
      "REVOKED",
      "TOKEN_ISSUED",
      "EXPIRED",
      "DELETED",
      "EXTENDED",
      "REVIEWED",
    ];
    const written: AuditEvent[] = actions.map((action, i) => ({
      requestId: pending.requestId,
      eventId: auditEventId(at, `v${String(i + 2).padStart(4, "0")}#${action}`),
      action,
      actor: action === "EXPIRED" ? "system:dynamodb-ttl" : "bob",
      at,
      version: i + 2,
      details: { note: action === "REVOKED" ? "done" : `${action} test` },
    }));
    for (const event of written) await h.audit.append(event);
    const all = ["REQUESTED", ...actions];

    expect(await eventually(() => eventsFor(pending.requestId).length >= all.length, 15_000)).toBe(true);
    // Give the stream time to deliver anything extra, which would be a bug.
    await new Promise((r) => setTimeout(r, 600));
    const events = eventsFor(pending.requestId);
    expect(events.map((e) => e.detail.action).sort()).toEqual([...all].sort());
    for (const event of events) {
      expect(validateEvent(event), JSON.stringify(validateEvent.errors)).toBe(true);
      expect(event.source).toBe("jit-access");
      expect(event["detail-type"]).toBe(KNOWN_DETAIL_TYPES[event.detail.action as string]);
    }
    const ids = events.map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const requested = events.find((e) => e.detail.action === "REQUESTED")?.detail;
    expect(requested?.channels).toEqual(["sre-chat", "audit-hook"]);
    expect(requested?.consoleUrl).toBe(`https://console.example.com/requests/${pending.requestId}`);
    expect(requested?.request).toMatchObject({
      entitlementId: "ops-admin",
      requester: "alice",
      justification: "rotate keys",
      approvalsRequired: 1,
      approvals: [],
    });
    expect(events.find((e) => e.detail.action === "TOKEN_ISSUED")?.detail.channels).toEqual([]);
    expect(events.find((e) => e.detail.action === "APPROVED")?.detail.channels).toEqual([
      "sre-chat",
      "audit-hook",
      "requester-chat",
    ]);
  });

  it("announces break-glass to the security channels at once, marked review required", async () => {
    const grant = await h.createRequest("ops-break-glass", "carol", { justification: "outage" });
    expect(
      await eventually(
        () =>
          h.notifier.sink.messages.some(
            (m) => m.channel === "security-mail" && JSON.stringify(m.body).includes(grant.requestId),
          ),
        10_000,
      ),
    ).toBe(true);
    const granted = eventsFor(grant.requestId).find((e) => e.detail.action === "BREAK_GLASS_GRANTED");
    expect(granted?.["detail-type"]).toBe("Break-Glass Used");
    expect(granted?.detail.request).toMatchObject({ breakGlass: true, reviewRequired: true });
    // The REQUESTED event of a self-served grant goes to the bus only.
    expect(eventsFor(grant.requestId).find((e) => e.detail.action === "REQUESTED")?.detail.channels).toEqual(
      [],
    );
    const mail = h.notifier.sink.messages.find(
      (m) => m.channel === "security-mail" && JSON.stringify(m.body).includes(grant.requestId),
    );
    expect(mail).toBeDefined();
    expect((mail as { body: { message: string } }).body.message).toContain("review required");
    expect(
      await eventually(
        () =>
          h.notifier.sink.messages.some(
            (m) => m.channel === "audit-hook" && m.summary === "jit-access.break_glass_granted",
          ),
        10_000,
      ),
    ).toBe(true);
  });

  it("gives a replayed stream record the same event id, delivered once per channel", async () => {
    const request = await h.createRequest("ops-admin", "dave");
    expect(
      await eventually(
        () =>
          h.notifier.sink.messages.some(
            (m) => m.channel === "sre-chat" && JSON.stringify(m.body).includes(request.requestId),
          ),
        10_000,
      ),
    ).toBe(true);
    const first = eventsFor(request.requestId)[0] as LocalBusEvent;
    // Replay: the same audit event put on the bus again (as a retried stream batch would).
    h.notifier.bus.putEvents([
      {
        Source: "jit-access",
        DetailType: first["detail-type"],
        Detail: JSON.stringify(first.detail),
      },
    ]);
    await new Promise((r) => setTimeout(r, 1_000));
    const received = h.notifier.sink.messages.filter(
      (m) => m.channel === "sre-chat" && JSON.stringify(m.body).includes(request.requestId),
    );
    expect(received).toHaveLength(1);
    expect(h.log.lines.some((l) => l.includes('"outcome":"duplicate"'))).toBe(true);
  });
});
