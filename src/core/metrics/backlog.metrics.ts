import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { QueueName } from '../queue/queue.constants';
import { withTimeout } from '../timeout';
import { METRIC_PREFIX, MetricsRegistry } from './metrics.registry';

/** How long a scrape-time reading is reused: a scrape storm costs the database one query per interval. */
const LAG_EVERY_MS = 5_000;
const QUEUE_EVERY_MS = 5_000;
/** Dead events are few, but a scrape storm should not count them more than twice a minute. */
const DEAD_EVERY_MS = 30_000;
const ANSWER_WITHIN_MS = 2_000;
const DEAD_STATEMENT_TIMEOUT = '5s';

/**
 * The oldest pending event by id: the first entries of event_backlog's primary key, where min(received_at) would read
 * every pending row (millions in a backlog). Ids grow with the commit order, and an event is committed within
 * milliseconds of being received, so the two agree to that much. 0 when nothing is pending.
 */
const LAG_SQL = `SELECT coalesce((SELECT extract(epoch FROM now() - received_at) FROM event_backlog WHERE state = 'pending' ORDER BY event_id LIMIT 1), 0)::float8 AS lag`;
/** The partial index event_backlog_failed_idx: dead events are few. */
const DEAD_SQL = `SELECT count(*)::float8 AS dead FROM event_backlog WHERE state = 'failed'`;

/**
 * Readings taken when Prometheus scrapes, from PostgreSQL and Redis rather than from counters: the processing lag,
 * the dead events, the queue's depth (as BullMQ counts it). Registered only by the context that serves /metrics, once per process.
 * Each reading is reused for a few seconds and taken by one query at a time; a dependency that does not answer
 * leaves its metrics out and sets slgw_metrics_source_up to 0.
 */
@Injectable()
export class BacklogMetrics {
  constructor(metrics: MetricsRegistry, dataSource: DataSource, @InjectQueue(QueueName.Events) queue: Queue) {
    if (!metrics.serves) return;
    const registers = [metrics.registry];
    const lag = new Reading(LAG_EVERY_MS, async () => {
      const [row] = await withTimeout(dataSource.query<{ lag: number }[]>(LAG_SQL), ANSWER_WITHIN_MS, 'PostgreSQL');
      return Math.max(0, row.lag);
    });
    const dead = new Reading(DEAD_EVERY_MS, () =>
      dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL statement_timeout = '${DEAD_STATEMENT_TIMEOUT}'`);
        const [row] = await m.query<{ dead: number }[]>(DEAD_SQL);
        return row.dead;
      }),
    );
    const counts = new Reading(QUEUE_EVERY_MS, () => withTimeout(queue.getJobCounts(), ANSWER_WITHIN_MS, 'Redis'));

    new Gauge({
      name: `${METRIC_PREFIX}processing_lag_seconds`,
      help: 'Age of the oldest stored event not processed yet (0: none). Read from PostgreSQL at scrape time, every 5 s at most.',
      registers,
      async collect() {
        const v = await lag.get();
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}events_dead`,
      help: 'Stored events whose processing failed for good (state failed): visible with GET /api/v1/events?state=failed, replayable. Counted every 30 s at most.',
      registers,
      async collect() {
        const v = await dead.get();
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
    // BullMQ's own counts, under the name and labels of BullMQ's exporter (Queue.exportPrometheusMetrics).
    new Gauge({
      name: 'bullmq_job_count',
      help: 'Jobs of the queue by state (BullMQ getJobCounts; a process-events job carries up to 500 events). Read from Redis every 5 s at most.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const v = await counts.get();
        this.reset();
        if (v) for (const [state, n] of Object.entries(v)) this.set({ queue: queue.name, state }, n);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}metrics_source_up`,
      help: 'Whether the last scrape-time reading from each source answered (1) or not (0): postgresql (the lag), redis (the queue counts).',
      labelNames: ['source'],
      registers,
      async collect() {
        const [pg, redis] = await Promise.all([lag.get(), counts.get()]);
        this.set({ source: 'postgresql' }, pg === undefined ? 0 : 1);
        this.set({ source: 'redis' }, redis === undefined ? 0 : 1);
      },
    });
  }
}

/**
 * A value read at most once per `everyMs`, by one read at a time; undefined when the last read failed (a failure is
 * also kept for `everyMs`, so that a dependency that is down is not asked at every scrape).
 */
export class Reading<T> {
  private last?: { at: number; value: T | undefined };
  private pending?: Promise<T | undefined>;

  constructor(
    private readonly everyMs: number,
    private readonly read: () => Promise<T>,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T | undefined> {
    if (this.last && this.now() - this.last.at < this.everyMs) return Promise.resolve(this.last.value);
    this.pending ??= this.read()
      .catch(() => undefined)
      .then((value) => {
        this.last = { at: this.now(), value };
        this.pending = undefined;
        return value;
      });
    return this.pending;
  }
}
