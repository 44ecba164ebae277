import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/http/error-response.dto';

export class SocketLabsErrorItemDto {
  /** @example "Validation" */
  errorType: string;
  /** @example "The name field is required." */
  message: string;
}

export class SocketLabsErrorDetailsDto {
  /**
   * The SocketLabs operation that failed.
   * @example "accounts.createIpPool"
   */
  operation: string;
  /**
   * What SocketLabs answered (absent for a timeout or a connection failure).
   * @example 400
   */
  upstreamStatus?: number;
  /** SocketLabs' own error items, when it gave any. */
  upstreamErrors?: SocketLabsErrorItemDto[];
  /**
   * Attempts made (retries follow the rule in the README).
   * @example 1
   */
  attempts: number;
  /** Seconds SocketLabs asked to wait, on a 429. */
  retryAfterSeconds?: number;
}

/** The error shape, with what SocketLabs said in `details` when the failure came from SocketLabs. */
export class SocketLabsErrorResponseDto extends ErrorResponseDto {
  @ApiProperty({
    example: 'SOCKETLABS_BAD_REQUEST',
    description: 'A stable, machine-readable code; SOCKETLABS_* when SocketLabs is the cause.',
  })
  declare code: string;

  @ApiPropertyOptional({ type: SocketLabsErrorDetailsDto })
  details?: SocketLabsErrorDetailsDto;
}
