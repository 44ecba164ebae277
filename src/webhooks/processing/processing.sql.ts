/**
 * The set-based statements of one processing transaction. Each takes whole arrays, so a batch of a few hundred
 * events costs the same handful of round trips as a batch of one. Events are reached by (id, occurred_at), their
 * primary key: a LATERAL lookup per id, which PostgreSQL prunes to the one partition holding it.
 */
import { counterKeySql } from '../../events/storage/event-counters';
import { NORMALIZED_COLUMNS, recordsetDefinition, recordsetValue } from '../normalizing/event-columns';

/**
 * Takes the batch's events that are still pending out of the backlog (rows another worker holds are skipped, not
 * waited for: no lock order, no deadlock) and reads what processing needs of them; raw and format only for those to
 * normalize first. The DELETE is undone with the transaction if processing fails.
 *
 * Written so that its plan does not hang on what the planner believes of event_backlog, which is never right for
 * long: the table swings from empty to a burst's 100,000 rows in seconds, and a vacuum or an analyze while it is empty
 * leaves a row count of 0. The earlier form joined the table to the ids (`DELETE .. WHERE event_id IN (SELECT .. FOR
 * UPDATE SKIP LOCKED)`), and PostgreSQL then planned it around a table of one row: a loop over all 90,000 pending rows
 * for each of the batch's 300 ids, 26 s (docs/benchmarks.md). Here each id is looked up on its own primary-key entry
 * (a LATERAL subquery that locks is never flattened into a join), and the locked ids reach the DELETE as one value
 * (an InitPlan: no join to misorder). At worst, on a table it believes small, the planner reads it once.
 */
export const CLAIM_PENDING = `
  WITH claimed AS (
    DELETE FROM event_backlog b
    WHERE b.event_id = ANY (ARRAY(
      SELECT l.event_id FROM unnest($1::bigint[]) AS u(id)
      CROSS JOIN LATERAL (
        SELECT event_id FROM event_backlog WHERE event_id = u.id AND state = 'pending' FOR UPDATE SKIP LOCKED
      ) l
    ))
    RETURNING b.event_id, b.occurred_at, b.normalize
  )
  SELECT c.event_id::text AS id, c.occurred_at::text AS occurred_at, c.normalize,
    CASE WHEN c.normalize THEN e.raw END AS raw, CASE WHEN c.normalize THEN e.format END AS format,
    e.type, e.tracking_type, e.known_type, e.address, e.message_id
  FROM claimed c
  CROSS JOIN LATERAL (SELECT * FROM email_events e WHERE e.id = c.event_id AND e.occurred_at = c.occurred_at) e
  ORDER BY c.event_id`;

/**
 * $1: a JSON array of {id, old_occurred_at, <normalized columns>}, NULLs left out: fills the typed columns of events
 * stored raw (or replayed) and gives them a new change-feed position. A new occurred_at moves the row to its month's
 * partition.
 */
export const WRITE_NORMALIZED = `
  UPDATE email_events e SET
    txid = pg_current_xact_id()::text::bigint,
    ${NORMALIZED_COLUMNS.map((c) => `${c.column} = ${recordsetValue(c, 'n')}`).join(',\n    ')}
  FROM json_to_recordset($1::json) AS n(id bigint, old_occurred_at timestamptz, ${recordsetDefinition(NORMALIZED_COLUMNS)})
  WHERE e.id = n.id AND e.occurred_at = n.old_occurred_at`;

/**
 * $1 ids, $2 errors, $3 max attempts. An event that has failed max attempts times becomes `failed`: a dead event,
 * listed by the API and replayed by setting it back to pending. Its count moves from pending to failed.
 */
