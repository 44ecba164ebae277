import { ApiHideProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { INT4_MAX } from '../../../core/database/pg-limits';
import { RefusedProperty } from '../../../core/http/validation';

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

  /**
   * Not changed by PATCH: replacing every secret at once would refuse SocketLabs' events between this call and
   * the change in SocketLabs. A rotation adds the new secret first and removes the old one after.
   */
  @ApiHideProperty()
  @RefusedProperty(
    'secrets are not changed by PATCH. Add one with POST /api/v1/webhook-endpoints/{id}/secrets, change it in SocketLabs, then remove the old one with DELETE /api/v1/webhook-endpoints/{id}/secrets/{secretId}',
  )
  secretKeys?: never;
}
