import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "#local/dynamodb-local.js";
import { deleteTestTables } from "#test/helpers/dynamodb.js";
import { eventually, type NotifyHarness, startNotifyHarness } from "./notify-harness.js";

/** One call a test receiver saw. */
interface Attempt {
  at: number;
  headers: Record<string, string>;
  body: string;
  /** When the caller closed the connection (the hanging receiver never answers). */
  closedAt?: number;
}

/** A webhook receiver answering per attempt number: `status(n)` or never (`"hang"`). */
async function receiver(
  answer: (attempt: number) => number | "hang",
): Promise<{ url: string; attempts: Attempt[]; server: Server }> {
  const attempts: Attempt[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const attempt: Attempt = {
        at: Date.now(),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString("utf8"),
      };
      attempts.push(attempt);
      const status = answer(attempts.length);
      if (status === "hang") {
        res.on("close", () => {
          attempt.closedAt = Date.now();
        });
        return;
      }
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, attempts, server };
}

const secret = () => `whsec_${randomBytes(24).toString("base64")}`;
const ROTATED_OLD = secret();
const ROTATED_NEW = secret();
const HANG_SECRET = secret();
const DEAD_SECRET = secret();
/**
 * Real milliseconds per queue second: retry gaps of 1, 2, 4, 8 and 16 s become 0.4 to 6.4 s (plus
 * jitter), long enough that a busy machine's scheduling noise cannot reorder them.
 */
const QUEUE_SECONDS_MS = 400;
/** Per-call timeout: far above a local answer even on a loaded machine, far below a hang. */
const TIMEOUT_MS = 2_000;
/** Six receives: the flaky receiver's sixth attempt is its success; the dead one is dead-lettered. */
const MAX_RECEIVES = 6;

let h: NotifyHarness;
let flaky: Awaited<ReturnType<typeof receiver>>;
let hanging: Awaited<ReturnType<typeof receiver>>;
let deadUrl: string;

beforeAll(async () => {
  flaky = await receiver((n) => (n <= 5 ? 500 : 200));
  hanging = await receiver(() => "hang");
  // A port nothing listens on: a receiver that is down for good.
  deadUrl = `http://127.0.0.1:${await freePort()}/hook`;
  const policy = `
entitlements:
  - id: ops-admin
    description: Administer ops
    audience: ops-api
    permissions: ["* /ops/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT1H
    notify: { approvers: [flaky-hook, hanging-hook, dead-hook, sre-chat, sre-mail] }
notifications:
  channels:
    flaky-hook: { type: webhook, secret: test/flaky-hook, url: "${flaky.url}" }
    hanging-hook: { type: webhook, secret: test/hanging-hook, url: "${hanging.url}" }
    dead-hook: { type: webhook, secret: test/dead-hook, url: "${deadUrl}" }
    sre-chat: { type: slack, secret: test/sre-chat }
    sre-mail: { type: email }
`;
  h = await startNotifyHarness({
    policyYaml: policy,
    queueSecondsMs: QUEUE_SECONDS_MS,
    deliveryTimeoutMs: TIMEOUT_MS,
    maxReceiveCount: MAX_RECEIVES,
    secrets: {
      // Mid-rotation: two signing secrets valid at once.
      "test/flaky-hook": JSON.stringify({ signingSecrets: [ROTATED_NEW, ROTATED_OLD] }),
      "test/hanging-hook": HANG_SECRET,
      "test/dead-hook": JSON.stringify({ signingSecrets: [DEAD_SECRET] }),
    },
  });
});

afterAll(async () => {
  await h?.stop();
  for (const r of [flaky, hanging]) r?.server.closeAllConnections();
  await Promise.all([flaky, hanging].map((r) => r && new Promise((res) => r.server.close(res))));
  await deleteTestTables();
});

