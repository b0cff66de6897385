import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { base64url } from "jose";
import { CONSOLE_DIST_DIR, ensureConsoleBuilt } from "#console/build.js";
import { NOTIFICATIONS_TABLE, type TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { HANDLER_NAMES, type HandlerName, JIT_API_ROUTES } from "#functions/adapters/http/jit-api-routes.js";
import { ENV } from "#functions/config/environment.js";
import { parsePolicy, parsePolicyText } from "#functions/config/load-policy.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import type { Policy } from "#functions/domain/policy.js";
import type { RequestAuthorizer } from "./api-gateway/authorizer.js";
import { type LambdaHost, startLambdaHost } from "./api-gateway/lambda-host.js";
import { LOCAL_REGION } from "./api-gateway/method-arn.js";
import { RestApi, type RestApiAccessLog, type RestRoute } from "./api-gateway/rest-api.js";
import type { RouteDefinition } from "./api-gateway/routes.js";
import {
  DEFAULT_BODY_LIMIT_BYTES,
  type LocalHttpServer,
  PortInUseError,
  serveRestApi,
} from "./api-gateway/server.js";
import { type ConsoleServer, startConsoleServer } from "./console-server.js";
import { createDemoOrdersApi } from "./demo-orders-api.js";
import { DEMO_ORDERS_ROUTES } from "./demo-orders-routes.js";
import { startDevIdp } from "./dev-idp.js";
import { createTable, createTables, freePort, localDynamoDbClient } from "./dynamodb-local.js";
import { type SupervisedDynamoDbLocal, superviseDynamoDbLocal } from "./dynamodb-supervisor.js";
import { type Endpoints, removeEndpointsFile, writeEndpointsFile } from "./endpoints-file.js";
import { ensureSigningKey, type LocalSigningKey, startKmsServer } from "./kms-server.js";
import { type LocalNotifier, prepareLocalNotifier } from "./notify/local-notifier.js";
import type { SinkMessage } from "./notify/notifications-sink.js";
import { startStreamPoller } from "./stream-poller.js";
import { readTrustedJwks } from "./trusted-keys.js";

/** The project root (this file is `<root>/local/stack.ts`). */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Policy file used when none is given. */
export const DEFAULT_CONFIG_FILE = join(PROJECT_ROOT, "config", "example.yaml");
/** Data directory used when none is given. */
export const DEFAULT_DATA_DIR = join(PROJECT_ROOT, ".data");
/** First of the consecutive loopback ports the stack uses by default. */
export const DEFAULT_PORT_BASE = 4000;
/** Port offsets from the port base, in the order the stack lists them. */
export const PORT_OFFSETS = {
  jitApi: 0,
  demoApi: 1,
  idp: 2,
  kms: 3,
  dynamodb: 4,
  console: 5,
  notifications: 6,
} as const;
/** Default grant-read cache of the JIT authorizer locally, seconds (`JIT_REVOCATION_CACHE_SECONDS`). */
export const DEFAULT_REVOCATION_CACHE_SECONDS = 5;
/** Default API Gateway authorizer result cache TTL locally, seconds. */
export const DEFAULT_AUTHORIZER_CACHE_SECONDS = 5;
/** Audience (`aud`) the demo API's JIT authorizer accepts: the example policy's protected API. */
export const DEMO_API_AUDIENCE = "orders-api";
/** Table names of a stack that runs its own DynamoDB Local. */
export const DEFAULT_TABLE_NAMES: TableNames = { requests: "jit-access-requests", audit: "jit-access-audit" };
/** Notifications table of a stack (the notifier's idempotency memory). */
export const DEFAULT_NOTIFICATIONS_TABLE = "jit-access-notifications";
/** Alias of the token signing key on the KMS-compatible endpoint. */
export const SIGNING_KEY_ALIAS = "alias/jit-access-signing";
/** API ids in `methodArn`s and request contexts. */
export const JIT_API_ID = "jitapi";
export const DEMO_API_ID = "ordersapi";
/** Stage name in `methodArn`s and request contexts (the URLs have no stage prefix). */
export const LOCAL_STAGE = "local";
/** API Gateway's REST integration timeout, milliseconds. */
const INTEGRATION_TIMEOUT_MS = 29_000;

/** The handler module of each Lambda entry, relative to the project root (the handler contract). */
export const LAMBDA_FUNCTIONS: Readonly<Record<HandlerName, string>> = Object.fromEntries(
  HANDLER_NAMES.map((name) => [name, `functions/handlers/${name}.ts`]),
) as Record<HandlerName, string>;

/** Options of {@link startLocalStack}. Every field is optional; defaults are those of `npm start`. */
export interface LocalStackOptions {
  /** Policy file (YAML/JSON); default config/example.yaml. */
  configFile?: string;
  /** Where state is kept across restarts (DynamoDB data, KMS key, IdP key, endpoints.json); default `.data/`. */
  dataDir?: string;
  /** Keep nothing: DynamoDB and keys in memory, endpoints.json in a temporary directory removed on stop. */
  inMemory?: boolean;
  /**
   * First of the consecutive ports (JIT API, demo API, IdP, KMS, DynamoDB Local, console); default 4000.
   * 0 picks free ports for all of them (tests).
   */
  portBase?: number;
  /** Fixed ports per service, overriding `portBase` (0 = a free port). Used to restart on the same ports. */
  ports?: Partial<Record<keyof typeof PORT_OFFSETS, number>>;
  /**
   * Use this running DynamoDB (Local) and these tables instead of starting one; the tables are created if
   * missing. Tests pass the run's shared DynamoDB Local here.
   */
  dynamodb?: { endpoint: string; tables: TableNames };
  /** JIT authorizer grant cache, seconds (`JIT_REVOCATION_CACHE_SECONDS`); default 5. */
  revocationCacheSeconds?: number;
  /** API Gateway authorizer result cache TTL of both APIs, seconds (0-3600); default 5. */
  authorizerCacheSeconds?: number;
  /** Largest request body the emulator accepts, bytes; default 256 KiB. */
  bodyLimitBytes?: number;
  /** Lifetime of the development IdP's ID tokens, seconds; default one hour. */
  identityTokenTtlSeconds?: number;
  /** Powertools log level of the handlers (`POWERTOOLS_LOG_LEVEL`); default `WARN`. */
  logLevel?: string;
  /** Called for every request either API served (for an access log). */
  onRequest?: (api: "jitApi" | "demoApi", entry: RestApiAccessLog) => void;
  /** Called when the stream poller or the expiry function reports an error. */
  onError?: (message: string) => void;
  /**
   * First re-announcement of a pending request, seconds, replacing the policy's
   * `notifications.reminders.firstAfter` (short intervals for demos and tests).
   */
  reminderIntervalSeconds?: number;
  /** How often the reminder sweeper runs, ms (EventBridge Scheduler: every minute); default 60 000. */
  sweepIntervalMs?: number;
  /** Base URL of the web console for notification links; default the stack's console origin. */
  consoleUrl?: string;
  /** Called for every notification the sink received (`npm start` prints one line each). */
  onNotification?: (message: SinkMessage) => void;
  /** Notifier retries: real milliseconds per queue second (default 1000) and per-call timeout (default 5000). */
  notifier?: { queueSecondsMs?: number; deliveryTimeoutMs?: number; maxReceiveCount?: number };
  /**
   * Called with one line when a part of the stack dies or comes back (DynamoDB Local's exit, each
   * restart attempt, its recovery). Default: stderr.
   */
  onEvent?: (message: string) => void;
  /**
   * Called once when a part of the stack died for good (DynamoDB Local could not be restarted); the
   * caller should stop the stack and exit non-zero. Default: stderr.
   */
  onFatal?: (message: string) => void;
  /** Aborting it while the stack starts stops what already runs; `startLocalStack` then rejects. */
  signal?: AbortSignal;
}

/** How long DynamoDB Local gets to exit after SIGTERM when the stack stops, before SIGKILL, milliseconds. */
const DYNAMODB_STOP_GRACE_MS = 1_000;
/** How long `stop()` lets in-flight API calls finish by default, milliseconds. */
export const DEFAULT_DRAIN_MS = 2_000;

/** A running local stack. */
export interface LocalStack {
  endpoints: Endpoints;
  /** Absolute data directory (a temporary one with `inMemory`). */
  dataDir: string;
  /** Absolute path of endpoints.json. */
  endpointsFile: string;
  inMemory: boolean;
  configFile: string;
  policy: Policy;
  tables: TableNames;
  signingKey: LocalSigningKey;
  /** Client ids of the development IdP (`aud` of its ID tokens): the CLI's and the console's. */
  idpClientIds: { cli: string; console: string };
  /**
   * Origin of the web console (`http://127.0.0.1:PORT`, port base + 5): the development IdP's console
   * client redirects to `{consoleOrigin}/callback` and its token endpoint answers CORS for this origin.
   */
  consoleOrigin: string;
  /** Audience the demo API accepts. */
  demoAudience: string;
  revocationCacheSeconds: number;
  authorizerCacheSeconds: number;
  /** Longest time a revoked grant may still be honoured: grant cache + authorizer result cache, seconds. */
  revocationBoundSeconds: number;
  /** Base URL of the web console in notification links (`<consoleUrl>/requests/<id>`). */
  consoleUrl: string;
  /** The notifier's stand-ins (bus, queues, sink), for tests and scripts. */
  notifier: LocalNotifier;
  /**
   * The DynamoDB Local this stack runs and supervises (`undefined` with an external `dynamodb`): its
   * current pid (`undefined` while it is down), whether it answers, and how often it was restarted.
   */
  dynamodbLocal:
    | { readonly pid: number | undefined; readonly up: boolean; readonly restarts: number }
    | undefined;
  /** Drops the emulator's authorizer result caches (API Gateway's "flush authorizer cache"). */
  flushAuthorizerCaches(): void;
  /**
   * Stops everything this stack started: the APIs stop accepting and let in-flight calls finish for up
   * to `drainMs` (default {@link DEFAULT_DRAIN_MS}; later ones get a 503), then the stream poller, the
   * Lambda worker, the IdP and KMS endpoints, and DynamoDB Local by its pid (SIGKILL after 2 s). Every
   * port is free when it resolves. Idempotent.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Starts the local stack of docs/local.md on 127.0.0.1: DynamoDB Local with the tables, the KMS-compatible
 * endpoint with a signing key, the development IdP, the JIT API and the demo orders API behind the API
 * Gateway emulator (running the handler modules of functions/handlers), and the stream poller that feeds
 * the Requests table's stream to the expiry handler. Writes endpoints.json when everything answers.
 *
 * If anything fails, what was already started is stopped before the error is thrown.
 * @throws ConfigurationError for an invalid policy file; PortInUseError when a port is taken (nothing is
 *   started then); DynamoDbLocalError when Java is missing; LambdaInitError when a handler cannot load.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const configFile = resolve(options.configFile ?? DEFAULT_CONFIG_FILE);
  const policyText = readPolicyText(configFile);
  const policy = parsePolicy(policyText, configFile);
  const revocationCacheSeconds = options.revocationCacheSeconds ?? DEFAULT_REVOCATION_CACHE_SECONDS;
  const authorizerCacheSeconds = options.authorizerCacheSeconds ?? DEFAULT_AUTHORIZER_CACHE_SECONDS;
  for (const [name, value] of [
    ["revocation cache seconds", revocationCacheSeconds],
    ["authorizer cache seconds", authorizerCacheSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 3600) {
      throw new RangeError(`${name} must be a whole number from 0 to 3600, got ${value}`);
    }
  }
  const ports = resolvePorts(options);
  const external = options.dynamodb;
  await assertPortsFree(
    Object.entries(ports)
      .filter(([name, port]) => port !== 0 && !(name === "dynamodb" && external))
      .map(([, port]) => port),
  );

  const inMemory = options.inMemory === true;
  const dataDir = inMemory
    ? mkdtempSync(join(tmpdir(), "jit-access-"))
    : resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  const cleanups: (() => Promise<void> | void)[] = [];
  // Servers that take API calls: drained first, while everything they call still runs.
  const frontDoors: LocalHttpServer[] = [];
  const onEvent = options.onEvent ?? ((message: string) => process.stderr.write(`${message}\n`));
  const onFatal = options.onFatal ?? ((message: string) => process.stderr.write(`error: ${message}\n`));
  const signal = options.signal;
  const checkpoint = () => signal?.throwIfAborted();
  if (inMemory) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const runCleanups = async () => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop();
      try {
        await cleanup?.();
      } catch {
        // keep stopping the rest
      }
    }
  };

  // DynamoDB Local (a JVM, the slowest part) boots while everything else starts; it is awaited before the
  // stream poller, the first thing that needs it.
  let dynamoReady: Promise<void> = Promise.resolve();
  let supervised: SupervisedDynamoDbLocal | undefined;
  try {
    const dynamodbPort = external ? 0 : ports.dynamodb === 0 ? await freePort() : ports.dynamodb;
    const dynamodbEndpoint = external ? external.endpoint : `http://127.0.0.1:${dynamodbPort}`;
    const tables = external ? external.tables : DEFAULT_TABLE_NAMES;
    const consolePort = ports.console === 0 ? await freePort() : ports.console;
    const consoleOrigin = `http://127.0.0.1:${consolePort}`;
    const consoleUrl = options.consoleUrl ?? consoleOrigin;
    const notificationsTable = external ? `${tables.audit}-notifications` : DEFAULT_NOTIFICATIONS_TABLE;
    dynamoReady = (async () => {
      if (!external) {
        // Supervised: if it dies, it is restarted on the same port and data directory (or, in memory,
        // empty), and the stack says so.
        const db = await superviseDynamoDbLocal({
          port: dynamodbPort,
          dataDir: inMemory ? undefined : join(dataDir, "dynamodb"),
          tables,
          prepare: (client) => createTable(client, notificationsTable, NOTIFICATIONS_TABLE),
          onEvent,
          onGiveUp: onFatal,
          signal,
        });
        supervised = db;
        cleanups.push(() => db.stop({ graceMs: DYNAMODB_STOP_GRACE_MS }));
        return;
      }
      const client = localDynamoDbClient(dynamodbEndpoint);
      try {
        await createTables(client, tables);
        await createTable(client, notificationsTable, NOTIFICATIONS_TABLE);
      } finally {
        client.destroy();
      }
    })();
    // Awaited below (or before cleaning up); this only keeps an early failure from being "unhandled".
    dynamoReady.catch(() => undefined);

    // The console first: its origin is the console client's redirect URI at the IdP and the one origin the
    // JIT API allows (CORS). It answers 503 until configured with the API and IdP below.
    ensureConsoleBuilt();
    const consoleServer: ConsoleServer = await startConsoleServer({
      port: consolePort,
      distDir: CONSOLE_DIST_DIR,
    });
    cleanups.push(() => consoleServer.stop());

    // The KMS-compatible endpoint with the signing key (created on first start, kept in the data dir), and
    // the development IdP (its key kept in the data dir, so identity tokens survive restarts).
    const [kmsStarted, idpStarted] = await Promise.allSettled([
      (async () => {
        const kms = await startKmsServer({
          port: ports.kms,
          dataDir: inMemory ? undefined : join(dataDir, "kms"),
        });
        cleanups.push(() => kms.stop());
        return { kms, signingKey: await ensureSigningKey(kms.endpoint, SIGNING_KEY_ALIAS) };
      })(),
      (async () => {
        const idp = await startDevIdp({
          users: policy.users,
          groupsClaim: policy.identity.groupsClaim,
          port: ports.idp,
          keyFile: inMemory ? undefined : join(dataDir, "dev-idp", "signing-key.json"),
          consoleOrigin,
          ...(options.identityTokenTtlSeconds === undefined
            ? {}
            : { tokenTtlSeconds: options.identityTokenTtlSeconds }),
        });
        cleanups.push(() => idp.stop());
        return idp;
      })(),
    ]);
    if (kmsStarted.status === "rejected") throw kmsStarted.reason;
    if (idpStarted.status === "rejected") throw idpStarted.reason;
    checkpoint();
    const { kms, signingKey } = kmsStarted.value;
    const idp = idpStarted.value;

    // The two REST APIs. Their integrations call the Lambda host, which starts once the JIT API's URL
    // (the token issuer) is known.
    let host: LambdaHost | undefined;
    const invoke = (fn: HandlerName) => (event: unknown) => {
      if (!host) return Promise.reject(new Error("the local stack is still starting"));
      return host.invoke(fn, event);
    };
    const identityAuthorizer: RequestAuthorizer = {
      name: "identity-authorizer",
      identityHeaders: ["Authorization"],
      resultTtlSeconds: authorizerCacheSeconds,
      invoke: invoke("identity-authorizer"),
    };
    const jitAuthorizer: RequestAuthorizer = {
      name: "jit-authorizer",
      identityHeaders: ["Authorization"],
      resultTtlSeconds: authorizerCacheSeconds,
      invoke: invoke("jit-authorizer"),
    };
    const jitRoutes: RouteDefinition<RestRoute>[] = JIT_API_ROUTES.map((r) => ({
      method: r.method,
      resource: r.path,
      target: r.public
        ? { integration: invoke(r.handler) }
        : { integration: invoke(r.handler), authorizer: identityAuthorizer },
    }));
    const demo = createDemoOrdersApi();
    const demoRoutes: RouteDefinition<RestRoute>[] = DEMO_ORDERS_ROUTES.map((r) => ({
      method: r.method,
      resource: r.resource,
      target: { integration: (event) => demo.handle(event), authorizer: jitAuthorizer },
    }));
    const jitApi = new RestApi({
      location: { apiId: JIT_API_ID, stage: LOCAL_STAGE, region: LOCAL_REGION },
      routes: jitRoutes,
      integrationTimeoutMs: INTEGRATION_TIMEOUT_MS,
      onRequest: options.onRequest && ((entry) => options.onRequest?.("jitApi", entry)),
      cors: { allowOrigin: consoleOrigin },
    });
    const demoApi = new RestApi({
      location: { apiId: DEMO_API_ID, stage: LOCAL_STAGE, region: LOCAL_REGION },
      routes: demoRoutes,
      integrationTimeoutMs: INTEGRATION_TIMEOUT_MS,
      onRequest: options.onRequest && ((entry) => options.onRequest?.("demoApi", entry)),
    });
    const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    const jitServer = await serveRestApi(jitApi, { port: ports.jitApi, bodyLimitBytes });
    frontDoors.push(jitServer);
    cleanups.push(() => jitServer.stop());
    const demoServer = await serveRestApi(demoApi, { port: ports.demoApi, bodyLimitBytes });
    frontDoors.push(demoServer);
    cleanups.push(() => demoServer.stop());
    checkpoint();

    // The notifier's stand-ins (sink, EventBridge/SQS/Secrets Manager/SNS endpoint, bus rules, queues).
    const notifier = await prepareLocalNotifier({
      policy,
      dataDir,
      sinkPort: ports.notifications,
      notificationsTable,
      consoleUrl,
      ...(options.notifier?.queueSecondsMs === undefined
        ? {}
        : { queueSecondsMs: options.notifier.queueSecondsMs }),
      ...(options.notifier?.deliveryTimeoutMs === undefined
        ? {}
        : { deliveryTimeoutMs: options.notifier.deliveryTimeoutMs }),
      ...(options.notifier?.maxReceiveCount === undefined
        ? {}
        : { maxReceiveCount: options.notifier.maxReceiveCount }),
      ...(options.onNotification ? { onMessage: options.onNotification } : {}),
      ...(options.onError ? { onEvent: options.onError } : {}),
    });
    cleanups.push(() => notifier.stop());

    // The Lambda functions, with the environment infra would give them.
    const logLevel = options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? "WARN";
    const functionEnv: Record<string, string> = {
      ...baseEnvironment(),
      // The Lambdas read the validated policy as JSON, as infra bundles it (policy.json next to the handler).
      [ENV.policyFile]: writeLambdaPolicyJson(
        dataDir,
        withReminderInterval(parsePolicyText(policyText, configFile), options.reminderIntervalSeconds),
      ),
      [ENV.requestsTable]: tables.requests,
      [ENV.auditTable]: tables.audit,
      [ENV.issuer]: jitServer.url,
      [ENV.signingKeyId]: signingKey.keyId,
      [ENV.publicKeyIds]: signingKey.keyId,
      // What infra's trusted-keys resource gives the JIT authorizer at deploy time.
      [ENV.trustedJwks]: await readTrustedJwks(kms.endpoint, [signingKey.keyId]),
      [ENV.audience]: DEMO_API_AUDIENCE,
      [ENV.revocationCacheSeconds]: String(revocationCacheSeconds),
      [ENV.oidcIssuer]: idp.issuer,
      [ENV.oidcClientIds]: `${idp.cliClientId},${idp.consoleClientId}`,
      [ENV.oidcGroupsClaim]: policy.identity.groupsClaim,
      // No JIT_OIDC_JWKS_URI: the identity authorizer finds the keys through OpenID discovery, as in AWS.
      [ENV.dynamodbEndpoint]: dynamodbEndpoint,
      [ENV.kmsEndpoint]: kms.endpoint,
      [ENV.consoleOrigin]: consoleOrigin,
      // Locally the key sealing list cursors is a file in the data directory (in AWS a Secrets Manager secret).
      [ENV.cursorKeyFile]: ensureCursorKeyFile(dataDir),
      POWERTOOLS_LOG_LEVEL: logLevel,
      // There is no CloudWatch locally: the metric lines (EMF) are printed with the info-level log lines
      // and left out below that level, so the default output stays quiet.
      POWERTOOLS_METRICS_DISABLED: String(!/^(trace|debug|info)$/i.test(logLevel)),
      // Node 20 is supported locally; the SDK's notice that future releases need Node 22 is not an error.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...notifier.env,
    };
    host = await startLambdaHost({
      functions: Object.fromEntries(
        Object.entries(LAMBDA_FUNCTIONS).map(([name, path]) => [name, join(PROJECT_ROOT, path)]),
      ),
      env: functionEnv,
      timeoutMs: INTEGRATION_TIMEOUT_MS,
    });
    const runningHost = host;
    cleanups.push(() => runningHost.stop());
    checkpoint();

    await dynamoReady;
    checkpoint();
    // Requests table stream → expiry handler (what the event source mapping does in AWS).
    const poller = await startStreamPoller({
      endpoint: dynamodbEndpoint,
      tableName: tables.requests,
      handler: invoke("expiry-consumer"),
      onError: options.onError,
    });
    cleanups.push(() => poller.stop());
    // Audit table stream → publisher → bus → per-channel queues → delivery handlers; the sweeper's timer.
    await notifier.start({
      invoke: (fn, event) => invoke(fn as HandlerName)(event),
      dynamodbEndpoint,
      auditTable: tables.audit,
      ...(options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs }),
    });

    consoleServer.configure({
      apiUrl: jitServer.url,
      issuer: idp.issuer,
      clientId: idp.consoleClientId,
      ...(await idpEndpoints(idp.issuer)),
    });
    const endpoints: Endpoints = {
      console: consoleOrigin,
      jitApi: jitServer.url,
      demoApi: demoServer.url,
      idp: idp.issuer,
      dynamodb: dynamodbEndpoint,
      kms: kms.endpoint,
      notifications: notifier.sink.url,
    };
    const endpointsFile = writeEndpointsFile(dataDir, endpoints);
    if (!inMemory) cleanups.push(() => removeEndpointsFile(dataDir, endpoints));

    let stopping: Promise<void> | undefined;
    return {
      endpoints,
      dataDir,
      endpointsFile,
      inMemory,
      configFile,
      policy,
      tables,
      signingKey,
      idpClientIds: { cli: idp.cliClientId, console: idp.consoleClientId },
      consoleOrigin,
      demoAudience: DEMO_API_AUDIENCE,
      revocationCacheSeconds,
      authorizerCacheSeconds,
      revocationBoundSeconds: revocationCacheSeconds + authorizerCacheSeconds,
      consoleUrl,
      notifier,
      dynamodbLocal: supervised,
      flushAuthorizerCaches() {
        jitApi.flushAuthorizerCache();
        demoApi.flushAuthorizerCache();
      },
      stop(stopOptions) {
        stopping ??= (async () => {
          const drainMs = stopOptions?.drainMs ?? DEFAULT_DRAIN_MS;
          await Promise.all(frontDoors.map((server) => server.stop({ drainMs }).catch(() => undefined)));
          await runCleanups();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await dynamoReady.catch(() => undefined);
    await runCleanups();
    throw err;
  }
}

/**
 * The IdP's authorization and token endpoints from its discovery document, for the console's config.json
 * (the console then needs no cross-origin discovery request); none when it does not publish both.
 */
async function idpEndpoints(
  issuer: string,
): Promise<{ authorizationEndpoint?: string; tokenEndpoint?: string }> {
  try {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    const doc = (await response.json()) as { authorization_endpoint?: unknown; token_endpoint?: unknown };
    if (typeof doc.authorization_endpoint === "string" && typeof doc.token_endpoint === "string") {
      return { authorizationEndpoint: doc.authorization_endpoint, tokenEndpoint: doc.token_endpoint };
    }
  } catch {
    // the console reads discovery itself
  }
  return {};
}

/** The ports of each service: explicit ones first, then `portBase + offset` (0 = free ports). */
export function resolvePorts(
  options: Pick<LocalStackOptions, "portBase" | "ports">,
): Record<keyof typeof PORT_OFFSETS, number> {
  const base = options.portBase ?? DEFAULT_PORT_BASE;
  const highest = 65_535 - Math.max(...Object.values(PORT_OFFSETS));
  if (!Number.isInteger(base) || base < 0 || (base !== 0 && base > highest) || (base > 0 && base < 1024)) {
    throw new RangeError(
      `port base must be 0 (free ports) or a whole number from 1024 to ${highest}, got ${base}`,
    );
  }
  const out = {} as Record<keyof typeof PORT_OFFSETS, number>;
  for (const [name, offset] of Object.entries(PORT_OFFSETS) as [keyof typeof PORT_OFFSETS, number][]) {
    out[name] = options.ports?.[name] ?? (base === 0 ? 0 : base + offset);
  }
  return out;
}

/**
 * Checks that every port can be bound on 127.0.0.1, before anything starts, so a second `npm start` stops
 * with a clear message and leaves nothing running.
 * @throws PortInUseError naming the first taken port.
 */
export async function assertPortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolveProbe, reject) => {
      const probe = createServer();
      probe.once("error", (err: NodeJS.ErrnoException) => {
        reject(err.code === "EADDRINUSE" || err.code === "EACCES" ? new PortInUseError(port) : err);
      });
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolveProbe()));
    });
  }
}

