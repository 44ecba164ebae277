import { EndpointSecret, WebhookEndpointEntity } from '../../entities/webhook-endpoint.entity';

export class EndpointSecretDto {
  id: string;
  /** The last four characters of the secret, to recognise it. The secret itself is never shown again. */
  hint: string;
  createdAt: string;

  static from(this: void, s: EndpointSecret): EndpointSecretDto {
    return { id: s.id, hint: s.hint, createdAt: s.createdAt };
  }
}

/** A secret as it is returned once, when it is created. */
export class NewEndpointSecretDto extends EndpointSecretDto {
  /** The secret key in full. Store it now (in SocketLabs' webhook settings): it is not shown again. */
  secretKey: string;
}

export class WebhookEndpointResponseDto {
  id: string;
  name: string;
  /**
   * Where SocketLabs must post this endpoint's events.
   * @example "/webhooks/socketlabs/3f1c2a8e-8b7d-4c55-9a3e-0f6f5a1b2c3d"
   */
  receiverPath: string;
  /** The full URL of `receiverPath`, when PUBLIC_URL is configured. */
  receiverUrl?: string;
  /** The active secrets (any of them is accepted), without their values. */
  secrets: EndpointSecretDto[];
  /**
   * Legacy (2013 Notification API) Validation Key, echoed as the text/plain body of every 200. Shown because it is
   * sent back in clear to SocketLabs anyway; treat it as sensitive all the same.
   */
  validationKey: string | null;
  expectedServerId: number | null;
  expectedSubaccountId: number | null;
  enabled: boolean;
  /** When SocketLabs last completed the validation handshake with this endpoint. */
  validatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;

  static from(e: WebhookEndpointEntity, publicUrl?: string): WebhookEndpointResponseDto {
    const receiverPath = `/webhooks/socketlabs/${e.id}`;
    const dto: WebhookEndpointResponseDto = {
      id: e.id,
      name: e.name,
      receiverPath,
      secrets: e.secrets.map(EndpointSecretDto.from),
      validationKey: e.validationKey,
      expectedServerId: e.expectedServerId,
      expectedSubaccountId: e.expectedSubaccountId,
      enabled: e.enabled,
      validatedAt: e.validatedAt,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
    if (publicUrl) dto.receiverUrl = `${publicUrl.replace(/\/+$/, '')}${receiverPath}`;
    return dto;
  }
}

export class CreatedWebhookEndpointResponseDto extends WebhookEndpointResponseDto {
  /** The secrets in full, in this answer only. */
  newSecrets: NewEndpointSecretDto[];
}

export class AddedEndpointSecretResponseDto extends WebhookEndpointResponseDto {
  /** The added secret in full, in this answer only. */
  newSecret: NewEndpointSecretDto;
}

export class WebhookEndpointListResponseDto {
  data: WebhookEndpointResponseDto[];
  total: number;
}
