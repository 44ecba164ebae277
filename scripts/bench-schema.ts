/**
 * What the measuring scripts (bench.ts, bench-reads.ts, seed-scale.ts) know about the database schema, and
 * nothing of it anywhere else: when the storage changes (new tables, partitions, counters), this file is
 * the one to adapt. Every statement here reads or writes the tables as the service's migrations create them.
 */
import type { Client } from 'pg';
import { counterKeySql } from '../src/events/storage/event-counters';
import {
  addMonths,
  createPartition,
  DEFAULT_PARTITION,
  monthPartitions,
  monthStart,
  partitionName,
} from '../src/events/storage/event-partitions';

// ---------------------------------------------------------------- npm run bench

/** Events stored and not processed yet: the workers' backlog. */
export async function pendingEvents(db: Client): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM event_backlog WHERE state = 'pending'`)).rows[0]
    .n;
}

/** Every event stored, whatever its state (>= the 200s: an event is committed before its 200). */
export async function storedEvents(db: Client): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM email_events`)).rows[0].n;
}

// ---------------------------------------------------------------- npm run bench:reads

/** Real values to filter on, taken from the seeded data: each of them matches rows. */
export interface ReadSamples {
  eventId: string;
  address: string;
  messageId: string;
  mailingId: string;
  /** The least common server id. */
  serverId: number;
  subaccountId: number;
  messageRowId: string;
  messageAddress: string;
  suppressedAddress: string | null;
  /** A day in the middle of the data (UTC midnight, ISO). */
  day: string;
  /** A change-feed cursor at the newest processed event. */
  feedEnd: string | null;
}

export async function readSamples(db: Client): Promise<ReadSamples> {
  const one = async <T>(sql: string, params: unknown[] = []): Promise<T | undefined> =>
    (await db.query(sql, params)).rows[0] as T | undefined;
  // The counters know the span of the data without a scan of the events ('-infinity' hours left out).
  const range = await one<{ lo: Date; hi: Date }>(
    `SELECT min(hour) AS lo, max(hour) AS hi FROM event_counts WHERE hour > '-infinity' AND hour < 'infinity'`,
  );
  if (!range?.lo) throw new Error('event_counts is empty: seed the database first (npm run seed:scale)');
  const middle = new Date((range.lo.getTime() + range.hi.getTime()) / 2);
  middle.setUTCHours(0, 0, 0, 0);
  // The first processed event of the middle day with every filter value: the same one at every run on the same data,
  // and the harder case for filters whose rows are close together in time (its mailing, its recipient): half of
  // the data is newer than they are.
  const event = await one<Record<string, unknown>>(
    `SELECT id::text AS id, address, message_id, mailing_id, server_id, subaccount_id FROM email_events e
     WHERE occurred_at >= $1 AND address IS NOT NULL AND message_id IS NOT NULL AND mailing_id IS NOT NULL AND mailing_id <> ''
       AND NOT EXISTS (SELECT 1 FROM event_backlog b WHERE b.event_id = e.id)
     ORDER BY occurred_at, id LIMIT 1`,
    [middle],
  );
  if (!event)
    throw new Error(
      'no processed event with an address, a messageId and a mailingId: seed the database first (npm run seed:scale)',
    );
  const message = await one<{ id: string; address: string }>(
    `SELECT id::text AS id, address FROM messages WHERE message_id = $1 ORDER BY id LIMIT 1`,
    [event.message_id],
  );
  const suppression = await one<{ address: string }>(
    `SELECT address FROM suppressions ORDER BY address OFFSET 100 LIMIT 1`,
  );
  // The least common server: the harder case for a filter (a count that stops at 10,000 reads further to get there).
  const server = await one<{ server_id: number }>(
    `SELECT server_id FROM messages WHERE server_id IS NOT NULL GROUP BY server_id ORDER BY count(*), server_id LIMIT 1`,
  );
  const feed = await one<{ txid: string; id: string }>(
    // Ordered by the columns, not the text aliases: the feed index serves it (sorting by the text read every event).
    `SELECT e.txid::text AS txid, e.id::text AS id FROM email_events e WHERE e.txid IS NOT NULL ORDER BY e.txid DESC, e.id DESC LIMIT 1`,
  );
  return {
    eventId: String(event.id),
    address: String(event.address),
    messageId: String(event.message_id),
    mailingId: String(event.mailing_id),
    serverId: Number(server?.server_id ?? event.server_id),
    subaccountId: Number(event.subaccount_id),
    messageRowId: message?.id ?? '1',
    messageAddress: message?.address ?? String(event.address),
    suppressedAddress: suppression?.address ?? null,
    day: middle.toISOString(),
    feedEnd: feed ? `${feed.txid}.${feed.id}` : null,
  };
}

