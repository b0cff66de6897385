import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { parseDeliveryMessage } from "../adapters/notify/delivery-message.js";
import type { DeliveryHandlerDeps } from "../composition/notify.js";
import { retryVisibilitySeconds } from "../domain/notifications/delivery-backoff.js";
import { DeliveryError } from "../domain/notifications/delivery-error.js";
import { METRIC } from "../ports/operational-metrics.js";
import { deliverNotification } from "../use-cases/deliver-notification.js";

/** An SQS handler reporting partial batch failures. */
export type DeliveryHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * The body shared by the delivery Lambdas (one per channel type): each SQS record is one event for one
 * channel, delivered at most once per event id.
 *
 * Failure handling (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html): a
 * failed delivery makes its message invisible for a growing, jittered time
 * (`retryVisibilitySeconds` of its receive count) and is reported in `batchItemFailures`, so the queue
 * retries it later; after the queue's maximum receives it moves to the channel's dead-letter queue.
 * An unreadable message is reported failed too, so it ends in the dead-letter queue rather than vanishing.
 * Log lines name the channel, event id and reason, never a secret or a message body. Each delivery, each
 * failed attempt and each unreadable message is counted (`NotificationDelivered`,
 * `NotificationDeliveryFailed` with dimension `channel`, `NotificationUnreadable`; docs/operations.md).
 */
export function createDeliveryHandler(deps: DeliveryHandlerDeps): DeliveryHandler {
  return async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    const records = Array.isArray(event?.Records) ? event.Records : [];
    await Promise.all(
      records.map(async (record) => {
        const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? "1");
        const message = parseDeliveryMessage(record.body);
        if ("problem" in message) {
          deps.logger.error("unreadable delivery message", {
            messageId: record.messageId,
            problem: message.problem,
          });
          deps.metrics.count(METRIC.notificationUnreadable);
          failures.push({ itemIdentifier: record.messageId });
          return;
        }
        const started = deps.clock.nowMs();
        try {
          const outcome = await deliverNotification(deps, message.channel, message.detail);
          deps.logger.info("notification delivered", {
            channel: message.channel,
            eventId: message.detail.eventId,
            action: message.detail.action,
            outcome,
            attempt: receiveCount,
            elapsedMs: deps.clock.nowMs() - started,
          });
          if (outcome === "delivered") {
            deps.metrics.count(METRIC.notificationDelivered, { channel: message.channel });
          }
        } catch (err) {
          const seconds = retryVisibilitySeconds(receiveCount, deps.backoff, deps.random);
          deps.logger.warn("notification delivery failed; retrying later", {
            channel: message.channel,
            eventId: message.detail.eventId,
            action: message.detail.action,
            attempt: receiveCount,
            reason: err instanceof DeliveryError ? err.reason : (err as Error)?.name,
            status: err instanceof DeliveryError ? err.status : undefined,
            error: err instanceof Error ? err.message.slice(0, 200) : undefined,
            retryInSeconds: seconds,
          });
          deps.metrics.count(METRIC.notificationDeliveryFailed, { channel: message.channel });
          try {
            await deps.retry.delay(
              { queueArn: record.eventSourceARN, receiptHandle: record.receiptHandle },
              seconds,
            );
          } catch (delayErr) {
            deps.logger.warn("could not delay the retry; the queue's visibility timeout applies", {
              errorName: (delayErr as Error)?.name,
            });
          }
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}
