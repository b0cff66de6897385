/** Path of the CLI bundle bin/jit.mjs runs (dist/cli/jit.mjs). */
export const CLI_BUNDLE: string;
/** Path of the bundle's list of project inputs. */
export const CLI_BUNDLE_INPUTS: string;
/** Builds the CLI bundle; resolves with its path. */
export function buildCliBundle(): Promise<string>;
/** True when the bundle is missing or older than one of its sources. */
export function cliBundleIsStale(): boolean;
/** Rebuilds the bundle when stale; resolves true when it rebuilt. */
export function ensureCliBundle(): Promise<boolean>;
