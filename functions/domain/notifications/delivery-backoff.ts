/**
 * Retry timing of a failed delivery: the message's visibility timeout on its queue grows exponentially
 * with the receive count, plus jitter, so retries spread out and a struggling receiver is not hammered.
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html (backoff through
 * ChangeMessageVisibility) and https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */

/** Settings of {@link retryVisibilitySeconds}. */
export interface BackoffSettings {
  /** Visibility timeout after the first failed attempt, seconds (≥ 1). */
  baseSeconds: number;
  /** Upper bound, seconds (SQS allows up to 43 200). */
  maxSeconds: number;
}

/**
 * Seconds until the next attempt after attempt number `receiveCount` (1 = first) failed:
 * `base × 2^(receiveCount−1)` capped at `max`, plus less than half of that again at random (whole
 * seconds). With the jitter below the doubling, each gap is longer than the one before until the cap.
 * @param random a number in [0, 1) (injected so tests are exact).
 */
export function retryVisibilitySeconds(
  receiveCount: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const attempt = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  const exponential = Math.min(settings.maxSeconds, settings.baseSeconds * 2 ** Math.min(attempt - 1, 30));
  // Strictly below half the exponential part, so the worst case of one attempt stays under the best
  // case of the next.
  const jitter = Math.floor(random() * (exponential / 2));
  return Math.min(settings.maxSeconds, Math.max(1, Math.round(exponential) + jitter));
}
