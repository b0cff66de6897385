import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Clock } from "../../domain/clock.js";
import type { SecretSource } from "../../ports/notifications.js";

/**
 * Channel secrets from Secrets Manager, cached per container for `cacheSeconds` so a burst of deliveries
 * reads each secret once, while a rotated secret is picked up within that time. Values are never logged;
 * errors carry the secret's name only.
 */
export class SecretsManagerSource implements SecretSource {
  private readonly cache = new Map<string, { value: string; untilMs: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly clock: Clock,
    private readonly cacheSeconds = 300,
  ) {}

  async get(name: string): Promise<string> {
    const now = this.clock.nowMs();
    const hit = this.cache.get(name);
    if (hit && hit.untilMs > now) return hit.value;
    let value: string | undefined;
    try {
      value = (await this.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (err) {
      throw new Error(`cannot read secret ${name}: ${(err as Error)?.name ?? "error"}`);
    }
    if (value === undefined) throw new Error(`secret ${name} has no SecretString`);
    this.cache.set(name, { value, untilMs: now + this.cacheSeconds * 1000 });
    return value;
  }
}
