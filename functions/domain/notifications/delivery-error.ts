/**
 * A delivery attempt that failed: the receiver answered an error status, timed out, could not be reached,
 * or the channel's secret could not be read. The message stays on its queue and is retried.
 * `reason` is safe to log: it never holds a secret, a URL with credentials or a message body.
 */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  readonly code = "delivery_failed";
  constructor(
    readonly reason: "status" | "timeout" | "unreachable" | "secret" | "configuration",
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
