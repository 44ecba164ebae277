import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { prepared } from '../../core/database/prepared';
import { sqlState } from '../../core/database/sql-state';
import { errorMessage } from '../../core/error-message';
import { withTimeout } from '../../core/timeout';
import { counterKeySql } from '../../events/storage/event-counters';
import type { BodyFormat } from '../../events/event-names';
import { NORMALIZED_COLUMNS, recordsetDefinition, recordsetValue } from '../normalizing/event-columns';
import { EventJobs } from '../../core/queue/event-jobs';
import { ReceiverStats } from './receiver.stats';

/** One accepted event, ready to be written to email_events. */
export interface IngestRow {
  endpointId: string | null;
  receivedAt: Date;
  /** SHA-256 of the canonical event, hex. */
  dedupeKey: string;
  format: BodyFormat;
  /** The event's text as posted, SecretKey removed (ReceivedEvent.raw). */
  raw: string;
  /**
   * The normalized columns (normalizedRow): `type`, `known_type`, `occurred_at` (never absent) and the typed fields.
   * With `normalize` set, only `type` and `occurred_at`: the event is stored raw, for a worker to normalize.
   */
  columns: Record<string, unknown>;
  normalize?: boolean;
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
/**
 * INSERT statements in flight at once, at most. One statement runs continuously while rows wait; a second is started
 * only for rows that have waited SECOND_INSERT_AFTER_MS behind it (a slow commit, a busy moment of the machine),
 * and writes what is waiting once. docs/benchmarks.md, "One INSERT at a time, a second only for rows kept waiting".
 */
const CONCURRENT_INSERTS = 2;
/**
 * How long rows may wait behind the statement in flight before a second one takes them. Two statements in flight all
 * the time cost PostgreSQL a fifth more CPU than one, for as many rows a statement and the same p99 at 3,000/s (each
 * ran slower beside the other); one alone makes every request wait behind a statement that is stuck.
 */
const SECOND_INSERT_AFTER_MS = 2;
/** SQLSTATEs after which the same statement may succeed if run again: deadlock, serialization failure. */
const RETRIED_ONCE = new Set(['40P01', '40001']);

const INSERTED_COLUMNS = [
  'endpoint_id',
  'received_at',
  'dedupe_key',
  'format',
  'raw',
  ...NORMALIZED_COLUMNS.map((c) => c.column),
];

/**
 * $1: the rows as one JSON array (one JSON.stringify per batch instead of the driver's escaping of each column: a
 * tenth of the receiver's CPU, measured; `raw` travels as a JSON string, so a `\u0000` in the event stays six
 * characters, never a NUL that text cannot hold). One statement stores the events (a retry's twin is skipped by the
 * unique dedupe key), puts them in the backlog and counts them as pending: all or nothing, in the same commit as
 * the events, so the 200 that follows it never stands for an event that processing or the statistics could miss.
 * An event stored raw gets no change-feed position (txid) until a worker has normalized it.
 */
const INSERT_SQL = `
  WITH ins AS (
    INSERT INTO email_events (${INSERTED_COLUMNS.join(', ')}, txid)
    SELECT r.endpoint_id, r.received_at, decode(r.dedupe_key, 'hex'), r.format, r.raw,
      ${NORMALIZED_COLUMNS.map((c) => recordsetValue(c)).join(', ')},
      CASE WHEN r.normalize THEN NULL ELSE pg_current_xact_id()::text::bigint END
    FROM json_to_recordset($1::json) AS r(endpoint_id uuid, received_at timestamptz, dedupe_key text, format text, raw text,
      normalize boolean, ${recordsetDefinition(NORMALIZED_COLUMNS)})
    ON CONFLICT (dedupe_key, occurred_at) DO NOTHING
    RETURNING id, dedupe_key, occurred_at, received_at, type, tracking_type, txid IS NULL AS normalize
  ), backlog AS (
    INSERT INTO event_backlog (event_id, occurred_at, received_at, normalize)
    SELECT id, occurred_at, received_at, normalize FROM ins
  ), counted AS (
    INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
    SELECT ${counterKeySql('occurred_at', 'type', 'tracking_type')}, 'pending', count(*) FROM ins GROUP BY 1, 2, 3
  )
  SELECT id::text AS id, encode(dedupe_key, 'hex') AS dedupe_key FROM ins`;

interface Waiting {
  row: IngestRow;
  resolve: (o: IngestOutcome) => void;
  reject: (e: Error) => void;
}

/**
 * Group commit for the receiver. Rows of concurrent requests wait here and are written by ONE multi-row
 * `INSERT .. ON CONFLICT (dedupe_key, occurred_at) DO NOTHING` per flush; the next flush starts as soon as one is done
 * (no timer while idle), so under load each statement carries everything that arrived meanwhile, and a second
 * statement runs beside it only for rows kept waiting (SECOND_INSERT_AFTER_MS). Each request awaits only its own
 * rows. After a commit, the new ids go to EventJobs, which gathers them into jobs without waiting: the answer to
 * SocketLabs depends on PostgreSQL only, and events whose job was lost are re-enqueued by the sweeper.
 */
@Injectable()
export class IngestWriter {
  private readonly logger = new Logger('IngestWriter');
  private waiting: Waiting[] = [];
  /** performance.now() when the oldest waiting row arrived (meaningless while none waits). */
  private waitingSince = 0;
  /** Statements in flight or about to start (at most CONCURRENT_INSERTS). */
  private flushing = 0;
  /** Armed while rows wait behind a statement: starts a second one if they are still waiting when it fires. */
  private secondTimer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: EventJobs,
    private readonly stats: ReceiverStats,
  ) {}

