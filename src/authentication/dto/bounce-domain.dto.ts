import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, MaxLength } from 'class-validator';
import { toBoolean } from '../../core/http/to-boolean';
import { SocketLabsPageQueryDto } from '../../socketlabs/dto/socketlabs-page-query.dto';
import { IsHostname } from '../../subaccounts/dto/subaccount-params.dto';
import { SocketLabsShaped } from '../../core/http/validation';

/**
 * A custom bounce domain (how SocketLabs does SPF). The domain must already have a CNAME to
 * tracking.socketlabs.com, or SocketLabs refuses it.
 */
@SocketLabsShaped()
export class CreateBounceDomainDto {
  /**
   * Domain or subdomain for custom bounce handling.
   * @example "bounces.example.com"
   */
  @MaxLength(253)
  @IsHostname()
  domain: string;

  /**
   * Use this domain for mail that matches no other custom bounce domain (without any default, SocketLabs uses
   * email-od.com). The strings `"true"`/`"false"` are accepted.
   * @example true
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  isDefault?: boolean;
}

@SocketLabsShaped()
export class UpdateBounceDomainDto {
  /**
   * Whether this is the default bounce domain. The strings `"true"`/`"false"` are accepted.
   * @example false
   */
  @Transform(toBoolean)
  @IsBoolean()
  isDefault: boolean;
}

export class ListBounceDomainsQueryDto extends SocketLabsPageQueryDto {}

/** A bounce domain as SocketLabs answers it (quickstart). */
export class BounceDomainResponseDto {
  /** @example "bounces.example.com" */
  domain: string;
  /** @example false */
  isDefault: boolean;
  /** @example "Success" */
  validationResult: string;
  /** @example "2022-01-01T07:00:00.000Z" */
  createdOn: string;
  /** @example "2022-01-01T07:00:00.000Z" */
  updatedOn: string;
}

export class BounceDomainListResponseDto {
  data: BounceDomainResponseDto[];
  /** @example 1 */
  total: number;
}
