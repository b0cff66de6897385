import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "#local/stack.js";
import { accessToken, callDemo, type http, type JitUser, jitUser, waitUntil } from "./local-stack-client.js";
import { alive, sleep } from "./npm-start.js";

/**
 * H31 on the local stack. This suite kills DynamoDB Local, so the stack runs its own private one (with a
 * data directory), never the run's shared instance. Both caches are 0 so that every protected call during
 * the outage really asks the authorizer, which must then deny.
 */
const dataDir = mkdtempSync(join(tmpdir(), "jit-e2e-outage-"));
const events: { atMs: number; message: string }[] = [];
const pollerMessages: string[] = [];
const fatal: string[] = [];
let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Outcome {
  sentAtMs: number;
  answeredAtMs: number;
  status: number;
  body: unknown;
  retryAfter: string | null;
}

async function timed(send: () => ReturnType<typeof http>): Promise<Outcome> {
  const sentAtMs = Date.now();
  const answer = await send();
  return {
    sentAtMs,
    answeredAtMs: Date.now(),
    status: answer.status,
    body: answer.body,
    retryAfter: answer.headers.get("retry-after"),
  };
}

describe("H31 DynamoDB Local dies during a burst", () => {
  it("H31: the JIT API answers 503 unavailable with Retry-After (never 500), the demo API denies (never allows), DynamoDB Local is restarted on its data, nothing acknowledged is lost and the walkthrough continues", async () => {
    stack = await startLocalStack({
      dataDir,
      portBase: 0,
      revocationCacheSeconds: 0,
      authorizerCacheSeconds: 0,
      logLevel: "ERROR",
      onEvent: (message) => events.push({ atMs: Date.now(), message }),
      onError: (message) => pollerMessages.push(message),
      onFatal: (message) => fatal.push(message),
    });
    const running = stack;
    const db = running.dynamodbLocal;
    if (!db?.pid) throw new Error("the stack did not start its own DynamoDB Local");
    const firstPid = db.pid;

    // The walkthrough up to a working token.
    const alice: JitUser = await jitUser(running, "alice");
    const bob: JitUser = await jitUser(running, "bob");
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-admin",
      justification: "H31 walkthrough",
      ticket: "INC-31",
    });
    expect(created.status).toBe(201);
    const grantId = created.body.requestId;
    expect((await bob.call("POST", `/requests/${grantId}/approve`, {})).status).toBe(200);
    const token = await accessToken(alice, grantId);
    expect((await callDemo(running, token, "GET", "/orders/ord-1001")).status).toBe(200);

    // The burst: writes, reads and protected calls, until DynamoDB Local is back and a little after.
    const jitOutcomes: Outcome[] = [];
    const demoOutcomes: Outcome[] = [];
    const acknowledged: string[] = [];
    let burstEndsAtMs = Number.POSITIVE_INFINITY;
    let n = 0;
    const loop = async (step: () => Promise<void>) => {
      while (Date.now() < burstEndsAtMs) {
        await step();
        await sleep(20);
      }
    };
    const burst = Promise.all([
      loop(async () => {
        const outcome = await timed(() =>
          alice.call("POST", "/requests", {
            entitlement: "orders-admin",
            justification: `burst ${n++}`,
            ticket: "INC-31",
          }),
        );
        jitOutcomes.push(outcome);
        if (outcome.status === 201) acknowledged.push((outcome.body as { requestId: string }).requestId);
      }),
      loop(async () => {
        jitOutcomes.push(await timed(() => alice.call("GET", `/requests/${grantId}`)));
      }),
      loop(async () => {
        demoOutcomes.push(await timed(() => callDemo(running, token, "GET", "/orders/ord-1001")));
      }),
    ]);

    await sleep(1_500);
    process.kill(firstPid, "SIGKILL");
    await waitUntil(async () => !alive(firstPid), 5_000, 20);
    const downAtMs = Date.now();
    const back = await waitUntil(
      async () => events.some((e) => e.message.startsWith("DynamoDB Local is back")),
      150_000,
      100,
    );
    expect(
      back,
      `DynamoDB Local was not restarted: ${JSON.stringify(events)} ${fatal.join("; ")}`,
    ).toBeDefined();
    const backAtMs = events.find((e) => e.message.startsWith("DynamoDB Local is back"))?.atMs as number;
    // Keep the burst going until the poller has reconnected too.
    await waitUntil(async () => pollerMessages.some((m) => m.includes("is back")), 30_000, 100);
    await sleep(1_000);
    burstEndsAtMs = Date.now();
    await burst;

    // Said once what died, restarted it on the same port, said once that it is back.
    expect(events.filter((e) => e.message.includes("exited"))).toHaveLength(1);
    expect(events[0]?.message).toMatch(
      new RegExp(
        `^DynamoDB Local \\(pid ${firstPid}\\) exited \\(signal SIGKILL\\)\\. Restarting it on the same data directory`,
      ),
    );
    expect(events.filter((e) => e.message.startsWith("DynamoDB Local is back"))).toHaveLength(1);
    expect(fatal).toEqual([]);
    expect(db.up).toBe(true);
    expect(db.restarts).toBe(1);
    expect(db.pid).not.toBe(firstPid);

    // The stream poller: a lost connection once, its recovery once, nothing per poll.
    expect(pollerMessages.filter((m) => m.startsWith("lost the connection"))).toHaveLength(1);
    expect(pollerMessages.filter((m) => m.includes("is back"))).toHaveLength(1);
    expect(pollerMessages.filter((m) => m.startsWith("stream poll failed"))).toEqual([]);

    // JIT API: 503 unavailable with Retry-After while down, never a 500 or a stack trace.
    const unavailable = jitOutcomes.filter((o) => o.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const o of jitOutcomes) {
      expect([200, 201, 503], JSON.stringify(o)).toContain(o.status);
    }
    for (const o of unavailable) {
      expect(o.body).toMatchObject({ status: 503, code: "unavailable" });
      expect(Number(o.retryAfter)).toBeGreaterThan(0);
      expect(JSON.stringify(o.body)).not.toMatch(/\n\s+at |ECONNREFUSED/);
    }

    // Protected API: never an Allow while DynamoDB Local is down.
    const duringOutage = demoOutcomes.filter((o) => o.sentAtMs >= downAtMs && o.answeredAtMs <= backAtMs);
    expect(duringOutage.length).toBeGreaterThan(0);
    for (const o of duringOutage) expect(o.status, JSON.stringify(o)).toBe(403);
    for (const o of demoOutcomes) expect([200, 403], JSON.stringify(o)).toContain(o.status);

    // Nothing acknowledged is lost: every 201 is still there, on the restarted DynamoDB Local.
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const id of acknowledged) {
      expect((await alice.call("GET", `/requests/${id}`)).status, id).toBe(200);
    }

    // The walkthrough continues: the grant still works, then revoking it is honoured.
    expect((await callDemo(running, token, "GET", "/orders/ord-1001")).status).toBe(200);
    const fresh = await accessToken(alice, grantId);
    expect((await callDemo(running, fresh, "GET", "/orders")).status).toBe(200);
    expect((await alice.call("POST", `/requests/${grantId}/revoke`, { reason: "done" })).status).toBe(200);
    expect((await callDemo(running, fresh, "GET", "/orders")).status).toBe(403);
    const last = acknowledged.at(-1) as string;
    expect((await bob.call("POST", `/requests/${last}/approve`, {})).status).toBe(200);
  }, 300_000);
});
