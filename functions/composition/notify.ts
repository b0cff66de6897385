import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod/mini";
import "../config/zod-locale.js";
import { DynamoDbNotificationLedger } from "../adapters/dynamodb/dynamodb-notification-ledger.js";
import { DynamoDbRequestReader } from "../adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbRequestsByStatus } from "../adapters/dynamodb/dynamodb-requests-by-status.js";
import { createLogger } from "../adapters/logging/logger.js";
import { EmfMetrics } from "../adapters/metrics/emf-metrics.js";
import { EventBridgeBus } from "../adapters/notify/eventbridge-bus.js";
import { SecretsManagerSource } from "../adapters/notify/secrets-manager-source.js";
import { SlackSender } from "../adapters/notify/slack-sender.js";
import { SnsEmailSender } from "../adapters/notify/sns-email-sender.js";
import { SqsRetryDelay } from "../adapters/notify/sqs-retry-delay.js";
import { WebhookSender } from "../adapters/notify/webhook-sender.js";
import { ENV, readEnvironment } from "../config/environment.js";
import { loadPolicyJsonFile } from "../config/policy-document.js";
import { type Clock, systemClock } from "../domain/clock.js";
import type { BackoffSettings } from "../domain/notifications/delivery-backoff.js";
import type { ChannelSender, RetryDelay } from "../ports/notifications.js";
import type { OperationalMetrics } from "../ports/operational-metrics.js";
import type { StructuredLog } from "../ports/structured-log.js";
import type { DeliverDeps } from "../use-cases/deliver-notification.js";
import type { PublishDeps } from "../use-cases/publish-audit-events.js";
import type { SweepDeps } from "../use-cases/sweep-reminders.js";
import { documentClientFor } from "./expiry.js";

const nonEmpty = z.string().check(z.trim(), z.minLength(1, "must be set"));
const optionalUrl = z.optional(z.url());
const positiveInt = (fallback: number, max: number) =>
  z._default(z.coerce.number().check(z.int("must be a whole number"), z.gte(1), z.lte(max)), fallback);

/** Publisher: policy, Requests table (read), bus. */
export const PublisherEnvironmentSchema = z.object({
  [ENV.policyFile]: nonEmpty,
  [ENV.requestsTable]: nonEmpty,
  [ENV.eventBusName]: nonEmpty,
  [ENV.consoleUrl]: optionalUrl,
  [ENV.dynamodbEndpoint]: optionalUrl,
  [ENV.eventBridgeEndpoint]: optionalUrl,
});

/** Reminder sweeper: the publisher's variables plus the Notifications table. */
export const SweeperEnvironmentSchema = z.extend(PublisherEnvironmentSchema, {
  [ENV.notificationsTable]: nonEmpty,
});

/** Delivery Lambdas (one per channel type). */
export const DeliveryEnvironmentSchema = z.object({
  [ENV.policyFile]: nonEmpty,
  [ENV.notificationsTable]: nonEmpty,
  [ENV.deliveryTimeoutMs]: positiveInt(5000, 60_000),
  [ENV.retryBaseSeconds]: positiveInt(10, 43_200),
  [ENV.retryMaxSeconds]: positiveInt(900, 43_200),
  [ENV.emailTopics]: z.optional(nonEmpty),
  [ENV.dynamodbEndpoint]: optionalUrl,
  [ENV.sqsEndpoint]: optionalUrl,
  [ENV.secretsManagerEndpoint]: optionalUrl,
  [ENV.snsEndpoint]: optionalUrl,
});

/** The channel types, each with its own delivery Lambda. */
export type ChannelType = "slack" | "webhook" | "email";

