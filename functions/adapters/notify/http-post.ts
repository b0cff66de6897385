import { DeliveryError } from "../../domain/notifications/delivery-error.js";

/**
 * POSTs `body` to `url` with a per-call timeout (the fetch is aborted after `timeoutMs`), following no
 * redirect (a receiver cannot bounce a signed delivery elsewhere). Resolves on a 2xx answer.
 * @param label names the channel in errors; the URL is never put in an error (it may hold a token, as
 *   Slack incoming-webhook URLs do).
 * @throws DeliveryError `timeout`, `unreachable` or `status` (with the HTTP status).
 */
export async function postWithTimeout(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  label: string,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "jit-access-notifier", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") {
      throw new DeliveryError("timeout", `${label}: no answer within ${timeoutMs} ms`, undefined, {
        cause: err,
      });
    }
    throw new DeliveryError("unreachable", `${label}: receiver unreachable (${name ?? "error"})`, undefined, {
      cause: err,
    });
  }
  // Read (bounded by the same timeout) and release the body either way.
  const text = await response.text().catch(() => "");
  if (response.status < 200 || response.status > 299) {
    throw new DeliveryError("status", `${label}: receiver answered ${response.status}`, response.status);
  }
  return text;
}
