import { Logger } from "@aws-lambda-powertools/logger";

/**
 * One structured logger per Lambda (Powertools). `serviceName` comes from POWERTOOLS_SERVICE_NAME when
 * set by infra. Never log tokens: log the reason code, `jti` and ids instead.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}
