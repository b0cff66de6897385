import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { METRICS_NAMESPACE } from "#functions/ports/operational-metrics.js";

/**
 * Metrics of the JIT authorizers, counted by CloudWatch Logs metric filters from the one JSON line each
 * decision writes (`decision`: allow | deny | unauthorized, `reason`: a stable code from docs/errors.md;
 * faults at level ERROR). The authorizer itself writes no metric: the hot path stays one log line at most.
 * Every JIT authorizer of an account and region adds to the same metrics (docs/operations.md).
 */
export const AUTHORIZER_METRIC = {
  /** One per logged decision, dimensions `decision` and `reason`. */
  decisions: "AuthorizerDecisions",
  /** Lines at level ERROR (grant read failed, invalid grant, initialisation failed) plus timeouts and crashes. */
  errors: "AuthorizerErrors",
  /** Calls refused because the authorizer could not be built (configuration, keys). */
  initFailures: "AuthorizerInitFailures",
} as const;

/** Dimension names of {@link AUTHORIZER_METRIC}.decisions, as written by the metric filter. */
export const DECISION_DIMENSIONS = { decision: "decision", reason: "reason" } as const;

/**
 * Lambda runtime lines of an invocation that ended without an answer (a timeout, a crashed runtime):
 * API Gateway answers 500 for those, and no JSON line of ours says so.
 */
const RUNTIME_FAILURE = '?"Task timed out" ?"Runtime.ExitError"';

/** Properties of {@link AuthorizerMetricFilters}. */
export interface AuthorizerMetricFiltersProps {
  /** The authorizer Lambda's log group. */
  readonly logGroup: logs.ILogGroup;
}

/**
 * The metric filters of one JIT authorizer's log group: decisions by decision and reason, errors, and
 * initialisation failures, all in namespace `JitAccess`.
 */
export class AuthorizerMetricFilters extends Construct {
  constructor(scope: Construct, id: string, props: AuthorizerMetricFiltersProps) {
    super(scope, id);
    const { logGroup } = props;
    new logs.MetricFilter(this, "Decisions", {
      logGroup,
      filterPattern: logs.FilterPattern.exists("$.decision"),
      metricNamespace: METRICS_NAMESPACE,
      metricName: AUTHORIZER_METRIC.decisions,
      metricValue: "1",
      unit: cloudwatch.Unit.COUNT,
      dimensions: {
        [DECISION_DIMENSIONS.decision]: "$.decision",
        [DECISION_DIMENSIONS.reason]: "$.reason",
      },
    });
    new logs.MetricFilter(this, "Errors", {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue("$.level", "=", "ERROR"),
      metricNamespace: METRICS_NAMESPACE,
      metricName: AUTHORIZER_METRIC.errors,
      metricValue: "1",
      unit: cloudwatch.Unit.COUNT,
    });
    new logs.MetricFilter(this, "RuntimeFailures", {
      logGroup,
      filterPattern: logs.FilterPattern.literal(RUNTIME_FAILURE),
      metricNamespace: METRICS_NAMESPACE,
      metricName: AUTHORIZER_METRIC.errors,
      metricValue: "1",
      unit: cloudwatch.Unit.COUNT,
    });
    new logs.MetricFilter(this, "InitFailures", {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue("$.reason", "=", "init_failed"),
      metricNamespace: METRICS_NAMESPACE,
      metricName: AUTHORIZER_METRIC.initFailures,
      metricValue: "1",
      unit: cloudwatch.Unit.COUNT,
    });
  }
}

/**
 * One of the authorizer metrics above, summed over `period` (default 5 minutes). For `decisions`, give
 * the `decision` and `reason` dimension values to read one series.
 */
export function authorizerMetric(
  name: (typeof AUTHORIZER_METRIC)[keyof typeof AUTHORIZER_METRIC],
  options: { dimensions?: { decision: string; reason: string }; period?: Duration } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    statistic: cloudwatch.Stats.SUM,
    period: options.period ?? Duration.minutes(5),
    ...(options.dimensions === undefined ? {} : { dimensionsMap: { ...options.dimensions } }),
  });
}
