import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One notification the sink received. */
export interface SinkMessage {
  /** Channel name (the policy's `notifications.channels` key). */
  channel: string;
  kind: "slack" | "webhook" | "email";
  receivedAt: string;
  /** Slack fallback text, e-mail subject, or the webhook payload's `type`. */
  summary: string;
  /** URLs of the Slack message's buttons. */
  links: string[];
  /** Webhooks: `webhook-id` (the event id). */
  webhookId?: string;
  /** The received body: Slack/webhook JSON, or `{subject, message}` for e-mail. */
  body: unknown;
}

/** A delivery the sink refused (not Slack-shaped, or a webhook whose signature does not verify). */
export interface SinkRejection {
  channel: string;
  kind: "slack" | "webhook";
  receivedAt: string;
  problem: string;
}

/** Settings of {@link startNotificationsSink}. */
export interface NotificationsSinkOptions {
  /** 0 = a free port. */
  port?: number;
  /** The signing secrets a webhook channel's deliveries must verify with (current and previous). */
  webhookSecrets: (channel: string) => string[];
  /** Told about every accepted notification (the local stack prints a line). */
  onMessage?: (message: SinkMessage) => void;
}

/** A running sink. */
export interface NotificationsSink {
  url: string;
  readonly messages: readonly SinkMessage[];
  readonly rejections: readonly SinkRejection[];
  /** Records an e-mail (what the SNS stand-in publishes to the channel's topic). */
  recordEmail(channel: string, subject: string | undefined, message: string): void;
  stop(): Promise<void>;
}

const BLOCK_TYPES = new Set(["header", "section", "actions", "context", "divider", "image", "rich_text"]);
const BODY_LIMIT = 256 * 1024;

/**
 * The local stack's notifications sink (docs/events.md): what Slack and webhook receivers would be.
 * - `POST /slack/<channel>`: a Slack incoming webhook. The body must be a Slack message (`text` and an
 *   array of known Block Kit `blocks`, each with its required text); answers `ok`, else 400 as Slack does.
 * - `POST /webhooks/<channel>`: a Standard Webhooks receiver. The signature is verified with the
 *   reference `standardwebhooks` verifier against the channel's secrets; a `webhook-id` already received
 *   is answered 200 and not recorded again (receivers deduplicate by it).
 * - `GET /messages` (optionally `?channel=<name>`): `{"messages": [...], "rejected": [...]}`, newest last.
 */
export async function startNotificationsSink(options: NotificationsSinkOptions): Promise<NotificationsSink> {
  const messages: SinkMessage[] = [];
  const rejections: SinkRejection[] = [];
  const seenWebhookIds = new Set<string>();
  const accept = (message: SinkMessage) => {
    messages.push(message);
    options.onMessage?.(message);
  };

  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
        if (req.method === "GET" && url.pathname === "/messages") {
          const channel = url.searchParams.get("channel");
          const pick = <T extends { channel: string }>(list: T[]) =>
            channel ? list.filter((m) => m.channel === channel) : list;
          return json(res, 200, { messages: pick(messages), rejected: pick(rejections) });
        }
        if (req.method === "POST" && parts[0] === "slack" && parts.length === 2 && parts[1]) {
          return slack(parts[1], body, res);
        }
        if (req.method === "POST" && parts[0] === "webhooks" && parts.length === 2 && parts[1]) {
          return webhook(parts[1], req, body, res);
        }
        return json(res, 404, { error: "not found" });
      })
      .catch(() => json(res, 400, { error: "unreadable request" }));
  });

  const reject = (res: ServerResponse, channel: string, kind: "slack" | "webhook", problem: string) => {
    rejections.push({ channel, kind, receivedAt: new Date().toISOString(), problem });
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(kind === "slack" ? "invalid_blocks" : problem);
  };

  const slack = (channel: string, body: string, res: ServerResponse) => {
    let message: { text?: unknown; blocks?: unknown };
    try {
      message = JSON.parse(body) as typeof message;
    } catch {
      return reject(res, channel, "slack", "body is not JSON");
    }
    const problem = slackShapeProblem(message);
    if (problem) return reject(res, channel, "slack", problem);
    const blocks = message.blocks as { type: string; elements?: { url?: unknown }[] }[];
    const links = blocks
      .filter((b) => b.type === "actions")
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.url)
      .filter((u): u is string => typeof u === "string");
    accept({
      channel,
      kind: "slack",
      receivedAt: new Date().toISOString(),
      summary: String(message.text),
      links,
      body: message,
    });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  };

  const webhook = (channel: string, req: IncomingMessage, body: string, res: ServerResponse) => {
    const secrets = options.webhookSecrets(channel);
    const headers = {
      "webhook-id": String(req.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    let payload: unknown;
    let verified = false;
    for (const secret of secrets) {
      try {
        payload = new Webhook(secret).verify(body, headers);
        verified = true;
        break;
      } catch {
        // try the next secret
      }
    }
    if (!verified) {
      return reject(
        res,
        channel,
        "webhook",
        secrets.length === 0 ? "no signing secret for this channel" : "signature does not verify",
      );
    }
    const key = `${channel}\n${headers["webhook-id"]}`;
    if (!seenWebhookIds.has(key)) {
      seenWebhookIds.add(key);
      accept({
        channel,
        kind: "webhook",
        receivedAt: new Date().toISOString(),
        summary: String((payload as { type?: unknown })?.type ?? ""),
        links: [],
        webhookId: headers["webhook-id"],
        body: payload,
      });
    }
    res.writeHead(204);
    res.end();
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    rejections,
    recordEmail(channel, subject, message) {
      accept({
        channel,
        kind: "email",
        receivedAt: new Date().toISOString(),
        summary: subject ?? "",
        links: [],
        body: { subject, message },
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Why a body is not a Slack message (https://api.slack.com/reference/block-kit/blocks), or undefined. */
export function slackShapeProblem(message: { text?: unknown; blocks?: unknown }): string | undefined {
  if (typeof message?.text !== "string" || message.text.length === 0) return "text is required";
  if (!Array.isArray(message.blocks) || message.blocks.length === 0 || message.blocks.length > 50) {
    return "blocks must hold 1 to 50 blocks";
  }
  for (const [i, block] of (message.blocks as Record<string, unknown>[]).entries()) {
    if (!BLOCK_TYPES.has(String(block?.type))) return `blocks[${i}]: unknown type`;
    const text = block.text as { type?: unknown; text?: unknown } | undefined;
    if (
      block.type === "header" &&
      (text?.type !== "plain_text" || typeof text.text !== "string" || text.text.length > 150)
    ) {
      return `blocks[${i}]: a header needs plain_text of at most 150 characters`;
    }
    if (block.type === "section" && text === undefined && !Array.isArray(block.fields)) {
      return `blocks[${i}]: a section needs text or fields`;
    }
    if (block.type === "section" && Array.isArray(block.fields) && block.fields.length > 10) {
      return `blocks[${i}]: at most 10 fields`;
    }
    if ((block.type === "actions" || block.type === "context") && !Array.isArray(block.elements)) {
      return `blocks[${i}]: elements are required`;
    }
  }
  return undefined;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new Error("too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
