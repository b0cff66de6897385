import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDlq, SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as schedulerTargets from "aws-cdk-lib/aws-scheduler-targets";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { REQUESTS_PENDING_INDEX } from "#functions/adapters/dynamodb/table-definitions.js";
import { ENV } from "#functions/config/environment.js";
import { EVENT_SOURCE } from "#functions/domain/notifications/integration-event.js";
import type { NotificationChannel } from "#functions/domain/policy.js";
import type { DeploymentPolicy } from "../policy-file.js";
import { type HandlerName, JitFunction } from "./jit-function.js";

/** Properties of {@link Notifier}. */
export interface NotifierProps {
  readonly policy: DeploymentPolicy;
  readonly requestsTable: dynamodb.ITable;
  /** The Audit table; must have a stream (NEW_IMAGE, see table-definitions.ts). */
  readonly auditTable: dynamodb.ITable;
  /** The Notifications table (idempotency of deliveries and reminders). */
  readonly notificationsTable: dynamodb.ITable;
  readonly logRetention: logs.RetentionDays;
  /** Base URL of the web console for request links. @default no links */
  readonly consoleUrl?: string;
  /** Receives of a delivery before it moves to its channel's dead-letter queue. @default 8 */
  readonly maxReceiveCount?: number;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
}

/** Default receives before dead-lettering: 1 try + 7 retries, about 21 minutes with a 10 s base. */
export const DEFAULT_MAX_RECEIVE_COUNT = 8;
/** Per-call timeout of a delivery, ms. */
export const DELIVERY_CALL_TIMEOUT_MS = 5_000;
/** Visibility timeout after a first failed delivery, seconds; it doubles per attempt (with jitter). */
export const RETRY_BASE_SECONDS = 10;
/** Longest wait between two attempts, seconds. */
export const RETRY_MAX_SECONDS = 900;
/** Timeout of a delivery Lambda; the per-call timeout keeps each delivery well inside it. */
const DELIVERY_TIMEOUT = Duration.seconds(30);

/** One channel's delivery path. */
export interface ChannelResources {
  readonly type: NotificationChannel["type"];
  readonly rule: events.Rule;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;
  /** E-mail channels: the SNS topic subscribers receive the e-mail from. */
  readonly topic?: sns.Topic;
}

const DELIVERY_HANDLER: Record<NotificationChannel["type"], HandlerName> = {
  slack: "notify-slack",
  webhook: "notify-webhook",
  email: "notify-email",
};

/**
 * Notifications and the event stream (docs/events.md): Audit stream → publisher Lambda → EventBridge bus;
 * per channel a bus rule → its SQS queue (dead-letter queue after `maxReceiveCount` receives, alarm on
 * its depth) → the delivery Lambda of the channel's type; the reminder sweeper run every minute by
 * EventBridge Scheduler. Each delivery Lambda may read exactly the secrets of its own channels.
 */
