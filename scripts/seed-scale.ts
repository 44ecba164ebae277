/**
 * npm run seed:scale -- --events 10000000 [--days 90 --chunk 500000 --pending 300 --failed 40 --reset --force --check 2000]
 *
 * Fills the database at DATABASE_URL (created and migrated first if needed, by the service's own migrations)
 * with realistic, processed SocketLabs events, the messages and suppressions derived from them: what a
 * service that has run for `--days` days looks like, to time the read API against (`npm run bench:reads`).
 * About `--events / 5` messages to a fifth as many recipients, five events a message on average (see
 * SEED_EVENTS in bench-schema.ts for the mix), the raw JSON as SocketLabs posts it (without SecretKey), the
 * typed columns filled from the same values, every event processed with its change-feed position, counted in
 * event_counts; except a small backlog left as a running service has one (`--pending` newest events not processed
 * yet, `--failed` dead ones, with their backlog rows and counters).
 *
 * Generated inside PostgreSQL (generate_series, `--chunk` events per INSERT .. SELECT), indexes kept: the point
 * is a database as the service would have built it. The monthly partitions of the seeded months are made first
 * (the service's createPartition), so that no row lands in the default partition. The messages and suppressions
 * are derived by the workers' own statements (UPSERT_MESSAGES, UPSERT_SUPPRESSIONS), chunk by chunk; the counter
 * deltas are compacted by the sweeper's (COMPACT_COUNTERS); VACUUM ANALYZE at the end. Then a sample of the events
 * is run through the service's normalizer and compared with their typed columns.
 *
 * Refuses a database whose name contains none of `seed`, `bench`, `scale` (unless --force), and a database that
 * already holds events or messages (unless --reset, which empties those tables first).
 */
