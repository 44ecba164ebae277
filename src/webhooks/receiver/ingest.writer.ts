import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import type { BodyFormat } from '../../events/entities/email-event.entity';
import { JobData, JobName, processEventsJobId, QueueName } from '../../core/queue/queue.constants';
import { withTimeout } from '../../core/timeout';
import { ReceiverStats } from './receiver.stats';

/** One accepted event, ready to be written to email_events. */
export interface IngestRow {
  endpointId: string | null;
  receivedAt: Date;
  dedupeKey: string;
  format: BodyFormat;
  /** The event's text as posted, SecretKey removed (ReceivedEvent.raw). */
  raw: string;
  type: string | null;
}

/** `id` of the new row, or null when an event with the same dedupe key was already stored (a retry). */
export interface IngestOutcome {
  id: string | null;
}

/** The event store could not confirm the write: the caller must not acknowledge the event (answer 503). */
export class StoreUnavailableError extends Error {}

/** Rows per INSERT statement: large enough to amortise a round trip, small enough to keep latency flat. */
const MAX_ROWS_PER_INSERT = 500;
/** A write not confirmed within this time is reported as failed (a 503 is safe: a retry is deduplicated). */
const INGEST_TIMEOUT_MS = 10_000;
/** Rows waiting for a flush beyond which new requests are refused at once instead of piling up in memory. */
const MAX_WAITING_ROWS = 20_000;
/** Enqueue calls still in flight beyond which a batch is left to the sweeper (Redis hanging, not refusing). */
const MAX_PENDING_ENQUEUES = 1_000;
/** Events per job at most, and how long committed ids wait to be gathered into one job. */
const JOB_MAX_EVENTS = 500;
const ENQUEUE_COALESCE_MS = 50;
const WARN_EVERY_MS = 10_000;

/**
 * $1: the rows as one JSON array. One JSON.stringify per batch instead of the driver's escaping of six text arrays
 * (a tenth of the receiver's CPU, measured). `raw` travels as a JSON string, so PostgreSQL gets its text back as
 * it is: a `\u0000` in the event stays six characters, never a NUL that text cannot hold.
 */
const INSERT_SQL = `INSERT INTO email_events (endpoint_id, received_at, dedupe_key, format, raw, type)
SELECT r.endpoint_id, r.received_at, r.dedupe_key, r.format, r.raw, r.type
FROM json_to_recordset($1::json) AS r(endpoint_id uuid, received_at timestamptz, dedupe_key text, format text, raw text, type text)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id, dedupe_key`;

interface Waiting {
  row: IngestRow;
  resolve: (o: IngestOutcome) => void;
  reject: (e: Error) => void;
}

/**
 * Group commit for the receiver. Rows of concurrent requests wait here and are written by ONE multi-row
 * `INSERT .. ON CONFLICT (dedupe_key) DO NOTHING` per flush; the next flush starts as soon as the previous one
 * is done (no timer while idle), so under load each statement carries everything that arrived meanwhile. Each
 * request awaits only its own rows. After a commit, one BullMQ job is enqueued for the batch, without waiting:
 * the answer to SocketLabs depends on PostgreSQL only, and a batch whose job was lost is re-enqueued by the
 * sweeper.
 */
@Injectable()
export class IngestWriter implements OnModuleDestroy {
  private readonly logger = new Logger('IngestWriter');
  private waiting: Waiting[] = [];
  private flushing = false;
  private pendingEnqueues = 0;
  /** Committed ids not enqueued yet: gathered for a moment so that a job carries hundreds of events, not dozens. */
  private toEnqueue: string[] = [];
  private enqueueTimer?: NodeJS.Timeout;
  private lastWarnAt = 0;
  private suppressedWarnings = 0;

