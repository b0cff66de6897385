import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SinkMessage } from "#local/notify/notifications-sink.js";
import { secretsFilePath } from "#local/notify/secrets-file.js";
import type { LocalStack } from "#local/stack.js";
import { http, type JitUser, jitUser, startTestStack, waitUntil } from "./local-stack-client.js";

// The example policy's channels, delivered to the stack's notifications sink. Reminders after 2 s, a
// sweep every 500 ms (Scheduler runs it every minute in AWS).
let stack: LocalStack;
let alice: JitUser;
let bob: JitUser;

beforeAll(async () => {
  stack = await startTestStack({ reminderIntervalSeconds: 2, sweepIntervalMs: 500 });
  [alice, bob] = await Promise.all([jitUser(stack, "alice"), jitUser(stack, "bob")]);
});

afterAll(async () => {
  await stack?.stop();
});

async function messages(channel?: string): Promise<SinkMessage[]> {
  const query = channel ? `?channel=${encodeURIComponent(channel)}` : "";
  const answer = await http<{ messages: SinkMessage[] }>(`${stack.endpoints.notifications}/messages${query}`);
  expect(answer.status).toBe(200);
  return answer.body.messages;
}

/** Waits until `channel` has a message about `requestId` whose summary matches `summary`; returns it. */
async function awaitMessage(channel: string, requestId: string, summary: RegExp, timeoutMs = 15_000) {
  let found: SinkMessage | undefined;
  const elapsed = await waitUntil(async () => {
    found = (await messages(channel)).find(
      (m) => JSON.stringify(m.body).includes(requestId) && summary.test(m.summary),
    );
    return found !== undefined;
  }, timeoutMs);
  expect(elapsed, `no "${summary}" message for ${requestId} on ${channel}`).toBeDefined();
  return { message: found as SinkMessage, elapsedMs: elapsed as number };
}

describe("notifications on the local stack", () => {
  let requestId: string;

  it("announces a request for orders-admin on the approver channel within seconds, with its console link", async () => {
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-admin",
      duration: "PT5M",
      justification: "fix order 1001 <!channel> & <@U0123>",
      ticket: "INC-4211",
    });
    expect(created.status).toBe(201);
    requestId = created.body.requestId;
    const { message, elapsedMs } = await awaitMessage("sre-approvals", requestId, /New access request/);
    expect(elapsedMs).toBeLessThan(10_000);
    expect(message.kind).toBe("slack");
    expect(message.links).toEqual([`${stack.consoleUrl}/requests/${requestId}`]);
    const text = JSON.stringify(message.body);
    // User text is escaped: no mention can be injected.
    expect(text).toContain("&lt;!channel&gt; &amp; &lt;@U0123&gt;");
    expect(text).not.toContain("<!channel>");
    expect(text).toContain(`jit approve ${requestId}`);
    expect(text).toContain("INC-4211");
    expect(text).toContain("0 of 1");
    // The link is the request's page on the console origin the stack serves and the IdP redirects to.
    expect(stack.consoleUrl).toBe(stack.consoleOrigin);
  });

  it("delivers the same event to the webhook channel, signed per Standard Webhooks", async () => {
    const { message } = await awaitMessage("siem-webhook", requestId, /jit-access\.requested/);
    const secrets = JSON.parse(readFileSync(secretsFilePath(stack.dataDir), "utf8")) as Record<
      string,
      string
    >;
    const signing = (JSON.parse(secrets["jit-access/siem-webhook"] as string) as { signingSecrets: string[] })
      .signingSecrets;
    expect(signing.length).toBeGreaterThan(0);
    expect(message.webhookId).toMatch(/^[0-9a-f-]{36}$/);
    expect((message.body as { data: { eventId: string } }).data.eventId).toBe(message.webhookId);
    // The sink verified the signature with the channel's secret (refused deliveries are listed apart).
    const all = await http<{ rejected: unknown[] }>(`${stack.endpoints.notifications}/messages`);
    expect(all.body.rejected).toEqual([]);
  });

  it("re-announces the pending request after the short reminder interval", async () => {
    const { message } = await awaitMessage("sre-approvals", requestId, /Still waiting for approval/);
    expect(JSON.stringify(message.body)).toContain(`jit approve ${requestId}`);
  });

  it("follows up on the approver and requester channels when the request is approved", async () => {
    const approved = await bob.call("POST", `/requests/${requestId}/approve`, { comment: "ok" });
    expect(approved.status).toBe(200);
    await awaitMessage("sre-approvals", requestId, /Approved by bob/);
    const { message } = await awaitMessage("requester-updates", requestId, /Approved by bob/);
    expect(message.links).toEqual([`${stack.consoleUrl}/requests/${requestId}`]);
  });

  it("warns the requester before the grant expires", async () => {
    // The grant lasts 5 minutes; the example policy warns 10 minutes ahead, so the next sweep warns.
    await awaitMessage("requester-updates", requestId, /Grant expires soon/);
  });

  it("announces break-glass to the security channels at once, review required", async () => {
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-break-glass",
      justification: "orders API down",
    });
    expect(created.status).toBe(201);
    const id = created.body.requestId;
    const slack = await awaitMessage("security-alerts", id, /Break-glass used, review required/);
    expect(slack.elapsedMs).toBeLessThan(10_000);
    const email = await awaitMessage("security-email", id, /Break-glass used/);
    expect((email.message.body as { message: string }).message).toContain("review required");
    await awaitMessage("siem-webhook", id, /jit-access\.break_glass_granted/);
  });
});
