import { Column, ColumnOptions, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, ValueTransformer } from 'typeorm';
import { PgType, STORED_FIELDS, StoredFieldValues } from '../event-fields';
import type { BodyFormat } from '../event-names';

/**
 * Where an event's processing stands (its row in event_backlog, or none): `pending` until its message status and
 * suppressions are derived (and its typed columns filled, for the rare event stored raw), `processed` once done,
 * `failed` when processing gave up on it (see `lastError`; replayable).
 */
export const EVENT_STATES = ['pending', 'processed', 'failed'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/** occurred_at of an event without a readable DateTime: the partition key cannot be NULL (docs/storage.md). */
export const NO_DATE = '-infinity';

/** occurred_at's NO_DATE as null, both ways. pg reads '-infinity' as the number -Infinity. */
const occurredAtTransformer: ValueTransformer = {
  from: (value: unknown) => (value instanceof Date && Number.isFinite(value.getTime()) ? value : null),
  to: (value: unknown) => value ?? NO_DATE,
};

/**
 * One event, written once: by the receiver, in the same statement that stores it, with its typed columns already
 * normalized (docs/storage.md). Nothing rewrites the row afterwards but a replay (which normalizes the raw text
 * again) and erasure. The raw text stays so that parsing can be redone.
 *
 * Partitioned by month of `occurred_at` (the event's own DateTime, which a SocketLabs retry repeats), so the dedupe
 * key is unique with it and retention drops whole partitions. The partitions are made by the migrations and by
 * EventPartitionsService, not by TypeORM: this entity describes the partitioned parent table.
 *
 * The typed columns come from the field catalogue (event-fields.ts), declared below the class.
 */
@Entity('email_events')
@Index('email_events_dedupe_key_key', ['dedupeKey', 'occurredAt'], { unique: true })
// The default order (occurredAt, then id) and time windows; each partition is scanned in order.
@Index('email_events_occurred_at_idx', ['occurredAt', 'id'])
// The message computations and the messageId and address filters (by message and recipient, both ways round).
@Index('email_events_message_idx', ['messageId', 'address'])
@Index('email_events_address_idx', ['address'])
// The other filters: (filter, occurred_at, id), the default order after the filter's value, so that a filtered page is
// the index's first entries. `id` completes the order and makes the index hold the page's keys (id, occurred_at): an
// OFFSET reads index entries, never the rows (type=Delivered, page 1000: 208 ms when it read 50,000 rows), and a
// sort by arrival (id) within a mailing reads its entries only instead of every newer event (5.7 s).
@Index('email_events_mailing_id_idx', ['mailingId', 'occurredAt', 'id'])
@Index('email_events_type_idx', ['type', 'occurredAt', 'id'])
@Index('email_events_subaccount_id_idx', ['subaccountId', 'occurredAt', 'id'])
// serverId: without it a server with few events (or none) was a scan of every partition, for the page and for its
// bounded count (100-150 ms for a server with a tenth of 10 M events, seconds for one with none). Appended at the right
// end per server (occurred_at grows), so its cost to the receiver's INSERT is a hot leaf page per server.
@Index('email_events_server_id_idx', ['serverId', 'occurredAt', 'id'])
// Partial: only tracking events have a tracking type, only failures a failure type.
@Index('email_events_tracking_type_idx', ['trackingType', 'occurredAt', 'id'], { where: 'tracking_type IS NOT NULL' })
@Index('email_events_failure_type_idx', ['failureType', 'occurredAt', 'id'], { where: 'failure_type IS NOT NULL' })
// The change feed.
@Index('email_events_feed_idx', ['txid', 'id'], { where: 'txid IS NOT NULL' })
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- fields typed by the interface below
export class EmailEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** The event's DateTime, the partition key; null (stored as NO_DATE) when it had no readable one. */
  @PrimaryColumn({ name: 'occurred_at', type: 'timestamptz', transformer: occurredAtTransformer })
  occurredAt: Date | null;

  /** The receiver endpoint; null for the endpoint configured from the environment. */
  @Column({ name: 'endpoint_id', type: 'uuid', nullable: true })
  endpointId: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  /** SHA-256 of the canonical event without SecretKey (dedupe-key.ts): a SocketLabs retry has the same key. */
  @Column({ name: 'dedupe_key', type: 'bytea' })
  dedupeKey: Buffer;

  @Column({ type: 'text' })
  format: BodyFormat;

  /** The event's own text as received, SecretKey removed (JSON: the object's text; form: the `name=value` pairs). */
  @Column({ type: 'text' })
  raw: string;

  /** The canonical type (`Delivered`...), or an unknown one lower-cased (storedEventType); null when none was sent. */
  @Column({ type: 'text', nullable: true })
  type: string | null;

  /** False for a Type this service does not know (stored and visible, never refused); null until normalized. */
  @Column({ name: 'known_type', type: 'boolean', nullable: true })
  knownType: boolean | null;

  /**
   * The id of the transaction that wrote the typed columns (pg_current_xact_id): the change feed's order. Null for
   * an event stored raw until a worker has normalized it. Transactions commit out of order, but none below the oldest
   * one still running can commit any more, so the feed only hands out events below that horizon.
   */
  @Column({ type: 'bigint', nullable: true })
  txid: string | null;
}

/** The catalogue's fields, typed as the entity holds them. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface EmailEventEntity extends StoredFieldValues {}

const COLUMN_TYPES: Record<PgType, ColumnOptions> = {
  text: { type: 'text' },
  integer: { type: 'integer' },
  timestamptz: { type: 'timestamptz' },
  jsonb: { type: 'jsonb' },
  'text[]': { type: 'text', array: true },
};
for (const f of STORED_FIELDS) {
  Column({ name: f.column, nullable: true, ...COLUMN_TYPES[f.pg] })(EmailEventEntity.prototype, f.property);
}
