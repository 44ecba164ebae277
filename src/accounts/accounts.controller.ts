import { RegisteredEventWebhookResponseDto } from '../socketlabs/dto/registered-event-webhook.dto';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../core/auth/auth.decorators';
import {
  CreateEventWebhookDto,
  EventWebhookIdParamDto,
  EventWebhookListResponseDto,
  EventWebhookResponseDto,
  EventWebhookSecretKeyResponseDto,
  EventWebhookTestResponseDto,
  TestEventWebhookQueryDto,
  UpdateEventWebhookDto,
} from '../socketlabs/dto/event-webhook.dto';
import { SocketLabsPageQueryDto } from '../socketlabs/dto/socketlabs-page-query.dto';
import { AuditProxiedWrite } from '../socketlabs/proxied-write-audit.interceptor';
import { ApiSocketLabsErrors } from '../socketlabs/socketlabs.openapi';
import type { SocketLabsEventWebhook, SocketLabsIpPool } from '../socketlabs/socketlabs.types';
import { AccountsService } from './accounts.service';
import { IpAllocationListResponseDto, ListIpAllocationsQueryDto } from './dto/ip-allocation.dto';
import { CreateIpPoolDto, IpPoolListResponseDto, IpPoolResponseDto, ListIpPoolsQueryDto } from './dto/ip-pool.dto';

/**
 * Account-level SocketLabs operations, proxied with the one SocketLabs key held here. Answers are
 * SocketLabs' `data`, unchanged in shape; changes are recorded in the audit log.
 */
@ApiTags('Accounts')
@ApiSocketLabsErrors()
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  /**
   * The account's IP addresses (SocketLabs `GET /v2/ip-allocation`); their `ipAssignmentId` goes into an IP pool.
   * Paging, sorting and filters are passed through, e.g. `filters=IpAddress=like:10.28.100`.
   */
  @Get('ip-allocations')
  @RequireScopes('socketlabs:read')
  listIpAllocations(@Query() query: ListIpAllocationsQueryDto): Promise<IpAllocationListResponseDto> {
    return this.accounts.listIpAllocations(query);
  }

  /** The account's IP pools (SocketLabs `GET /v2/ip-pool`, a path SocketLabs does not document). */
  @Get('ip-pools')
  @RequireScopes('socketlabs:read')
  listIpPools(@Query() query: ListIpPoolsQueryDto): Promise<IpPoolListResponseDto> {
    return this.accounts.listIpPools(query);
  }

  /** Creates an IP pool from IP addresses of the account (SocketLabs `POST /v2/ip-pool`). */
  @Post('ip-pools')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('accounts.ip-pools.create', {
    target: ({ result }) => (result as SocketLabsIpPool | undefined)?.ipPoolId,
  })
  createIpPool(@Body() dto: CreateIpPoolDto): Promise<IpPoolResponseDto> {
    return this.accounts.createIpPool(dto);
  }

  /**
   * Generates a secret key for an event webhook (SocketLabs `POST /v2/event-webhook/generate-secret-key`).
   * Give it as `secretKey` when creating the webhook; SocketLabs puts it in every event.
   */
  @Post('event-webhooks/secret-key')
  @HttpCode(HttpStatus.OK)
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('accounts.event-webhooks.generate-secret-key')
  generateAccountEventWebhookSecretKey(): Promise<EventWebhookSecretKeyResponseDto> {
    return this.accounts.generateEventWebhookSecretKey();
  }

  /** The account-level event webhooks. */
  @Get('event-webhooks')
  @RequireScopes('socketlabs:read')
  listAccountEventWebhooks(@Query() query: SocketLabsPageQueryDto): Promise<EventWebhookListResponseDto> {
    return this.accounts.listEventWebhooks(query);
  }

  /**
   * Creates an account-level event webhook: SocketLabs then validates the URL by posting to it. When `url` points at
   * this service (`${PUBLIC_URL}/webhooks/socketlabs[/<endpointId>]`) the receiver endpoint is registered with the
   * webhook's secret first (a new one when no id is given), so that validation succeeds without a manual step.
   */
  @Post('event-webhooks')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('accounts.event-webhooks.create', {
    target: ({ result }) => (result as SocketLabsEventWebhook | undefined)?.id,
  })
  createAccountEventWebhook(@Body() dto: CreateEventWebhookDto): Promise<RegisteredEventWebhookResponseDto> {
    return this.accounts.createEventWebhook(dto);
  }

  /** One account-level event webhook, as SocketLabs holds it. */
  @Get('event-webhooks/:webhookId')
  @RequireScopes('socketlabs:read')
  getAccountEventWebhook(@Param() { webhookId }: EventWebhookIdParamDto): Promise<EventWebhookResponseDto> {
    return this.accounts.getEventWebhook(webhookId);
  }

  /** Changes the given fields of an account-level event webhook. */
  @Put('event-webhooks/:webhookId')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('accounts.event-webhooks.update')
  updateAccountEventWebhook(
    @Param() { webhookId }: EventWebhookIdParamDto,
    @Body() dto: UpdateEventWebhookDto,
  ): Promise<EventWebhookResponseDto> {
    return this.accounts.updateEventWebhook(webhookId, dto);
  }

  /** Deletes an account-level event webhook at SocketLabs. Its receiver endpoint here, if any, stays (disable it separately). */
  @Delete('event-webhooks/:webhookId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted at SocketLabs.' })
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('accounts.event-webhooks.delete')
  async deleteAccountEventWebhook(@Param() { webhookId }: EventWebhookIdParamDto): Promise<void> {
    await this.accounts.deleteEventWebhook(webhookId);
  }

  /**
   * Makes SocketLabs send a sample event of `type` to the webhook (SocketLabs
   * `GET /v2/event-webhook/:webhookId/perform-test?type=`); answers the sample it sent.
   */
  @Post('event-webhooks/:webhookId/test')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: EventWebhookTestResponseDto })
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('accounts.event-webhooks.test')
  testAccountEventWebhook(
    @Param() { webhookId }: EventWebhookIdParamDto,
    @Query() { type }: TestEventWebhookQueryDto,
  ): Promise<EventWebhookTestResponseDto> {
    return this.accounts.testEventWebhook(webhookId, type);
  }
}
