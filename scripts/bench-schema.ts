/**
 * What the measuring scripts (bench.ts, bench-reads.ts, seed-scale.ts) know about the database schema, and
 * nothing of it anywhere else: when the storage changes (new tables, partitions, counters), this file is
 * the one to adapt. Every statement here reads or writes the tables as the service's migrations create them.
 */
import type { Client } from 'pg';

// ---------------------------------------------------------------- npm run bench

/** Events stored and not processed yet: the workers' backlog. */
export async function pendingEvents(db: Client): Promise<number> {
  return (await db.query(`SELECT count(*)::int AS n FROM email_events WHERE state = 'pending'`)).rows[0].n;
}

/** Every event stored, whatever its state (>= the 200s: an event is committed before its 200). */
export async function storedEvents(db: Client): Promise<number> {
  return (await db.query(`SELECT count(*)::int AS n FROM email_events`)).rows[0].n;
}

// ---------------------------------------------------------------- npm run bench:reads

/** Real values to filter on, taken from the seeded data: each of them matches rows. */
export interface ReadSamples {
  eventId: string;
  address: string;
  messageId: string;
  mailingId: string;
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
  const one = async <T>(sql: string): Promise<T | undefined> => (await db.query(sql)).rows[0] as T | undefined;
  // TABLESAMPLE: a random processed event without a scan of a large table (the seeded ids are dense).
  const event =
    (await one<Record<string, unknown>>(
      `SELECT id::text AS id, address, message_id, mailing_id, server_id, subaccount_id FROM email_events TABLESAMPLE SYSTEM (1)
       WHERE state = 'processed' AND address IS NOT NULL AND message_id IS NOT NULL AND mailing_id IS NOT NULL LIMIT 1`,
    )) ??
    (await one<Record<string, unknown>>(
      `SELECT id::text AS id, address, message_id, mailing_id, server_id, subaccount_id FROM email_events
       WHERE state = 'processed' AND address IS NOT NULL AND message_id IS NOT NULL AND mailing_id IS NOT NULL LIMIT 1`,
    ));
  if (!event) throw new Error('no processed event with an address, a messageId and a mailingId: seed the database first (npm run seed:scale)');
  const message = await one<{ id: string; address: string }>(
    `SELECT id::text AS id, address FROM messages WHERE message_id = '${String(event.message_id).replace(/'/g, "''")}' LIMIT 1`,
  );
  const suppression = await one<{ address: string }>(`SELECT address FROM suppressions ORDER BY address OFFSET 100 LIMIT 1`);
  const range = await one<{ lo: Date; hi: Date }>(`SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM email_events`);
  const feed = await one<{ txid: string; id: string }>(
    `SELECT processed_txid::text AS txid, id::text AS id FROM email_events WHERE processed_txid IS NOT NULL ORDER BY processed_txid DESC, id DESC LIMIT 1`,
  );
  const middle = new Date((range!.lo.getTime() + range!.hi.getTime()) / 2);
  middle.setUTCHours(0, 0, 0, 0);
  return {
    eventId: String(event.id),
    address: String(event.address),
    messageId: String(event.message_id),
    mailingId: String(event.mailing_id),
    serverId: Number(event.server_id),
    subaccountId: Number(event.subaccount_id),
    messageRowId: message?.id ?? '1',
    messageAddress: message?.address ?? String(event.address),
    suppressedAddress: suppression?.address ?? null,
    day: middle.toISOString(),
    feedEnd: feed ? `${feed.txid}.${feed.id}` : null,
  };
}

