import { Injectable } from '@nestjs/common';
import {
  EventWebhookSecretKeyResponseDto,
  toSecretKeyResponse,
  toSocketLabsEventWebhookBody,
  UpdateEventWebhookDto,
} from '../socketlabs/dto/event-webhook.dto';
import { SocketLabsPageQueryDto, toSocketLabsQuery } from '../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsClient } from '../socketlabs/socketlabs.client';
import { SocketLabsPaths } from '../socketlabs/socketlabs.paths';
import {
  EventWebhookCreateBody,
  EventWebhookRegistrationService,
  RegisteredEventWebhook,
} from '../webhooks/event-webhook-registration.service';
import type {
  EventWebhookEventType,
  SocketLabsCreateIpPoolBody,
  SocketLabsEventWebhook,
  SocketLabsIpAllocation,
  SocketLabsIpPool,
  SocketLabsList,
  SocketLabsTestEvent,
} from '../socketlabs/socketlabs.types';
import { CreateIpPoolDto } from './dto/ip-pool.dto';

/** Account-level SocketLabs operations: IP allocations, IP pools, account event webhooks. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly socketlabs: SocketLabsClient,
    private readonly registration: EventWebhookRegistrationService,
  ) {}

  listIpAllocations(query: SocketLabsPageQueryDto): Promise<SocketLabsList<SocketLabsIpAllocation>> {
    return this.socketlabs.list({ ...SocketLabsPaths.listIpAllocations(), query: toSocketLabsQuery(query) });
  }

  listIpPools(query: SocketLabsPageQueryDto): Promise<SocketLabsList<SocketLabsIpPool>> {
    return this.socketlabs.list({ ...SocketLabsPaths.listIpPools(), query: toSocketLabsQuery(query) });
  }

  createIpPool(dto: CreateIpPoolDto): Promise<SocketLabsIpPool> {
    const body: SocketLabsCreateIpPoolBody = { name: dto.name, ipAssignmentIDs: dto.ipAssignmentIds };
    return this.socketlabs.call({ ...SocketLabsPaths.createIpPool(), body });
  }

  async generateEventWebhookSecretKey(): Promise<EventWebhookSecretKeyResponseDto> {
    return toSecretKeyResponse(
      await this.socketlabs.call<unknown>(SocketLabsPaths.generateAccountEventWebhookSecretKey()),
    );
  }

  listEventWebhooks(query: SocketLabsPageQueryDto): Promise<SocketLabsList<SocketLabsEventWebhook>> {
    return this.socketlabs.list({ ...SocketLabsPaths.listAccountEventWebhooks(), query: toSocketLabsQuery(query) });
  }

  /** Registers this service's receiver endpoint first when the URL points here (see EventWebhookRegistrationService). */
  createEventWebhook(dto: UpdateEventWebhookDto): Promise<RegisteredEventWebhook<SocketLabsEventWebhook>> {
    return this.registration.createEventWebhook(toSocketLabsEventWebhookBody(dto) as EventWebhookCreateBody, {
      generateSecretKey: async () => (await this.generateEventWebhookSecretKey()).secretKey,
      create: (body) =>
        this.socketlabs.call<SocketLabsEventWebhook>({ ...SocketLabsPaths.createAccountEventWebhook(), body }),
    });
  }

  getEventWebhook(webhookId: string): Promise<SocketLabsEventWebhook> {
    return this.socketlabs.call(SocketLabsPaths.getAccountEventWebhook(webhookId));
  }

  updateEventWebhook(webhookId: string, dto: UpdateEventWebhookDto): Promise<SocketLabsEventWebhook> {
    return this.socketlabs.call({
      ...SocketLabsPaths.updateAccountEventWebhook(webhookId),
      body: toSocketLabsEventWebhookBody(dto),
    });
  }

  async deleteEventWebhook(webhookId: string): Promise<void> {
    await this.socketlabs.call(SocketLabsPaths.deleteAccountEventWebhook(webhookId));
  }

  testEventWebhook(webhookId: string, type: EventWebhookEventType): Promise<SocketLabsTestEvent> {
    return this.socketlabs.call({ ...SocketLabsPaths.testAccountEventWebhook(webhookId), query: { type } });
  }
}
