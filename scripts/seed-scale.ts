/**
 * npm run seed:scale -- --events 10000000 [--days 90 --chunk 500000 --reset --force --check 2000]
 *
 * Fills the database at DATABASE_URL (created and migrated first if needed, by the service's own migrations)
 * with realistic, processed SocketLabs events, the messages and suppressions derived from them: what a
 * service that has run for `--days` days looks like, to time the read API against (`npm run bench:reads`).
 * About `--events / 5` messages to a fifth as many recipients, five events a message on average (see
 * SEED_EVENTS in bench-schema.ts for the mix), the raw JSON as SocketLabs posts it (without SecretKey), the
 * typed columns filled from the same values, every event processed with its change-feed position.
 *
 * Generated inside PostgreSQL (generate_series, `--chunk` events per INSERT .. SELECT), indexes kept: the point
 * is a database as the service would have built it. The messages and suppressions are derived by the workers'
 * own statements (UPSERT_MESSAGES, UPSERT_SUPPRESSIONS), chunk by chunk; VACUUM ANALYZE at the end. Then a
 * sample of the events is run through the service's normalizer and compared with their typed columns.
 *
 * Refuses a database whose name contains none of `seed`, `bench`, `scale` (unless --force), and a database that
 * already holds events or messages (unless --reset, which empties those tables first).
 */
import 'dotenv/config';
import { Client } from 'pg';
import { prepareDatabase } from '../src/core/database/prepare-database';
import { parseStoredEvent } from '../src/webhooks/receiver/webhook-body.parser';
import { normalizeEvent } from '../src/webhooks/processing/event-normalizer';
import { UPSERT_MESSAGES, UPSERT_SUPPRESSIONS } from '../src/webhooks/processing/processing.sql';
import {
  lastEventId,
  sampleEvents,
  SEED_ANALYZE,
  SEED_EVENTS,
  SEED_RESET,
  SEED_SESSION,
  seededMessageKeys,
  seededRows,
  seededSuppressingEvents,
  storedEvents,
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
const EVENTS_PER_MESSAGE = 5;
/** Recipients: each gets a message every ~18 days on average over 90 days. */
const MESSAGES_PER_RECIPIENT = 5;

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/seed|bench|scale/i.test(name) && !args.includes('--force')) {
    throw new Error(`refusing to seed "${name}": its name contains none of seed, bench, scale (a production database?). Pass --force to seed it anyway.`);
  }
  if (!(EVENTS > 0) || !(CHUNK_EVENTS > 0) || !(DAYS > 1)) throw new Error('--events, --chunk must be positive, --days more than 1');

  const started = Date.now();
  await prepareDatabase(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    for (const sql of SEED_SESSION) await db.query(sql);
    if ((await seededRows(db)) > 0) {
      if (!args.includes('--reset')) throw new Error(`"${name}" already holds events or messages: pass --reset to empty them first`);
      await db.query(SEED_RESET);
      console.log(`emptied email_events, messages, suppressions`);
    }
    const messages = Math.max(1, Math.round(EVENTS / EVENTS_PER_MESSAGE));
    const recipients = Math.max(100, Math.round(messages / MESSAGES_PER_RECIPIENT));
    const chunkMessages = Math.max(1, Math.round(CHUNK_EVENTS / EVENTS_PER_MESSAGE));
    // Messages over [now - days, now - 1 day]: their last events (opens, complaints) come up to a day later.
    const end = Math.floor(Date.now() / 3_600_000) * 3600 - 86_400;
    const span = (DAYS - 1) * 86_400;
    console.log(`seeding "${name}": ~${EVENTS} events, ${messages} messages to ${recipients} recipients over ${DAYS} days, ${chunkMessages} messages per chunk`);

    let events = 0;
    for (let from = 0; from < messages; from += chunkMessages) {
      const to = Math.min(messages, from + chunkMessages);
      const chunkStarted = Date.now();
      const before = await lastEventId(db);
      await db.query('BEGIN');
      const inserted = await db.query(SEED_EVENTS, [from, to, messages, end - span, span, recipients]);
      await db.query('COMMIT');
      const after = await lastEventId(db);
      const insertSeconds = elapsed(chunkStarted);
      const keys = await seededMessageKeys(db, before, after);
      await db.query(UPSERT_MESSAGES, [keys.messageIds, keys.addresses]);
      await db.query(UPSERT_SUPPRESSIONS, [await seededSuppressingEvents(db, before, after)]);
      events += inserted.rowCount ?? 0;
      const rate = events / ((Date.now() - started) / 1000);
      console.log(
        `  ${String(events).padStart(10)} events, ${String(to).padStart(9)} messages (chunk: ${inserted.rowCount} events in ${insertSeconds}, messages and suppressions by ${elapsed(chunkStarted)}); ` +
          `${elapsed(started)} so far, ${rate.toFixed(0)} events/s, ~${((EVENTS - events) / rate).toFixed(0)} s to go`,
      );
    }

    const analyzeStarted = Date.now();
    for (const sql of SEED_ANALYZE) await db.query(sql);
    console.log(`vacuum analyze: ${elapsed(analyzeStarted)}`);

    const counts = (await db.query(`SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM suppressions)::int AS suppressions`)).rows[0];
    console.log(`done in ${elapsed(started)}: ${await storedEvents(db)} events, ${counts.messages} messages, ${counts.suppressions} suppressions`);

    if (CHECK > 0) await checkAgainstNormalizer(db, CHECK);
  } finally {
    await db.end();
  }
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Runs a sample of the seeded raw bodies through the service's normalizer: its output must equal the typed columns. */
async function checkAgainstNormalizer(db: Client, n: number): Promise<void> {
  const rows = await sampleEvents(db, n);
  let mismatches = 0;
  for (const row of rows) {
    const normalized = normalizeEvent(parseStoredEvent(String(row.raw), 'json'));
    const raw = String(row.raw);
    if (/secretkey/i.test(raw)) throw new Error(`event ${row.id}: the raw body has a SecretKey`);
    for (const [key, value] of Object.entries(normalized)) {
      if (key === 'canonicalType') continue;
      const column = snake(key);
      if (!(column in row)) continue;
      const stored = row[column] instanceof Date ? null : row[column];
      const same =
        row[column] instanceof Date ? value !== null && new Date(String(value)).getTime() === (row[column] as Date).getTime() : JSON.stringify(stored) === JSON.stringify(value);
      if (!same) {
        if (mismatches++ < 10) console.error(`event ${row.id}: ${column} is ${JSON.stringify(row[column])}, the normalizer makes ${JSON.stringify(value)} of ${raw}`);
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
