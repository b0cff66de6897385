/**
 * Counts AWS SDK v3 operations a client sends, with an `initialize`-step middleware: one count per
 * `client.send()` (retries are not counted twice), keyed by the operation name the SDK reports.
 */

/** The part of an SDK v3 client the counter needs (any `DynamoDBClient`, `DynamoDBDocumentClient`, `KMSClient`). */
export interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input?: unknown }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input?: unknown }) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

/** Operation counts by SDK command name (e.g. `GetItemCommand`, `PutItemCommand`, `SignCommand`). */
export class SdkCallCounter {
  private readonly counts = new Map<string, number>();
  private readonly keyed = new Map<string, number>();

  /** Installs the counting middleware on `client` (once per client). */
  attach(client: MiddlewareClient, label: string): this {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? "unknown";
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        const key = (args.input as { Key?: unknown } | undefined)?.Key;
        if (key !== undefined) {
          const id = `${name} ${JSON.stringify(key)}`;
          this.keyed.set(id, (this.keyed.get(id) ?? 0) + 1);
        }
        return next(args);
      },
      { step: "initialize", name: `benchCallCounter-${label}` },
    );
    return this;
  }

  /** Calls of the command names starting with one of `prefixes` (`Get` matches `GetItemCommand`, `GetCommand`). */
  count(...prefixes: string[]): number {
    let total = 0;
    for (const [name, n] of this.counts) if (prefixes.some((p) => name.startsWith(p))) total += n;
    return total;
  }

  /** The most calls any one item received (by command name and `Key`, e.g. one grant's GetItem). */
  maxPerKey(): number {
    return Math.max(0, ...this.keyed.values());
  }

  /** Every call counted so far. */
  total(): number {
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  /** A copy of the counts, by command name. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Forgets every count. */
  reset(): void {
    this.counts.clear();
    this.keyed.clear();
  }
}
