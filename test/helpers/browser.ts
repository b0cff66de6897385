import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.JIT_TEST_CHROMIUM ?? "/usr/bin/chromium";
/** Flags for a quiet, sandbox-less headless Chromium that talks to nothing but the loopback stack. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** Environment variable through which the browser suites find the run's one browser. */
export const BROWSER_WS_ENV = "JIT_TEST_BROWSER_WS";

/** Connects to the run's one Chromium, started by test/helpers/browser-setup.ts. */
export async function connectBrowser(): Promise<Browser> {
  const endpoint = process.env[BROWSER_WS_ENV];
  if (endpoint === undefined)
    throw new Error(`${BROWSER_WS_ENV} is not set: the browser global setup did not run`);
  return chromium.connect(endpoint);
}

/** One axe-core finding, reduced to what a failure message needs. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core (WCAG 2.x A/AA rules) on the page and returns its serious and critical violations.
 * axe is evaluated through the DevTools protocol, so the page's CSP (no inline script) stays in force.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // Page code as a string: this file is type-checked without the DOM library.
  const violations = (await page.evaluate(`axe
    .run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      resultTypes: ["violations"],
    })
    .then((result) =>
      result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")),
      })),
    )`)) as AxeViolation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
