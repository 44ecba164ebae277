import { ApiProperty } from '@nestjs/swagger';

export class ReceiverStatsResponseDto {
  /** When this process started counting (the counters are in memory, per process, reset at restart). */
  since: string;
  /** Requests answered 200. */
  acceptedRequests: number;
  /** Requests answered 4xx or 5xx. */
  rejectedRequests: number;
  /** Events written to the event store. */
  storedEvents: number;
  /** Events acknowledged without storing them again (a SocketLabs retry, or the same event in another request). */
  duplicateEvents: number;
  /** Validation handshakes answered. */
  validationEvents: number;
  /** Committed batches whose processing job could not be enqueued (Redis down); the sweeper enqueues them later. */
  enqueueFailures: number;
  /**
   * Rejected requests by reason: `empty_body`, `unparseable_body`, `unsupported_media_type`, `payload_too_large`,
   * `bad_request`, `unknown_endpoint`, `disabled_endpoint`, `endpoint_not_configured`, `missing_secret`,
   * `wrong_secret`, `server_id_mismatch`, `subaccount_id_mismatch`, `event_store_unavailable`, `internal_error`.
   */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { wrong_secret: 3, unparseable_body: 1 },
  })
  rejections: Record<string, number>;
}
