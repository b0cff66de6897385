/**
 * Runs `npm start` as a person would (a real npm, its shell, node and DynamoDB Local), for the suites
 * that stop it with signals and count what is left: processes by pid (from /proc) and ports by binding them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "#local/stack.js";

/** The URLs `npm start` printed in its banner. */
export interface PrintedEndpoints {
  jitApi: string;
  demoApi: string;
  idp: string;
  kms: string;
  dynamodb: string;
  notifications?: string;
}

/** A running `npm start`. */
export interface NpmStart {
  /** npm's own process. */
  npm: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with npm's exit code (or the signal that ended it). */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Resolves once the banner is printed, with its URLs. @throws when npm exits first or `timeoutMs` passes. */
  ready(timeoutMs: number): Promise<PrintedEndpoints>;
  /** SIGKILLs every process it started that is still there (test clean-up). */
  kill(): void;
}

/** Starts `npm start -- <args>` in the project root. */
export function npmStart(args: readonly string[], env: NodeJS.ProcessEnv = {}): NpmStart {
  const npm = spawn("npm", ["start", "--", ...args], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own config directory: `npm start` leaves a pointer there for the jit CLI.
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      JIT_CONFIG_DIR: mkdtempSync(join(tmpdir(), "jit-e2e-config-")),
      ...env,
    },
  });
  let out = "";
  let err = "";
  npm.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  npm.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    npm.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  const seen = new Set<number>();
  const remember = () => {
    if (npm.pid !== undefined) for (const pid of descendants(npm.pid)) seen.add(pid);
  };
  return {
    npm,
    stdout: () => out,
    stderr: () => err,
    exited,
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      while (!out.includes("Ctrl-C stops everything.")) {
        if (gone) throw new Error(`npm start exited before it was up:\n${out}\n${err}`);
        if (Date.now() > deadline)
          throw new Error(`npm start was not up within ${timeoutMs} ms:\n${out}\n${err}`);
        await sleep(100);
      }
      remember();
      return parseBanner(out);
    },
    kill() {
      remember();
      for (const pid of [...seen, npm.pid ?? -1]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
  };
}

/** The URLs of the banner's service lines. */
export function parseBanner(text: string): PrintedEndpoints {
  const url = (label: string) => {
    const match = new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(text);
    if (!match?.[1]) throw new Error(`no ${label} URL in:\n${text}`);
    return match[1];
  };
  const notifications = /notifications\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
  return {
    ...(notifications === undefined ? {} : { notifications }),
    jitApi: url("JIT API"),
    demoApi: url("demo orders API"),
    idp: url("dev IdP"),
    kms: url("KMS endpoint"),
    dynamodb: url("DynamoDB Local"),
  };
}

/** Every live descendant of `pid` (children, their children, …), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = parents.get(ppid) ?? [];
    list.push(Number(name));
    parents.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of parents.get(next) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** True while a process with this pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** True when the port can be bound on 127.0.0.1 (nothing holds it). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** The port of an `http://127.0.0.1:PORT` URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