/** How large the database is, for the report: rows (the planner's estimate) and bytes with indexes, per table. */
export interface TableSize {
  name: string;
  rows: number;
  bytes: number;
  indexBytes: number;
}

/** email_events counts its partitions (the parent holds no row itself). */
export async function tableSizes(db: Client): Promise<TableSize[]> {
  const rows = (
    await db.query(
      `WITH t(name, ord) AS (VALUES ('email_events', 1), ('event_backlog', 2), ('event_counts', 3), ('messages', 4), ('suppressions', 5)),
       rel AS (
         SELECT t.name, t.ord, c.oid FROM t JOIN pg_class c ON c.relname = t.name AND c.relkind = 'r'
         UNION ALL
         SELECT t.name, t.ord, i.inhrelid FROM t JOIN pg_inherits i ON i.inhparent = to_regclass(t.name)
       )
       SELECT rel.name, sum(greatest(c.reltuples, 0))::bigint AS rows, sum(pg_total_relation_size(rel.oid))::bigint AS bytes,
         sum(pg_indexes_size(rel.oid))::bigint AS index_bytes
       FROM rel JOIN pg_class c ON c.oid = rel.oid GROUP BY rel.name, rel.ord ORDER BY rel.ord`,
    )
  ).rows as { name: string; rows: string; bytes: string; index_bytes: string }[];
  return rows.map((r) => ({
    name: r.name,
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    indexBytes: Number(r.index_bytes),
  }));
}

/** The partitions of email_events and their rows (estimates after ANALYZE), oldest first, the default one last. */
export async function eventPartitionRows(db: Client): Promise<{ name: string; rows: number }[]> {
  return (
    await db.query<{ name: string; rows: number }>(
      `SELECT c.relname AS name, greatest(c.reltuples, 0)::bigint::int AS rows
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'email_events'::regclass ORDER BY c.relname = '${DEFAULT_PARTITION}', c.relname`,
    )
  ).rows;
}

// ---------------------------------------------------------------- npm run seed:scale

/**
 * The fields of one seeded event: the SQL expression over the generator's columns (see SEED_EVENTS), the key
 * SocketLabs sends it under in the raw JSON (null: not in the raw body), and the typed column it fills (null:
 * none). Raw and typed columns are built from the same expressions, so they cannot disagree; an expression
 * that is NULL leaves the field out of the raw body and the column NULL, as the normalizer does.
 */
