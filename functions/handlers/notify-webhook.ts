import { throwingEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { deliveryDepsFromEnvironment } from "../composition/notify.js";
import { createDeliveryHandler, type DeliveryHandler } from "./delivery-handler.js";

/**
 * Lambda entry of the webhook channels' queues: builds dependencies once per container (see `createDeliveryHandler`).
 * While they cannot be built the invocation fails, so Lambda retries it and nothing is acknowledged.
 */
export const handler: DeliveryHandler = throwingEntry(
  () => createDeliveryHandler(deliveryDepsFromEnvironment("webhook")),
  createLogger("jit-notify-webhook"),
);