export const RECORD_FAILURES = `
  WITH failed AS (
    UPDATE event_backlog b SET
      attempts = b.attempts + 1,
      last_error = f.error,
      state = CASE WHEN b.attempts + 1 >= $3 THEN 'failed' ELSE b.state END
    FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
    WHERE b.event_id = f.id AND b.state = 'pending'
    RETURNING b.event_id, b.occurred_at, b.state
  ), counted AS (
    INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
    SELECT ${counterKeySql('e.occurred_at', 'e.type', 'e.tracking_type')}, s.state, sum(s.n)
    FROM failed f
    CROSS JOIN LATERAL (SELECT * FROM email_events e WHERE e.id = f.event_id AND e.occurred_at = f.occurred_at) e
    CROSS JOIN (VALUES ('pending', -1), ('failed', 1)) AS s(state, n)
    WHERE f.state = 'failed'
    GROUP BY 1, 2, 3, 4
  )
  SELECT event_id::text AS id, state FROM failed`;

/**
 * $1: lock keys already sorted. Transaction-scoped advisory locks, taken in one order by every worker so
 * that two batches touching the same messages queue up instead of deadlocking. The two-int4 form keeps this
 * key space apart from any single-bigint lock (migrations, sweeper).
 */
export const LOCK_MESSAGE_KEYS = `SELECT pg_advisory_xact_lock($2::int4, k) FROM unnest($1::int4[]) AS k`;

/** A Failed event that really failed the message: 5xxx failure codes are informational (auto-replies). */
const FAILING = `(t = 'failed' AND (failure_code IS NULL OR failure_code NOT BETWEEN 5000 AND 5999))`;
/** Evidence the mail reached the mailbox without a Delivered event: engagement, or an auto-reply. */
const IMPLIES_DELIVERY = `(t = 'tracking' OR (t = 'failed' AND failure_code BETWEEN 5000 AND 5999))`;
const LATEST = `ORDER BY at DESC NULLS LAST, id DESC`;

const MESSAGE_COLUMNS = [
  'mailing_id',
  'server_id',
  'subaccount_id',
  'status',
  'status_at',
  'failure_type',
  'failure_code',
  'failure_reason',
  'queued_at',
  'delivered_at',
  'failed_at',
  'complained_at',
  'first_opened_at',
  'first_clicked_at',
  'unsubscribed_at',
  'open_count',
  'click_count',
  'event_count',
  'first_event_at',
  'last_event_at',
];

/**
 * $1 message ids ('' for none), $2 lower-cased addresses, $3 occurred_at, one entry per event of the batch that has a
 * message: recomputes each (message, recipient) row from all of its stored events, so the result is the same
 * whatever order the events arrived or were processed in, and running it twice changes nothing. Status precedence:
 * complained > failed | suppressed > delivered > deferred > queued. The update is skipped when nothing changed, so
 * running a job twice leaves the rows (and updated_at) alone.
 *
 * Only the months that can hold its events are read (a partition a message has no event in is never probed): those
 * of the batch's events and those between the message's first and last event so far, and the undated events. An
 * event of the message outside that span that no batch has processed yet is counted by its own batch: every batch
 * recomputes from the span of the events processed before it plus its own, so the last one counts them all.
 */
