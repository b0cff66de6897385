/**
 * Helpers for the end-to-end suites: start a local stack on free ports against the run's DynamoDB Local,
 * log in at its development IdP, and call its APIs over real HTTP.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "#local/stack.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";
import { type HttpAnswer, http } from "./http.js";

export { type HttpAnswer, http, waitUntil } from "./http.js";

/** Small caches in tests, so the revocation bound (their sum) is 2 s. */
export const TEST_REVOCATION_CACHE_SECONDS = 1;
export const TEST_AUTHORIZER_CACHE_SECONDS = 1;

/** Starts an in-memory stack on free ports, using this run's DynamoDB Local with fresh tables. */
export async function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const client = testDynamoDbClient();
  let tables: Awaited<ReturnType<typeof createTestTables>>;
  try {
    tables = await createTestTables(client, "e2e");
  } finally {
    client.destroy();
  }
  return startLocalStack({
    inMemory: true,
    portBase: 0,
    dynamodb: { endpoint: testDynamoDbEndpoint(), tables },
    revocationCacheSeconds: TEST_REVOCATION_CACHE_SECONDS,
    authorizerCacheSeconds: TEST_AUTHORIZER_CACHE_SECONDS,
    // Refusals are expected in these suites; only errors are worth reading in the test output.
    logLevel: "ERROR",
    ...options,
  });
}

/** Logs in at the stack's development IdP and returns the ID token. */
export async function login(stack: LocalStack, username: string): Promise<string> {
  const answer = await http<{ id_token: string }>(`${stack.endpoints.idp}/login`, {
    method: "POST",
    body: { username },
  });
  if (answer.status !== 200)
    throw new Error(`login as ${username} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id_token;
}

/** A signed-in user of the JIT API. */
export interface JitUser {
  username: string;
  idToken: string;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>>;
}

/** Logs `username` in and returns a client of the stack's JIT API acting as that user. */
export async function jitUser(stack: LocalStack, username: string): Promise<JitUser> {
  const idToken = await login(stack, username);
  return {
    username,
    idToken,
    call: (method, path, body) => http(`${stack.endpoints.jitApi}${path}`, { method, bearer: idToken, body }),
  };
}

/** Calls the demo API with an access token. */
export function callDemo(
  stack: LocalStack,
  accessToken: string,
  method: string,
  path: string,
  body?: unknown,
) {
  return http(`${stack.endpoints.demoApi}${path}`, { method, bearer: accessToken, body });
}

/** Asks for an access token of request `id` as `user`; throws unless 201. */
export async function accessToken(user: JitUser, id: string): Promise<string> {
  const answer = await user.call<{ access_token: string }>("POST", `/requests/${id}/token`);
  if (answer.status !== 201)
    throw new Error(`token for ${id} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.access_token;
}

/** Writes a policy file into a fresh temporary directory and returns its path. */
export function writeTempPolicy(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "jit-e2e-policy-"));
  const path = join(dir, "policy.yaml");
  writeFileSync(path, yaml);
  return path;
}

/** The example policy's users, for test policies. */
export const EXAMPLE_USERS_YAML = `users:
  - username: alice
    groups: [engineers, oncall]
  - username: bob
    groups: [engineers, sre]
  - username: carol
    groups: [engineers, sre, payments-approvers]
  - username: dave
    groups: [jit-admins]
`;
