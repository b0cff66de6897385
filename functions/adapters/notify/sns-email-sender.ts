import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { DeliveryError } from "../../domain/notifications/delivery-error.js";
import type { IntegrationEventDetail } from "../../domain/notifications/integration-event.js";
import { emailMessage } from "../../domain/notifications/messages.js";
import type { ChannelSender } from "../../ports/notifications.js";

/**
 * E-mail through SNS: each e-mail channel has a topic whose e-mail subscribers receive the message
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html).
 */
export class SnsEmailSender implements ChannelSender {
  /** @param topics channel name → topic ARN. */
  constructor(
    private readonly client: SNSClient,
    private readonly topics: Record<string, string>,
  ) {}

  async send(channel: string, detail: IntegrationEventDetail): Promise<void> {
    const topicArn = this.topics[channel];
    if (!topicArn) throw new DeliveryError("configuration", `${channel}: no SNS topic configured`);
    const message = emailMessage(detail);
    try {
      await this.client.send(
        new PublishCommand({ TopicArn: topicArn, Subject: message.subject, Message: message.body }),
      );
    } catch (err) {
      throw new DeliveryError(
        "unreachable",
        `${channel}: SNS Publish failed (${(err as Error)?.name ?? "error"})`,
        undefined,
        {
          cause: err,
        },
      );
    }
  }
}
