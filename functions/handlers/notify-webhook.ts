import { deliveryDepsFromEnvironment } from "../composition/notify.js";
import { createDeliveryHandler, type DeliveryHandler } from "./delivery-handler.js";

let cached: DeliveryHandler | undefined;

/** Lambda entry of the webhook channels' queues: builds dependencies once per container (see `createDeliveryHandler`). */
export const handler: DeliveryHandler = async (event) => {
  cached ??= createDeliveryHandler(deliveryDepsFromEnvironment("webhook"));
  return cached(event);
};
