/**
 * Runs the production notifier handlers in-process against DynamoDB Local (Audit stream) and the local
 * stand-ins (bus, queues, Secrets Manager file, SNS, sink), wired as the local stack wires them.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { DynamoDbAuditLog } from "#functions/adapters/dynamodb/dynamodb-audit-log.js";
import { DynamoDbRequestRepository } from "#functions/adapters/dynamodb/dynamodb-request-repository.js";
import { NOTIFICATIONS_TABLE, type TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import {
  deliveryDepsFromEnvironment,
  publisherDepsFromEnvironment,
  sweeperDepsFromEnvironment,
} from "#functions/composition/notify.js";
import { ENV } from "#functions/config/environment.js";
import { parsePolicyText } from "#functions/config/load-policy.js";
import { validatePolicyDocument } from "#functions/config/policy-document.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import { newAccessRequest } from "#functions/domain/new-request.js";
import { findEntitlement, type Policy } from "#functions/domain/policy.js";
import { createDeliveryHandler } from "#functions/handlers/delivery-handler.js";
import { createPublisherHandler } from "#functions/handlers/notify-publisher.js";
import { createSweeperHandler } from "#functions/handlers/reminder-sweeper.js";
import type { StructuredLog } from "#functions/ports/structured-log.js";
import { createTable } from "#local/dynamodb-local.js";
import { type LocalNotifier, prepareLocalNotifier } from "#local/notify/local-notifier.js";
import { secretsFilePath, writeSecretsFile } from "#local/notify/secrets-file.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";

/** Every log line the handlers wrote, as JSON text (to check that no secret is ever logged). */
export class CapturedLog implements StructuredLog {
  readonly lines: string[] = [];
  info(message: string, ...attributes: Record<string, unknown>[]) {
    this.lines.push(JSON.stringify({ level: "INFO", message, attributes }));
  }
  warn(message: string, ...attributes: Record<string, unknown>[]) {
    this.lines.push(JSON.stringify({ level: "WARN", message, attributes }));
  }
  error(message: string, ...attributes: Record<string, unknown>[]) {
    this.lines.push(JSON.stringify({ level: "ERROR", message, attributes }));
  }
}

/** A running harness. */
export interface NotifyHarness {
  policy: Policy;
  tables: TableNames;
  notifier: LocalNotifier;
  log: CapturedLog;
  repository: DynamoDbRequestRepository;
  audit: DynamoDbAuditLog;
  /** Creates a request of `entitlement` for `requester` (PENDING, or granted for self-served ones). */
  createRequest(
    entitlement: string,
    requester?: string,
    overrides?: { justification?: string; ticket?: string },
  ): Promise<AccessRequest>;
  stop(): Promise<void>;
}

/** Settings of {@link startNotifyHarness}. */
export interface NotifyHarnessOptions {
  policyYaml: string;
  /** Secrets to put in secrets.json before start (the rest are created pointing at the sink). */
  secrets?: Record<string, string>;
  queueSecondsMs?: number;
  deliveryTimeoutMs?: number;
  maxReceiveCount?: number;
  consoleUrl?: string;
}

/** Starts the harness on fresh tables of this run's DynamoDB Local. */
export async function startNotifyHarness(options: NotifyHarnessOptions): Promise<NotifyHarness> {
  const dir = mkdtempSync(join(tmpdir(), "jit-notify-"));
  const document = parsePolicyText(options.policyYaml, "notify-test-policy.yaml");
  const policy = validatePolicyDocument(document, "notify-test-policy.yaml");
  const policyFile = join(dir, "policy.json");
  writeFileSync(policyFile, JSON.stringify(document));
  if (options.secrets) writeSecretsFile(secretsFilePath(dir), options.secrets);

  const client = testDynamoDbClient();
  const tables = await createTestTables(client, "notify");
  const notificationsTable = `${tables.audit}-notifications`;
  await createTable(client, notificationsTable, NOTIFICATIONS_TABLE);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const audit = new DynamoDbAuditLog(documents, tables.audit);
  const repository = new DynamoDbRequestRepository(documents, tables.requests, audit);

  const notifier = await prepareLocalNotifier({
    policy,
    dataDir: dir,
    sinkPort: 0,
    notificationsTable,
    consoleUrl: options.consoleUrl ?? "https://console.example.com",
    ...(options.queueSecondsMs === undefined ? {} : { queueSecondsMs: options.queueSecondsMs }),
    ...(options.deliveryTimeoutMs === undefined ? {} : { deliveryTimeoutMs: options.deliveryTimeoutMs }),
    ...(options.maxReceiveCount === undefined ? {} : { maxReceiveCount: options.maxReceiveCount }),
  });
  const env: NodeJS.ProcessEnv = {
    ...notifier.env,
    [ENV.policyFile]: policyFile,
    [ENV.requestsTable]: tables.requests,
    [ENV.auditTable]: tables.audit,
    [ENV.dynamodbEndpoint]: testDynamoDbEndpoint(),
    AWS_REGION: "us-east-1",
  };
  const log = new CapturedLog();
  const publisher = createPublisherHandler({ ...publisherDepsFromEnvironment(env), logger: log });
  const sweeper = createSweeperHandler({ ...sweeperDepsFromEnvironment(env), logger: log });
  const deliveries = Object.fromEntries(
    (["slack", "webhook", "email"] as const).map((t) => [
      `notify-${t}`,
      createDeliveryHandler({ ...deliveryDepsFromEnvironment(t, env), logger: log }),
    ]),
  );
  await notifier.start({
    invoke: async (name, event) => {
      if (name === "notify-publisher") return publisher(event as DynamoDBStreamEvent);
      if (name === "reminder-sweeper") return sweeper(event);
      const delivery = deliveries[name];
      if (!delivery) throw new Error(`no handler ${name}`);
      return delivery(event as SQSEvent);
    },
    dynamodbEndpoint: testDynamoDbEndpoint(),
    auditTable: tables.audit,
    // The tests call sweep() themselves.
    sweepIntervalMs: 3_600_000,
    streamPollMs: 100,
  });

  return {
    policy,
    tables,
    notifier,
    log,
    repository,
    audit,
    async createRequest(entitlementId, requester = "alice", overrides = {}) {
      const entitlement = findEntitlement(policy, entitlementId);
      if (!entitlement) throw new Error(`no entitlement ${entitlementId}`);
      const created = newAccessRequest({
        entitlement,
        actor: { sub: requester, groups: entitlement.eligibleGroups },
        input: {
          justification: overrides.justification ?? "investigating INC-1",
          ticket: overrides.ticket ?? "INC-1",
        },
        nowMs: Date.now(),
        requestId: randomUUID(),
      });
      await repository.create(created.request, created.events);
      return created.request;
    },
    async stop() {
      await notifier.stop();
      client.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` every 25 ms until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}
