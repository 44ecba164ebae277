import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SuppressionReason } from './suppression.entity';

/**
 * A suppression whose address was erased (DELETE /api/v1/addresses/{address}), kept under the address' fingerprint
 * (address-fingerprint.ts) instead of the address: `GET /suppressions/{address}` still answers that the address must
 * not be mailed, although nothing here says which address it is. `DELETE /suppressions/{address}` removes it.
 * docs/privacy.md says why erasure keeps it.
 */
@Entity('erased_suppressions')
export class ErasedSuppressionEntity {
  /** HMAC-SHA256 of the lower-cased address under ERASURE_SECRET. */
  @PrimaryColumn({ type: 'bytea' })
  fingerprint: Buffer;

  @Column({ type: 'text' })
  reason: SuppressionReason;

  /** When the address was first suppressed (the erased entry's createdAt). */
  @Column({ name: 'suppressed_at', type: 'timestamptz' })
  suppressedAt: Date;

  @Column({ name: 'erased_at', type: 'timestamptz', default: () => 'now()' })
  erasedAt: Date;
}
