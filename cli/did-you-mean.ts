/**
 * The optimal string alignment distance between `a` and `b`: insertions, deletions, substitutions and
 * swaps of two neighbouring characters each cost 1 (`orders-admn` → `orders-admin` is 1).
 * @returns a whole number ≥ 0.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[i - 1]?.[j] as number) + 1,
        (d[i]?.[j - 1] as number) + 1,
        (d[i - 1]?.[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[i - 2]?.[j - 2] as number) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return d[a.length]?.[b.length] as number;
}

/**
 * The candidate closest to `typed`, when it is close enough to be a typo: at most 1 edit for short names,
 * 2 from 5 characters, a third of the length beyond that; ties go to the first candidate. Case is ignored.
 * @returns the candidate as listed, or `undefined`.
 */
export function closestMatch(typed: string, candidates: readonly string[]): string | undefined {
  const wanted = typed.toLowerCase();
  const limit = wanted.length < 5 ? 1 : Math.max(2, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}
