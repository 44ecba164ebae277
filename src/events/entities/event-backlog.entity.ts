import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type BacklogState = 'pending' | 'failed';

/**
 * The events whose processing is not finished, one row each: written by the receiver in the statement that stores
 * the event, deleted by the worker in the transaction that processes it. Narrow, and as small as the backlog, so
 * that processing never rewrites the event itself. A row that stays is a dead event (`failed`), replayable.
 */
@Entity('event_backlog')
@Index('event_backlog_failed_idx', ['eventId'], { where: "state = 'failed'" })
export class EventBacklogEntity {
  @PrimaryColumn({ name: 'event_id', type: 'bigint' })
  eventId: string;

  /** The event's occurred_at as stored (its partition key, '-infinity' included): reaches its row in one partition. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'text', default: 'pending' })
  state: BacklogState;

  /** Failed processing attempts so far. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** True when the worker must fill the typed columns from the raw text first (stored raw, or replayed). */
  @Column({ type: 'boolean', default: false })
  normalize: boolean;
}