/** How large the database is, for the report. */
export async function tableSizes(db: Client): Promise<Record<string, number>> {
  const rows = (
    await db.query(
      `SELECT relname AS name, reltuples::bigint AS rows FROM pg_class WHERE relname IN ('email_events', 'messages', 'suppressions') AND relkind IN ('r', 'p')`,
    )
  ).rows as { name: string; rows: string }[];
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.rows)]));
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
  { json: 'IpPoolId', column: 'ip_pool_id', kind: 'number', sql: `CASE WHEN ev.type IN ('Deferred', 'Delivered', 'Failed') THEN ev.ip_pool_id END` },
  // SocketLabs sends the address as the sender gave it; the column is lower-cased.
  { json: 'Address', column: null, sql: `CASE WHEN ev.r4 % 20 = 1 THEN initcap(ev.address) ELSE ev.address END` },
  { json: null, column: 'address', sql: 'ev.address' },
  { json: 'FromAddress', column: 'from_address', sql: `CASE WHEN ev.type IN ('Queued', 'Deferred', 'Failed') THEN ev.from_address END` },
  { json: 'Subject', column: 'subject', sql: `CASE WHEN ev.type = 'Queued' THEN ev.subject END` },
  { json: 'MailingId', column: 'mailing_id', sql: `coalesce(ev.mailing_id, '')` },
  { json: 'MessageId', column: 'message_id', sql: 'ev.message_id' },
  { json: 'MessageSize', column: 'message_size', kind: 'number', sql: `CASE WHEN ev.type = 'Queued' THEN 4000 + ev.r2 % 60000 END` },
  { json: 'DeferralCode', column: 'deferral_code', kind: 'number', sql: `CASE WHEN ev.type = 'Deferred' THEN 3003 END` },
  {
    json: 'Reason',
    column: 'reason',
    sql: `CASE WHEN ev.type = 'Deferred' THEN '451 4.7.1 Greylisted, please try again later'
      WHEN ev.type = 'Failed' AND ev.failure = 'Permanent' THEN '550 5.1.1 The email account that you tried to reach does not exist'
      WHEN ev.type = 'Failed' AND ev.failure = 'Temporary' THEN '452 4.2.2 The email account that you tried to reach is over quota'
      WHEN ev.type = 'Failed' THEN 'Address is on the suppression list' END`,
  },
  { json: 'Response', column: 'response', sql: `CASE WHEN ev.type = 'Delivered' THEN '250 2.0.0 OK ' || (ev.r2 % 1000000000) || ' gsmtp' END` },
  { json: 'LocalIp', column: 'local_ip', sql: `CASE WHEN ev.type = 'Delivered' THEN '142.0.176.' || (10 + ev.r3 % 20) END` },
  { json: 'RemoteMta', column: 'remote_mta', sql: `CASE WHEN ev.type = 'Delivered' OR (ev.type = 'Failed' AND ev.failure <> 'Suppressed') THEN 'mx.' || ev.domain END` },
  { json: 'BounceStatus', column: 'bounce_status', sql: `CASE WHEN ev.type = 'Failed' AND ev.failure = 'Permanent' THEN '5.1.1' END` },
  { json: 'DiagnosticCode', column: 'diagnostic_code', sql: `CASE WHEN ev.type = 'Failed' AND ev.failure = 'Permanent' THEN 'smtp; 550 5.1.1 user unknown' END` },
  { json: 'FailureType', column: 'failure_type', sql: `CASE WHEN ev.type = 'Failed' THEN ev.failure END` },
  {
    json: 'FailureCode',
    column: 'failure_code',
    kind: 'number', sql: `CASE WHEN ev.type = 'Failed' THEN CASE ev.failure WHEN 'Permanent' THEN 2001 WHEN 'Temporary' THEN 3001 ELSE 2999 END END`,
  },
  // SocketLabs sends the tracking type as its number (0 click, 1 open, 2 unsubscribe); the column has its name.
  { json: 'TrackingType', column: null, kind: 'number', sql: `CASE ev.tracking WHEN 'Click' THEN 0 WHEN 'Open' THEN 1 WHEN 'Unsubscribe' THEN 2 END` },
  { json: null, column: 'tracking_type', sql: 'ev.tracking' },
  { json: 'ClientIp', column: 'client_ip', sql: `CASE WHEN ev.type = 'Tracking' THEN '203.0.113.' || (ev.r3 % 250) END` },
  {
    json: 'UserAgent',
    column: 'user_agent',
    sql: `CASE WHEN ev.type = 'Tracking' THEN (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
        'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36'])[1 + ev.r3 % 4]
      WHEN ev.type = 'Complaint' THEN 'Yahoo!-Mail-Feedback/2.0' END`,
  },
  { json: 'Url', column: 'url', sql: `CASE WHEN ev.tracking = 'Click' THEN 'https://brand.example/p/' || (ev.r3 % 500) || '?utm_source=newsletter' END` },
  { json: 'FblType', column: 'fbl_type', sql: `CASE WHEN ev.type = 'Complaint' THEN 'abuse' END` },
  { json: 'From', column: 'fbl_from', sql: `CASE WHEN ev.type = 'Complaint' THEN ev.from_address END` },
  { json: 'To', column: 'fbl_to', sql: `CASE WHEN ev.type = 'Complaint' THEN ev.address END` },
  { json: 'Length', column: 'length', kind: 'number', sql: `CASE WHEN ev.type = 'Complaint' THEN 2048 + ev.r4 % 4096 END` },
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
  { json: null, column: 'tags', sql: `CASE WHEN ev.type IN ('Queued', 'Deferred', 'Delivered') THEN ARRAY[ev.tag] END` },
];

/**
 * The raw JSON text, SocketLabs' key order, compact as the receiver stores it (JSON.stringify); NULL fields left
 * out. Strings are quoted without to_json (cheaper): no generated value holds a quote, a backslash or a control
 * character, and the check at the end of the seed (the normalizer reading sampled raw bodies) fails if one does.
 */
