import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/http/error-response.dto';

/**
 * The Injection API's answer, passed through as SocketLabs gave it: PascalCase, not wrapped in `data`
 * (docs/socketlabs-wire-format.md §5).
 */
export class InjectionAddressResultDto {
  @ApiProperty({ example: 'not-an-address' })
  EmailAddress: string;

  @ApiProperty({ example: false })
  Accepted: boolean;

  @ApiProperty({ example: 'InvalidAddress' })
  ErrorCode: string;
}

export class InjectionMessageResultDto {
  /** Position of the message in the request (always 0: this service sends one message per request). */
  @ApiProperty({ example: 0 })
  Index: number;

  /**
   * `Warning` (some recipients refused, see AddressResults) or why the message was refused: `InvalidAttachment`,
   * `MessageTooLarge`, `EmptySubject`, `EmptyToAddress`, `InvalidFromAddress`, `NoValidBodyParts`,
   * `NoValidRecipients`, `InvalidMergeData`, `InvalidTemplateId`, `MessageBodyConflict`.
   */
  @ApiProperty({ example: 'Warning' })
  ErrorCode: string;

  @ApiProperty({ type: [InjectionAddressResultDto], nullable: true })
  AddressResults: InjectionAddressResultDto[] | null;
}

export class InjectionResultDto {
  /**
   * `Success` (HTTP 200) or `Warning` (HTTP 207: some recipients were refused, the others accepted). In a failure's
   * `details.injectionResponse`, the code that refused the send (`NoValidRecipients`, `OverQuota`...).
   */
  @ApiProperty({ example: 'Success' })
  ErrorCode: string;

  /** Per-message results; empty or null on `Success`. */
  @ApiProperty({ type: [InjectionMessageResultDto], nullable: true })
  MessageResults: InjectionMessageResultDto[] | null;

  /** A key for SocketLabs support, set when something unexpected happened. */
  @ApiProperty({ type: String, nullable: true, example: null })
  TransactionReceipt: string | null;
}

/** `details` of a send that failed: what SocketLabs said, in its own words. */
export class SendFailureDetailsDto {
  @ApiProperty({ example: 'sending.inject' })
  operation: string;

  /**
   * The Injection API's ErrorCode: from its answer (`InvalidAuthentication`, `OverQuota`, `NoValidRecipients`...,
   * or `Warning` when every message was refused), or as SocketLabs' SDKs name an HTTP failure
   * (401 `InvalidAuthentication`, 500 `InternalError`, no answer in time `Timeout`, anything else `UnknownError`).
   */
  @ApiPropertyOptional({ example: 'NoValidRecipients' })
  errorCode?: string;

  /** The Injection API's answer as it was, when it answered with one. */
  @ApiPropertyOptional({ type: InjectionResultDto })
  injectionResponse?: InjectionResultDto;

  /** HTTP status SocketLabs answered, when it was not 200. */
  @ApiPropertyOptional({ example: 500 })
  upstreamStatus?: number;

  @ApiPropertyOptional({ example: 1 })
  attempts?: number;
}

export class SendErrorResponseDto extends ErrorResponseDto {
  @ApiPropertyOptional({ type: SendFailureDetailsDto })
  details?: SendFailureDetailsDto;
}
