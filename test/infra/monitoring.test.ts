import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { BUNDLING_STACKS } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import type { NagPack } from "cdk-nag/lib/nag-pack.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from "#functions/ports/operational-metrics.js";
import { PROJECT_ROOT } from "#infra/bundling.js";
import { AUTHORIZER_METRIC } from "#infra/constructs/authorizer-metrics.js";
import { createJitAccessApp, type JitAccessApp } from "#infra/jit-access-app.js";
import { CDK_JSON_FEATURE_FLAGS, type TemplateJson } from "./helpers.js";

// The app as `cdk deploy` builds it, without bundling (these tests read alarms, filters and the dashboard).
let outdir: string;
let built: JitAccessApp;
let stateless: Template;
let statelessJson: TemplateJson;
let demo: Template;
let nagFindings: ReturnType<NagPack["validateScope"]>["violations"];

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "jit-monitoring-"));
  built = createJitAccessApp({
    appProps: {
      outdir,
      context: {
        ...CDK_JSON_FEATURE_FLAGS,
        "jit-access:config": join(PROJECT_ROOT, "config", "example.yaml"),
        [BUNDLING_STACKS]: [],
      },
    },
  });
  nagFindings = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(built.app).violations;
  const assembly = built.app.synth();
  statelessJson = assembly.getStackByName(built.stateless.stackName).template as TemplateJson;
  stateless = Template.fromJSON(statelessJson);
  demo = Template.fromJSON(assembly.getStackByName((built.demo as Stack).stackName).template);
}, 180_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const logicalId = (c: { node: { defaultChild?: unknown } }): string => {
  const element = c.node.defaultChild as CfnElement;
  return Stack.of(element).getLogicalId(element);
};

/** Every alarm of the stateless stack, by logical id. */
function alarms(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(statelessJson.Resources)
      .filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm")
      .map(([id, r]) => [id, r.Properties ?? {}]),
  );
}

describe("alarm topic", () => {
  it("is encrypted with a rotating customer managed key that CloudWatch may use, and requires TLS", () => {
    const topic = built.stateless.monitoring.topic;
    const key = built.stateless.monitoring.topicKey;
    stateless.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: { "Fn::GetAtt": [logicalId(key), "Arn"] },
    });
    stateless.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Effect: "Allow",
          }),
        ]),
      },
    });
    stateless.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: logicalId(topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          }),
        ]),
      },
    });
    expect(Object.keys(statelessJson.Outputs ?? {}).some((k) => k.includes("AlarmTopicArn"))).toBe(true);
  });

  it("receives every alarm of the stack, and no alarm is left without it", () => {
    const topicRef = { Ref: logicalId(built.stateless.monitoring.topic) };
    const all = Object.values(alarms());
    expect(all.length).toBeGreaterThanOrEqual(4 + built.stateless.notifier.channels.size + 2);
    for (const props of all) expect(props.AlarmActions).toEqual([topicRef]);
  });

  it("leaves no cdk-nag finding in the app, the topic, its key, the alarms and the dashboard included", () => {
    expect(built.stateless.monitoring.node.findAll().length).toBeGreaterThan(10);
    expect(nagFindings).toEqual([]);
  });
});

describe("alarms", () => {
  const alarmOn = (metric: Record<string, unknown>) =>
    stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Statistic: "Sum",
      ...metric,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });

  it("fires on any JIT authorizer error and any initialisation failure, from the log metric filters", () => {
    alarmOn({ Namespace: METRICS_NAMESPACE, MetricName: AUTHORIZER_METRIC.errors, Period: 300 });
    alarmOn({ Namespace: METRICS_NAMESPACE, MetricName: AUTHORIZER_METRIC.initFailures, Period: 60 });
  });

  it("fires on any 5xx of the JIT API", () => {
    alarmOn({
      Namespace: "AWS/ApiGateway",
      MetricName: "5XXError",
      Dimensions: [{ Name: "ApiName", Value: Match.anyValue() }],
    });
  });

  it("fires on any break-glass grant, from the EMF metric the create Lambda writes", () => {
    alarmOn({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.breakGlassGranted,
      Dimensions: [{ Name: "service", Value: METRICS_SERVICE }],
      Period: 60,
    });
  });

  it("fires on any message in a channel's dead-letter queue (one alarm each) or an on-failure queue", () => {
    const { notifier, expiry } = built.stateless;
    const queues = [
      ...[...notifier.channels.values()].map((c) => c.deadLetterQueue),
      notifier.publisherFailures,
      expiry.failures,
    ];
    const depthAlarms = Object.values(alarms()).filter(
      (a) => a.MetricName === "ApproximateNumberOfMessagesVisible",
    );
    expect(depthAlarms).toHaveLength(queues.length);
    for (const queue of queues) {
      alarmOn({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Statistic: "Maximum",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(queue), "QueueName"] } }],
      });
    }
  });
});

describe("JIT authorizer metric filters", () => {
  const authorizerLogGroup = () =>
    logicalId((built.demo as NonNullable<JitAccessApp["demo"]>).api.authorizer.fn.logGroup);

  it("counts every logged decision by decision and reason, from the JSON fields", () => {
    demo.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: authorizerLogGroup() },
      FilterPattern: '{ $.decision = "*" }',
      MetricTransformations: [
        {
          MetricNamespace: METRICS_NAMESPACE,
          MetricName: AUTHORIZER_METRIC.decisions,
          MetricValue: "1",
          Unit: "Count",
          Dimensions: [
            { Key: "decision", Value: "$.decision" },
            { Key: "reason", Value: "$.reason" },
          ],
        },
      ],
    });
  });

  it("counts error lines, timeouts and crashes as errors, and init_failed refusals as init failures", () => {
    for (const pattern of ['{ $.level = "ERROR" }', '?"Task timed out" ?"Runtime.ExitError"']) {
      demo.hasResourceProperties("AWS::Logs::MetricFilter", {
        LogGroupName: { Ref: authorizerLogGroup() },
        FilterPattern: pattern,
        MetricTransformations: [Match.objectLike({ MetricName: AUTHORIZER_METRIC.errors })],
      });
    }
    demo.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: authorizerLogGroup() },
      FilterPattern: '{ $.reason = "init_failed" }',
      MetricTransformations: [Match.objectLike({ MetricName: AUTHORIZER_METRIC.initFailures })],
    });
  });
});

describe("dashboard", () => {
  it("shows the alarms, the workflow, tokens, authorizer decisions, the JIT API and the queues", () => {
    const dashboards = Object.values(statelessJson.Resources).filter(
      (r) => r.Type === "AWS::CloudWatch::Dashboard",
    );
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties?.DashboardBody);
    for (const title of [
      "Alarms",
      "Workflow transitions",
      "Access tokens issued",
      "JIT authorizer decisions",
      "JIT API requests and errors",
      "Notifications delivered",
      "Dead-letter and on-failure queues",
    ]) {
      expect(body).toContain(title);
    }
    for (const name of [
      METRIC.requestCreated,
      METRIC.requestApproved,
      METRIC.requestRevoked,
      METRIC.tokenIssued,
      METRIC.notificationDeliveryFailed,
      AUTHORIZER_METRIC.decisions,
      "5XXError",
    ]) {
      expect(body).toContain(name);
    }
  });
});
