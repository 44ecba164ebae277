import { EventWebhookResponseDto } from './event-webhook.dto';

/**
 * SocketLabs' answer to an event webhook create, plus the receiver endpoint of this service that was
 * registered for it (when the webhook's URL points at this service).
 */
export class RegisteredEventWebhookResponseDto extends EventWebhookResponseDto {
  /**
   * Set when `url` pointed at this service (`${PUBLIC_URL}/webhooks/socketlabs[/<id>]`): the receiver endpoint
   * that now holds the webhook's secret. A URL without an id was sent to SocketLabs as
   * `${PUBLIC_URL}/webhooks/socketlabs/<receiverEndpointId>` (see `url`). Absent otherwise.
   * @example "3f0c9a8e-2b1d-4c5e-9f7a-6b8c1d2e3f40"
   */
  receiverEndpointId?: string;
}
