import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalEventBus, PutEventsEntry } from "./local-event-bus.js";
import { LOCAL_ACCOUNT, LOCAL_AWS_REGION, type LocalQueue } from "./local-queue.js";

/** What the stand-in endpoint serves. */
export interface AwsStandInsOptions {
  bus: LocalEventBus;
  /** Queues by name (the last part of their URL and ARN). */
  queues: ReadonlyMap<string, LocalQueue>;
  /** Current secrets (read on every call, so editing the file rotates a secret). */
  secrets: () => Record<string, string>;
  /** SNS topics by ARN → what a publish does (the local stack records an e-mail). */
  topics: ReadonlyMap<string, (message: { subject: string | undefined; message: string }) => void>;
  /** 0 = a free port. */
  port?: number;
}

/** A running stand-in endpoint. */
export interface AwsStandIns {
  /** Base URL, e.g. `http://127.0.0.1:40123`: the endpoint of the EventBridge, SQS, Secrets Manager and SNS clients. */
  url: string;
  stop(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

/**
 * One loopback HTTP endpoint speaking the four AWS protocols the notifier's production adapters use, so
 * the AWS SDK clients run unchanged against it:
 * - EventBridge `PutEvents` (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`);
 * - SQS `ChangeMessageVisibility` (JSON 1.0, `AmazonSQS.ChangeMessageVisibility`);
 * - Secrets Manager `GetSecretValue` (JSON 1.1, `secretsmanager.GetSecretValue`);
 * - SNS `Publish` (query protocol: form body, XML answer).
 * Anything else is answered 400 `UnknownOperationException`. Requests are not signature-checked.
 */
export async function startAwsStandIns(options: AwsStandInsOptions): Promise<AwsStandIns> {
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => handle(options, req, body, res))
      .catch(() => sendJson(res, 400, { __type: "SerializationException", message: "unreadable request" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function handle(options: AwsStandInsOptions, req: IncomingMessage, body: string, res: ServerResponse) {
  const target = String(req.headers["x-amz-target"] ?? "");
  if (target === "") return handleQuery(options, body, res);
  let input: Record<string, unknown>;
  try {
    input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
  } catch {
    return sendJson(res, 400, { __type: "SerializationException", message: "body is not JSON" });
  }
  switch (target) {
    case "AWSEvents.PutEvents": {
      const entries = Array.isArray(input.Entries) ? (input.Entries as PutEventsEntry[]) : [];
      if (entries.length === 0 || entries.length > 10) {
        return sendJson(res, 400, {
          __type: "ValidationException",
          message: "Entries must hold 1 to 10 entries",
        });
      }
      const results = options.bus.putEvents(entries);
      return sendJson(res, 200, {
        FailedEntryCount: results.filter((r) => r.ErrorCode).length,
        Entries: results,
      });
    }
    case "AmazonSQS.ChangeMessageVisibility": {
      const name =
        String(input.QueueUrl ?? "")
          .split("/")
          .pop() ?? "";
      const queue = options.queues.get(name);
      if (!queue) {
        return sendJson(res, 400, {
          __type: "com.amazonaws.sqs#QueueDoesNotExist",
          message: `no queue ${name}`,
        });
      }
      const ok = queue.changeVisibility(
        String(input.ReceiptHandle ?? ""),
        Number(input.VisibilityTimeout ?? 0),
      );
      if (!ok) {
        return sendJson(res, 400, {
          __type: "com.amazonaws.sqs#ReceiptHandleIsInvalid",
          message: "The receipt handle is not valid",
        });
      }
      return sendJson(res, 200, {});
    }
    case "secretsmanager.GetSecretValue": {
      const id = String(input.SecretId ?? "");
      const value = options.secrets()[id];
      if (value === undefined) {
        return sendJson(res, 400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      return sendJson(res, 200, {
        ARN: `arn:aws:secretsmanager:${LOCAL_AWS_REGION}:${LOCAL_ACCOUNT}:secret:${id}-local`,
        Name: id,
        SecretString: value,
        VersionId: "local",
        VersionStages: ["AWSCURRENT"],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    }
    default:
      return sendJson(res, 400, {
        __type: "UnknownOperationException",
        message: `unsupported operation ${target}`,
      });
  }
}

function handleQuery(options: AwsStandInsOptions, body: string, res: ServerResponse) {
  const form = new URLSearchParams(body);
  if (form.get("Action") !== "Publish") {
    return sendXml(res, 400, errorXml("InvalidAction", `unsupported action ${form.get("Action") ?? ""}`));
  }
  const topicArn = form.get("TopicArn") ?? "";
  const publish = options.topics.get(topicArn);
  if (!publish) return sendXml(res, 404, errorXml("NotFound", "Topic does not exist"));
  const message = form.get("Message");
  if (!message) return sendXml(res, 400, errorXml("InvalidParameter", "Empty message"));
  publish({ subject: form.get("Subject") ?? undefined, message });
  const messageId = randomUUID();
  return sendXml(
    res,
    200,
    `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
  );
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message.replace(/[<>&]/g, "")}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() });
  res.end(JSON.stringify(value));
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
  res.end(xml);
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
