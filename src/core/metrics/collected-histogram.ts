import type { Metric, Registry } from 'prom-client';
import { BucketCounts } from './bucket-counts';

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * Registers a Prometheus histogram whose values are read from a BucketCounts when scraped, so that whoever counts
 * pays only BucketCounts.observe. prom-client renders (and aggregates) any registered object with a name and a
 * `get()` that returns the same shape as its own histograms.
 */
export function registerCollectedHistogram(
  registry: Registry,
  name: string,
  help: string,
  source: () => BucketCounts,
): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    // eslint-disable-next-line @typescript-eslint/require-await -- prom-client awaits get(); a throw stays a rejection
    get: async () => {
      const counts = source();
      const { cumulative, sum, count } = counts.snapshot();
      const values: Sample[] = counts.bounds.map((le, i) => ({
        metricName: `${name}_bucket`,
        labels: { le },
        value: cumulative[i],
      }));
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count });
      values.push({ metricName: `${name}_sum`, labels: {}, value: sum });
      values.push({ metricName: `${name}_count`, labels: {}, value: count });
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Metric);
}
