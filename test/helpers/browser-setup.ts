import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { BROWSER_WS_ENV, CHROMIUM_ARGS, CHROMIUM_PATH } from "./browser.js";

/**
 * Vitest global setup of the browser suites: one headless Chromium for the whole run, shared through a
 * Playwright browser server whose endpoint the suites read from the environment.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} not found: install Debian's chromium package (apt-get install -y --no-install-recommends chromium) or set JIT_TEST_CHROMIUM`,
    );
  }
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  process.env[BROWSER_WS_ENV] = server.wsEndpoint();
  return async () => {
    await server.close();
  };
}
