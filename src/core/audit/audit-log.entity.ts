import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change made through the API (SocketLabs proxy writes, key and endpoint administration). */
@Entity('audit_log')
@Index('audit_log_at_idx', ['at'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId: string | null;

  @Column({ name: 'api_key_name', type: 'text', nullable: true })
  apiKeyName: string | null;

  /** Stable name of the operation, e.g. `subaccounts.create`. */
  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text' })
  method: string;

  @Column({ type: 'text' })
  path: string;

  /** What the change was about (a subaccount id, a domain...), when known. */
  @Column({ type: 'text', nullable: true })
  target: string | null;

  /** HTTP status our caller got. */
  @Column({ type: 'integer' })
  status: number;

  @Column({ type: 'text' })
  outcome: 'success' | 'failure';

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  /** The request body with secrets redacted. */
  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}
