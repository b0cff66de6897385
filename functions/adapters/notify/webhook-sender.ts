import { Webhook } from "standardwebhooks";
import type { Clock } from "../../domain/clock.js";
import { DeliveryError } from "../../domain/notifications/delivery-error.js";
import type { IntegrationEventDetail } from "../../domain/notifications/integration-event.js";
import { webhookPayload } from "../../domain/notifications/messages.js";
import type { NotificationChannel } from "../../domain/policy.js";
import type { ChannelSender, SecretSource } from "../../ports/notifications.js";
import { parseWebhookSecret } from "./channel-secrets.js";
import { postWithTimeout } from "./http-post.js";

/**
 * Signed webhook calls per the Standard Webhooks specification, signed by the `standardwebhooks`
 * package: `webhook-id` is the event id (the same on every retry, so receivers deduplicate),
 * `webhook-timestamp` the attempt's time, and `webhook-signature` one `v1,<sig>` per signing secret
 * (two during a rotation).
 * Source: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export class WebhookSender implements ChannelSender {
  constructor(
    private readonly channels: Record<string, NotificationChannel>,
    private readonly secrets: SecretSource,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  async send(channel: string, detail: IntegrationEventDetail): Promise<void> {
    const config = this.channels[channel];
    if (config?.type !== "webhook") {
      throw new DeliveryError("configuration", `${channel} is not a webhook channel of the policy`);
    }
    let value: string;
    try {
      value = await this.secrets.get(config.secret);
    } catch (err) {
      throw new DeliveryError("secret", `${channel}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const credentials = parseWebhookSecret(config.secret, value);
    const url = config.url ?? credentials.url;
    if (!url) {
      throw new DeliveryError(
        "configuration",
        `${channel}: no url in the policy or in secret ${config.secret}`,
      );
    }
    const headers = signedHeaders(
      detail.eventId,
      webhookPayload(detail),
      credentials.signingSecrets,
      new Date(this.clock.nowMs()),
    );
    await postWithTimeout(url, headers.payload, headers.headers, this.timeoutMs, channel);
  }
}

/** The Standard Webhooks headers of one attempt. */
export function signedHeaders(
  webhookId: string,
  payload: string,
  signingSecrets: readonly string[],
  at: Date,
): { payload: string; headers: Record<string, string> } {
  let signatures: string;
  try {
    signatures = signingSecrets.map((secret) => new Webhook(secret).sign(webhookId, at, payload)).join(" ");
  } catch {
    throw new DeliveryError("configuration", "a webhook signing secret is not a valid whsec_ secret");
  }
  return {
    payload,
    headers: {
      "webhook-id": webhookId,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signatures,
    },
  };
}