export const UPSERT_MESSAGES = `
  WITH k AS (
    SELECT b.mid, b.addr,
      least(b.lo, m.first_event_at) AS lo, greatest(b.hi, m.last_event_at) AS hi
    FROM (
      SELECT mid, addr, min(NULLIF(at, '-infinity')) AS lo, max(NULLIF(at, '-infinity')) AS hi
      FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(mid, addr, at)
      GROUP BY mid, addr
    ) b
    LEFT JOIN messages m ON m.message_id = b.mid AND m.address = b.addr
  ), agg AS (
    -- LATERAL: one index lookup per key (and partition), whatever the planner believes about email_events.
    SELECT k.mid, k.addr, a.*
    FROM k
    CROSS JOIN LATERAL (
      SELECT
        bool_or(t = 'complaint') AS is_complained,
        bool_or(${FAILING}) AS is_failed,
        bool_or(t = 'delivered' OR ${IMPLIES_DELIVERY}) AS is_delivered,
        bool_or(t = 'deferred') AS is_deferred,
        min(at) FILTER (WHERE t = 'queued') AS queued_at,
        min(at) FILTER (WHERE t = 'delivered') AS delivered_at,
        min(at) FILTER (WHERE ${IMPLIES_DELIVERY}) AS implied_delivered_at,
        max(at) FILTER (WHERE t = 'deferred') AS deferred_at,
        min(at) FILTER (WHERE t = 'complaint') AS complained_at,
        (array_agg(at ${LATEST}) FILTER (WHERE ${FAILING}))[1] AS failed_at,
        (array_agg(failure_type ${LATEST}) FILTER (WHERE ${FAILING}))[1] AS failure_type,
        (array_agg(failure_code ${LATEST}) FILTER (WHERE ${FAILING}))[1] AS failure_code,
        (array_agg(reason ${LATEST}) FILTER (WHERE ${FAILING}))[1] AS failure_reason,
        min(at) FILTER (WHERE t = 'tracking' AND tt = 'Open') AS first_opened_at,
        min(at) FILTER (WHERE t = 'tracking' AND tt = 'Click') AS first_clicked_at,
        min(at) FILTER (WHERE t = 'tracking' AND tt = 'Unsubscribe') AS unsubscribed_at,
        count(*) FILTER (WHERE t = 'tracking' AND tt = 'Open')::int AS open_count,
        count(*) FILTER (WHERE t = 'tracking' AND tt = 'Click')::int AS click_count,
        count(*)::int AS event_count,
        min(at) AS first_event_at,
        max(at) AS last_event_at,
        max(mailing_id) FILTER (WHERE mailing_id <> '') AS mailing_id,
        max(server_id) AS server_id,
        max(subaccount_id) AS subaccount_id
      FROM (
        -- '-infinity' is an event without a readable date: no time for the message.
        SELECT e.id, NULLIF(e.occurred_at, '-infinity') AS at, lower(e.type) AS t, e.tracking_type AS tt, e.failure_type,
               e.failure_code, e.reason, e.mailing_id, e.server_id, e.subaccount_id
        FROM email_events e
        -- Written so that the (message_id, address) index serves both a message id and "none" (NULL or '').
        WHERE e.address = k.addr
          AND (e.message_id = k.mid OR (k.mid = '' AND e.message_id IS NULL))
          AND (e.occurred_at BETWEEN k.lo AND k.hi OR e.occurred_at = '-infinity')
          AND e.known_type
      ) ev
    ) a
    WHERE a.event_count > 0
  ), derived AS (
    SELECT agg.*,
      CASE
        WHEN is_complained THEN 'complained'
        WHEN is_failed THEN CASE WHEN failure_type = 'Suppressed' THEN 'suppressed' ELSE 'failed' END
        WHEN is_delivered THEN 'delivered'
        WHEN is_deferred THEN 'deferred'
        ELSE 'queued'
      END AS status,
      CASE
        WHEN is_complained THEN complained_at
        WHEN is_failed THEN failed_at
        WHEN is_delivered THEN coalesce(delivered_at, implied_delivered_at)
        WHEN is_deferred THEN deferred_at
        ELSE queued_at
      END AS status_at
    FROM agg
  )
  INSERT INTO messages (message_id, address, ${MESSAGE_COLUMNS.join(', ')}, updated_at)
  SELECT mid, addr, ${MESSAGE_COLUMNS.join(', ')}, now()
  FROM derived
  ORDER BY mid, addr
  ON CONFLICT (message_id, address) DO UPDATE SET
    ${MESSAGE_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(',\n    ')},
    updated_at = now()
  WHERE (${MESSAGE_COLUMNS.map((c) => `messages.${c}`).join(', ')})
    IS DISTINCT FROM (${MESSAGE_COLUMNS.map((c) => `EXCLUDED.${c}`).join(', ')})`;

const REASON_RANK = (r: string) => `CASE ${r} WHEN 'complaint' THEN 0 WHEN 'permanent_failure' THEN 1 ELSE 2 END`;

/**
 * $1 the batch's event ids, $2 their occurred_at. Suppresses the addresses of permanent failures, complaints and
 * unsubscribes. One row per address that keeps the highest-ranking reason and, for the same reason, the earliest
 * event (then the lowest id): a total order, so the row never depends on the order events are processed in.
 * Inserted sorted by address, so concurrent batches lock suppression rows in one order.
 */
