import type { ChildProcess } from "node:child_process";

/**
 * Every child process the local stack started and that is still running, by pid. The stack stops its
 * children itself; this registry is the last line: when this process exits for any reason (a signal
 * handler's `process.exit`, an uncaught error, the parent gone) the `exit` hook below sends SIGKILL to
 * whatever is left, so no DynamoDB Local outlives the stack holding its port.
 */
const running = new Map<number, string>();
let hooked = false;

/**
 * Registers `child` (with a name for messages) until it exits.
 * @returns its pid.
 * @throws Error when the child has no pid (it failed to spawn).
 */
export function trackChildProcess(child: ChildProcess, name: string): number {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start (no process id)`);
  running.set(pid, name);
  child.once("exit", () => running.delete(pid));
  if (!hooked) {
    hooked = true;
    process.once("exit", killRemainingChildren);
  }
  return pid;
}

/** The tracked children still running: pid and name. */
export function runningChildProcesses(): { pid: number; name: string }[] {
  return [...running].map(([pid, name]) => ({ pid, name }));
}

/** Sends SIGKILL to every tracked child still running (synchronous, so it can run in an `exit` hook). */
export function killRemainingChildren(): void {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}
