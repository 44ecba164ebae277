import { Registry } from 'prom-client';
import { BucketCounts } from './bucket-counts';
import { registerCollectedHistogram } from './collected-histogram';

describe('BucketCounts', () => {
  it('counts each value in the first bucket whose bound is at least the value, and renders a Prometheus histogram', async () => {
    const counts = new BucketCounts([1, 5, 10]);
    counts.observe(1);
    counts.observe(3, 4);
    counts.observe(50);
    expect(counts.snapshot()).toEqual({ cumulative: [1, 5, 5, 6], sum: 1 + 12 + 50, count: 6 });

    const registry = new Registry();
    registerCollectedHistogram(registry, 'batch_rows', 'rows per batch', () => counts);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE batch_rows histogram');
    for (const line of [
      'batch_rows_bucket{le="1"} 1',
      'batch_rows_bucket{le="5"} 5',
      'batch_rows_bucket{le="10"} 5',
      'batch_rows_bucket{le="+Inf"} 6',
      'batch_rows_sum 63',
      'batch_rows_count 6',
    ]) {
      expect(text).toContain(line);
    }
  });

  it('refuses bounds that do not increase', () => {
    expect(() => new BucketCounts([1, 1, 2])).toThrow(/increase/);
  });
});