  constructor(
    private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Events) private readonly queue: Queue,
    private readonly stats: ReceiverStats,
  ) {}

  /** Resolves once every row is committed (or known to be a duplicate); rejects with StoreUnavailableError otherwise. */
  write(rows: IngestRow[]): Promise<IngestOutcome[]> {
    if (this.waiting.length + rows.length > MAX_WAITING_ROWS) {
      return Promise.reject(new StoreUnavailableError('too many events waiting for the event store'));
    }
    const outcomes = rows.map((row) => new Promise<IngestOutcome>((resolve, reject) => this.waiting.push({ row, resolve, reject })));
    if (!this.flushing) {
      this.flushing = true;
      // setImmediate, not a timer: the requests parsed in this turn of the event loop share the first statement.
      setImmediate(() => void this.flushLoop());
    }
    return Promise.all(outcomes);
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_ROWS_PER_INSERT);
        await this.flush(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async flush(batch: Waiting[]): Promise<void> {
    // Twins within the batch go into the statement once; the first waiter gets the row, the others are duplicates.
    const groups = new Map<string, Waiting[]>();
    for (const w of batch) {
      const group = groups.get(w.row.dedupeKey);
      if (group) group.push(w);
      else groups.set(w.row.dedupeKey, [w]);
    }
    const rows = [...groups.values()].map((g) => g[0].row);
    let inserted: Map<string, string>;
    const started = performance.now();
    try {
      inserted = await this.insert(rows);
    } catch (err) {
      if (isDataError(err) && rows.length > 1) {
        // One row PostgreSQL refuses must not cost the other requests of the batch their 200.
        this.logger.error(`batch insert refused (${describe(err)}); writing its ${rows.length} rows one by one`);
        for (const group of groups.values()) await this.flush(group);
        return;
      }
      this.logger.error(`could not store ${rows.length} event(s): ${describe(err)}`);
      const failure = new StoreUnavailableError(describe(err));
      for (const w of batch) w.reject(failure);
      return;
    }
    this.stats.committed(rows.length, batch.length, (performance.now() - started) / 1000, (Date.now() - batch[0].row.receivedAt.getTime()) / 1000);
    for (const [key, group] of groups) {
      const id = inserted.get(key) ?? null;
      group.forEach((w, i) => w.resolve({ id: i === 0 ? id : null }));
    }
    if (inserted.size > 0) this.enqueue([...inserted.values()]);
  }

  private async insert(rows: IngestRow[]): Promise<Map<string, string>> {
    const json = JSON.stringify(
      rows.map((r) => ({ endpoint_id: r.endpointId, received_at: r.receivedAt, dedupe_key: r.dedupeKey, format: r.format, raw: r.raw, type: r.type })),
    );
    const result = await withTimeout(this.dataSource.query(INSERT_SQL, [json]) as Promise<{ id: string; dedupe_key: string }[]>, INGEST_TIMEOUT_MS, 'PostgreSQL', StoreUnavailableError);
    return new Map(result.map((r) => [r.dedupe_key, String(r.id)]));
  }

  /**
   * Under a burst each commit carries a few dozen rows; the worker's cost per event falls steeply with the size
   * of its batch (one transaction and a fixed number of statements per job), and on a box shared with the
   * receiver that CPU is the receiver's. So ids are gathered for up to ENQUEUE_COALESCE_MS, or until
   * JOB_MAX_EVENTS are waiting, and enqueued as one job.
   */
  private enqueue(ids: string[]): void {
    this.toEnqueue.push(...ids);
    if (this.toEnqueue.length >= JOB_MAX_EVENTS) {
      this.dispatchEnqueues();
    } else if (!this.enqueueTimer) {
      this.enqueueTimer = setTimeout(() => this.dispatchEnqueues(), ENQUEUE_COALESCE_MS);
    }
  }

  private dispatchEnqueues(): void {
    clearTimeout(this.enqueueTimer);
    this.enqueueTimer = undefined;
    const ids = this.toEnqueue;
    this.toEnqueue = [];
    for (let i = 0; i < ids.length; i += JOB_MAX_EVENTS) this.addJob(ids.slice(i, i + JOB_MAX_EVENTS));
  }

  /** Flushes the ids still gathered (at shutdown), so a clean stop does not leave them to the sweeper. */
  onModuleDestroy(): void {
    this.dispatchEnqueues();
  }

  private addJob(ids: string[]): void {
    // Ids are decimal without leading zeros: a shorter one is smaller, and same lengths compare as text.
    const eventIds = ids.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    if (this.pendingEnqueues >= MAX_PENDING_ENQUEUES) {
      this.enqueueFailed(`${MAX_PENDING_ENQUEUES} enqueues still pending`, eventIds.length);
      return;
    }
    this.pendingEnqueues++;
    const data: JobData<JobName.ProcessEvents> = { eventIds };
    this.queue
      .add(JobName.ProcessEvents, data, { jobId: processEventsJobId(eventIds) })
      .catch((err) => this.enqueueFailed(describe(err), eventIds.length))
      .finally(() => this.pendingEnqueues--);
  }

  private enqueueFailed(why: string, count: number): void {
    this.stats.enqueueFailed();
    // Redis down means every batch fails: one line per interval, with how many were not logged.
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) {
      this.suppressedWarnings++;
      return;
    }
    const more = this.suppressedWarnings > 0 ? ` (${this.suppressedWarnings} more since the last warning)` : '';
    this.lastWarnAt = now;
    this.suppressedWarnings = 0;
    this.logger.warn(`could not enqueue ${count} stored event(s) (${why}); the sweeper will pick them up${more}`);
  }
}


/** SQLSTATE class 22 (data exception): the row, not the database, is at fault. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ?? (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('22');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
