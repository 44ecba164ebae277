import { Injectable } from '@nestjs/common';
import {
  CreateEventWebhookDto,
  EventWebhookSecretKeyResponseDto,
  toSecretKeyResponse,
  toSocketLabsEventWebhookBody,
  UpdateEventWebhookDto,
} from '../socketlabs/dto/event-webhook.dto';
import { SocketLabsPageQueryDto, toSocketLabsQuery } from '../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsClient } from '../socketlabs/socketlabs.client';
import { SocketLabsPaths } from '../socketlabs/socketlabs.paths';
import type {
  EventWebhookEventType,
  SocketLabsEventWebhook,
  SocketLabsList,
  SocketLabsTestEvent,
} from '../socketlabs/socketlabs.types';
import {
  EventWebhookCreateBody,
  EventWebhookRegistrationService,
  RegisteredEventWebhook,
} from '../webhooks/event-webhook-registration.service';

/** The event webhooks of one subaccount, proxied to SocketLabs (the account's own are in the accounts module). */
@Injectable()
export class SubaccountEventWebhooksService {
  constructor(
    private readonly socketlabs: SocketLabsClient,
    private readonly registration: EventWebhookRegistrationService,
  ) {}

  async generateSecretKey(subaccountId: number): Promise<EventWebhookSecretKeyResponseDto> {
    return toSecretKeyResponse(
      await this.socketlabs.call<unknown>(SocketLabsPaths.generateSubaccountEventWebhookSecretKey(subaccountId)),
    );
  }

  list(subaccountId: number, query: SocketLabsPageQueryDto): Promise<SocketLabsList<SocketLabsEventWebhook>> {
    return this.socketlabs.list({
      ...SocketLabsPaths.listSubaccountEventWebhooks(subaccountId),
      query: toSocketLabsQuery(query),
    });
  }

  /** Registers this service's receiver endpoint first when the URL points here (see EventWebhookRegistrationService). */
  create(subaccountId: number, dto: CreateEventWebhookDto): Promise<RegisteredEventWebhook<SocketLabsEventWebhook>> {
    return this.registration.createEventWebhook(toSocketLabsEventWebhookBody(dto) as EventWebhookCreateBody, {
      subaccountId,
      generateSecretKey: async () => (await this.generateSecretKey(subaccountId)).secretKey,
      create: (body) =>
        this.socketlabs.call<SocketLabsEventWebhook>({
          ...SocketLabsPaths.createSubaccountEventWebhook(subaccountId),
          body,
        }),
    });
  }

  get(subaccountId: number, webhookId: string): Promise<SocketLabsEventWebhook> {
    return this.socketlabs.call(SocketLabsPaths.getSubaccountEventWebhook(subaccountId, webhookId));
  }

  update(subaccountId: number, webhookId: string, dto: UpdateEventWebhookDto): Promise<SocketLabsEventWebhook> {
    return this.socketlabs.call({
      ...SocketLabsPaths.updateSubaccountEventWebhook(subaccountId, webhookId),
      body: toSocketLabsEventWebhookBody(dto),
    });
  }

  async delete(subaccountId: number, webhookId: string): Promise<void> {
    await this.socketlabs.call(SocketLabsPaths.deleteSubaccountEventWebhook(subaccountId, webhookId));
  }

  test(subaccountId: number, webhookId: string, type: EventWebhookEventType): Promise<SocketLabsTestEvent> {
    return this.socketlabs.call({
      ...SocketLabsPaths.testSubaccountEventWebhook(subaccountId, webhookId),
      query: { type },
    });
  }
}