export const UPSERT_SUPPRESSIONS = `
  WITH c AS (
    SELECT DISTINCT ON (e.address) e.address, r.reason, e.id, NULLIF(e.occurred_at, '-infinity') AS occurred_at, e.message_id, e.failure_code
    FROM unnest($1::bigint[], $2::timestamptz[]) AS b(id, at)
    CROSS JOIN LATERAL (SELECT * FROM email_events e WHERE e.id = b.id AND e.occurred_at = b.at) e
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN e.type = 'Complaint' THEN 'complaint'
        WHEN e.type = 'Failed' AND e.failure_type = 'Permanent'
             AND (e.failure_code IS NULL OR e.failure_code NOT BETWEEN 5000 AND 5999) THEN 'permanent_failure'
        WHEN e.type = 'Tracking' AND e.tracking_type = 'Unsubscribe' THEN 'unsubscribe'
      END AS reason
    ) r
    WHERE e.known_type AND e.address <> '' AND r.reason IS NOT NULL
    ORDER BY e.address, ${REASON_RANK('r.reason')}, NULLIF(e.occurred_at, '-infinity') ASC NULLS LAST, e.id
  )
  INSERT INTO suppressions AS s (address, reason, event_id, occurred_at, message_id, failure_code)
  SELECT address, reason, id, occurred_at, message_id, failure_code FROM c ORDER BY address
  ON CONFLICT (address) DO UPDATE SET
    reason = EXCLUDED.reason,
    event_id = EXCLUDED.event_id,
    occurred_at = EXCLUDED.occurred_at,
    message_id = EXCLUDED.message_id,
    failure_code = EXCLUDED.failure_code,
    updated_at = now()
  WHERE (${REASON_RANK('EXCLUDED.reason')}, coalesce(EXCLUDED.occurred_at, 'infinity'), EXCLUDED.event_id)
      < (${REASON_RANK('s.reason')}, coalesce(s.occurred_at, 'infinity'), s.event_id)`;

/** Oldest first (ids grow with the commit order). $1 minimum age in seconds, $2 limit. Run after SWEEP_SERIALLY. */
export const SELECT_STALE_PENDING = `
  SELECT event_id::text AS id
  FROM event_backlog
  WHERE state = 'pending' AND received_at < now() - make_interval(secs => $1)
  ORDER BY event_id
  LIMIT $2`;

/**
 * The sweep's reads without parallel workers, for its transaction. Once event_backlog holds more than 8 MB (the
 * rows the worker deleted since the last vacuum: under a minute at 3,000 events/s), PostgreSQL reads
 * SELECT_STALE_PENDING with a parallel worker, every few seconds. Starting it cost more than the read: 30-35 ms for
 * a scan that takes 4.3-4.8 ms alone (2,500-5,000 pages, measured), and the worker is one more process on the cores
 * that answer the webhook. The read API's parallel plans stay the operators' choice (docs/benchmarks.md); this one
 * is housekeeping.
 */
export const SWEEP_SERIALLY = 'SET LOCAL max_parallel_workers_per_gather = 0';

/**
 * The dead rows of the two tables every event passes through, removed at the sweep's pace (run outside a
 * transaction, after the sweep's statements). Each event leaves a deleted row in event_backlog and its counter deltas
 * one in event_count_deltas, and both statements of the sweep read their table whole, dead rows included, until a
 * vacuum. Autovacuum alone visits a table at most once a minute (autovacuum_naptime), later under load, and not at all
 * where it is off: at 3,000 events/s a minute is 180,000 dead rows, and the sweep's two reads then took 76-232 ms of a
 * core every 5 s, the steady stream's worst moments (docs/benchmarks.md). SKIP_LOCKED: a table autovacuum is on is
 * left to it. TRUNCATE false: giving back the empty pages at the end would take a lock that stops the webhook's
 * INSERT, for pages the next rows fill again. A vacuum also sets the planner's row count of a table to what it holds
 * at that moment, often nothing here: CLAIM_PENDING is written not to depend on it.
 */
export const VACUUM_QUEUE_TABLES = 'VACUUM (SKIP_LOCKED, TRUNCATE false) event_backlog, event_count_deltas';