const SEED_FIELDS: { json: string | null; column: string | null; sql: string; kind?: 'raw-json' | 'number' }[] = [
  { json: 'Type', column: 'type', sql: 'ev.type' },
  { json: 'DateTime', column: null, sql: `to_char(ev.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '0Z'` },
  { json: null, column: 'occurred_at', sql: 'ev.at' },
  { json: 'ServerId', column: 'server_id', kind: 'number', sql: 'ev.server_id' },
  { json: 'SubaccountId', column: 'subaccount_id', kind: 'number', sql: 'ev.subaccount_id' },
  {
    json: 'IpPoolId',
    column: 'ip_pool_id',
    kind: 'number',
    sql: `CASE WHEN ev.type IN ('Deferred', 'Delivered', 'Failed') THEN ev.ip_pool_id END`,
  },
  // SocketLabs sends the address as the sender gave it; the column is lower-cased.
  { json: 'Address', column: null, sql: `CASE WHEN ev.r4 % 20 = 1 THEN initcap(ev.address) ELSE ev.address END` },
  { json: null, column: 'address', sql: 'ev.address' },
  {
    json: 'FromAddress',
    column: 'from_address',
    sql: `CASE WHEN ev.type IN ('Queued', 'Deferred', 'Failed') THEN ev.from_address END`,
  },
  { json: 'Subject', column: 'subject', sql: `CASE WHEN ev.type = 'Queued' THEN ev.subject END` },
  { json: 'MailingId', column: 'mailing_id', sql: `coalesce(ev.mailing_id, '')` },
  { json: 'MessageId', column: 'message_id', sql: 'ev.message_id' },
  {
    json: 'MessageSize',
    column: 'message_size',
    kind: 'number',
    sql: `CASE WHEN ev.type = 'Queued' THEN 4000 + ev.r2 % 60000 END`,
  },
  {
    json: 'DeferralCode',
    column: 'deferral_code',
    kind: 'number',
    sql: `CASE WHEN ev.type = 'Deferred' THEN 3003 END`,
  },
  {
    json: 'Reason',
    column: 'reason',
    sql: `CASE WHEN ev.type = 'Deferred' THEN '451 4.7.1 Greylisted, please try again later'
      WHEN ev.type = 'Failed' AND ev.failure = 'Permanent' THEN '550 5.1.1 The email account that you tried to reach does not exist'
      WHEN ev.type = 'Failed' AND ev.failure = 'Temporary' THEN '452 4.2.2 The email account that you tried to reach is over quota'
      WHEN ev.type = 'Failed' THEN 'Address is on the suppression list' END`,
  },
  {
    json: 'Response',
    column: 'response',
    sql: `CASE WHEN ev.type = 'Delivered' THEN '250 2.0.0 OK ' || (ev.r2 % 1000000000) || ' gsmtp' END`,
  },
  {
    json: 'LocalIp',
    column: 'local_ip',
    sql: `CASE WHEN ev.type = 'Delivered' THEN '142.0.176.' || (10 + ev.r3 % 20) END`,
  },
  {
    json: 'RemoteMta',
    column: 'remote_mta',
    sql: `CASE WHEN ev.type = 'Delivered' OR (ev.type = 'Failed' AND ev.failure <> 'Suppressed') THEN 'mx.' || ev.domain END`,
  },
  {
    json: 'BounceStatus',
    column: 'bounce_status',
    sql: `CASE WHEN ev.type = 'Failed' AND ev.failure = 'Permanent' THEN '5.1.1' END`,
  },
  {
    json: 'DiagnosticCode',
    column: 'diagnostic_code',
    sql: `CASE WHEN ev.type = 'Failed' AND ev.failure = 'Permanent' THEN 'smtp; 550 5.1.1 user unknown' END`,
  },
  { json: 'FailureType', column: 'failure_type', sql: `CASE WHEN ev.type = 'Failed' THEN ev.failure END` },
  {
    json: 'FailureCode',
    column: 'failure_code',
    kind: 'number',
    sql: `CASE WHEN ev.type = 'Failed' THEN CASE ev.failure WHEN 'Permanent' THEN 2001 WHEN 'Temporary' THEN 3001 ELSE 2999 END END`,
  },
  // SocketLabs sends the tracking type as its number (0 click, 1 open, 2 unsubscribe); the column has its name.
  {
    json: 'TrackingType',
    column: null,
    kind: 'number',
    sql: `CASE ev.tracking WHEN 'Click' THEN 0 WHEN 'Open' THEN 1 WHEN 'Unsubscribe' THEN 2 END`,
  },
  { json: null, column: 'tracking_type', sql: 'ev.tracking' },
  {
    json: 'ClientIp',
    column: 'client_ip',
    sql: `CASE WHEN ev.type = 'Tracking' THEN '203.0.113.' || (ev.r3 % 250) END`,
  },
  {
    json: 'UserAgent',
    column: 'user_agent',
    sql: `CASE WHEN ev.type = 'Tracking' THEN (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
        'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36'])[1 + ev.r3 % 4]
      WHEN ev.type = 'Complaint' THEN 'Yahoo!-Mail-Feedback/2.0' END`,
  },
  {
    json: 'Url',
    column: 'url',
    sql: `CASE WHEN ev.tracking = 'Click' THEN 'https://brand.example/p/' || (ev.r3 % 500) || '?utm_source=newsletter' END`,
  },
  { json: 'FblType', column: 'fbl_type', sql: `CASE WHEN ev.type = 'Complaint' THEN 'abuse' END` },
  { json: 'From', column: 'fbl_from', sql: `CASE WHEN ev.type = 'Complaint' THEN ev.from_address END` },
  { json: 'To', column: 'fbl_to', sql: `CASE WHEN ev.type = 'Complaint' THEN ev.address END` },
  {
    json: 'Length',
    column: 'length',
    kind: 'number',
    sql: `CASE WHEN ev.type = 'Complaint' THEN 2048 + ev.r4 % 4096 END`,
  },
  // Data (Meta and Tags) only on the synchronous events: SocketLabs enriches the others only on request.
  {
    json: 'Data',
    column: null,
    kind: 'raw-json',
    sql: `CASE WHEN ev.type IN ('Queued', 'Deferred', 'Delivered') THEN
      '{"Meta":[{"Key":"x-campaign","Value":"' || coalesce(ev.mailing_id, 'transactional') || '"},{"Key":"x-user","Value":"' || ev.user_no || '"}],"Tags":["' || ev.tag || '"]}' END`,
  },
  {
    json: null,
    column: 'meta',
    sql: `CASE WHEN ev.type IN ('Queued', 'Deferred', 'Delivered') THEN
      jsonb_build_array(jsonb_build_object('key', 'x-campaign', 'value', coalesce(ev.mailing_id, 'transactional')), jsonb_build_object('key', 'x-user', 'value', ev.user_no::text)) END`,
  },
  {
    json: null,
    column: 'tags',
    sql: `CASE WHEN ev.type IN ('Queued', 'Deferred', 'Delivered') THEN ARRAY[ev.tag] END`,
  },
];

