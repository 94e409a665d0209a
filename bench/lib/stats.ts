/**
 * Small statistics for benchmark rounds: medians, ranges and percentiles. Every figure in
 * BENCHMARKS.md is the median of several rounds with its range (lowest to highest round).
 */

/** A figure measured over several rounds. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** The per-round values, in the order they were measured. */
  rounds: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    rounds: [...values],
  };
}

/**
 * The `p`th percentile (0 to 100) of `values` by the nearest-rank method, as latency tools
 * report it: the smallest value that at least p% of the samples do not exceed.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) throw new Error('percentile of no values');
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1] as number;
}

/** Per-round ratios a[i] / b[i] of two figures measured side by side in the same rounds. */
export function pairedRatios(a: Summary, b: Summary): Summary {
  if (a.rounds.length !== b.rounds.length) {
    throw new Error(
      `pairedRatios needs the same number of rounds (received ${a.rounds.length} and ${b.rounds.length})`,
    );
  }
  return summarize(a.rounds.map((value, i) => value / (b.rounds[i] as number)));
}

/**
 * Runs `rounds` rounds of every variant, rotating the order each round so that no variant
 * always runs first (a warm CPU, a fresh heap) or last. Resolves with each variant's
 * per-round values, in round order.
 */
export async function interleave<K extends string>(
  rounds: number,
  variants: readonly K[],
  measure: (variant: K, round: number) => Promise<number> | number,
): Promise<Record<K, number[]>> {
  const results = Object.fromEntries(variants.map((v) => [v, [] as number[]])) as Record<
    K,
    number[]
  >;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length] as K;
      results[variant].push(await measure(variant, round));
    }
  }
  return results;
}
