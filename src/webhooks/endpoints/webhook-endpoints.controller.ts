import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../../core/audit/audit.service';
import { CurrentPrincipal, Principal, RequireScopes } from '../../core/auth/auth.decorators';
import { AppConfig } from '../../core/config/app-config';
import { pageWindow } from '../../core/http/page-query.dto';
import { WebhookEndpointEntity } from '../entities/webhook-endpoint.entity';
import { AddEndpointSecretDto } from './dto/add-endpoint-secret.dto';
import { CreateWebhookEndpointDto } from './dto/create-webhook-endpoint.dto';
import { ListWebhookEndpointsQueryDto } from './dto/list-webhook-endpoints-query.dto';
import { UpdateWebhookEndpointDto } from './dto/update-webhook-endpoint.dto';
import {
  AddedEndpointSecretResponseDto,
  CreatedWebhookEndpointResponseDto,
  EndpointSecretDto,
  WebhookEndpointListResponseDto,
  WebhookEndpointResponseDto,
} from './dto/webhook-endpoint-response.dto';
import { generateSecretKey } from './endpoint-secrets';
import { WebhookEndpointsService } from './webhook-endpoints.service';

const BASE = '/api/v1/webhook-endpoints';

@ApiTags('Webhook endpoints')
@RequireScopes('admin')
@ApiBadRequestResponse({
  description:
    'A malformed id (BAD_REQUEST), or a body or query that fails validation (VALIDATION_FAILED, naming the fields).',
})
@Controller('webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Registers a receiver endpoint for one SocketLabs event webhook. Point the webhook at `receiverUrl` (or
   * `receiverPath` on this service's public address). The secrets are in this answer only.
   */
  @Post()
  async createWebhookEndpoint(
    @Body() dto: CreateWebhookEndpointDto,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<CreatedWebhookEndpointResponseDto> {
    const secretKeys = dto.secretKeys?.length ? dto.secretKeys : [generateSecretKey()];
    const entity = await this.endpoints.create({ ...dto, secretKeys });
    await this.record(principal, req, 'webhook-endpoints.create', 'POST', BASE, entity, 201, {
      name: entity.name,
      expectedServerId: entity.expectedServerId,
      expectedSubaccountId: entity.expectedSubaccountId,
      enabled: entity.enabled,
      legacyValidation: entity.validationKey !== null,
      hints: entity.secrets.map((s) => s.hint),
    });
    return {
      ...this.view(entity),
      newSecrets: entity.secrets.map((s, i) => ({ ...EndpointSecretDto.from(s), secretKey: secretKeys[i] })),
    };
  }

  /** Lists receiver endpoints (secrets shown only by their last four characters). */
  @Get()
  async listWebhookEndpoints(@Query() query: ListWebhookEndpointsQueryDto): Promise<WebhookEndpointListResponseDto> {
    const { skip, take } = pageWindow(query);
    const [rows, total] = await this.endpoints.list({
      skip,
      take,
      sortField: query.sortField,
      sortDirection: query.sortDirection,
      enabled: query.enabled,
    });
    return { data: rows.map((r) => this.view(r)), total };
  }

  /** One receiver endpoint. */
  @Get(':id')
  @ApiNotFoundResponse({ description: 'No endpoint with this id.' })
  async getWebhookEndpoint(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookEndpointResponseDto> {
    return this.view(await this.endpoints.get(id));
  }

  /** Changes the name, the legacy validation key, the expected ServerId / SubaccountId or the enabled flag. */
  @Patch(':id')
  @ApiNotFoundResponse({ description: 'No endpoint with this id.' })
  async updateWebhookEndpoint(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateWebhookEndpointDto,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<WebhookEndpointResponseDto> {
    const entity = await this.endpoints.update(id, dto);
    const details: Record<string, unknown> = { ...dto };
    if ('validationKey' in details) {
      delete details.validationKey;
      details.legacyValidation = dto.validationKey !== null;
    }
    await this.record(principal, req, 'webhook-endpoints.update', 'PATCH', `${BASE}/${id}`, entity, 200, details);
    return this.view(entity);
  }

  /**
   * Adds a secret (given, or generated) for a rotation: the old and the new secret are both accepted until the
   * old one is removed. The new secret is in this answer only.
   */
  @Post(':id/secrets')
  @ApiNotFoundResponse({ description: 'No endpoint with this id.' })
  @ApiConflictResponse({
    description: 'The secret is already active (SECRET_EXISTS), or the endpoint has 5 secrets (TOO_MANY_SECRETS).',
  })
  async addWebhookEndpointSecret(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AddEndpointSecretDto,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<AddedEndpointSecretResponseDto> {
    const { entity, secret, secretKey } = await this.endpoints.addSecret(id, dto.secretKey);
    await this.record(principal, req, 'webhook-endpoints.add-secret', 'POST', `${BASE}/${id}/secrets`, entity, 201, {
      addedId: secret.id,
      hint: secret.hint,
    });
    return { ...this.view(entity), newSecret: { ...EndpointSecretDto.from(secret), secretKey } };
  }

  /** Removes one secret: posts carrying it get 401 from then on. The last secret cannot be removed. */
  @Delete(':id/secrets/:secretId')
  @ApiNotFoundResponse({ description: 'No endpoint, or no such secret on it.' })
  @ApiConflictResponse({ description: 'It is the last secret of the endpoint (LAST_SECRET).' })
  async removeWebhookEndpointSecret(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('secretId', ParseUUIDPipe) secretId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<WebhookEndpointResponseDto> {
    const entity = await this.endpoints.removeSecret(id, secretId);
    await this.record(
      principal,
      req,
      'webhook-endpoints.remove-secret',
      'DELETE',
      `${BASE}/${id}/secrets/${secretId}`,
      entity,
      200,
      { removedId: secretId },
    );
    return this.view(entity);
  }

  /** Disables the endpoint: it answers 401 to every post. The row and its stored events are kept; PATCH `enabled: true` re-enables it. */
  @Delete(':id')
  @ApiNotFoundResponse({ description: 'No endpoint with this id.' })
  async disableWebhookEndpoint(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<WebhookEndpointResponseDto> {
    const entity = await this.endpoints.disable(id);
    await this.record(principal, req, 'webhook-endpoints.disable', 'DELETE', `${BASE}/${id}`, entity, 200, null);
    return this.view(entity);
  }

  private view(entity: WebhookEndpointEntity): WebhookEndpointResponseDto {
    return WebhookEndpointResponseDto.from(entity, this.config.http.publicUrl);
  }

  private record(
    principal: Principal,
    req: FastifyRequest,
    action: string,
    method: string,
    path: string,
    entity: WebhookEndpointEntity,
    status: number,
    details: Record<string, unknown> | null,
  ): Promise<void> {
    return this.audit.record(principal, {
      action,
      method,
      path,
      target: entity.id,
      status,
      details,
      requestId: String(req.id),
    });
  }
}