/** Region and static credentials used only with local endpoints (never in AWS). */
function clientConfig(endpoint: string | undefined, env: NodeJS.ProcessEnv) {
  if (endpoint === undefined) return {};
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  return {
    endpoint,
    region: env.AWS_REGION ?? "us-east-1",
    ...(hasCredentials ? {} : { credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
  };
}

/** What the publisher handler needs. */
export interface PublisherHandlerDeps extends PublishDeps {
  logger: StructuredLog;
}

/**
 * The publisher's dependencies from the Lambda environment, once per cold start. No network call here.
 * @throws ConfigurationError naming each missing or invalid variable or policy field.
 */
export function publisherDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): PublisherHandlerDeps {
  const config = readEnvironment(PublisherEnvironmentSchema, env);
  const documents = documentClientFor(config[ENV.dynamodbEndpoint], env);
  return {
    bus: new EventBridgeBus(
      new EventBridgeClient(clientConfig(config[ENV.eventBridgeEndpoint], env)),
      config[ENV.eventBusName],
    ),
    requests: new DynamoDbRequestReader(documents, config[ENV.requestsTable]),
    policy: loadPolicyJsonFile(config[ENV.policyFile]),
    clock: systemClock,
    consoleUrl: config[ENV.consoleUrl],
    logger: createLogger("jit-notify-publisher"),
  };
}

/** What the sweeper handler needs. */
export interface SweeperHandlerDeps extends SweepDeps {
  logger: StructuredLog;
}

/** The sweeper's dependencies from the Lambda environment. @throws ConfigurationError */
export function sweeperDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): SweeperHandlerDeps {
  const config = readEnvironment(SweeperEnvironmentSchema, env);
  const documents = documentClientFor(config[ENV.dynamodbEndpoint], env);
  const logger = createLogger("jit-reminder-sweeper");
  return {
    requests: new DynamoDbRequestsByStatus(documents, config[ENV.requestsTable], (err) =>
      logger.warn("malformed request item skipped", { errorName: (err as Error)?.name }),
    ),
    ledger: new DynamoDbNotificationLedger(documents, config[ENV.notificationsTable], systemClock),
    bus: new EventBridgeBus(
      new EventBridgeClient(clientConfig(config[ENV.eventBridgeEndpoint], env)),
      config[ENV.eventBusName],
    ),
    policy: loadPolicyJsonFile(config[ENV.policyFile]),
    clock: systemClock,
    consoleUrl: config[ENV.consoleUrl],
    logger,
  };
}

/** What a delivery handler needs. */
export interface DeliveryHandlerDeps extends DeliverDeps {
  retry: RetryDelay;
  backoff: BackoffSettings;
  random: () => number;
  clock: Clock;
  logger: StructuredLog;
  /** Counts deliveries and failures (EMF in Lambda). */
  metrics: OperationalMetrics;
}

/**
 * A delivery Lambda's dependencies for channel type `type`, from the environment.
 * @throws ConfigurationError naming each missing or invalid variable or policy field.
 */
export function deliveryDepsFromEnvironment(
  type: ChannelType,
  env: NodeJS.ProcessEnv = process.env,
): DeliveryHandlerDeps {
  const config = readEnvironment(DeliveryEnvironmentSchema, env);
  const policy = loadPolicyJsonFile(config[ENV.policyFile]);
  const channels = policy.notifications.channels;
  const timeoutMs = config[ENV.deliveryTimeoutMs];
  const secrets = () =>
    new SecretsManagerSource(
      new SecretsManagerClient(clientConfig(config[ENV.secretsManagerEndpoint], env)),
      systemClock,
    );
  let sender: ChannelSender;
  if (type === "slack") sender = new SlackSender(channels, secrets(), timeoutMs);
  else if (type === "webhook") sender = new WebhookSender(channels, secrets(), systemClock, timeoutMs);
  else
    sender = new SnsEmailSender(
      new SNSClient(clientConfig(config[ENV.snsEndpoint], env)),
      parseTopics(config[ENV.emailTopics]),
    );
  const documents = documentClientFor(config[ENV.dynamodbEndpoint], env);
  return {
    sender,
    ledger: new DynamoDbNotificationLedger(documents, config[ENV.notificationsTable], systemClock),
    retry: new SqsRetryDelay(
      new SQSClient(clientConfig(config[ENV.sqsEndpoint], env)),
      config[ENV.sqsEndpoint],
    ),
    backoff: { baseSeconds: config[ENV.retryBaseSeconds], maxSeconds: config[ENV.retryMaxSeconds] },
    random: Math.random,
    clock: systemClock,
    logger: createLogger(`jit-notify-${type}`),
    metrics: new EmfMetrics(),
  };
}

function parseTopics(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string")) as Record<
    string,
    string
  >;
}
