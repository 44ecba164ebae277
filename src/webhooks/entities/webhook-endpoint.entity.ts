import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One active secret of an endpoint. Only its SHA-256 is kept; `hint` is its last four characters. */
export interface EndpointSecret {
  id: string;
  hash: string;
  hint: string;
  createdAt: string;
}

/**
 * A receiver endpoint: the URL `POST /webhooks/socketlabs/:id` that one SocketLabs event webhook posts to.
 * Several secrets can be active at once so that a secret can be rotated without losing an event.
 */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'jsonb' })
  secrets: EndpointSecret[];

  /** Legacy (2013 Notification API) key echoed as the body of every 200. Kept in clear because it is sent back. */
  @Column({ name: 'validation_key', type: 'text', nullable: true })
  validationKey: string | null;

  @Column({ name: 'expected_server_id', type: 'integer', nullable: true })
  expectedServerId: number | null;

  @Column({ name: 'expected_subaccount_id', type: 'integer', nullable: true })
  expectedSubaccountId: number | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'validated_at', type: 'timestamptz', nullable: true })
  validatedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