/**
 * The raw JSON text, SocketLabs' key order, compact as the receiver stores it (JSON.stringify); NULL fields left
 * out. Strings are quoted without to_json (cheaper): no generated value holds a quote, a backslash or a control
 * character, and the check at the end of the seed (the normalizer reading sampled raw bodies) fails if one does.
 */
const RAW_SQL = `'{' || concat_ws(',', ${SEED_FIELDS.filter((f) => f.json)
  .map(
    (f) =>
      `'"${f.json}":' || ${f.kind === 'raw-json' ? `(${f.sql})` : f.kind === 'number' ? `(${f.sql})::text` : `'"' || (${f.sql}) || '"'`}`,
  )
  .join(',\n    ')}) || '}'`;

/**
 * $1, $2: the messages [from, to) to generate; $3 messages in all; $4, $5 the first message's time (epoch
 * seconds) and the span the messages are spread over; $6 distinct recipients. Every message: Queued, a
 * deferral for some (three before a temporary failure), Delivered (97 %) or Failed (2 % permanent, 0.7 %
 * temporary, 0.3 % suppressed), then for 65 % of the delivered ones 1-4 opens and 0-4 clicks, rarely an
 * unsubscribe (after a click) or a complaint: about five events a message. Deterministic (hashes of the
 * message number), so a seed is reproducible.
 *
 * Stored as the receiver stores them (docs/storage.md): into the partitioned email_events, typed columns filled, the
 * type canonical, `txid` this transaction's id (the change feed's order), in arrival order (ids follow received_at).
 * Processed: no backlog row, and counted as `processed` (a delta per counter key, compacted at the end by the
 * service's own COMPACT_COUNTERS). The dedupe key is the SHA-256 of the raw text (unique, though not the receiver's
 * canonical form: a seeded event posted again would be stored again).
 *
 * Answers one row: `events` inserted, the id range, and what the workers' statements need to derive messages and
 * suppressions from them: the (message, recipient) keys, and the events that may suppress their address (with
 * their occurred_at as text: exact to the microsecond, which a JS Date is not).
 */
