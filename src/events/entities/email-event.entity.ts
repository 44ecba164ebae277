import { Column, Entity, EntityMetadata, Index, PrimaryGeneratedColumn } from 'typeorm';

export const EVENT_STATES = ['pending', 'processed', 'failed'] as const;
/** `pending`: stored, not yet normalized; `processed`: typed columns filled; `failed`: gave up, see `lastError`. */
export type EventState = (typeof EVENT_STATES)[number];

export const EVENT_TYPES = ['Queued', 'Deferred', 'Delivered', 'Failed', 'Tracking', 'Complaint'] as const;
export type KnownEventType = (typeof EVENT_TYPES)[number];

export type FailureType = 'Temporary' | 'Permanent' | 'Suppressed';
export type TrackingType = 'Click' | 'Open' | 'Unsubscribe';
export type BodyFormat = 'json' | 'form';

export interface MetaEntry {
  key: string;
  value: string | null;
}

/**
 * One event exactly as SocketLabs posted it (the raw body without SecretKey), and, once a worker has
 * processed it, the same event in typed columns. The raw body stays so that parsing can be redone.
 */
@Entity('email_events')
@Index('email_events_pending_idx', ['id'], { where: "state = 'pending'" })
// Dead events are few and looked at often (the API's state=failed filter, the dead-events metric, replays).
@Index('email_events_failed_idx', ['id'], { where: "state = 'failed'" })
@Index('email_events_message_idx', ['messageId', 'address'])
@Index('email_events_occurred_at_idx', ['occurredAt'])
@Index('email_events_address_idx', ['address'])
@Index('email_events_mailing_id_idx', ['mailingId'])
@Index('email_events_feed_idx', ['processedTxid', 'id'], { where: 'processed_txid IS NOT NULL' })
export class EmailEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** The receiver endpoint; null for the endpoint configured from the environment. */
  @Column({ name: 'endpoint_id', type: 'uuid', nullable: true })
  endpointId: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  /** SHA-256 (hex) of the canonical event without SecretKey: a SocketLabs retry has the same key. */
  @Index('email_events_dedupe_key_key', { unique: true })
  @Column({ name: 'dedupe_key', type: 'text' })
  dedupeKey: string;

  @Column({ type: 'text' })
  format: BodyFormat;

  /** The event as received, SecretKey removed, as JSON text (form bodies as an object of strings). */
  @Column({ type: 'text' })
  raw: string;

  /** `Type` as sent (any case); the typed columns below use the canonical spelling. */
  @Column({ type: 'text', nullable: true })
  type: string | null;

  @Column({ type: 'text', default: 'pending' })
  state: EventState;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  /**
   * The id of the transaction that processed the event (pg_current_xact_id), null until then and after a replay:
   * the change feed's order. Transactions commit out of order, but none below the oldest one still running
   * can commit any more, so the feed only ever hands out events below that horizon.
   */
  @Column({ name: 'processed_txid', type: 'bigint', nullable: true })
  processedTxid: string | null;

  // ---- typed columns, filled by the worker ----

  /** False for a Type this service does not know: stored and visible, never rejected. */
  @Column({ name: 'known_type', type: 'boolean', nullable: true })
  knownType: boolean | null;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @Column({ name: 'server_id', type: 'integer', nullable: true })
  serverId: number | null;

  @Column({ name: 'subaccount_id', type: 'integer', nullable: true })
  subaccountId: number | null;

  @Column({ name: 'ip_pool_id', type: 'integer', nullable: true })
  ipPoolId: number | null;

  @Column({ type: 'text', nullable: true })
  address: string | null;

  @Column({ name: 'from_address', type: 'text', nullable: true })
  fromAddress: string | null;

  @Column({ type: 'text', nullable: true })
  subject: string | null;

  @Column({ name: 'mailing_id', type: 'text', nullable: true })
  mailingId: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ name: 'message_size', type: 'integer', nullable: true })
  messageSize: number | null;

  @Column({ name: 'deferral_code', type: 'integer', nullable: true })
  deferralCode: number | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'text', nullable: true })
  response: string | null;

  @Column({ name: 'local_ip', type: 'text', nullable: true })
  localIp: string | null;

  @Column({ name: 'remote_mta', type: 'text', nullable: true })
  remoteMta: string | null;

  @Column({ name: 'bounce_status', type: 'text', nullable: true })
  bounceStatus: string | null;

  @Column({ name: 'diagnostic_code', type: 'text', nullable: true })
  diagnosticCode: string | null;

  @Column({ name: 'failure_type', type: 'text', nullable: true })
  failureType: FailureType | null;

  @Column({ name: 'failure_code', type: 'integer', nullable: true })
  failureCode: number | null;

  @Column({ name: 'tracking_type', type: 'text', nullable: true })
  trackingType: TrackingType | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;

  @Column({ name: 'client_ip', type: 'text', nullable: true })
  clientIp: string | null;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Column({ type: 'text', nullable: true })
  tag: string | null;

  @Column({ name: 'fbl_type', type: 'text', nullable: true })
  fblType: string | null;

  @Column({ name: 'fbl_from', type: 'text', nullable: true })
  fblFrom: string | null;

  @Column({ name: 'fbl_to', type: 'text', nullable: true })
  fblTo: string | null;

  @Column({ type: 'integer', nullable: true })
  length: number | null;

  @Column({ type: 'jsonb', nullable: true })
  meta: MetaEntry[] | null;

  @Column({ type: 'text', array: true, nullable: true })
  tags: string[] | null;

  /** Fields SocketLabs sent that have no column here, by their name as sent. */
  @Column({ type: 'jsonb', nullable: true })
  extra: Record<string, unknown> | null;
}

/** The columns an event list reads, as `e.<property>`: all but `raw` (read for one event only) and `dedupeKey`. */
export function eventListColumns(metadata: EntityMetadata): string[] {
  return metadata.columns
    .map((c) => c.propertyName)
    .filter((p) => p !== 'raw' && p !== 'dedupeKey')
    .map((p) => `e.${p}`);
}
