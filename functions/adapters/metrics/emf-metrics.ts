import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricName,
  type OperationalMetrics,
} from "../../ports/operational-metrics.js";

/**
 * {@link OperationalMetrics} as CloudWatch embedded metric format (EMF) lines, written by Powertools
 * Metrics (https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/): each count is one
 * JSON line on stdout at once, which CloudWatch Logs turns into a metric in namespace `JitAccess` with
 * dimensions `service` plus the ones given. Outside Lambda the line is just printed;
 * `POWERTOOLS_METRICS_DISABLED=true` turns the lines off (the local stack below INFO, the tests).
 */
export class EmfMetrics implements OperationalMetrics {
  private readonly metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

  count(name: MetricName, dimensions: Readonly<Record<string, string>> = {}): void {
    try {
      // A single metric is written at once with its own dimensions, so nothing waits for a flush and
      // a channel dimension never leaks onto another count.
      const single = this.metrics.singleMetric();
      for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
      single.addMetric(name, MetricUnit.Count, 1);
    } catch {
      // A metric is never worth failing the request or delivery it describes.
    }
  }
}
