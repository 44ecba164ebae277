import { IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { INT4_MAX } from '../../../core/database/pg-limits';

/** Only the fields given are changed; `null` clears an optional one. Secrets change through `/secrets`. */
export class UpdateWebhookEndpointDto {
  @ValidateIf((o: UpdateWebhookEndpointDto) => o.name !== undefined)
  @IsString()
  @Length(1, 200)
  name?: string;

  /** Legacy (2013) Validation Key echoed as the `text/plain` body of every 200; `null` removes it. Shown in answers. */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  validationKey?: string | null;

  /** `null` accepts any ServerId. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  expectedServerId?: number | null;

  /** `null` accepts any SubaccountId. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  expectedSubaccountId?: number | null;

  /** `false` makes the endpoint answer 401 to every post; `true` enables it again. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
