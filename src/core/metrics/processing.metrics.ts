import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { LATENCY_BUCKETS } from './bucket-counts';
import { METRIC_PREFIX, MetricsRegistry } from './metrics.registry';

export interface ProcessedCounts {
  processed: number;
  retrying: number;
  dead: number;
  skipped: number;
}

const OUTCOMES = ['processed', 'retrying', 'dead', 'skipped'] as const;

/** The workers' metrics: what each process-events job did with its events, and how long it took. Counted per job. */
@Injectable()
export class ProcessingMetrics {
  private readonly events: Counter<'outcome'>;
  private readonly jobs: Histogram;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.events = new Counter({
      name: `${METRIC_PREFIX}processing_events_total`,
      help: 'Events handled by the workers, by outcome: processed; retrying (failed, will be tried again); dead (failed for good, replayable); skipped (not pending any more).',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of OUTCOMES) this.events.inc({ outcome }, 0);
    this.jobs = new Histogram({
      name: `${METRIC_PREFIX}processing_job_seconds`,
      help: 'Duration of each process-events job (up to a few hundred events each).',
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** One process-events job done, or about to be retried (its `retrying` events). */
  jobDone(counts: ProcessedCounts, seconds: number): void {
    for (const outcome of OUTCOMES) if (counts[outcome] > 0) this.events.inc({ outcome }, counts[outcome]);
    this.jobs.observe(seconds);
  }
}
