import { ApiProperty } from '@nestjs/swagger';
import { SUPPRESSION_REASONS, SuppressionReason } from '../../events/entities/suppression.entity';

/** What an erasure did. All zeros (and no kept suppression) when nothing held the address: erasing is idempotent. */
export class AddressErasureResponseDto {
  /**
   * The address' fingerprint: HMAC-SHA256 of the lower-cased address under ERASURE_SECRET, hex. The target of the
   * erasure's audit entry, and how a suppression kept for the address is found.
   * @example "6f1c0d5e9a3b47c28e1f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f809"
   */
  fingerprint: string;

  /** Events of the address anonymised: kept and counted, with nothing of the address left in them. @example 12 */
  eventsAnonymised: number;

  /** Messages (one per message and recipient) deleted. @example 3 */
  messagesDeleted: number;

  /** Whether the address was on the suppression list: its entry is deleted. */
  suppressionDeleted: boolean;

  /**
   * The reason of the suppression kept under the fingerprint (this erasure's or an earlier one's), so that the
   * address is still not mailed; null when it was not suppressed.
   */
  @ApiProperty({ enum: SUPPRESSION_REASONS, nullable: true, example: 'complaint' })
  suppressionKept: SuppressionReason | null;

  /** Earlier audit log entries that named the address, which now say `[erased]` instead. @example 1 */
  auditEntriesRedacted: number;
}