/**
 * The process environment for the Lambda worker, minus AWS credentials and profile: local endpoints
 * get the static local credentials, never a developer's real ones.
 */
function baseEnvironment(): Record<string, string> {
  const out: Record<string, string> = {};
  const dropped = new Set([
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
  ]);
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !dropped.has(name) && !name.startsWith("JIT_")) out[name] = value;
  }
  out.AWS_REGION = LOCAL_REGION;
  out.AWS_DEFAULT_REGION = LOCAL_REGION;
  return out;
}

/** The policy file's text. @throws ConfigurationError naming the file when it cannot be read. */
function readPolicyText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigurationError(`${path}: cannot read policy file: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Writes the validated policy document as `policy.json` in the data directory; returns its path. */
/**
 * The local stack's cursor key file, `cursor-key` in the data directory (0600): 32 random bytes as base64url,
 * made on first start and kept, so cursors stay valid across restarts with the same data directory.
 * @returns its path.
 */
function ensureCursorKeyFile(dataDir: string): string {
  const path = join(dataDir, "cursor-key");
  if (!existsSync(path)) writeFileSync(path, `${base64url.encode(randomBytes(32))}\n`, { mode: 0o600 });
  return path;
}

function writeLambdaPolicyJson(dataDir: string, document: unknown): string {
  const path = join(dataDir, "policy.json");
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}

/**
 * The policy document with `notifications.reminders.firstAfter` set to `seconds` (when given), so the
 * local stack can re-announce pending requests after a short interval.
 */
function withReminderInterval(document: unknown, seconds: number | undefined): unknown {
  if (seconds === undefined) return document;
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new RangeError(`reminder interval must be a whole number of seconds ≥ 1, got ${seconds}`);
  }
  const doc = { ...(document as Record<string, unknown>) };
  const notifications = { ...((doc.notifications as Record<string, unknown> | undefined) ?? {}) };
  notifications.reminders = {
    ...((notifications.reminders as Record<string, unknown> | undefined) ?? {}),
    firstAfter: `PT${seconds}S`,
  };
  doc.notifications = notifications;
  return doc;
}
