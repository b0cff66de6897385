import { spawn } from "node:child_process";

/**
 * The command that opens a URL in the desktop's browser, or `undefined` when there is no desktop (a
 * Linux shell without DISPLAY or WAYLAND_DISPLAY: SSH, containers, CI), where the printed URL is the way.
 */
export function browserOpener(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): { command: string; args: string[] } | undefined {
  if (platform === "darwin") return { command: "open", args: [] };
  if (platform === "win32") return { command: "rundll32", args: ["url.dll,FileProtocolHandler"] };
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return { command: "xdg-open", args: [] };
  return undefined;
}

/**
 * Tries to open `url` in a browser, without waiting and without a shell (the URL is one argument, never
 * parsed by a shell). Failure is silent: the caller has printed the URL already.
 * @returns whether a browser was asked to open it.
 */
export function tryOpenBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const opener = browserOpener(process.platform, env);
  if (opener === undefined) return false;
  try {
    const child = spawn(opener.command, [...opener.args, url], { stdio: "ignore", detached: true });
    child.once("error", () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
