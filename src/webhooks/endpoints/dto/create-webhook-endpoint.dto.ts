import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { INT4_MAX } from '../../../core/database/pg-limits';

export const SECRET_KEY_MIN_LENGTH = 8;
export const SECRET_KEY_MAX_LENGTH = 500;

export class CreateWebhookEndpointDto {
  /**
   * A name to recognise the endpoint by, e.g. the SocketLabs subaccount and webhook it serves.
   * @example "Subaccount 16332: production events"
   */
  @IsString()
  @Length(1, 200)
  name: string;

  /**
   * The SocketLabs webhook's Secret Key(s), 1 to 5 (several while a key is being rotated). If omitted, one is
   * generated. Returned in full in this answer only; afterwards only their last four characters are shown.
   * @example ["n7BJk25EtAr39Sfa4K8R"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(SECRET_KEY_MIN_LENGTH, SECRET_KEY_MAX_LENGTH, { each: true })
  secretKeys?: string[];

  /**
   * Legacy (2013 Notification API) Validation Key. When set, every 200 of the endpoint carries it as a
   * `text/plain` body, as that API requires. Not a secret in the usual sense (it is sent back in clear to
   * SocketLabs), so it is shown in answers. Leave it out for current event webhooks.
   */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  validationKey?: string | null;

  /** If set, events whose ServerId differs are refused with 401 (events without a ServerId are accepted). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  expectedServerId?: number | null;

  /** If set, events whose SubaccountId differs are refused with 401 (events without one are accepted: it is nullable). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  expectedSubaccountId?: number | null;

  /** A disabled endpoint answers 401 to every post. Default true. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
