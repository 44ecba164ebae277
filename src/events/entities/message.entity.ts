import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const MESSAGE_STATUSES = ['queued', 'deferred', 'delivered', 'failed', 'suppressed', 'complained'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * One message to one recipient, derived by the worker from all of its processed events (never from the
 * order they arrived in), so recomputing it from the events always gives the same row.
 */
@Entity('messages')
@Index('messages_message_id_address_key', ['messageId', 'address'], { unique: true })
@Index('messages_address_idx', ['address'])
// The list's sorts, (sort, id): id breaks ties, so that a page's ids come from the index alone.
@Index('messages_last_event_at_idx', ['lastEventAt', 'id'])
@Index('messages_status_at_idx', ['statusAt', 'id'])
@Index('messages_first_event_at_idx', ['firstEventAt', 'id'])
// The list's filters, (filter, last_event_at, id): the default order after the filter's value, so that a filtered
// page is the index's first entries and its OFFSET reads index entries only, not a sort of every message that matches
// (a mailing's thousands read at random: 70 ms) nor the rows skipped (status=delivered, page 1000: 39 ms); and a
// value without messages is one probe, not a scan of the table (serverId, subaccountId: 0.4 s).
@Index('messages_mailing_id_idx', ['mailingId', 'lastEventAt', 'id'])
@Index('messages_server_id_idx', ['serverId', 'lastEventAt', 'id'])
@Index('messages_subaccount_id_idx', ['subaccountId', 'lastEventAt', 'id'])
@Index('messages_status_idx', ['status', 'lastEventAt', 'id'])
export class MessageEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** SocketLabs MessageId as given at send time ('' when the sender gave none). */
  @Column({ name: 'message_id', type: 'text' })
  messageId: string;

  /** Recipient address, lower-cased. */
  @Column({ type: 'text' })
  address: string;

  @Column({ name: 'mailing_id', type: 'text', nullable: true })
  mailingId: string | null;

  @Column({ name: 'server_id', type: 'integer', nullable: true })
  serverId: number | null;

  @Column({ name: 'subaccount_id', type: 'integer', nullable: true })
  subaccountId: number | null;

  @Column({ type: 'text' })
  status: MessageStatus;

  /** When the event that decided `status` occurred. */
  @Column({ name: 'status_at', type: 'timestamptz', nullable: true })
  statusAt: Date | null;

  @Column({ name: 'failure_type', type: 'text', nullable: true })
  failureType: string | null;

  @Column({ name: 'failure_code', type: 'integer', nullable: true })
  failureCode: number | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true })
  queuedAt: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt: Date | null;

  @Column({ name: 'complained_at', type: 'timestamptz', nullable: true })
  complainedAt: Date | null;

  @Column({ name: 'first_opened_at', type: 'timestamptz', nullable: true })
  firstOpenedAt: Date | null;

  @Column({ name: 'first_clicked_at', type: 'timestamptz', nullable: true })
  firstClickedAt: Date | null;

  @Column({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true })
  unsubscribedAt: Date | null;

  @Column({ name: 'open_count', type: 'integer', default: 0 })
  openCount: number;

  @Column({ name: 'click_count', type: 'integer', default: 0 })
  clickCount: number;

  @Column({ name: 'event_count', type: 'integer', default: 0 })
  eventCount: number;

  @Column({ name: 'first_event_at', type: 'timestamptz', nullable: true })
  firstEventAt: Date | null;

  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