describe("H34 delivery faults", { timeout: 60_000 }, () => {
  let requestId: string;
  let publishedAt: number;

  beforeAll(async () => {
    publishedAt = Date.now();
    requestId = (await h.createRequest("ops-admin", "alice")).requestId;
  });

  it("H34: delivers to the other channels on time while three webhook receivers fail", async () => {
    const onTime = await eventually(
      () =>
        ["sre-chat", "sre-mail"].every((c) =>
          h.notifier.sink.messages.some((m) => m.channel === c && JSON.stringify(m.body).includes(requestId)),
        ),
      15_000,
    );
    expect(onTime).toBe(true);
    // Both arrived before the flaky receiver got its event through (it needs six attempts).
    const delivered = h.notifier.sink.messages.filter((m) => JSON.stringify(m.body).includes(requestId));
    const lastOnTime = Math.max(...delivered.map((m) => Date.parse(m.receivedAt)));
    expect(lastOnTime - publishedAt).toBeLessThan(15_000);
    // Before the flaky receiver got through (its sixth attempt), and before the dead one was given up.
    await eventually(() => flaky.attempts.length >= 6, 30_000);
    expect(lastOnTime).toBeLessThan(flaky.attempts[5]?.at ?? Number.POSITIVE_INFINITY);
  });

  it("H34: a receiver answering 500 five times then 200 gets the event once per webhook-id, after retries with growing gaps", async () => {
    expect(await eventually(() => flaky.attempts.length >= 6, 30_000)).toBe(true);
    // Nothing more after the success.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(flaky.attempts).toHaveLength(6);
    const ids = new Set(flaky.attempts.map((a) => a.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    const [webhookId] = [...ids];
    const busEvent = h.notifier.bus.events.find(
      (e) =>
        (e.detail.request as { requestId: string }).requestId === requestId &&
        e.detail.action === "REQUESTED",
    );
    expect(webhookId).toBe(busEvent?.detail.eventId);
    // Every attempt verifies with the reference verifier, under either secret of the rotation.
    for (const attempt of flaky.attempts) {
      for (const key of [ROTATED_OLD, ROTATED_NEW]) {
        const payload = new Webhook(key).verify(attempt.body, attempt.headers) as {
          data: { request: { requestId: string } };
        };
        expect(payload.data.request.requestId).toBe(requestId);
      }
      expect(() => new Webhook(secret()).verify(attempt.body, attempt.headers)).toThrow();
    }
    const gaps = flaky.attempts.slice(1).map((a, i) => a.at - (flaky.attempts[i] as Attempt).at);
    // Each gap is longer than the one before. The first two differ by 0.4 s only, so they get 0.25 s of
    // allowance for the time each attempt spends before its call (a DynamoDB read) on a loaded machine.
    expect(gaps[1], `gaps ${gaps.join(", ")}`).toBeGreaterThan((gaps[0] as number) - 250);
    for (let i = 2; i < gaps.length; i++) {
      expect(gaps[i], `gaps ${gaps.join(", ")}`).toBeGreaterThan(gaps[i - 1] as number);
    }
    expect(gaps.at(-1) as number).toBeGreaterThan(4 * (gaps[0] as number));
    // The first retry waits at least the base (1 queue second).
    expect(gaps[0]).toBeGreaterThanOrEqual(QUEUE_SECONDS_MS);
  });

  it("H34: a receiver that hangs is cut off by the per-call timeout and retried", async () => {
    expect(await eventually(() => hanging.attempts.filter((a) => a.closedAt).length >= 2, 30_000)).toBe(true);
    // The receiver never answers: the notifier closes each call itself, shortly after the timeout.
    for (const attempt of hanging.attempts.filter((a) => a.closedAt)) {
      expect((attempt.closedAt as number) - attempt.at).toBeLessThan(TIMEOUT_MS + 2_000);
    }
    expect(new Set(hanging.attempts.map((a) => a.headers["webhook-id"])).size).toBe(1);
    expect(h.log.lines.some((l) => l.includes('"reason":"timeout"') && l.includes("hanging-hook"))).toBe(
      true,
    );
  });

  it("H34: a receiver that is down for good ends in its channel's dead-letter queue", async () => {
    const dead = h.notifier.queues.get("dead-hook");
    expect(await eventually(() => (dead?.deadLetters.length ?? 0) === 1, 40_000)).toBe(true);
    const letter = dead?.deadLetters[0];
    expect(letter?.receiveCount).toBe(MAX_RECEIVES);
    expect(JSON.parse(letter?.body ?? "{}").event.detail.request.requestId).toBe(requestId);
    // The channels that recovered or never failed have nothing dead-lettered.
    for (const name of ["flaky-hook", "sre-chat", "sre-mail"])
      expect(h.notifier.queues.get(name)?.deadLetters).toEqual([]);
  });

  it("never logs a channel secret", () => {
    const text = h.log.lines.join("\n");
    for (const s of [ROTATED_OLD, ROTATED_NEW, HANG_SECRET, DEAD_SECRET]) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(s.slice("whsec_".length));
    }
    expect(h.log.lines.length).toBeGreaterThan(5);
  });
});
