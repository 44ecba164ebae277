import { EventState } from './entities/email-event.entity';
import { STORED_FIELDS, StoredFieldValues } from './event-fields';
import type { BodyFormat } from './event-names';

/** An event as the read API has it: its row of email_events and where its processing stands (event_backlog). */
export interface StoredEvent extends StoredFieldValues {
  id: string;
  occurredAt: Date | null;
  endpointId: string | null;
  receivedAt: Date;
  format: BodyFormat;
  type: string | null;
  knownType: boolean | null;
  /** The change-feed position's transaction id. */
  txid: string | null;
  state: EventState;
  attempts: number;
  lastError: string | null;
  /** Only when asked for (one event). */
  raw?: string;
}

/**
 * The backlog row of each `e` (its processing state), as `b`: one probe of event_backlog's primary key per event.
 * LIMIT 1 (event_id is the key: at most one row anyway) keeps PostgreSQL from flattening it into a plain join, which
 * it planned as a scan of the whole backlog for every event of the page (it cannot tell that a page is 50 rows
 * after a lateral lookup by primary key): 340 rows x 50 events took half the list's execution at 10 M events, and
 * the backlog grows to thousands of rows when the workers fall behind.
 */
export const BACKLOG_OF_E = `LEFT JOIN LATERAL (SELECT b.state, b.attempts, b.last_error FROM event_backlog b WHERE b.event_id = e.id LIMIT 1) b ON true`;

/**
 * The select list of a StoredEvent over `email_events e ${BACKLOG_OF_E}` (its backlog row as `b`), the typed
 * columns from the field catalogue. `raw` only with `withRaw`: it is the largest column, and lists never show it.
 */
export function storedEventColumns(withRaw = false): string {
  return [
    'e.id::text AS id',
    'e.occurred_at',
    'e.endpoint_id',
    'e.received_at',
    'e.format',
    'e.type',
    'e.known_type',
    'e.txid::text AS txid',
    ...STORED_FIELDS.map((f) => `e.${f.column}`),
    `coalesce(b.state, 'processed') AS state`,
    'coalesce(b.attempts, 0) AS attempts',
    'b.last_error',
    ...(withRaw ? ['e.raw'] : []),
  ].join(', ');
}

/** A row selected with storedEventColumns. occurred_at '-infinity' (no readable date; pg reads it as -Infinity) is null. */
export function storedEvent(row: Record<string, unknown>): StoredEvent {
  const event: Record<string, unknown> = {
    id: row.id,
    occurredAt: row.occurred_at instanceof Date && Number.isFinite(row.occurred_at.getTime()) ? row.occurred_at : null,
    endpointId: row.endpoint_id,
    receivedAt: row.received_at,
    format: row.format,
    type: row.type,
    knownType: row.known_type,
    txid: row.txid,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
  };
  for (const f of STORED_FIELDS) event[f.property] = row[f.column] ?? null;
  if (row.raw !== undefined) event.raw = row.raw;
  return event as unknown as StoredEvent;
}
