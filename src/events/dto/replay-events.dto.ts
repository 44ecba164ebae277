import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches, ValidateIf } from 'class-validator';

export const MAX_REPLAY = 1000;

/** Either `state` or `ids`, not both. */
export class ReplayEventsDto {
  /**
   * `failed`: replay the dead rows, at most 1000 per call, oldest first. Call again while `replayed` is 1000.
   * @example "failed"
   */
  @ApiPropertyOptional({ enum: ['failed'] })
  @ValidateIf((o: ReplayEventsDto) => o.ids === undefined || o.ids === null)
  @IsIn(['failed'], { message: 'state must be "failed" (or give ids instead)' })
  state?: 'failed';

  /** These events (1 to 1000 ids), whatever their state. @example ["1024", "1025"] */
  @ApiPropertyOptional({ type: [String], maxItems: MAX_REPLAY })
  @IsOptional()
  @Transform(({ value }): unknown =>
    Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'number' ? String(v) : v)) : value,
  )
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REPLAY)
  @Matches(/^[1-9][0-9]{0,18}$/, { each: true, message: 'each value in ids must be a positive integer' })
  ids?: string[];
}

export class ReplayResponseDto {
  /** Events set back to `pending`. @example 3 */
  replayed: number;
  /**
   * Whether their processing job was queued. False when Redis is unreachable: the rows are pending anyway,
   * and the sweeper queues them once Redis is back.
   */
  queued: boolean;
}
