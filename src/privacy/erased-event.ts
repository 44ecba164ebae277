import { randomBytes } from 'node:crypto';
import { EVENT_FIELDS, EventFieldName } from '../events/event-fields';
import { normalizedRow } from '../webhooks/normalizing/event-columns';
import { normalizeEvent } from '../webhooks/normalizing/event-normalizer';
import { parseStoredEvent } from '../webhooks/receiver/webhook-body.parser';
import type { BodyFormat } from '../events/event-names';

/**
 * What an erased event keeps (docs/privacy.md): what describes the sending, never the person. Under the names
 * SocketLabs sends them by, so that the kept text reads as an event and normalizes back to the same row.
 */
const KEPT_FIELDS: Partial<Record<EventFieldName, string>> = {
  serverId: 'ServerId',
  subaccountId: 'SubaccountId',
  ipPoolId: 'IpPoolId',
  mailingId: 'MailingId',
  messageSize: 'MessageSize',
  deferralCode: 'DeferralCode',
  failureType: 'FailureType',
  failureCode: 'FailureCode',
  bounceStatus: 'BounceStatus',
  trackingType: 'TrackingType',
  fblType: 'FblType',
  localIp: 'LocalIp',
  length: 'Length',
};

/** The member an erased event's text carries (and its `extra` shows through the API): why it says so little. */
export const ERASED_MARK = 'Erased';

/** The columns of email_events an erasure reads of an event. */
export const ERASABLE_COLUMNS = [
  'e.id::text AS id',
  // As stored: the partition key it is updated by.
  'e.occurred_at::text AS occurred_at',
  // ISO 8601 with microseconds, as the normalizer writes it; null for '-infinity' (no readable date).
  `CASE WHEN e.occurred_at = '-infinity' THEN NULL ELSE to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS date_time`,
  'e.type',
  'e.address',
  'e.message_id',
  ...EVENT_FIELDS.filter((f) => KEPT_FIELDS[f.property] !== undefined).map((f) => `e.${f.column}`),
  // Only an event stored raw (typed columns not filled yet) is read whole, to find out whom it is about.
  'CASE WHEN e.address IS NULL THEN e.raw END AS raw',
  'e.format',
].join(', ');

/** An event as ERASABLE_COLUMNS reads it. */
export interface ErasableEvent {
  id: string;
  occurred_at: string;
  date_time: string | null;
  type: string | null;
  address: string | null;
  message_id: string | null;
  tracking_type: string | null;
  /** Only when `address` is null. */
  raw: string | null;
  format: BodyFormat;
  [column: string]: unknown;
}

/** An erased event's new row: what replaces its text, dedupe key and typed columns. */
export interface ErasedEvent {
  id: string;
  occurred_at: string;
  raw: string;
  /** 32 random bytes, hex: unique like a real key, and linked to nothing. */
  dedupe_key: string;
  /** `known_type` and every typed column but `occurred_at` (normalizedRow's, nulls left out). */
  columns: Record<string, unknown>;
}

/**
 * The erased form of an event: its text becomes a JSON event of its type, date and the kept fields (plus
 * `"Erased": true`), and its typed columns are that text normalized, so that a replay, which normalizes the text
 * again, gives the same row. Its type, tracking type and occurred_at stay as stored whatever the normalizer makes of
 * them: they are the statistics' counter key (docs/storage.md), so the counts need no change.
 */
export function erasedEvent(row: ErasableEvent): ErasedEvent {
  const fields: Record<string, unknown> = {};
  if (row.type !== null) fields.Type = row.type;
  if (row.date_time !== null) fields.DateTime = row.date_time;
  for (const f of EVENT_FIELDS) {
    const name = KEPT_FIELDS[f.property];
    const value = row[f.column];
    if (name !== undefined && value !== null && value !== undefined) fields[name] = value;
  }
  fields[ERASED_MARK] = true;
  const columns = normalizedRow(normalizeEvent(fields));
  delete columns.occurred_at;
  columns.type = row.type;
  columns.tracking_type = row.tracking_type ?? null;
  return {
    id: row.id,
    occurred_at: row.occurred_at,
    raw: JSON.stringify(fields),
    dedupe_key: randomBytes(32).toString('hex'),
    columns,
  };
}

/**
 * Whether an event stored raw (its typed columns not filled yet: `address` is null) is about `address` (stored form):
 * its Address as a worker will read it. A text that cannot be read as an event (a worker never will) is about the
 * address if it holds it anywhere, as sent or form-decoded, in any case.
 */
export function rawEventIsAbout(raw: string, format: BodyFormat, address: string): boolean {
  try {
    return normalizeEvent(parseStoredEvent(raw, format)).address === address;
  } catch {
    const texts = [raw];
    try {
      texts.push(decodeURIComponent(raw.replace(/\+/g, ' ')));
    } catch {
      // not percent-encoded text
    }
    return texts.some((t) => t.toLowerCase().includes(address));
  }
}

/**
 * A piece of `address` that stands as it is in a stored event's text however it was encoded (form encoding escapes
 * `@`, `+` and more, never letters or digits): the longest run of letters and digits. Narrows the events stored raw
 * to read before rawEventIsAbout decides.
 */
export function plainPartOf(address: string): string {
  return (address.match(/[a-z0-9]+/g) ?? ['']).reduce((a, b) => (b.length > a.length ? b : a), '');
}
