/** Small statistics and the interleaved-rounds runner of the benchmark (all samples of one series in one unit). */

/** The q-quantile (0..1) of `samples` by nearest rank; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median of `samples`. */
export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** Rounds to `digits` decimals for display. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Median of the per-round ratios `a[i] / b[i]` of two series measured in the same rounds: pairing by round
 * cancels the machine's slow drifts (another process waking up affects both contenders of that round).
 */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push((a[i] as number) / (b[i] as number));
  return median(ratios);
}

/** One contender of an interleaved measurement. */
export interface Contender {
  name: string;
  /**
   * Runs one batch and returns its samples (e.g. µs per operation of the batch, or one latency per call).
   * @param round the round number (warm-up rounds are negative).
   */
  batch(round: number): Promise<number[]>;
}

/** Options of {@link interleave}. */
export interface InterleaveOptions {
  /** Rounds whose samples are thrown away (JIT warm-up, caches, connection pools). */
  warmupRounds: number;
  /** Rounds that are kept. */
  rounds: number;
}

/**
 * Runs the contenders in alternating batches: every round runs one batch of each, starting with a
 * different contender each round so that none always runs right after the same neighbour, and keeps
 * each contender's samples per round.
 * @returns per contender name, one sample array per kept round (round order).
 */
export async function interleave(
  contenders: readonly Contender[],
  options: InterleaveOptions,
): Promise<Map<string, number[][]>> {
  const out = new Map<string, number[][]>(contenders.map((c) => [c.name, []]));
  const total = options.warmupRounds + options.rounds;
  for (let r = 0; r < total; r++) {
    const round = r - options.warmupRounds;
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(r + i) % contenders.length] as Contender;
      const samples = await contender.batch(round);
      if (round >= 0) out.get(contender.name)?.push(samples);
    }
  }
  return out;
}

/** Microseconds since `startMs` (a `performance.now()` reading). */
export function elapsedMicros(startMs: number): number {
  return (performance.now() - startMs) * 1000;
}
