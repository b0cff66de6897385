import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** Name of the file, in the data directory, where a running local stack lists its endpoints (docs/local.md). */
export const ENDPOINTS_FILE_NAME = "endpoints.json";

/** The endpoints of a running local stack: base URLs without a trailing slash. */
export const EndpointsSchema = z.object({
  /** The web console (open it in a browser). */
  console: z.url(),
  /** The JIT API (also the access tokens' issuer, `iss`). */
  jitApi: z.url(),
  /** The demo protected API behind the JIT authorizer. */
  demoApi: z.url(),
  /** The development OIDC identity provider (`POST {idp}/login`). */
  idp: z.url(),
  /** DynamoDB Local. */
  dynamodb: z.url(),
  /** The KMS-compatible endpoint. */
  kms: z.url(),
  /** The notifications sink: `GET {notifications}/messages` lists what each channel received. */
  notifications: z.url(),
});

/** The endpoints of a running local stack. */
export type Endpoints = z.output<typeof EndpointsSchema>;

/** Path of the endpoints file in `dataDir`. */
export function endpointsFilePath(dataDir: string): string {
  return join(dataDir, ENDPOINTS_FILE_NAME);
}

/**
 * Writes `endpoints.json` into `dataDir` atomically (temporary file, then rename), so a script reading it
 * never sees half a file.
 * @returns the file's path.
 */
export function writeEndpointsFile(dataDir: string, endpoints: Endpoints): string {
  const path = endpointsFilePath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(EndpointsSchema.parse(endpoints), null, 2)}\n`);
  renameSync(temporary, path);
  return path;
}

/**
 * Reads and validates `endpoints.json` from `dataDir`.
 * @throws Error naming the file when it is missing or not a valid endpoints document.
 */
export function readEndpointsFile(dataDir: string): Endpoints {
  const path = endpointsFilePath(dataDir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: cannot read the local stack's endpoints: ${(err as Error).message}`);
  }
  const result = EndpointsSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(
      `${path}: not a valid endpoints file: ${result.error.issues.map((i) => i.message).join("; ")}`,
    );
  }
  return result.data;
}

/**
 * Removes `endpoints.json` from `dataDir` if it still lists `endpoints` (a newer stack's file is left
 * alone), so a stopped stack leaves no stale endpoints behind.
 */
export function removeEndpointsFile(dataDir: string, endpoints: Endpoints): void {
  try {
    const current = readEndpointsFile(dataDir);
    if (JSON.stringify(current) !== JSON.stringify(EndpointsSchema.parse(endpoints))) return;
  } catch {
    return;
  }
  rmSync(endpointsFilePath(dataDir), { force: true });
}
