import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { Transform, TransformFnParams } from 'class-transformer';
import { IsFQDN, MaxLength, ValidateBy } from 'class-validator';
import { INT4_MAX } from '../../core/database/pg-limits';
import { EventWebhookIdParamDto } from '../../socketlabs/dto/event-webhook.dto';

/**
 * Path parameters of every route below `/subaccounts/:subaccountId` (this module and the authentication and
 * tracking modules), validated so that a bad one is a 400 before anything is sent to SocketLabs.
 */

/** Digits only, so that `1e3`, ` 7` or `0x10` are refused instead of read as numbers. */
const toPositiveId = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : value;

/** A host name such as `example.com` or `mail.example.com` (at least two labels, no trailing dot). */
export const IsHostname = (property = 'domain') =>
  IsFQDN(
    { require_tld: true, allow_underscores: false, allow_trailing_dot: false, allow_numeric_tld: false },
    { message: `${property} must be a host name such as example.com` },
  );

/** One rule and one message (separate IsInt/Min/Max would each repeat the complaint about `abc`). */
const IsSubaccountId = () =>
  ValidateBy({
    name: 'isSubaccountId',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= INT4_MAX,
      defaultMessage: () => 'subaccountId must be a positive integer',
    },
  });

export class SubaccountIdParamDto {
  @Transform(toPositiveId)
  @IsSubaccountId()
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: INT4_MAX,
    example: 12345,
    description: "SocketLabs' id of the subaccount.",
  })
  subaccountId: number;
}

export class DomainParamDto {
  /**
   * The domain, as it was set up.
   * @example "example.com"
   */
  @MaxLength(253)
  @IsHostname()
  domain: string;
}

export class SubaccountDomainParamsDto extends IntersectionType(SubaccountIdParamDto, DomainParamDto) {}

export class SubaccountEventWebhookParamsDto extends IntersectionType(SubaccountIdParamDto, EventWebhookIdParamDto) {}
