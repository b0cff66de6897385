import { vi } from "vitest";

/** One CloudWatch embedded metric format (EMF) document as Powertools writes it. */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/**
 * Runs `action` with metrics turned on (the test configuration turns them off) and returns the EMF
 * documents written to stdout meanwhile; every other stdout line is passed through untouched.
 */
export async function captureEmf(action: () => Promise<unknown>): Promise<EmfDocument[]> {
  const documents: EmfDocument[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, "write").mockImplementation(((chunk: unknown, ...rest: never[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
    const emf = text
      .split("\n")
      .filter((line) => line.startsWith("{") && line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as EmfDocument);
    if (emf.length === 0) return write(chunk as string, ...rest);
    documents.push(...emf);
    return true;
  }) as typeof process.stdout.write);
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
  try {
    await action();
  } finally {
    vi.unstubAllEnvs();
    spy.mockRestore();
  }
  return documents;
}

/** `name` → how many times it was counted, with the dimensions of its documents. */
export function countsOf(documents: EmfDocument[]): { name: string; dimensions: Record<string, string> }[] {
  return documents.flatMap((doc) =>
    doc._aws.CloudWatchMetrics.flatMap((m) =>
      m.Metrics.map((metric) => ({
        name: metric.Name,
        dimensions: Object.fromEntries(
          (m.Dimensions[0] ?? []).map((key) => [key, String(doc[key])]),
        ) as Record<string, string>,
      })),
    ),
  );
}
