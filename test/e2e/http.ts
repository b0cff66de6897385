/** Plain HTTP helpers of the end-to-end suites (real fetch, no mocks). */

/** An HTTP answer: status and parsed JSON body (or the text when it is not JSON). */
export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Sends a JSON request and parses the answer. */
export async function http<T = Record<string, unknown>>(
  url: string,
  options: { method?: string; bearer?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

/**
 * Calls `probe` every `intervalMs` until it returns true or `timeoutMs` passes.
 * @returns milliseconds it took, or undefined on timeout.
 */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<number | undefined> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
