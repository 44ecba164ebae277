import { EVENT_TYPES } from '../event-names';

/**
 * The counters behind GET /events/stats (docs/storage.md): event_counts holds counts per hour of occurred_at, type,
 * tracking type and processing state; event_count_deltas holds the changes not compacted into it yet. Whoever
 * changes what is counted appends a delta in the same transaction (the receiver's INSERT, the worker, a replay), so
 * the counts are exact; the sweeper compacts the deltas every few seconds.
 */

/** The counter key of an event, as SQL over its columns: hour (UTC), lower-cased type or `unknown`, tracking kind or ''. */
export function counterKeySql(occurredAt: string, type: string, trackingType: string): string {
  return [
    `date_trunc('hour', ${occurredAt}, 'UTC')`,
    `CASE WHEN ${type} IN (${EVENT_TYPES.map((t) => `'${t}'`).join(', ')}) THEN lower(${type}) ELSE 'unknown' END`,
    `coalesce(lower(${trackingType}), '')`,
  ].join(', ');
}

/**
 * $1 occurred_at, $2 type, $3 tracking_type, $4 state, $5 count, one array entry per change: appends the deltas,
 * summed per key. What the worker and replays use (the receiver's INSERT counts in its own statement).
 */
export const APPEND_COUNT_CHANGES = `
  INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
  SELECT ${counterKeySql('c.at', 'c.type', 'c.tt')}, c.state, sum(c.n)
  FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int[]) AS c(at, type, tt, state, n)
  GROUP BY 1, 2, 3, 4
  HAVING sum(c.n) <> 0`;

/**
 * Moves every delta into event_counts, in one statement: deltas appended meanwhile are not seen by this DELETE and
 * wait for the next compaction. Two compactions at once delete disjoint rows (the second waits on the first's).
 */
export const COMPACT_COUNTERS = `
  WITH d AS (DELETE FROM event_count_deltas RETURNING hour, type, tracking_type, state, n)
  INSERT INTO event_counts AS c (hour, type, tracking_type, state, n)
  SELECT hour, type, tracking_type, state, sum(n) FROM d GROUP BY 1, 2, 3, 4
  ON CONFLICT (hour, type, tracking_type, state) DO UPDATE SET n = c.n + EXCLUDED.n`;

/** Counters that came back to zero (a state emptied, every hour): they would only be read and summed. */
export const DROP_ZERO_COUNTERS = `DELETE FROM event_counts WHERE n = 0`;

/** $1 from, $2 to (hours, NULL: unbounded). Undated events (hour '-infinity') are in no bounded window, as in the lists. */
const WINDOW = `($1::timestamptz IS NULL OR hour >= $1) AND ($2::timestamptz IS NULL OR (hour > '-infinity' AND hour < $2))`;

/**
 * $1 from, $2 to (hours, NULL for unbounded): the counts of the window, compacted or not. Undated events (hour
 * '-infinity') are in no bounded window, as in the lists.
 */
export const READ_COUNTERS = `
  SELECT type, tracking_type, state, sum(n)::float8 AS n
  FROM (
    SELECT type, tracking_type, state, n FROM event_counts
    WHERE ${WINDOW}
    UNION ALL
    SELECT type, tracking_type, state, n FROM event_count_deltas
    WHERE ${WINDOW}
  ) c
  GROUP BY 1, 2, 3`;

/**
 * $1 from, $2 to (hours, NULL for unbounded), $3 type (lower-cased), $4 tracking type (lower-cased), $5 state (NULL:
 * any): how many events the counters hold for those filters, compacted or not. A list's exact `total`: the counters
 * of the window are read as READ_COUNTERS reads them, but summed where they are instead of grouped and sent.
 */
export const SUM_COUNTERS = `
  SELECT coalesce(sum(n), 0)::float8 AS n
  FROM (
    SELECT n FROM event_counts
    WHERE ${WINDOW}
      AND ($3::text IS NULL OR type = $3) AND ($4::text IS NULL OR tracking_type = $4) AND ($5::text IS NULL OR state = $5)
    UNION ALL
    SELECT n FROM event_count_deltas
    WHERE ${WINDOW}
      AND ($3::text IS NULL OR type = $3) AND ($4::text IS NULL OR tracking_type = $4) AND ($5::text IS NULL OR state = $5)
  ) c`;
