import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Event counts per hour (of occurred_at), type, tracking type and processing state: what GET /events/stats sums,
 * instead of scanning the events. Compacted from event_count_deltas (CounterCompactor); `type` is the lower-cased
 * canonical type or `unknown`, `tracking_type` the lower-cased kind or ''.
 */
@Entity('event_counts')
export class EventCountEntity {
  @PrimaryColumn({ type: 'timestamptz' })
  hour: Date;

  @PrimaryColumn({ type: 'text' })
  type: string;

  @PrimaryColumn({ name: 'tracking_type', type: 'text' })
  trackingType: string;

  @PrimaryColumn({ type: 'text' })
  state: string;

  @Column({ type: 'bigint' })
  n: string;
}

/**
 * Changes to event_counts, appended by whoever changes what is counted, in the same transaction: the receiver's
 * INSERT (+pending), the worker (-pending, +processed or +failed), a replay. Appended, never updated, so that
 * concurrent writers never wait on one counter row; compacted into event_counts every few seconds.
 */
@Entity('event_count_deltas')
export class EventCountDeltaEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'timestamptz' })
  hour: Date;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'tracking_type', type: 'text' })
  trackingType: string;

  @Column({ type: 'text' })
  state: string;

  @Column({ type: 'bigint' })
  n: string;
}
