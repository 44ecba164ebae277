/**
 * The monthly partitions of email_events (docs/storage.md): one per calendar month (UTC) of occurred_at, named
 * `email_events_pYYYY_MM`, and `email_events_default` for any month that has none (far past or future dates, and
 * events without a readable date, stored at '-infinity'). Months are created ahead of time, so that the default
 * partition normally stays empty; retention drops whole months.
 *
 * Functions over a `query` callback on one connection, so that the boot (prepareDatabase) and the worker's
 * maintenance job share them. Each change runs in its own short transaction, with a lock timeout: a partition is created beside
 * a receiver that keeps inserting, never by stopping it.
 */

export type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

export const EVENTS_TABLE = 'email_events';
export const DEFAULT_PARTITION = 'email_events_default';
/** Months created ahead of the current one: events dated a little in the future (clock skew) have their month. */
export const MONTHS_AHEAD = 2;
/** Months kept behind the current one at least when partitions are first made: SocketLabs retries for four days. */
export const MONTHS_BEHIND = 1;
/** DDL waits at most this long for a lock (a long query on the table): it is retried at the next run. */
const LOCK_TIMEOUT = '5s';

export function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

export function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

export function partitionName(month: Date): string {
  return `${EVENTS_TABLE}_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

export interface MonthPartition {
  name: string;
  from: Date;
  to: Date;
}

/** The monthly partitions that exist, oldest first (the default partition is not one of them). */
export async function monthPartitions(query: Query): Promise<MonthPartition[]> {
  const rows = (await query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = '${EVENTS_TABLE}'::regclass`,
  )) as { name: string; bound: string }[];
  const out: MonthPartition[] = [];
  for (const r of rows) {
    const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(r.bound);
    if (m) out.push({ name: r.name, from: new Date(m[1]), to: new Date(m[2]) });
  }
  return out.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * Creates the missing monthly partitions from MONTHS_BEHIND before `now` (or from the oldest partition there is, if
 * later: a month dropped by retention is not made again) to MONTHS_AHEAD after it. Returns the names created.
 */
export async function ensureEventPartitions(query: Query, now = new Date()): Promise<string[]> {
  const current = monthStart(now);
  const existing = await monthPartitions(query);
  const have = new Set(existing.map((p) => p.from.getTime()));
  let month = addMonths(current, -MONTHS_BEHIND);
  if (existing.length && existing[0].from > month) month = existing[0].from;
  const created: string[] = [];
  for (; month <= addMonths(current, MONTHS_AHEAD); month = addMonths(month, 1)) {
    if (have.has(month.getTime())) continue;
    await createPartition(query, month);
    created.push(partitionName(month));
  }
  return created;
}

/**
 * One month: a table like the parent, the month's rows moved into it from the default partition (rare: events dated
 * before their month was made), then attached. The default partition is locked meanwhile, so that no row of the
 * month can land there between the move and the attach (which would fail on it). Exported for seed:scale, which
 * makes the months of the past it fills (scripts/bench-schema.ts).
 */
export async function createPartition(query: Query, month: Date): Promise<void> {
  const name = partitionName(month);
  const from = month.toISOString();
  const to = addMonths(month, 1).toISOString();
  await inTransaction(query, async () => {
    await query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    await query(`LOCK TABLE "${DEFAULT_PARTITION}" IN ACCESS EXCLUSIVE MODE`);
    await query(
      `CREATE TABLE "${name}" (LIKE "${EVENTS_TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`,
    );
    await query(
      `INSERT INTO "${name}" SELECT * FROM "${DEFAULT_PARTITION}" WHERE occurred_at >= '${from}' AND occurred_at < '${to}'`,
    );
    await query(`DELETE FROM "${DEFAULT_PARTITION}" WHERE occurred_at >= '${from}' AND occurred_at < '${to}'`);
    await query(`ALTER TABLE "${EVENTS_TABLE}" ATTACH PARTITION "${name}" FOR VALUES FROM ('${from}') TO ('${to}')`);
  });
}

/**
 * Retention: everything that occurred before `keepFrom` (a month start) goes: the monthly partitions before it (whole
 * months: a month is kept until its last day is past the retention), the default partition's rows of those dates,
 * and what refers to them: backlog rows and counters. Events without a date ('-infinity') are never dropped. Returns
 * the partitions dropped.
 */
export async function dropEventsBefore(query: Query, keepFrom: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const p of await monthPartitions(query)) {
    if (p.to > keepFrom) continue;
    await inTransaction(query, async () => {
      await query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      await query(`DROP TABLE "${p.name}"`);
    });
    dropped.push(p.name);
  }
  await inTransaction(query, async () => {
    await query(`DELETE FROM "${DEFAULT_PARTITION}" WHERE occurred_at > '-infinity' AND occurred_at < $1`, [keepFrom]);
    await query(`DELETE FROM event_backlog WHERE occurred_at > '-infinity' AND occurred_at < $1`, [keepFrom]);
    await query(`DELETE FROM event_counts WHERE hour > '-infinity' AND hour < $1`, [keepFrom]);
    await query(`DELETE FROM event_count_deltas WHERE hour > '-infinity' AND hour < $1`, [keepFrom]);
  });
  return dropped;
}

/** `query` must run on one connection (a QueryRunner): BEGIN and COMMIT go through it. */
async function inTransaction(query: Query, fn: () => Promise<void>): Promise<void> {
  await query('BEGIN');
  try {
    await fn();
    await query('COMMIT');
  } catch (err) {
    await query('ROLLBACK');
    throw err;
  }
}