export class Notifier extends Construct {
  readonly bus: events.EventBus;
  readonly publisher: JitFunction;
  readonly sweeper: JitFunction;
  readonly publisherFailures: sqs.Queue;
  readonly deliveries = new Map<NotificationChannel["type"], JitFunction>();
  readonly channels = new Map<string, ChannelResources>();
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    const streamArn = props.auditTable.tableStreamArn;
    if (streamArn === undefined) throw new Error(`${this.node.path}: the Audit table has no stream`);
    const handlersDir = props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir };
    const consoleUrl: Record<string, string> =
      props.consoleUrl === undefined ? {} : { [ENV.consoleUrl]: props.consoleUrl };
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;

    this.bus = new events.EventBus(this, "Bus", {
      description: "jit-access integration events (docs/events.md)",
    });

    // Publisher: Audit stream (INSERT only) → PutEvents.
    this.publisher = new JitFunction(this, "Publisher", {
      handler: "notify-publisher",
      description: "Audit stream → one EventBridge event per audit event",
      policy: props.policy,
      logRetention: props.logRetention,
      timeout: Duration.seconds(60),
      environment: consoleUrl,
      ...handlersDir,
    });
    this.publisher.useRequestsTable(props.requestsTable, ["dynamodb:GetItem"]);
    this.useBus(this.publisher);
    this.publisher.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        resources: [streamArn],
      }),
    );
    this.publisher.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["dynamodb:ListStreams"], resources: ["*"] }),
    );
    Validations.of(this.publisher.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Besides X-Ray (see JitFunction), dynamodb:ListStreams, which Lambda needs for a stream event source " +
        "mapping, supports no resource-level permissions; it returns stream ARNs only. Reading records is " +
        "limited to the Audit stream.",
    });
    this.publisherFailures = encryptedQueue(this, "PublisherOnFailure");
    Validations.of(this.publisherFailures).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is the on-failure destination of the Audit stream mapping (descriptions of batches that " +
        "exhausted their retries); a dead-letter queue for it would be circular.",
    });
    const mapping = new lambda.EventSourceMapping(this, "AuditStream", {
      target: this.publisher.function,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.days(1),
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.publisherFailures),
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual("INSERT") })],
    });
    mapping.node.addDependency(this.publisher.role);

    // Channels: rule → queue (+ dead-letter queue and alarm) → delivery Lambda of the channel's type.
    const channels = Object.entries(props.policy.policy.notifications.channels);
    for (const [name, channel] of channels) {
      const deadLetterQueue = encryptedQueue(this, `Channel-${name}-DeadLetters`);
      Validations.of(deadLetterQueue).acknowledge({
        id: "AwsSolutions-SQS3",
        reason: "This queue is itself the dead-letter queue of a channel's delivery queue.",
      });
      const queue = encryptedQueue(this, `Channel-${name}`, {
        // Longer than the delivery Lambda's timeout, as Lambda requires; failed deliveries set their own
        // (growing) visibility timeout.
        visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * 2),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
      });
      const rule = new events.Rule(this, `Channel-${name}-Rule`, {
        eventBus: this.bus,
        description: `jit-access events for channel ${name}`,
        eventPattern: { source: [EVENT_SOURCE], detail: { channels: [name] } },
      });
      rule.addTarget(new targets.SqsQueue(queue));
      // The message names its channel and carries the whole event: `<aws.events.event>` is EventBridge's
      // predefined variable for a copy of the original event
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
      (rule.node.defaultChild as events.CfnRule).addPropertyOverride("Targets.0.InputTransformer", {
        InputTemplate: `{"channel":${JSON.stringify(name)},"event":<aws.events.event>}`,
      });
      const alarm = new cloudwatch.Alarm(this, `Channel-${name}-DeadLetterAlarm`, {
        alarmDescription: `jit-access: deliveries to channel ${name} exhausted their retries (dead-letter queue not empty)`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const fn = this.delivery(channel.type, props, handlersDir);
      fn.function.addEventSource(
        new SqsEventSource(queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 5 }),
      );
      let topic: sns.Topic | undefined;
      if (channel.type === "email") {
        topic = new sns.Topic(this, `Channel-${name}-Topic`, {
          displayName: `jit-access ${name}`,
          enforceSSL: true,
          masterKey: kms.Alias.fromAliasName(this, `Channel-${name}-TopicKey`, "alias/aws/sns"),
        });
        // sns:Publish only: topic.grantPublish would also grant KMS data-key calls on every key of the
        // account (the alias names no key), and the AWS managed key alias/aws/sns already lets SNS use it
        // for any publisher of the account.
        fn.role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ["sns:Publish"], resources: [topic.topicArn] }),
        );
      }
      this.channels.set(name, {
        type: channel.type,
        rule,
        queue,
        deadLetterQueue,
        alarm,
        ...(topic ? { topic } : {}),
      });
    }
    this.grantChannelSecrets(channels);
    const emailTopics = Object.fromEntries(
      [...this.channels].filter(([, c]) => c.topic).map(([name, c]) => [name, c.topic?.topicArn]),
    );
    this.deliveries
      .get("email")
      ?.setEnvironment({ [ENV.emailTopics]: Stack.of(this).toJsonString(emailTopics) });

    // Reminder sweeper, every minute.
    this.sweeper = new JitFunction(this, "Sweeper", {
      handler: "reminder-sweeper",
      description: "Re-announces pending requests, escalates, warns before grants expire",
      policy: props.policy,
      logRetention: props.logRetention,
      timeout: Duration.seconds(50),
      environment: consoleUrl,
      ...handlersDir,
    });
    this.sweeper.useRequestsTable(props.requestsTable, ["dynamodb:Query"], {
      queryIndexes: [REQUESTS_PENDING_INDEX],
    });
    this.useNotificationsTable(this.sweeper, props.notificationsTable);
    this.useBus(this.sweeper);
    const scheduleRole = new iam.Role(this, "SweeperScheduleRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com"),
      description: "EventBridge Scheduler: invoke the jit-access reminder sweeper",
    });
    const sweeperId = Stack.of(this).getLogicalId(this.sweeper.function.node.defaultChild as CfnElement);
    Validations.of(scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${sweeperId}.Arn>:*]`,
      reason:
        "Function.grantInvoke also allows `<sweeper ARN>:*`, the qualified ARNs (versions and aliases) of this " +
        "one function; nothing else can be invoked with this role.",
    });
    this.schedule = new scheduler.Schedule(this, "SweeperSchedule", {
      description: "jit-access reminder sweep",
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      // No retries: the next run, a minute later, sweeps everything again.
      target: new schedulerTargets.LambdaInvoke(this.sweeper.function, {
        retryAttempts: 0,
        role: scheduleRole,
      }),
    });
  }

  private delivery(
    type: NotificationChannel["type"],
    props: NotifierProps,
    handlersDir: { handlersDir?: string },
  ): JitFunction {
    const existing = this.deliveries.get(type);
    if (existing) return existing;
    const fn = new JitFunction(this, `Deliver-${type}`, {
      handler: DELIVERY_HANDLER[type],
      description: `Delivers jit-access notifications to ${type} channels`,
      policy: props.policy,
      logRetention: props.logRetention,
      timeout: DELIVERY_TIMEOUT,
      ...handlersDir,
    });
    this.useNotificationsTable(fn, props.notificationsTable);
    fn.setEnvironment({
      [ENV.deliveryTimeoutMs]: String(DELIVERY_CALL_TIMEOUT_MS),
      [ENV.retryBaseSeconds]: String(RETRY_BASE_SECONDS),
      [ENV.retryMaxSeconds]: String(RETRY_MAX_SECONDS),
    });
    this.deliveries.set(type, fn);
    return fn;
  }

  /** `GetSecretValue` on exactly the secrets of each delivery Lambda's own channels. */
  private grantChannelSecrets(channels: [string, NotificationChannel][]): void {
    const stack = Stack.of(this);
    for (const [type, fn] of this.deliveries) {
      const names = [
        ...new Set(
          channels.filter(([, c]) => c.type === type && c.secret).map(([, c]) => c.secret as string),
        ),
      ];
      if (names.length === 0) continue;
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["secretsmanager:GetSecretValue"],
          // Secrets Manager appends "-" and six random characters to a secret's ARN.
          resources: names.map((n) =>
            stack.formatArn({
              service: "secretsmanager",
              resource: "secret",
              resourceName: `${n}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        }),
      );
    }
  }

  private useBus(fn: JitFunction): void {
    fn.setEnvironment({ [ENV.eventBusName]: this.bus.eventBusName });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["events:PutEvents"], resources: [this.bus.eventBusArn] }),
    );
  }

  private useNotificationsTable(fn: JitFunction, table: dynamodb.ITable): void {
    fn.setEnvironment({ [ENV.notificationsTable]: table.tableName });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
        resources: [table.tableArn],
      }),
    );
  }
}

function encryptedQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.RETAIN,
    ...props,
  });
}
