/**
 * A histogram with fixed buckets held as plain numbers, for counting on a hot path: `observe` is a short loop over
 * the bounds and two additions (no labels, no allocation, no prom-client call). It is turned into a Prometheus
 * histogram only when scraped (see collected-histogram.ts).
 */
export class BucketCounts {
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  private readonly counts: Float64Array;
  private total = 0;

  constructor(readonly bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++)
      if (!(bounds[i] > bounds[i - 1])) throw new Error('bucket bounds must increase');
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counts `value` `times` times (a batch: its latency once per event in it). */
  observe(value: number, times = 1): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i] += times;
    this.total += value * times;
  }

  /** Cumulative counts per bound (the last is +Inf, hence the count), and the sum of the observed values. */
  snapshot(): { cumulative: number[]; sum: number; count: number } {
    const cumulative: number[] = [];
    let running = 0;
    for (const n of this.counts) cumulative.push((running += n));
    return { cumulative, sum: this.total, count: running };
  }
}

/** Rows per INSERT of the ingest writer (it writes at most 500 per statement). */
export const BATCH_ROW_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
/** Seconds, from half a millisecond (a commit on a local disk) to 10 s (the ingest writer's timeout). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
