import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "#local/stack.js";
import { PROJECT_ROOT } from "#local/stack.js";
import { callDemo, jitUser, startTestStack } from "#test/e2e/local-stack-client.js";
import { connectBrowser, seriousAxeViolations } from "#test/helpers/browser.js";

/** Screenshots of each main page, for people to look at (git-ignored). */
const SCREENSHOTS = join(PROJECT_ROOT, ".test-output", "console");

let stack: LocalStack;
let browser: Browser;
const contexts: BrowserContext[] = [];
const cspViolations: string[] = [];
let alicePage: Page;
let bobPage: Page;
let requestId = "";
const HOSTILE = 'fix order <img src=x onerror="window.pwned=1"> & <b>now</b>';

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [stack, browser] = await Promise.all([startTestStack(), connectBrowser()]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

/** A fresh browser profile (its own sessionStorage), desktop-sized unless told. */
async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.endpoints.console });
  contexts.push(context);
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
      cspViolations.push(message.text());
    }
  });
  return page;
}

/** Completes sign-in from the console's sign-in screen through the development IdP's page. */
async function signIn(page: Page, username: string): Promise<void> {
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.origin === stack.endpoints.idp);
  await page.getByRole("button", { name: username, exact: true }).click();
  await page.waitForURL((url) => url.origin === stack.endpoints.console && url.pathname !== "/callback");
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  expect(await seriousAxeViolations(page), name).toEqual([]);
}

async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label }).click();
  await page.getByRole("heading", { level: 1, name: label }).waitFor();
}

