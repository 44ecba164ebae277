import { randomBytes } from 'node:crypto';
import { NO_DATE } from '../../src/events/entities/email-event.entity';
import { EVENT_FIELDS } from '../../src/events/event-fields';
import { BodyFormat, canonicalEventType, storedEventType } from '../../src/events/event-names';
import { counterKeySql } from '../../src/events/storage/event-counters';
import {
  NORMALIZED_COLUMNS,
  normalizedRow,
  recordsetDefinition,
  recordsetValue,
} from '../../src/webhooks/normalizing/event-columns';
import { normalizeEvent } from '../../src/webhooks/normalizing/event-normalizer';
import { eventTypeOf, parseStoredEvent } from '../../src/webhooks/receiver/webhook-body.parser';

/**
 * Events stored directly, as the receiver stores them (docs/storage.md): one row of email_events with its typed
 * columns and its change-feed position (txid), a row of event_backlog while it is pending or failed, and a +1
 * counter delta under its state. Tests that look at processing or at the read API start from these rows without
 * going through HTTP.
 */

/** A DataSource, or anything else that answers rows. */
export interface Db {
  query(sql: string, params?: unknown[]): Promise<any>;
}

export type StoredState = 'pending' | 'processed' | 'failed';

export interface StoreOptions {
  raw: string;
  format: BodyFormat;
  /**
   * The typed columns by column name (normalizedRow's shape); by default those the receiver computes from `raw`.
   * `occurred_at` null or absent is stored as '-infinity' (no readable date).
   */
  columns?: Record<string, unknown>;
  receivedAt?: Date;
  endpointId?: string | null;
  /** 32 bytes; random by default (a distinct event). */
  dedupeKey?: Buffer;
  state?: StoredState;
  attempts?: number;
  lastError?: string | null;
  /**
   * Stored raw, as the receiver does when its typed columns are refused: `type` and `occurred_at` only (undated),
   * no txid, and the backlog row says `normalize`, so that a worker fills the columns from the raw text.
   */
  storedRaw?: boolean;
}

/** The typed columns the receiver writes for an event posted as `raw` (its fields parsed as they are received). */
export function receiverColumns(raw: string, format: BodyFormat): Record<string, unknown> {
  return normalizedRow(normalizeEvent(parseStoredEvent(raw, format)));
}

/** What the receiver writes of an event whose typed columns PostgreSQL refused: its type, and no date. */
export function rawOnlyColumns(raw: string, format: BodyFormat): Record<string, unknown> {
  return { type: storedEventType(eventTypeOf(parseStoredEvent(raw, format))), occurred_at: NO_DATE };
}

const STORE_SQL = `
  WITH ins AS (
    INSERT INTO email_events (endpoint_id, received_at, dedupe_key, format, raw, ${NORMALIZED_COLUMNS.map((c) => c.column).join(', ')}, txid)
    SELECT $2::uuid, $3::timestamptz, $4::bytea, $5::text, $6::text, ${NORMALIZED_COLUMNS.map((c) => recordsetValue(c)).join(', ')},
      CASE WHEN $7::boolean THEN NULL ELSE pg_current_xact_id()::text::bigint END
    FROM json_to_recordset($1::json) AS r(${recordsetDefinition(NORMALIZED_COLUMNS)})
    RETURNING id, occurred_at, received_at, type, tracking_type
  ), backlog AS (
    INSERT INTO event_backlog (event_id, occurred_at, received_at, state, attempts, last_error, normalize)
    SELECT id, occurred_at, received_at, $8::text, $9::int, $10::text, $7::boolean FROM ins WHERE $8::text <> 'processed'
  ), counted AS (
    INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
    SELECT ${counterKeySql('occurred_at', 'type', 'tracking_type')}, $8::text, 1 FROM ins
  )
  SELECT id::text AS id FROM ins`;

/** Stores one event; answers its id. */
export async function storeEvent(db: Db, o: StoreOptions): Promise<string> {
  const columns = o.columns ?? (o.storedRaw ? rawOnlyColumns(o.raw, o.format) : receiverColumns(o.raw, o.format));
  const row = { ...columns, occurred_at: columns.occurred_at ?? NO_DATE };
  const state = o.state ?? 'pending';
  const rows: { id: string }[] = await db.query(STORE_SQL, [
    JSON.stringify([row]),
    o.endpointId ?? null,
    o.receivedAt ?? new Date(),
    o.dedupeKey ?? randomBytes(32),
    o.format,
    o.raw,
    o.storedRaw ?? false,
    state,
    o.attempts ?? (state === 'failed' ? 5 : 0),
    o.lastError ?? null,
  ]);
  // A DataSource answers the rows; a pg Client a result holding them.
  const list = Array.isArray(rows) ? rows : (rows as unknown as { rows: { id: string }[] }).rows;
  return list[0].id;
}

/** The raw text of an event posted in `format` (a form body's pairs, or JSON text), SecretKey never included. */
export function rawText(event: Record<string, unknown>, format: BodyFormat): string {
  return format === 'form' ? new URLSearchParams(event as Record<string, string>).toString() : JSON.stringify(event);
}

/**
 * Typed columns from API-style properties (camelCase, as EventResponseDto names them): `type` as given,
 * `knownType` from it unless given, `occurredAt` a Date or null (undated).
 */
export function columnsFromProperties(p: Record<string, unknown>): Record<string, unknown> {
  const type = (p.type as string | null | undefined) ?? null;
  const columns: Record<string, unknown> = {
    type,
    known_type: p.knownType ?? (type === null ? null : canonicalEventType(type) !== undefined),
  };
  for (const f of EVENT_FIELDS) {
    const value = p[f.property];
    if (value === undefined || value === null) continue;
    columns[f.column] = value instanceof Date ? value.toISOString() : value;
  }
  return columns;
}

/** Each event's processing state as the API derives it: its backlog row's state, or `processed` without one. */
export async function eventStates(db: Db, ids: string[]): Promise<Record<string, StoredState>> {
  const rows: { id: string; state: StoredState }[] = await db.query(
    `SELECT e.id::text AS id, coalesce(b.state, 'processed') AS state
     FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id WHERE e.id = ANY($1::bigint[])`,
    [ids],
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.state]));
}

/** The backlog row of an event (state, attempts, last_error, normalize), or undefined once it is processed. */
export async function backlogRow(
  db: Db,
  id: string,
): Promise<{ state: string; attempts: number; last_error: string | null; normalize: boolean } | undefined> {
  const rows = await db.query(`SELECT state, attempts, last_error, normalize FROM event_backlog WHERE event_id = $1`, [
    id,
  ]);
  return rows[0];
}

/**
 * Makes PostgreSQL refuse any message row whose address starts with `poison-` (error `P0001: poisoned row <address>`),
 * so that processing fails on the events that make one: the database at fault, not the normalizer. `dropPoison`
 * removes it.
 */
export async function poisonMessages(db: Db): Promise<void> {
  await db.query(`
    CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.address LIKE 'poison-%' THEN RAISE EXCEPTION 'poisoned row %', NEW.address; END IF;
      RETURN NEW;
    END $$`);
  await db.query(
    `CREATE TRIGGER test_poison BEFORE INSERT OR UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION test_poison()`,
  );
}

export async function dropPoison(db: Db): Promise<void> {
  await db.query(`DROP TRIGGER test_poison ON messages`);
}