export const SEED_EVENTS = `
WITH msg AS (
  SELECT m,
    to_timestamp($4::float8 + (m::float8 + 0.5) / $3::float8 * $5::float8) AS t0,
    (hashint8extended(m, 1) & 9223372036854775807) % 10000 AS r1,
    hashint8extended(m, 2) & 9223372036854775807 AS r2,
    hashint8extended(m, 3) & 9223372036854775807 AS r3,
    hashint8extended(m, 4) & 9223372036854775807 AS r4
  FROM generate_series($1::bigint, $2::bigint - 1) AS m
), plan AS (
  SELECT msg.*,
    CASE WHEN r1 < 200 THEN 'Permanent' WHEN r1 < 270 THEN 'Temporary' WHEN r1 < 300 THEN 'Suppressed' END AS failure,
    (r2 / 1000) % $6::bigint AS user_no,
    r4 % 4 <> 0 AS campaign
  FROM msg
), plan2 AS (
  SELECT plan.*,
    CASE failure WHEN 'Temporary' THEN 3 WHEN 'Permanent' THEN (r2 % 2)::int WHEN 'Suppressed' THEN 0
      ELSE CASE WHEN r2 % 100 < 8 THEN 1 ELSE 0 END END AS deferrals,
    CASE WHEN failure IS NULL AND r3 % 100 < 65 THEN (1 + (r3 / 100) % 4)::int ELSE 0 END AS opens,
    (ARRAY['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'aol.com', 'proton.me', 'example.com'])[1 + user_no % 8] AS domain,
    CASE WHEN campaign THEN 'campaign-' || to_char(t0 AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' || (r4 / 4) % 3 END AS mailing_id,
    CASE WHEN campaign THEN 'nl-' ELSE 'order-' END || m AS message_id,
    CASE WHEN r4 % 10 = 0 THEN 23456 ELSE 12345 END AS server_id,
    (1001 + (r4 / 10) % 4)::int AS subaccount_id,
    (7 + (r4 / 40) % 2)::int AS ip_pool_id,
    CASE WHEN campaign THEN 'news@brand.example' ELSE 'no-reply@brand.example' END AS from_address,
    CASE WHEN campaign THEN 'Your weekly digest, ' || to_char(t0 AT TIME ZONE 'UTC', 'FMMonth FMDD') ELSE 'Your order ' || m || ' has shipped' END AS subject,
    CASE WHEN campaign THEN 'newsletter' ELSE 'transactional' END AS tag
  FROM plan
), plan3 AS MATERIALIZED (
  SELECT plan2.*,
    'user' || user_no || '@' || domain AS address,
    CASE WHEN opens > 0 THEN ((r3 / 400) % 5)::int ELSE 0 END AS clicks,
    CASE WHEN opens > 0 AND (r3 / 2000) % 400 = 0 THEN 1 ELSE 0 END AS unsubscribes,
    CASE WHEN failure IS NULL AND (r4 / 80) % 2000 = 0 THEN 1 ELSE 0 END AS complaints,
    deferrals * 1800 + 1 + r2 % 5 AS outcome_after,
    300 + r3 % 21600 AS open_after
  FROM plan2
), ev AS MATERIALIZED (
  SELECT p.*, s,
    CASE WHEN s = 0 THEN 'Queued'
      WHEN s <= deferrals THEN 'Deferred'
      WHEN s = deferrals + 1 THEN CASE WHEN failure IS NULL THEN 'Delivered' ELSE 'Failed' END
      WHEN s <= deferrals + 1 + opens + clicks + unsubscribes THEN 'Tracking'
      ELSE 'Complaint' END AS type,
    CASE WHEN s <= deferrals + 1 THEN NULL
      WHEN s <= deferrals + 1 + opens THEN 'Open'
      WHEN s <= deferrals + 1 + opens + clicks THEN 'Click'
      WHEN s <= deferrals + 1 + opens + clicks + unsubscribes THEN 'Unsubscribe' END AS tracking,
    t0 + make_interval(secs => (CASE WHEN s = 0 THEN 0
      WHEN s <= deferrals THEN s * 1200 + r2 % 600
      WHEN s = deferrals + 1 THEN outcome_after
      WHEN s <= deferrals + 1 + opens THEN outcome_after + (s - deferrals - 1) * open_after
      WHEN s <= deferrals + 1 + opens + clicks + unsubscribes THEN outcome_after + open_after + (s - deferrals - 1 - opens) * 45
      ELSE outcome_after + 3600 + r4 % 82800 END) + ((r1 * 7919 + s * 104729) % 1000000) / 1e6) AS at
  FROM plan3 p
  CROSS JOIN LATERAL generate_series(0, 1 + deferrals + opens + clicks + unsubscribes + complaints) AS s
), typed AS (
  SELECT ev.at + make_interval(secs => 0.3 + (ev.r1 % 2000) / 1000.0) AS received_at,
    ${RAW_SQL} AS raw,
    ${SEED_FIELDS.filter((f) => f.column)
      .map((f) => `${f.sql} AS ${f.column}`)
      .join(',\n    ')}
  FROM ev
), ins AS (
  INSERT INTO email_events (received_at, dedupe_key, format, raw, known_type, txid,
    ${SEED_FIELDS.filter((f) => f.column)
      .map((f) => f.column)
      .join(', ')})
  SELECT received_at, sha256(convert_to(raw, 'UTF8')), 'json', raw, true, pg_current_xact_id()::text::bigint,
    ${SEED_FIELDS.filter((f) => f.column)
      .map((f) => f.column)
      .join(', ')}
  FROM typed
  ORDER BY received_at
  RETURNING id, occurred_at, type, tracking_type, failure_type, address, message_id
), counted AS (
  INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
  SELECT ${counterKeySql('occurred_at', 'type', 'tracking_type')}, 'processed', count(*) FROM ins GROUP BY 1, 2, 3
), keys AS (
  -- Each message's first and last event: UPSERT_MESSAGES reads the months between them.
  SELECT k.mid, k.address, t.at
  FROM (SELECT coalesce(message_id, '') AS mid, address, min(occurred_at) AS lo, max(occurred_at) AS hi
        FROM ins WHERE address IS NOT NULL GROUP BY 1, 2) k
  CROSS JOIN LATERAL (VALUES (k.lo), (k.hi)) AS t(at)
), suppressing AS (
  SELECT id, occurred_at FROM ins WHERE type IN ('Complaint', 'Failed') OR tracking_type = 'Unsubscribe'
)
SELECT (SELECT count(*) FROM ins)::int AS events,
  (SELECT min(id)::text FROM ins) AS first_id, (SELECT max(id)::text FROM ins) AS last_id,
  (SELECT coalesce(array_agg(mid ORDER BY mid, address), '{}') FROM keys) AS message_ids,
  (SELECT coalesce(array_agg(address ORDER BY mid, address), '{}') FROM keys) AS addresses,
  (SELECT coalesce(array_agg(at::text ORDER BY mid, address), '{}') FROM keys) AS message_at,
  (SELECT coalesce(array_agg(id::text ORDER BY id), '{}') FROM suppressing) AS suppressing_ids,
  (SELECT coalesce(array_agg(occurred_at::text ORDER BY id), '{}') FROM suppressing) AS suppressing_at`;