describe("web console in Chromium", () => {
  it("signs alice in with the code flow and keeps no token in localStorage or the address bar", async () => {
    alicePage = await newPage();
    await alicePage.goto(stack.endpoints.console);
    await alicePage.getByRole("heading", { name: "Sign in to jit-access" }).waitFor();
    await screenshot(alicePage, "sign-in");
    await expectAccessible(alicePage, "sign-in");
    // Keyboard: the first Tab reaches a control with a visible focus outline.
    await alicePage.keyboard.press("Tab");
    // (Page code is passed as strings: this file is type-checked without the DOM library.)
    const outline = await alicePage.evaluate(
      "({ tag: document.activeElement.tagName, style: getComputedStyle(document.activeElement).outlineStyle })",
    );
    expect(outline).toEqual({ tag: "BUTTON", style: "solid" });

    await signIn(alicePage, "alice");
    await alicePage.getByRole("heading", { level: 1, name: "Request access" }).waitFor();
    expect(alicePage.url()).toBe(`${stack.endpoints.console}/`);
    const storage = (await alicePage.evaluate(
      "({ local: Object.keys(localStorage).length, session: Object.keys(sessionStorage) })",
    )) as { local: number; session: string[] };
    expect(storage.local).toBe(0);
    expect(storage.session).toEqual(["jit-console.session"]);
  });

  it("describes each entitlement's approval rule in the API's words, per-group quorums included", async () => {
    const option = alicePage.locator("label.choice", { hasText: "payments-bulk-refund" });
    const text = await option.locator(".choice-meta").textContent();
    expect(text).toContain(
      "Needs 1 approver from sre and 1 approver from payments-approvers (one step per person; never the requester)",
    );
    expect(text).not.toMatch(/2 approvals from sre or payments-approvers/);
    const admin = await alicePage
      .locator("label.choice", { hasText: "orders-admin" })
      .locator(".choice-meta")
      .textContent();
    expect(admin).toContain("Needs 1 approver from sre (never the requester)");
  });

  it("shows the API's message next to the ticket field for a ticket that does not match", async () => {
    const page = alicePage;
    await page.getByRole("radio", { name: /orders-admin/ }).check();
    await page.getByLabel("Justification (required)").fill("fix a stuck order");
    await page.getByLabel("Ticket (required)").fill("JIRA-7");
    await page.getByRole("button", { name: "Request orders-admin" }).click();
    const error = page.locator("#ticket-error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/"JIRA-7" does not match the required pattern INC-\[0-9\]\+/);
    expect(await page.getByLabel("Ticket (required)").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "request-access-bad-ticket");
  });

  it("lets alice request orders-admin with a ticket; the request page shows it PENDING, text as text", async () => {
    const page = alicePage;
    await page.getByLabel("Justification (required)").fill(HOSTILE);
    await page.getByLabel("Ticket (required)").fill("INC-4211");
    await page.getByRole("radio", { name: "1 h", exact: true }).check();
    await page.getByRole("button", { name: "Request orders-admin" }).click();
    await page.waitForURL(/\/requests\/[^/]+$/);
    requestId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() as string);
    await page.getByRole("heading", { level: 1, name: /orders-admin for alice/ }).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("PENDING");
    // The justification is shown exactly as typed, and none of it became markup.
    await page.getByText(HOSTILE, { exact: true }).waitFor();
    expect(await page.locator("main img, main b").count()).toBe(0);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    await page.getByText("Requested", { exact: true }).first().waitFor();
  });

  it("shows bob the request under Approvals after he signs in there, and lets him approve it", async () => {
    bobPage = await newPage();
    await bobPage.goto(`${stack.endpoints.console}/approvals`);
    await signIn(bobPage, "bob");
    // Back where he started: the return path survived the sign-in.
    expect(new URL(bobPage.url()).pathname).toBe("/approvals");
    const card = bobPage.getByRole("article", { name: "orders-admin for alice" });
    await card.waitFor();
    await card.getByText("0 of 1 approvals").waitFor();
    await card.getByText("INC-4211").waitFor();
    await screenshot(bobPage, "approvals");
    await expectAccessible(bobPage, "approvals");
    await card.getByLabel("Comment (optional)").fill("looks right");
    await card.getByRole("button", { name: "Approve" }).click();
    await card.getByText("Approved: access is granted.").waitFor();
  });

  it("shows alice APPROVED with time left, copies a token the demo API accepts", async () => {
    const page = alicePage;
    await nav(page, "My access");
    const card = page.getByRole("article", { name: "orders-admin APPROVED" });
    await card.waitFor({ timeout: 15_000 });
    const left = await card.locator(".time-left").textContent();
    expect(left).toMatch(/^(59|60):\d\d left$/);
    await card.getByRole("button", { name: "Copy access token" }).click();
    await card.getByText(/Copied a token valid for/).waitFor();
    const token = (await page.evaluate("navigator.clipboard.readText()")) as string;
    expect(token.split(".")).toHaveLength(3);
    const answer = await callDemo(stack, token, "GET", "/orders/ord-1001");
    expect(answer.status).toBe(200);
    await screenshot(page, "my-access");
    await expectAccessible(page, "my-access");
  });

  it("lets alice extend her live grant from My access; once bob approves, the grant ends 30 minutes later", async () => {
    const page = alicePage;
    const card = page.getByRole("article", { name: "orders-admin APPROVED" });
    await card.getByRole("button", { name: "Extend…" }).click();
    await card.getByLabel("Extend by").selectOption("PT30M");
    await card.getByLabel("Reason").fill("migration runs late");
    await card.getByRole("button", { name: "Ask for more time" }).click();
    await card.getByText(/^Extension of 30 ?min\S* requested; it waits for approval\.$/).waitFor();
    const extensionCard = page.getByRole("article", { name: "orders-admin extension PENDING" });
    await extensionCard.getByRole("link", { name: `grant ${requestId}` }).waitFor();

    const bob = await jitUser(stack, "bob");
    const pending = await bob.call<{ requests: { requestId: string; kind?: string; extends?: string }[] }>(
      "GET",
      "/requests?pending",
    );
    const extension = pending.body.requests.find((r) => r.kind === "extension" && r.extends === requestId);
    expect(extension).toBeDefined();
    expect((await bob.call("POST", `/requests/${extension?.requestId}/approve`, {})).status).toBe(200);
    // My access polls: the grant's countdown moves 30 minutes later, and the extension shows APPROVED.
    await page.getByRole("article", { name: "orders-admin extension APPROVED" }).waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => card.locator(".time-left").textContent(), { timeout: 15_000 })
      .toMatch(/^1:(29|30):\d\d left$/);
    await expectAccessible(page, "my-access-extended");
  });

  it("revokes from the request page, which then shows REVOKED and the audit trail", async () => {
    const page = alicePage;
    await page.goto(`${stack.endpoints.console}/requests/${encodeURIComponent(requestId)}`);
    await page.getByRole("heading", { level: 1, name: /APPROVED/ }).waitFor();
    await page.getByRole("button", { name: "Revoke…" }).click();
    await page.getByLabel("Reason for revoking (optional)").fill("done");
    await page.getByRole("button", { name: "Confirm revoke" }).click();
    await page.getByRole("heading", { level: 1, name: /REVOKED/ }).waitFor();
    const timeline = page.locator("ol.timeline");
    for (const action of ["Requested", "Approved", "Token issued", "Revoked"]) {
      await timeline.getByText(action, { exact: true }).waitFor();
    }
    await screenshot(page, "request-page");
    await expectAccessible(page, "request-page");
  });

  it("shows 1 of 2 on the two-approver entitlement after one approval", async () => {
    const [alice, bob] = await Promise.all([jitUser(stack, "alice"), jitUser(stack, "bob")]);
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "payments-refund",
      justification: "refund a double charge",
    });
    expect(created.status).toBe(201);
    expect((await bob.call("POST", `/requests/${created.body.requestId}/approve`, {})).status).toBe(200);
    await nav(alicePage, "Request access");
    await nav(alicePage, "My access");
    const card = alicePage.getByRole("article", { name: "payments-refund PENDING" });
    await card.getByText("1 of 2 approvals (bob)").waitFor();
  });

  it("brings a signed-out deep link back to that request after sign-in", async () => {
    const page = await newPage();
    const deepLink = `${stack.endpoints.console}/requests/${encodeURIComponent(requestId)}`;
    await page.goto(deepLink);
    await page.getByText(`Sign in to open request ${requestId}.`).waitFor();
    await signIn(page, "alice");
    expect(page.url()).toBe(deepLink);
    await page.getByRole("heading", { level: 1, name: /orders-admin for alice/ }).waitFor();
  });

  it("shows the admin page, and every page stays within 400 px without a horizontal scrollbar", async () => {
    await nav(bobPage, "Admin");
    await bobPage.locator("section").first().waitFor();
    await bobPage.waitForFunction("document.querySelectorAll(\"[aria-label='Loading']\").length === 0");
    await screenshot(bobPage, "admin");
    await expectAccessible(bobPage, "admin");

    await nav(alicePage, "Request access");
    await screenshot(alicePage, "request-access");
    await expectAccessible(alicePage, "request-access");

    await alicePage.setViewportSize({ width: 400, height: 800 });
    for (const [label, name] of [
      ["Request access", "narrow-request-access"],
      ["My access", "narrow-my-access"],
      ["Approvals", "narrow-approvals"],
    ] as const) {
      await nav(alicePage, label);
      await alicePage.waitForTimeout(300);
      const width = (await alicePage.evaluate("document.documentElement.scrollWidth")) as number;
      expect(width, label).toBeLessThanOrEqual(400);
      await screenshot(alicePage, name);
    }
  });

  it("lists live and unreviewed break-glass grants for dave on Admin, and records his review", async () => {
    const alice = await jitUser(stack, "alice");
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-break-glass",
      justification: "orders API down",
    });
    expect(created.status).toBe(201);
    const davePage = await newPage();
    await davePage.goto(`${stack.endpoints.console}/admin`);
    await signIn(davePage, "dave");
    await davePage.getByRole("heading", { level: 1, name: "Admin" }).waitFor();
    const live = davePage.locator("section", { has: davePage.getByRole("heading", { name: "Live grants" }) });
    await live.getByRole("article", { name: "orders-break-glass for alice" }).waitFor();
    const review = davePage.locator("section", {
      has: davePage.getByRole("heading", { name: "Break-glass awaiting review" }),
    });
    const card = review.getByRole("article", { name: "orders-break-glass for alice" });
    await card.waitFor();
    await expectAccessible(davePage, "admin-dave");
    await card.getByLabel("Review note").fill("outage INC-99, matched the runbook");
    await card.getByRole("button", { name: "Mark reviewed" }).click();
    await review.getByText("No break-glass grant awaits review.").waitFor({ timeout: 15_000 });
    const trail = await alice.call<{ events: { action: string; actor: string }[] }>(
      "GET",
      `/requests/${created.body.requestId}/audit`,
    );
    expect(trail.body.events.filter((e) => e.action === "REVIEWED")).toEqual([
      expect.objectContaining({ actor: "dave" }),
    ]);
  });

  it("ran every page under the CSP without a single violation", () => {
    expect(cspViolations).toEqual([]);
  });
});
