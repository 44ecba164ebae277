import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../core/auth/auth.decorators';
import { AuditProxiedWrite } from '../socketlabs/proxied-write-audit.interceptor';
import { ApiSocketLabsErrors } from '../socketlabs/socketlabs.openapi';
import { SubaccountDomainParamsDto, SubaccountIdParamDto } from '../subaccounts/dto/subaccount-params.dto';
import { subaccountAndBodyDomain } from '../subaccounts/subaccount-audit';
import { AuthenticationService } from './authentication.service';
import {
  BounceDomainListResponseDto,
  BounceDomainResponseDto,
  CreateBounceDomainDto,
  ListBounceDomainsQueryDto,
  UpdateBounceDomainDto,
} from './dto/bounce-domain.dto';

/**
 * Custom bounce domains of a subaccount (SPF), proxied to SocketLabs (`/v2/subaccount/:subaccountId/bounce`;
 * only the create is documented, the rest follows the v1 API's `/bounce/{domain}`).
 */
@ApiTags('Bounce domains')
@ApiSocketLabsErrors()
@Controller('subaccounts/:subaccountId/bounce-domains')
export class BounceDomainsController {
  constructor(private readonly authentication: AuthenticationService) {}

  /** Sets up a custom bounce domain; it needs a CNAME to tracking.socketlabs.com first. */
  @Post()
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('authentication.bounce-domains.create', { target: subaccountAndBodyDomain })
  createSubaccountBounceDomain(
    @Param() { subaccountId }: SubaccountIdParamDto,
    @Body() dto: CreateBounceDomainDto,
  ): Promise<BounceDomainResponseDto> {
    return this.authentication.createBounceDomain(subaccountId, dto);
  }

  /** The subaccount's custom bounce domains. */
  @Get()
  @RequireScopes('socketlabs:read')
  listSubaccountBounceDomains(
    @Param() { subaccountId }: SubaccountIdParamDto,
    @Query() query: ListBounceDomainsQueryDto,
  ): Promise<BounceDomainListResponseDto> {
    return this.authentication.listBounceDomains(subaccountId, query);
  }

  /** One custom bounce domain. */
  @Get(':domain')
  @RequireScopes('socketlabs:read')
  getSubaccountBounceDomain(
    @Param() { subaccountId, domain }: SubaccountDomainParamsDto,
  ): Promise<BounceDomainResponseDto> {
    return this.authentication.getBounceDomain(subaccountId, domain);
  }

  /** Makes the domain the default bounce domain, or not. */
  @Put(':domain')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('authentication.bounce-domains.update')
  updateSubaccountBounceDomain(
    @Param() { subaccountId, domain }: SubaccountDomainParamsDto,
    @Body() dto: UpdateBounceDomainDto,
  ): Promise<BounceDomainResponseDto> {
    return this.authentication.updateBounceDomain(subaccountId, domain, dto);
  }

  /** Removes a custom bounce domain. */
  @Delete(':domain')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted at SocketLabs.' })
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('authentication.bounce-domains.delete')
  async deleteSubaccountBounceDomain(@Param() { subaccountId, domain }: SubaccountDomainParamsDto): Promise<void> {
    await this.authentication.deleteBounceDomain(subaccountId, domain);
  }
}
