import { Aws, CfnOutput, Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricName,
} from "#functions/ports/operational-metrics.js";
import { AUTHORIZER_METRIC, authorizerMetric, DECISION_DIMENSIONS } from "./authorizer-metrics.js";

/** A queue whose messages are work that exhausted its retries: any message is worth an alarm. */
export interface FailureQueue {
  /** Short name for the alarm and the dashboard, e.g. `channel security-alerts`. */
  readonly label: string;
  readonly queue: sqs.IQueue;
  /** An alarm on its depth that already exists: it is routed to the topic instead of duplicated. */
  readonly alarm?: cloudwatch.Alarm;
}

/** Properties of {@link JitMonitoring}. */
export interface JitMonitoringProps {
  /** The JIT API. */
  readonly api: apigateway.RestApi;
  /** Dead-letter and on-failure queues (notification channels, audit publisher, expiry consumer). */
  readonly failureQueues: readonly FailureQueue[];
  /** Names of the notification channels, for the dashboard's delivery graphs. */
  readonly channels: readonly string[];
}

const WORKFLOW_METRICS: readonly MetricName[] = [
  METRIC.requestCreated,
  METRIC.requestAutoApproved,
  METRIC.breakGlassGranted,
  METRIC.breakGlassReviewed,
  METRIC.approvalRecorded,
  METRIC.requestApproved,
  METRIC.requestDenied,
  METRIC.requestCancelled,
  METRIC.requestRevoked,
];

/** A jit-access EMF metric (docs/operations.md), summed over `period`. */
export function workflowMetric(
  name: MetricName,
  options: { channel?: string; period?: Duration } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: {
      service: METRICS_SERVICE,
      ...(options.channel === undefined ? {} : { channel: options.channel }),
    },
    statistic: cloudwatch.Stats.SUM,
    period: options.period ?? Duration.minutes(5),
  });
}

/**
 * Alarms and the operations dashboard of a jit-access deployment (docs/operations.md).
 *
 * Every alarm notifies one SNS topic, encrypted with a customer managed KMS key that CloudWatch may use
 * (alarms cannot publish to a topic encrypted with the AWS managed SNS key). Alarms: JIT authorizer
 * errors and initialisation failures (every JIT authorizer of the account and region, from their log
 * metric filters), JIT API 5xx, any message in a dead-letter or on-failure queue, and any break-glass
 * grant. Missing data is "not breaching": no traffic is not an incident.
 */
export class JitMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: JitMonitoringProps) {
    super(scope, id);
    this.topicKey = new kms.Key(this, "AlarmTopicKey", {
      description: "jit-access alarm topic encryption",
      enableKeyRotation: true,
      // Alarm notifications are transient: nothing is left to decrypt once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch encrypts what it publishes with this key
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );
    this.topic = new sns.Topic(this, "AlarmTopic", {
      displayName: "jit-access alarms",
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // The topic policy that enforces TLS replaces SNS's default one, so CloudWatch is allowed explicitly,
    // for alarms of this account only.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
      }),
    );
    const notify = new actions.SnsAction(this.topic);
    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `jit-access: ${description} (docs/operations.md)`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
      return created;
    };

    alarm(
      "AuthorizerErrors",
      "a JIT authorizer logged an error (grant read failed, invalid grant, timeout or crash)",
      authorizerMetric(AUTHORIZER_METRIC.errors),
    );
    alarm(
      "AuthorizerInitFailures",
      "a JIT authorizer cannot start and refuses every call",
      authorizerMetric(AUTHORIZER_METRIC.initFailures, { period: Duration.minutes(1) }),
    );
    alarm(
      "JitApi5xx",
      "the JIT API answered 5xx (internal error, or a dependency unavailable)",
      props.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    );
    alarm(
      "BreakGlass",
      "break-glass access was granted; review it",
      workflowMetric(METRIC.breakGlassGranted, { period: Duration.minutes(1) }),
    );
    for (const { label, queue, alarm: existing } of props.failureQueues) {
      if (existing) {
        existing.addAlarmAction(notify);
        this.alarms.push(existing);
        continue;
      }
      alarm(
        `FailureQueue-${label.replace(/[^A-Za-z0-9]/g, "")}`,
        `${label}: work exhausted its retries (queue not empty)`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.days(1),
    });
    const fiveMinutes = { period: Duration.minutes(5) };
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: this.alarms, width: 24 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Workflow transitions",
        left: WORKFLOW_METRICS.map((name) => workflowMetric(name, fiveMinutes)),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Access tokens issued",
        left: [workflowMetric(METRIC.tokenIssued, fiveMinutes)],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "JIT authorizer decisions (all authorizers)",
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},${DECISION_DIMENSIONS.decision},${DECISION_DIMENSIONS.reason}} MetricName="${AUTHORIZER_METRIC.decisions}"', 'Sum', 300)`,
            label: "",
            period: Duration.minutes(5),
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "JIT authorizer errors",
        left: [authorizerMetric(AUTHORIZER_METRIC.errors), authorizerMetric(AUTHORIZER_METRIC.initFailures)],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "JIT API requests and errors",
        left: [
          props.api.metricCount(fiveMinutes),
          props.api.metricClientError(fiveMinutes),
          props.api.metricServerError(fiveMinutes),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "JIT API latency",
        left: [
          props.api.metricLatency({ ...fiveMinutes, statistic: cloudwatch.Stats.p(50) }),
          props.api.metricLatency({ ...fiveMinutes, statistic: cloudwatch.Stats.p(99) }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Notifications delivered / failed attempts",
        left: props.channels.map((channel) =>
          workflowMetric(METRIC.notificationDelivered, { ...fiveMinutes, channel }),
        ),
        right: [
          ...props.channels.map((channel) =>
            workflowMetric(METRIC.notificationDeliveryFailed, { ...fiveMinutes, channel }),
          ),
          workflowMetric(METRIC.notificationUnreadable, fiveMinutes),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Dead-letter and on-failure queues (messages)",
        left: props.failureQueues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label }),
        ),
        width: 12,
      }),
    );

    new CfnOutput(this, "AlarmTopicArn", {
      value: this.topic.topicArn,
      description: "Subscribe on-call (e-mail, chat, paging) to this SNS topic for jit-access alarms",
    });
    new CfnOutput(this, "DashboardName", { value: this.dashboard.dashboardName });
  }
}
