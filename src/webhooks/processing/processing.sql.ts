/**
 * The set-based statements of one processing transaction. Each takes whole arrays, so a batch of a few
 * hundred events costs the same handful of round trips as a batch of one.
 */

/** Locks the batch's rows that are still pending; rows another worker holds are skipped, not waited for. */
export const SELECT_PENDING_FOR_UPDATE = `
  SELECT id::text AS id, raw, format
  FROM email_events
  WHERE id = ANY($1::bigint[]) AND state = 'pending'
  ORDER BY id
  FOR UPDATE SKIP LOCKED`;

/** Column name -> PostgreSQL type, in the order of jsonb_to_recordset's column list. */
export const TYPED_COLUMNS: [string, string][] = [
  ['known_type', 'boolean'],
  ['occurred_at', 'timestamptz'],
  ['server_id', 'integer'],
  ['subaccount_id', 'integer'],
  ['ip_pool_id', 'integer'],
  ['address', 'text'],
  ['from_address', 'text'],
  ['subject', 'text'],
  ['mailing_id', 'text'],
  ['message_id', 'text'],
  ['message_size', 'integer'],
  ['deferral_code', 'integer'],
  ['reason', 'text'],
  ['response', 'text'],
  ['local_ip', 'text'],
  ['remote_mta', 'text'],
  ['bounce_status', 'text'],
  ['diagnostic_code', 'text'],
  ['failure_type', 'text'],
  ['failure_code', 'integer'],
  ['tracking_type', 'text'],
  ['user_agent', 'text'],
  ['client_ip', 'text'],
  ['url', 'text'],
  ['tag', 'text'],
  ['fbl_type', 'text'],
  ['fbl_from', 'text'],
  ['fbl_to', 'text'],
  ['length', 'integer'],
  ['meta', 'jsonb'],
  ['tags', 'text[]'],
  ['extra', 'jsonb'],
];

/**
 * $1: a JSON array of {id, <typed columns>}, a column left out when NULL. Only rows this transaction locked
 * as pending (SELECT_PENDING_FOR_UPDATE) are in it, so no state condition is needed here, and none must be:
 * with `state = 'pending'` (or `id = ANY(...)`) beside the join the planner estimated one row from the table
 * side and chose a nested loop that re-read the whole JSON for each row, quadratic in the batch size (40 ms
 * for 150 rows, 12 ms without). Joined on the primary key alone, the only plans left are an index lookup per
 * JSON row or, for a small table, one scan of it. `json`, not `jsonb`: read once, it need not be converted
 * to jsonb's binary form first, and with the NULLs left out the text is half as long. The jsonb columns are
 * read as `json` and cast: json_to_recordset filling a jsonb column directly costs about twice as much (18 ->
 * 11.5 us per row for the bench's events, most of it Data.Meta).
 */
export const UPDATE_TYPED_COLUMNS = `
  UPDATE email_events e SET
    state = 'processed',
    processed_at = now(),
    processed_txid = pg_current_xact_id()::text::bigint,
    last_error = NULL,
    ${TYPED_COLUMNS.map(([c, t]) => (t === 'jsonb' ? `${c} = n.${c}::jsonb` : `${c} = n.${c}`)).join(',\n    ')}
  FROM json_to_recordset($1::json) AS n(id bigint, ${TYPED_COLUMNS.map(([c, t]) => `${c} ${t === 'jsonb' ? 'json' : t}`).join(', ')})
  WHERE e.id = n.id`;

/**
 * $1 ids, $2 errors, $3 max attempts. A row that has failed max attempts times becomes `failed`: a dead row,
 * visible through the API and replayed by setting it back to `pending`. `e.id = ANY($1)` beside the join: with
 * statistics that expect few pending rows the planner otherwise read the whole pending index and matched each
 * row against the ids (110 ms for one failure in a backlog of 100,000; with it, half a millisecond).
 */
export const RECORD_FAILURES = `
  WITH failed AS (
    UPDATE email_events e SET
      attempts = e.attempts + 1,
      last_error = f.error,
      state = CASE WHEN e.attempts + 1 >= $3 THEN 'failed' ELSE e.state END
    FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
    WHERE e.id = ANY($1::bigint[]) AND e.id = f.id AND e.state = 'pending'
    RETURNING e.id::text AS id, e.state
  )
  -- A SELECT around the UPDATE: TypeORM returns [rows, count] for a bare UPDATE .. RETURNING.
  SELECT id, state FROM failed`;

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
 * $1 message ids ('' for none), $2 lower-cased addresses: recomputes each (message, recipient) row from ALL
 * of its processed events, so the result is the same whatever order the events arrived or were processed in.
 * Status precedence: complained > failed | suppressed > delivered > deferred > queued.
 * The update is skipped when nothing changed, so running a job twice leaves the rows (and updated_at) alone.
 */
export const UPSERT_MESSAGES = `
  WITH k AS (
    SELECT * FROM unnest($1::text[], $2::text[]) AS k(mid, addr)
  ), agg AS (
    -- LATERAL: one index lookup per key, whatever the planner believes about the size of email_events.
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
        SELECT e.id, e.occurred_at AS at, lower(e.type) AS t, e.tracking_type AS tt, e.failure_type, e.failure_code,
               e.reason, e.mailing_id, e.server_id, e.subaccount_id
        FROM email_events e
        -- Written so that the (message_id, address) index serves both a message id and "none" (NULL or '').
        WHERE e.address = k.addr
          AND (e.message_id = k.mid OR (k.mid = '' AND e.message_id IS NULL))
          AND e.state = 'processed' AND e.known_type
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
 * $1 the batch's event ids. Suppresses the addresses of permanent failures, complaints and unsubscribes.
 * One row per address that keeps the highest-ranking reason and, for the same reason, the earliest event
 * (then the lowest id): a total order, so the row never depends on the order events are processed in.
 * Inserted sorted by address, so concurrent batches lock suppression rows in one order.
 */
export const UPSERT_SUPPRESSIONS = `
  WITH c AS (
    SELECT DISTINCT ON (e.address) e.address, r.reason, e.id, e.occurred_at, e.message_id, e.failure_code
    FROM email_events e
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN lower(e.type) = 'complaint' THEN 'complaint'
        WHEN lower(e.type) = 'failed' AND e.failure_type = 'Permanent'
             AND (e.failure_code IS NULL OR e.failure_code NOT BETWEEN 5000 AND 5999) THEN 'permanent_failure'
        WHEN lower(e.type) = 'tracking' AND e.tracking_type = 'Unsubscribe' THEN 'unsubscribe'
      END AS reason
    ) r
    WHERE e.id = ANY($1::bigint[]) AND e.state = 'processed' AND e.known_type
      AND e.address <> '' AND r.reason IS NOT NULL
    ORDER BY e.address, ${REASON_RANK('r.reason')}, e.occurred_at ASC NULLS LAST, e.id
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

/** Oldest first; uses the partial index on pending rows. $1 minimum age in seconds, $2 limit. */
export const SELECT_STALE_PENDING = `
  SELECT id::text AS id
  FROM email_events
  WHERE state = 'pending' AND received_at < now() - make_interval(secs => $1)
  ORDER BY id
  LIMIT $2`;
