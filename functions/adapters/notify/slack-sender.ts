import { DeliveryError } from "../../domain/notifications/delivery-error.js";
import type { IntegrationEventDetail } from "../../domain/notifications/integration-event.js";
import { slackMessage } from "../../domain/notifications/messages.js";
import type { NotificationChannel } from "../../domain/policy.js";
import type { ChannelSender, SecretSource } from "../../ports/notifications.js";
import { parseSlackSecret } from "./channel-secrets.js";
import { postWithTimeout } from "./http-post.js";

/** Slack's Web API base; a channel's `url` replaces it (a proxy, or the local notifications sink). */
const SLACK_API = "https://slack.com/api";

/**
 * Posts Block Kit messages to Slack: through an incoming webhook
 * (https://api.slack.com/messaging/webhooks) or, with a bot token, `chat.postMessage`
 * (https://api.slack.com/methods/chat.postMessage), which answers 200 with `ok: false` on errors.
 */
export class SlackSender implements ChannelSender {
  constructor(
    private readonly channels: Record<string, NotificationChannel>,
    private readonly secrets: SecretSource,
    private readonly timeoutMs: number,
  ) {}

  async send(channel: string, detail: IntegrationEventDetail): Promise<void> {
    const config = this.channels[channel];
    if (config?.type !== "slack") {
      throw new DeliveryError("configuration", `${channel} is not a slack channel of the policy`);
    }
    let value: string;
    try {
      value = await this.secrets.get(config.secret);
    } catch (err) {
      throw new DeliveryError("secret", `${channel}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const credentials = parseSlackSecret(config.secret, value);
    const message = slackMessage(detail);
    if ("webhookUrl" in credentials) {
      await postWithTimeout(credentials.webhookUrl, JSON.stringify(message), {}, this.timeoutMs, channel);
      return;
    }
    const base = (config.url ?? SLACK_API).replace(/\/+$/, "");
    const answer = await postWithTimeout(
      `${base}/chat.postMessage`,
      JSON.stringify({ channel: credentials.channel, ...message, unfurl_links: false, unfurl_media: false }),
      { authorization: `Bearer ${credentials.botToken}`, "content-type": "application/json; charset=utf-8" },
      this.timeoutMs,
      channel,
    );
    let ok = false;
    let error = "unreadable answer";
    try {
      const parsed = JSON.parse(answer) as { ok?: unknown; error?: unknown };
      ok = parsed.ok === true;
      if (typeof parsed.error === "string") error = parsed.error.slice(0, 100);
    } catch {
      // reported below
    }
    if (!ok) throw new DeliveryError("status", `${channel}: chat.postMessage failed (${error})`, 200);
  }
}
