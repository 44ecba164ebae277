import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../core/auth/auth.decorators';
import { AuditProxiedWrite } from '../socketlabs/proxied-write-audit.interceptor';
import { ApiSocketLabsErrors } from '../socketlabs/socketlabs.openapi';
import { SubaccountDomainParamsDto, SubaccountIdParamDto } from '../subaccounts/dto/subaccount-params.dto';
import { subaccountAndBodyDomain } from '../subaccounts/subaccount-audit';
import {
  CreateTrackingDomainDto,
  ListTrackingDomainsQueryDto,
  TrackingDomainListResponseDto,
  TrackingDomainResponseDto,
  UpdateTrackingDomainDto,
} from './dto/tracking-domain.dto';
import { TrackingDomainsService } from './tracking-domains.service';

/**
 * Engagement tracking domains of a subaccount (opens, clicks, unsubscribes), proxied to SocketLabs
 * (`/v2/subaccount/:subaccountId/tracking`; only the create is documented, the rest is keyed by domain like
 * bounce domains).
 */
@ApiTags('Tracking domains')
@ApiSocketLabsErrors()
@Controller('subaccounts/:subaccountId/tracking-domains')
export class TrackingDomainsController {
  constructor(private readonly tracking: TrackingDomainsService) {}

  /**
   * Sets up a tracking domain; it needs a CNAME to tracking.socketlabs.com first. The switches take booleans or
   * `"true"`/`"false"` strings and are sent to SocketLabs as booleans.
   */
  @Post()
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('tracking.tracking-domains.create', { target: subaccountAndBodyDomain })
  createSubaccountTrackingDomain(
    @Param() { subaccountId }: SubaccountIdParamDto,
    @Body() dto: CreateTrackingDomainDto,
  ): Promise<TrackingDomainResponseDto> {
    return this.tracking.create(subaccountId, dto) as Promise<TrackingDomainResponseDto>;
  }

  /** The subaccount's tracking domains. */
  @Get()
  @RequireScopes('socketlabs:read')
  listSubaccountTrackingDomains(
    @Param() { subaccountId }: SubaccountIdParamDto,
    @Query() query: ListTrackingDomainsQueryDto,
  ): Promise<TrackingDomainListResponseDto> {
    return this.tracking.list(subaccountId, query) as Promise<TrackingDomainListResponseDto>;
  }

  /** One tracking domain. */
  @Get(':domain')
  @RequireScopes('socketlabs:read')
  getSubaccountTrackingDomain(
    @Param() { subaccountId, domain }: SubaccountDomainParamsDto,
  ): Promise<TrackingDomainResponseDto> {
    return this.tracking.get(subaccountId, domain) as Promise<TrackingDomainResponseDto>;
  }

  /** Changes the given switches of a tracking domain (at least one). */
  @Put(':domain')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('tracking.tracking-domains.update')
  updateSubaccountTrackingDomain(
    @Param() { subaccountId, domain }: SubaccountDomainParamsDto,
    @Body() dto: UpdateTrackingDomainDto,
  ): Promise<TrackingDomainResponseDto> {
    return this.tracking.update(subaccountId, domain, dto) as Promise<TrackingDomainResponseDto>;
  }

  /** Removes a tracking domain. */
  @Delete(':domain')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted at SocketLabs.' })
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('tracking.tracking-domains.delete')
  async deleteSubaccountTrackingDomain(@Param() { subaccountId, domain }: SubaccountDomainParamsDto): Promise<void> {
    await this.tracking.delete(subaccountId, domain);
  }
}
