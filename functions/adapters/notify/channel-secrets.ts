import { DeliveryError } from "../../domain/notifications/delivery-error.js";

/** A Slack channel's credentials: an incoming-webhook URL, or a bot token and the conversation to post to. */
export type SlackCredentials = { webhookUrl: string } | { botToken: string; channel: string };

/**
 * Reads a Slack channel's secret: `{"webhookUrl": "https://hooks.slack.com/..."}`,
 * `{"botToken": "xoxb-...", "channel": "C0123"}`, or a bare incoming-webhook URL.
 * @throws DeliveryError `configuration` naming the secret (never its value).
 */
export function parseSlackSecret(name: string, value: string): SlackCredentials {
  const trimmed = value.trim();
  if (/^https?:\/\//.test(trimmed)) return { webhookUrl: trimmed };
  const parsed = parseJsonObject(name, trimmed);
  if (typeof parsed.webhookUrl === "string" && /^https?:\/\//.test(parsed.webhookUrl)) {
    return { webhookUrl: parsed.webhookUrl };
  }
  if (typeof parsed.botToken === "string" && typeof parsed.channel === "string" && parsed.channel) {
    return { botToken: parsed.botToken, channel: parsed.channel };
  }
  throw new DeliveryError(
    "configuration",
    `secret ${name} must hold {"webhookUrl": "https://..."} or {"botToken": "xoxb-...", "channel": "C..."}`,
  );
}

/** A webhook channel's credentials: the signing secrets valid now (current first) and optionally the URL. */
export interface WebhookCredentials {
  signingSecrets: string[];
  url: string | undefined;
}

/**
 * Reads a webhook channel's secret: `{"signingSecrets": ["whsec_new", "whsec_old"], "url"?: "https://..."}`
 * (during a rotation both secrets sign every delivery, so receivers holding either one verify it), or a
 * bare `whsec_...` secret.
 * @throws DeliveryError `configuration` naming the secret (never its value).
 */
export function parseWebhookSecret(name: string, value: string): WebhookCredentials {
  const trimmed = value.trim();
  if (trimmed.startsWith("whsec_")) return { signingSecrets: [trimmed], url: undefined };
  const parsed = parseJsonObject(name, trimmed);
  const secrets = Array.isArray(parsed.signingSecrets)
    ? parsed.signingSecrets.filter((s): s is string => typeof s === "string" && s.length > 0)
    : [];
  if (secrets.length === 0 || secrets.length > 2) {
    throw new DeliveryError(
      "configuration",
      `secret ${name} must hold {"signingSecrets": ["whsec_..."]} with one or two secrets (two during a rotation)`,
    );
  }
  const url = typeof parsed.url === "string" && /^https?:\/\//.test(parsed.url) ? parsed.url : undefined;
  return { signingSecrets: secrets, url };
}

function parseJsonObject(name: string, text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new DeliveryError("configuration", `secret ${name} is not a JSON object of the expected shape`);
}
