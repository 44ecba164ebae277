import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsHostname } from '../../subaccounts/dto/subaccount-params.dto';
import { SocketLabsPageQueryDto } from '../../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsShaped } from '../../core/http/validation';

/**
 * A DKIM entry for a subaccount. Without `privateKey`, SocketLabs generates the key pair (the documented
 * `POST .../dkim?domain=&selector=` without a body) and answers the keys to publish; with it, SocketLabs
 * validates the key against the public key published in DNS for `selector._domainkey.domain`.
 */
@SocketLabsShaped()
export class CreateDkimDto {
  /**
   * Domain or subdomain of the DKIM entry; messages whose From domain matches are signed.
   * @example "example.com"
   */
  @MaxLength(253)
  @IsHostname()
  domain: string;

  /**
   * Selector of the DKIM record (`<selector>._domainkey.<domain>`).
   * @example "dkim1"
   */
  @IsString()
  @Length(1, 63)
  @Matches(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/, {
    message: 'selector must be letters, digits and hyphens (dot-separated labels), e.g. dkim1',
  })
  selector: string;

  /**
   * Your own private key (PEM or bare base64), whose public key is already published in DNS. Leave it out to
   * have SocketLabs generate a key pair. A secret: never logged, redacted in the audit log.
   * @example "abcdefghijklmnop1234567890"
   */
  @IsOptional()
  @IsString()
  @Length(16, 16384, { message: 'privateKey must be 16 to 16384 characters long' })
  privateKey?: string;
}

/** Answer when SocketLabs generated the key pair: publish `DnsRecord` as a TXT record at `DnsHostName`. */
export class DkimGeneratedKeyResponseDto {
  /** @example "dkim1._domainkey.example.com" */
  DnsHostName: string;
  /** @example "example.com" */
  Domain: string;
  /** @example "dkim1" */
  Selector: string;
  /** @example "v=DKIM1; k=rsa; p=MIIBIjANBgkqh..." */
  DnsRecord: string;
  /** @example "MIIBIjANBgkqh..." */
  PublicKey: string;
  /**
   * The generated private key. Only in this answer (not logged, not in the audit log).
   * @example "private key"
   */
  PrivateKey: string;
}

/** A DKIM entry as SocketLabs keeps it (the answer when a private key was provided, and the list items). */
export class DkimEntryResponseDto {
  /** @example "example.com" */
  Domain: string;
  /** @example "dkim" */
  Selector: string;
  /** @example "truncated private key..." */
  truncatedPrivateKey: string;
  /** @example "TXT" */
  recordType: string;
  /** @example "1901-01-01T01:01:01.000Z" */
  createdOn: string;
  /** @example "1901-01-01T01:01:01.000Z" */
  updatedOn: string;
}

export class DkimListResponseDto {
  data: DkimEntryResponseDto[];
  /** @example 1 */
  total: number;
}

export class ListDkimQueryDto extends SocketLabsPageQueryDto {}