export interface SeededChunk {
  events: number;
  firstId: string;
  lastId: string;
  /** Per message, twice: its first and its last event (UPSERT_MESSAGES' arrays). */
  messageIds: string[];
  addresses: string[];
  messageAt: string[];
  suppressingIds: string[];
  suppressingAt: string[];
}

/** $1, $2 messages [from, to); $3 messages in all; $4, $5 first time and span (epoch seconds); $6 recipients. */
export async function seedEvents(db: Client, params: number[]): Promise<SeededChunk> {
  const r = (
    await db.query<{
      events: number;
      first_id: string;
      last_id: string;
      message_ids: string[];
      addresses: string[];
      message_at: string[];
      suppressing_ids: string[];
      suppressing_at: string[];
    }>(SEED_EVENTS, params)
  ).rows[0];
  return {
    events: r.events,
    firstId: r.first_id,
    lastId: r.last_id,
    messageIds: r.message_ids,
    addresses: r.addresses,
    messageAt: r.message_at,
    suppressingIds: r.suppressing_ids,
    suppressingAt: r.suppressing_at,
  };
}

/**
 * The monthly partitions of email_events for [from, to], made as the service makes them (createPartition of
 * event-partitions.ts) where they are missing: the service creates the months around now, a 90-day seed reaches
 * further back, and its rows must land in their months, not in the default partition. Returns the names created.
 */
