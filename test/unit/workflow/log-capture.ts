import type { LogItem } from "@aws-lambda-powertools/logger";
import { Logger } from "@aws-lambda-powertools/logger";

/** One structured log line as Powertools would print it. */
export type CapturedLog = Record<string, unknown> & { level: string; message: string };

/**
 * A real Powertools Logger whose printed lines are kept in `lines` (parsed JSON) instead of written to
 * stdout, so tests can assert what reaches the logs, and what never does.
 */
export class CapturingLogger extends Logger {
  readonly lines: CapturedLog[] = [];
  readonly raw: string[] = [];

  constructor() {
    super({ serviceName: "capture", logLevel: "DEBUG" });
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    const text = JSON.stringify(log.getAttributes());
    this.raw.push(text);
    this.lines.push(JSON.parse(text) as CapturedLog);
  }
}