const RAW_SQL = `'{' || concat_ws(',', ${SEED_FIELDS.filter((f) => f.json)
  .map((f) => `'"${f.json}":' || ${f.kind === 'raw-json' ? `(${f.sql})` : f.kind === 'number' ? `(${f.sql})::text` : `'"' || (${f.sql}) || '"'`}`)
  .join(',\n    ')}) || '}'`;

/**
 * $1, $2: the messages [from, to) to generate; $3 messages in all; $4, $5 the first message's time (epoch
 * seconds) and the span the messages are spread over; $6 distinct recipients. Every message: Queued, a
 * deferral for some (three before a temporary failure), Delivered (97 %) or Failed (2 % permanent, 0.7 %
 * temporary, 0.3 % suppressed), then for 65 % of the delivered ones 1-4 opens and 0-4 clicks, rarely an
 * unsubscribe (after a click) or a complaint: about five events a message. Deterministic (hashes of the
 * message number), so a seed is reproducible. Processed: state, processed_at and processed_txid (this
 * transaction's id, the change feed's order) are set, as a worker sets them.
 */
export const SEED_EVENTS = `
INSERT INTO email_events (received_at, dedupe_key, format, raw, state, attempts, processed_at, processed_txid, known_type,
  ${SEED_FIELDS.filter((f) => f.column).map((f) => f.column).join(', ')})
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
    ${SEED_FIELDS.filter((f) => f.column).map((f) => `${f.sql} AS ${f.column}`).join(',\n    ')}
  FROM ev
)
SELECT received_at, encode(sha256(convert_to(raw, 'UTF8')), 'hex'), 'json', raw, 'processed', 1,
  received_at + interval '50 milliseconds', pg_current_xact_id()::text::bigint, true,
  ${SEED_FIELDS.filter((f) => f.column).map((f) => f.column).join(', ')}
FROM typed
ORDER BY received_at`;

/**
 * Session settings for the seed: the generator's expressions are large, and with JIT on PostgreSQL spent
 * more time compiling them than running them; a seed is not precious, so no waiting on the WAL flush either.
 */
export const SEED_SESSION = [`SET jit = off`, `SET synchronous_commit = off`, `SET work_mem = '256MB'`];

/** The highest event id (0 for none): a seeded chunk is the id range after it. */
export async function lastEventId(db: Client): Promise<string> {
  return (await db.query(`SELECT coalesce(max(id), 0)::text AS id FROM email_events`)).rows[0].id;
}

/** Rows already there: the seed refuses to add to them without --reset. */
export async function seededRows(db: Client): Promise<number> {
  return (await db.query(`SELECT (SELECT count(*) FROM (SELECT 1 FROM email_events LIMIT 1) e) + (SELECT count(*) FROM (SELECT 1 FROM messages LIMIT 1) m) AS n`)).rows[0].n;
}

export const SEED_RESET = `TRUNCATE email_events, messages, suppressions RESTART IDENTITY`;

/** The (message, recipient) keys of the events (after, upTo]: the messages rows to derive. */
export async function seededMessageKeys(db: Client, after: string, upTo: string): Promise<{ messageIds: string[]; addresses: string[] }> {
  const row = (
    await db.query(
      `SELECT coalesce(array_agg(message_id ORDER BY message_id, address), '{}') AS m, coalesce(array_agg(address ORDER BY message_id, address), '{}') AS a
       FROM (SELECT DISTINCT coalesce(message_id, '') AS message_id, address FROM email_events WHERE id > $1 AND id <= $2 AND address IS NOT NULL) k`,
      [after, upTo],
    )
  ).rows[0];
  return { messageIds: row.m, addresses: row.a };
}

/** The events (after, upTo] that may suppress their address (UPSERT_SUPPRESSIONS decides). */
export async function seededSuppressingEvents(db: Client, after: string, upTo: string): Promise<string[]> {
  const row = (
    await db.query(
      `SELECT coalesce(array_agg(id::text), '{}') AS ids FROM email_events WHERE id > $1 AND id <= $2
       AND (type IN ('Complaint', 'Failed') OR tracking_type = 'Unsubscribe')`,
      [after, upTo],
    )
  ).rows[0];
  return row.ids;
}

/** A sample of seeded events, raw and typed, for the check against the service's own normalizer. */
export async function sampleEvents(db: Client, n: number): Promise<Record<string, unknown>[]> {
  return (await db.query(`SELECT * FROM email_events TABLESAMPLE BERNOULLI (1) LIMIT $1`, [n])).rows;
}

export const SEED_ANALYZE = [`VACUUM (ANALYZE) email_events`, `VACUUM (ANALYZE) messages`, `VACUUM (ANALYZE) suppressions`];