import 'dotenv/config';
import { Client } from 'pg';
import { prepareDatabase } from '../src/core/database/prepare-database';
import { COMPACT_COUNTERS } from '../src/events/storage/event-counters';
import { NORMALIZED_COLUMNS, normalizedRow } from '../src/webhooks/normalizing/event-columns';
import { normalizeEvent } from '../src/webhooks/normalizing/event-normalizer';
import { UPSERT_MESSAGES, UPSERT_SUPPRESSIONS } from '../src/webhooks/processing/processing.sql';
import { parseStoredEvent } from '../src/webhooks/receiver/webhook-body.parser';
import {
  defaultPartitionRows,
  ensureSeedPartitions,
  eventPartitionRows,
  sampleEvents,
  SEED_ANALYZE,
  SEED_RESET,
  SEED_SESSION,
  seedBacklog,
  seedEvents,
  seededRows,
  storedEvents,
  tableSizes,
} from './bench-schema';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const EVENTS = arg('events', 1_000_000);
const DAYS = arg('days', 90);
const CHUNK_EVENTS = arg('chunk', 500_000);
const CHECK = arg('check', 2000);
const PENDING = arg('pending', 300);
const FAILED = arg('failed', 40);
const EVENTS_PER_MESSAGE = 5;
/** Recipients: each gets a message every ~18 days on average over 90 days. */
const MESSAGES_PER_RECIPIENT = 5;

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/seed|bench|scale/i.test(name) && !args.includes('--force')) {
    throw new Error(
      `refusing to seed "${name}": its name contains none of seed, bench, scale (a production database?). Pass --force to seed it anyway.`,
    );
  }
  if (!(EVENTS > 0) || !(CHUNK_EVENTS > 0) || !(DAYS > 1))
    throw new Error('--events, --chunk must be positive, --days more than 1');
  if (!(PENDING >= 0) || !(FAILED >= 0)) throw new Error('--pending, --failed must be 0 or more');

  const started = Date.now();
  await prepareDatabase(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    for (const sql of SEED_SESSION) await db.query(sql);
    if ((await seededRows(db)) > 0) {
      if (!args.includes('--reset'))
        throw new Error(`"${name}" already holds events or messages: pass --reset to empty them first`);
      await db.query(SEED_RESET);
      console.log(`emptied email_events, event_backlog, event_counts, event_count_deltas, messages, suppressions`);
    }
    const messages = Math.max(1, Math.round(EVENTS / EVENTS_PER_MESSAGE));
    const recipients = Math.max(100, Math.round(messages / MESSAGES_PER_RECIPIENT));
    const chunkMessages = Math.max(1, Math.round(CHUNK_EVENTS / EVENTS_PER_MESSAGE));
    // Messages over [now - days, now - 1 day]: their last events (opens, complaints) come up to a day later.
    const end = Math.floor(Date.now() / 3_600_000) * 3600 - 86_400;
    const span = (DAYS - 1) * 86_400;
    // The months the events fall in (the latest a complaint ~1.1 days after the last message, plus deferrals).
    const created = await ensureSeedPartitions(db, new Date((end - span) * 1000), new Date((end + 2 * 86_400) * 1000));
    if (created.length) console.log(`created partitions ${created.join(', ')}`);
    console.log(
      `seeding "${name}": ~${EVENTS} events, ${messages} messages to ${recipients} recipients over ${DAYS} days, ${chunkMessages} messages per chunk`,
    );

    let events = 0;
    let backlog = 0;
    for (let from = 0; from < messages; from += chunkMessages) {
      const to = Math.min(messages, from + chunkMessages);
      const chunkStarted = Date.now();
      await db.query('BEGIN');
      const chunk = await seedEvents(db, [from, to, messages, end - span, span, recipients]);
      await db.query('COMMIT');
      const insertSeconds = elapsed(chunkStarted);
      let suppressing = { ids: chunk.suppressingIds, at: chunk.suppressingAt };
      if (to === messages && chunk.events > 0 && PENDING + FAILED > 0) {
        // The last chunk holds the newest events: the backlog is taken from them, and nothing derived from it.
        const left = await seedBacklog(db, chunk.firstId, chunk.lastId, PENDING, FAILED);
        backlog = left.size;
        const keep = chunk.suppressingIds.map((id) => !left.has(id));
        suppressing = {
          ids: chunk.suppressingIds.filter((_, i) => keep[i]),
          at: chunk.suppressingAt.filter((_, i) => keep[i]),
        };
      }
      await db.query(UPSERT_MESSAGES, [chunk.messageIds, chunk.addresses, chunk.messageAt]);
      await db.query(UPSERT_SUPPRESSIONS, [suppressing.ids, suppressing.at]);
      events += chunk.events;
      const rate = events / ((Date.now() - started) / 1000);
      console.log(
        `  ${String(events).padStart(10)} events, ${String(to).padStart(9)} messages (chunk: ${chunk.events} events in ${insertSeconds}, messages and suppressions by ${elapsed(chunkStarted)}); ` +
          `${elapsed(started)} so far, ${rate.toFixed(0)} events/s, ~${((EVENTS - events) / rate).toFixed(0)} s to go`,
      );
    }
    await db.query(COMPACT_COUNTERS);

    const analyzeStarted = Date.now();
    for (const sql of SEED_ANALYZE) await db.query(sql);
    console.log(`vacuum analyze: ${elapsed(analyzeStarted)}`);

    const counts = (
      await db.query<{ messages: number; suppressions: number }>(
        `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM suppressions)::int AS suppressions`,
      )
    ).rows[0];
    console.log(
      `done in ${elapsed(started)}: ${await storedEvents(db)} events (${backlog} left in the backlog), ${counts.messages} messages, ${counts.suppressions} suppressions`,
    );
    console.log(`partitions: ${(await eventPartitionRows(db)).map((p) => `${p.name} ${p.rows}`).join(', ')}`);
    for (const t of await tableSizes(db))
      console.log(
        `  ${t.name.padEnd(14)} ~${String(t.rows).padStart(10)} rows, ${mb(t.bytes)} (indexes ${mb(t.indexBytes)})`,
      );
    const stray = await defaultPartitionRows(db);
    if (stray > 0) {
      console.error(`CHECK FAILED: ${stray} events in the default partition (a seeded month without its partition)`);
      process.exitCode = 1;
    }

    if (CHECK > 0) await checkAgainstNormalizer(db, CHECK);
  } finally {
    await db.end();
  }
}

/**
 * Runs a sample of the seeded raw bodies through the service's normalizer (as the receiver does: parseStoredEvent,
 * normalizeEvent, normalizedRow): every typed column must hold what it makes of the raw body.
 */
async function checkAgainstNormalizer(db: Client, n: number): Promise<void> {
  const rows = await sampleEvents(db, n);
  let mismatches = 0;
  for (const row of rows) {
    const raw = String(row.raw);
    if (/secretkey/i.test(raw)) throw new Error(`event ${String(row.id)}: the raw body has a SecretKey`);
    const expected = normalizedRow(normalizeEvent(parseStoredEvent(raw, 'json')));
    for (const { column } of NORMALIZED_COLUMNS) {
      const stored = column === 'occurred_at' ? row.occurred_at_iso : row[column];
      const want = expected[column] ?? null;
      if (JSON.stringify(stored ?? null) !== JSON.stringify(want)) {
        if (mismatches++ < 10)
          console.error(
            `event ${String(row.id)}: ${column} is ${JSON.stringify(stored)}, the normalizer makes ${JSON.stringify(want)} of ${raw}`,
          );
      }
    }
  }
  console.log(
    mismatches
      ? `CHECK FAILED: ${mismatches} typed values of ${rows.length} sampled events differ from what the service's normalizer makes of their raw body`
      : `check: ${rows.length} sampled events, every typed column as the service's normalizer makes it from the raw body`,
  );
  if (mismatches) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
