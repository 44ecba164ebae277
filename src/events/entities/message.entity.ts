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
@Index('messages_mailing_id_idx', ['mailingId'])
@Index('messages_last_event_at_idx', ['lastEventAt'])
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
