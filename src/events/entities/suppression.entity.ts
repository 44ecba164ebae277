import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const SUPPRESSION_REASONS = ['complaint', 'permanent_failure', 'unsubscribe'] as const;
/** In order of precedence: a complaint outranks a permanent failure, which outranks an unsubscribe. */
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * An address not to send to again. One row per address; when several events suppress it, the row keeps
 * the highest-ranking reason and, within that reason, the earliest event, whatever order they arrive in.
 */
@Entity('suppressions')
// The list's orders (ties broken by address; `address` is the primary key): a page is the index's first entries
// instead of a sort of every suppression, a table that only grows (retention keeps them): 25-60 ms at 41,606.
// Written by the workers only, a few per thousand events.
@Index('suppressions_created_at_idx', ['createdAt', 'address'])
@Index('suppressions_updated_at_idx', ['updatedAt', 'address'])
@Index('suppressions_occurred_at_idx', ['occurredAt', 'address'])
export class SuppressionEntity {
  /** Lower-cased recipient address. */
  @PrimaryColumn({ type: 'text' })
  address: string;

  @Column({ type: 'text' })
  reason: SuppressionReason;

  /** The email_events row that caused it. */
  @Column({ name: 'event_id', type: 'bigint' })
  eventId: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ name: 'failure_code', type: 'integer', nullable: true })
  failureCode: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
