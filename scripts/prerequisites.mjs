/**
 * Checks the system prerequisites of `npm start` and `npm test` before anything else runs, and stops at
 * once with the install commands when one is missing:
 *
 *   node scripts/prerequisites.mjs start   Node.js 20+, a Java 17+ JDK (DynamoDB Local and its launcher)
 *   node scripts/prerequisites.mjs test    the same, plus Chromium or Chrome for the browser tests
 *
 * Chromium is `CHROMIUM_PATH` when set, else the first of the usual locations ({@link CHROMIUM_CANDIDATES}).
 * Plain JavaScript on purpose: it runs before anything can compile TypeScript. Exit 0 when all is there,
 * 1 (with one message per missing part on stderr) otherwise.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Where Chromium or Chrome usually is, on Debian/Ubuntu and macOS, in the order they are tried. */
export const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/snap/bin/chromium",
  "/usr/bin/google-chrome-stable",
  "/usr/bin/google-chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

const JAVA_INSTALL = [
  "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jdk-headless",
  '  macOS:         brew install openjdk@17 && sudo ln -sfn "$(brew --prefix)/opt/openjdk@17/libexec/openjdk.jdk" /Library/Java/JavaVirtualMachines/openjdk-17.jdk',
].join("\n");

const CHROMIUM_INSTALL = [
  "  Debian:        sudo apt-get install -y chromium",
  "  Ubuntu:        sudo snap install chromium",
  "  macOS:         brew install --cask chromium",
  "  or point CHROMIUM_PATH at a Chromium or Chrome executable.",
].join("\n");

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium (or Chrome) executable the browser tests use.
 * @returns `{ path }`, or `{ problem }` saying what is wrong (CHROMIUM_PATH set but not executable, or none found).
 */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) {
    return executable(env.CHROMIUM_PATH)
      ? { path: env.CHROMIUM_PATH }
      : { problem: `CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which is not an executable file.` };
  }
  const path = CHROMIUM_CANDIDATES.find(executable);
  return path
    ? { path }
    : {
        problem: `no Chromium or Chrome found (looked at CHROMIUM_PATH, ${CHROMIUM_CANDIDATES.join(", ")}).`,
      };
}

/**
 * The Java runtime's problem for DynamoDB Local, or `undefined` when a JDK 17 or newer is on PATH.
 * A JDK, not only a JRE: the loopback launcher of DynamoDB Local runs as a single-file source program.
 */
export function javaProblem() {
  const version = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (version.error) return "`java` was not found on PATH.";
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${version.stderr}${version.stdout}`);
  const major = match ? (match[1] === "1" ? Number(match[2]) : Number(match[1])) : Number.NaN;
  if (!(major >= 17))
    return `\`java\` is version ${match ? match[0].slice(9) : "unknown"}; Java 17 or newer is needed.`;
  const modules = spawnSync("java", ["--list-modules"], { encoding: "utf8" });
  if (!modules.stdout?.includes("jdk.compiler")) {
    return "`java` is a JRE without the JDK's compiler module (jdk.compiler); a JDK is needed.";
  }
  return undefined;
}

/** Node.js 20 or newer (package.json `engines`). */
export function nodeProblem(version = process.versions.node) {
  const major = Number(version.split(".")[0]);
  return major >= 20 ? undefined : `Node.js ${version} is too old; Node.js 20 or newer is needed.`;
}

/**
 * Every missing prerequisite of `purpose` ("start" or "test"), as messages with install commands.
 * @returns an empty list when nothing is missing.
 */
export function missingPrerequisites(purpose, env = process.env) {
  const problems = [];
  const node = nodeProblem();
  if (node) problems.push(`${node}\n  See https://nodejs.org/en/download (or use nvm: nvm install 20).`);
  const java = javaProblem();
  if (java) problems.push(`DynamoDB Local needs a Java 17 JDK: ${java}\n${JAVA_INSTALL}`);
  if (purpose === "test") {
    const chromium = findChromium(env);
    if (chromium.problem)
      problems.push(`The browser tests need Chromium: ${chromium.problem}\n${CHROMIUM_INSTALL}`);
  }
  return problems;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const purpose = process.argv[2];
  if (purpose !== "start" && purpose !== "test") {
    process.stderr.write("usage: node scripts/prerequisites.mjs start|test\n");
    process.exit(2);
  }
  const problems = missingPrerequisites(purpose);
  if (problems.length > 0) {
    process.stderr.write(
      `error: npm ${purpose} cannot run on this machine yet:\n\n${problems.join("\n\n")}\n\nInstall it, then run \`npm ${purpose}\` again.\n`,
    );
    process.exit(1);
  }
}
