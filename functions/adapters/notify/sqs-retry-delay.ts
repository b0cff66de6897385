import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { RetryDelay } from "../../ports/notifications.js";

/**
 * Delays a message's next receive with `ChangeMessageVisibility`. The queue URL is built from the
 * record's queue ARN (`arn:aws:sqs:<region>:<account>:<name>` → `https://sqs.<region>.amazonaws.com/<account>/<name>`);
 * with a custom endpoint (local stack) the same path is used on that endpoint.
 */
export class SqsRetryDelay implements RetryDelay {
  constructor(
    private readonly client: SQSClient,
    private readonly endpoint: string | undefined,
  ) {}

  async delay(message: { queueArn: string; receiptHandle: string }, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlFromArn(message.queueArn, this.endpoint),
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  }
}

/** The queue URL of a queue ARN. @throws Error when `arn` is not an SQS queue ARN. */
export function queueUrlFromArn(arn: string, endpoint?: string): string {
  const match = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/.exec(arn);
  if (!match) throw new Error(`not an SQS queue ARN: ${arn}`);
  const [, partition, region, account, name] = match;
  const base = endpoint
    ? endpoint.replace(/\/+$/, "")
    : `https://sqs.${region}.amazonaws.com${partition === "aws-cn" ? ".cn" : ""}`;
  return `${base}/${account}/${name}`;
}