export async function ensureSeedPartitions(db: Client, from: Date, to: Date): Promise<string[]> {
  const query = async (sql: string, params?: unknown[]): Promise<unknown[]> =>
    (await db.query<Record<string, unknown>>(sql, params)).rows;
  const have = new Set((await monthPartitions(query)).map((p) => p.from.getTime()));
  const created: string[] = [];
  for (let month = monthStart(from); month <= to; month = addMonths(month, 1)) {
    if (have.has(month.getTime())) continue;
    await createPartition(query, month);
    created.push(partitionName(month));
  }
  return created;
}

/**
 * A small backlog, as a running service has one: the newest `pending` events are not processed yet, and `failed`
 * events spread over the last chunk are dead (processing gave up on them after 5 attempts). Both get their
 * backlog row and move from the `processed` counters to theirs. Run on the last chunk before its messages and
 * suppressions are derived; returns the backlog's event ids, which processing has not derived anything from.
 */
export async function seedBacklog(
  db: Client,
  firstId: string,
  lastId: string,
  pending: number,
  failed: number,
): Promise<Set<string>> {
  const rows = (
    await db.query(
      `WITH picked AS (
         (SELECT id, occurred_at, received_at, type, tracking_type, 'pending' AS state
          FROM email_events WHERE id BETWEEN $1 AND $2 ORDER BY id DESC LIMIT $3)
         UNION ALL
         (SELECT id, occurred_at, received_at, type, tracking_type, 'failed'
          FROM email_events WHERE id BETWEEN $1 AND $2 - $3 AND hashint8(id) % 997 = 0 ORDER BY hashint8(id + 1) LIMIT $4)
       ), backlog AS (
         INSERT INTO event_backlog (event_id, occurred_at, received_at, state, attempts, last_error, normalize)
         SELECT id, occurred_at, received_at, state,
           CASE state WHEN 'failed' THEN 5 ELSE 0 END,
           CASE state WHEN 'failed' THEN 'canceling statement due to statement timeout' END,
           false
         FROM picked
       ), counted AS (
         INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
         SELECT ${counterKeySql('p.occurred_at', 'p.type', 'p.tracking_type')}, s.state, sum(s.n)
         FROM picked p CROSS JOIN LATERAL (VALUES ('processed', -1), (p.state, 1)) AS s(state, n)
         GROUP BY 1, 2, 3, 4
       )
       SELECT id::text AS id FROM picked`,
      [firstId, lastId, pending, failed],
    )
  ).rows as { id: string }[];
  return new Set(rows.map((r) => r.id));
}

/**
 * Session settings for the seed: the generator's expressions are large, and with JIT on PostgreSQL spent
 * more time compiling them than running them; a seed is not precious, so no waiting on the WAL flush either.
 */
export const SEED_SESSION = [`SET jit = off`, `SET synchronous_commit = off`, `SET work_mem = '256MB'`];

/** Rows already there: the seed refuses to add to them without --reset. */
export async function seededRows(db: Client): Promise<number> {
  return (
    await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM email_events LIMIT 1) e) + (SELECT count(*) FROM (SELECT 1 FROM messages LIMIT 1) m) AS n`,
    )
  ).rows[0].n;
}

/** Everything the seed fills (the partitions stay, emptied). */
export const SEED_RESET = `TRUNCATE email_events, event_backlog, event_counts, event_count_deltas, messages, suppressions RESTART IDENTITY`;

/**
 * A sample of seeded events, raw and typed, for the check against the service's own normalizer. occurred_at as the
 * normalizer writes it (ISO 8601, UTC, microseconds): a JS Date would drop the microseconds.
 */
export async function sampleEvents(db: Client, n: number): Promise<Record<string, unknown>[]> {
  return (
    await db.query<Record<string, unknown>>(
      `SELECT e.*, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at_iso
       FROM email_events e TABLESAMPLE BERNOULLI (1) LIMIT $1`,
      [n],
    )
  ).rows;
}

/** Rows in the default partition: the seed makes every month it fills, so none should land there. */
export async function defaultPartitionRows(db: Client): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${DEFAULT_PARTITION}"`)).rows[0].n;
}

export const SEED_ANALYZE = [
  `VACUUM (ANALYZE) email_events`,
  `VACUUM (ANALYZE) event_backlog`,
  `VACUUM (ANALYZE) event_counts`,
  `VACUUM (ANALYZE) messages`,
  `VACUUM (ANALYZE) suppressions`,
];