  /** Resolves once every row is committed (or known to be a duplicate); rejects with StoreUnavailableError otherwise. */
  write(rows: IngestRow[]): Promise<IngestOutcome[]> {
    if (this.waiting.length + rows.length > MAX_WAITING_ROWS) {
      return Promise.reject(new StoreUnavailableError('too many events waiting for the event store'));
    }
    if (this.waiting.length === 0) this.waitingSince = performance.now();
    const outcomes = rows.map(
      (row) => new Promise<IngestOutcome>((resolve, reject) => this.waiting.push({ row, resolve, reject })),
    );
    if (this.flushing === 0) this.startFlushing();
    else this.armSecond();
    return Promise.all(outcomes);
  }

  private startFlushing(): void {
    this.flushing++;
    // setImmediate, not a timer: the requests parsed in this turn of the event loop share the statement.
    setImmediate(() => void this.flushLoop());
  }

  /**
   * A second statement for the waiting rows once the oldest has waited SECOND_INSERT_AFTER_MS, if none runs yet: now,
   * or from a timer that checks again when it fires (the rows waiting then may have come later).
   */
  private armSecond(): void {
    if (this.secondTimer || this.waiting.length === 0 || this.flushing >= CONCURRENT_INSERTS) return;
    const delay = SECOND_INSERT_AFTER_MS - (performance.now() - this.waitingSince);
    if (delay <= 0) return this.startFlushing();
    this.secondTimer = setTimeout(() => {
      this.secondTimer = undefined;
      this.armSecond();
    }, delay);
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_ROWS_PER_INSERT);
        await this.flush(batch);
        // Another statement is in flight: it takes what waits when it is done; one loop goes on, not two.
        if (this.flushing > 1) break;
      }
    } finally {
      this.flushing--;
      // Rows left waiting by a loop that gave way to the other statement may need a second one again.
      this.armSecond();
    }
  }

  private async flush(batch: Waiting[], again = false): Promise<void> {
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
      if (!again && RETRIED_ONCE.has(sqlState(err) ?? '')) {
        // Two statements in flight that insert the same two dedupe keys (two retried events) in opposite orders can
        // deadlock; PostgreSQL cancels one of them after deadlock_timeout, and the cancelled one is written again.
        this.logger.warn(`batch insert cancelled (${errorMessage(err)}); writing it again`);
        await this.flush(batch, true);
        return;
      }
      if (isDataError(err) && rows.length > 1) {
        // One row PostgreSQL refuses must not cost the other requests of the batch their 200.
        this.logger.error(`batch insert refused (${errorMessage(err)}); writing its ${rows.length} rows one by one`);
        for (const group of groups.values()) await this.flush(group);
        return;
      }
      if (isDataError(err) && !rows[0].normalize) {
        // Never refuse an event for its typed columns: store it raw, for a worker to normalize (and fail visibly).
        this.logger.error(`event refused with its typed columns (${errorMessage(err)}); storing it raw`);
        const raw = {
          ...rows[0],
          normalize: true,
          columns: { type: rows[0].columns.type, occurred_at: rows[0].columns.occurred_at },
        };
        await this.flush(batch.map((w) => ({ ...w, row: raw })));
        return;
      }
      this.logger.error(`could not store ${rows.length} event(s): ${errorMessage(err)}`);
      const failure = new StoreUnavailableError(errorMessage(err));
      for (const w of batch) w.reject(failure);
      return;
    }
    this.stats.committed(
      rows.length,
      batch.length,
      (performance.now() - started) / 1000,
      (Date.now() - batch[0].row.receivedAt.getTime()) / 1000,
    );
    for (const [key, group] of groups) {
      const id = inserted.get(key) ?? null;
      group.forEach((w, i) => w.resolve({ id: i === 0 ? id : null }));
    }
    if (inserted.size > 0) this.jobs.add([...inserted.values()]);
  }

  private async insert(rows: IngestRow[]): Promise<Map<string, string>> {
    const json = JSON.stringify(
      rows.map((r) => ({
        endpoint_id: r.endpointId,
        received_at: r.receivedAt,
        dedupe_key: r.dedupeKey,
        format: r.format,
        raw: r.raw,
        normalize: r.normalize,
        ...r.columns,
      })),
    );
    const result = await withTimeout(
      prepared<{ id: string; dedupe_key: string }>(this.dataSource, 'ingest-events', INSERT_SQL, [json]),
      INGEST_TIMEOUT_MS,
      'PostgreSQL',
      StoreUnavailableError,
    );
    return new Map(result.map((r) => [r.dedupe_key, String(r.id)]));
  }
}

/** SQLSTATE class 22 (data exception): the row, not the database, is at fault. */
function isDataError(err: unknown): boolean {
  return sqlState(err)?.startsWith('22') ?? false;
}
