import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../core/auth/auth.decorators';
import { AuditProxiedWrite } from '../socketlabs/proxied-write-audit.interceptor';
import { ApiSocketLabsErrors } from '../socketlabs/socketlabs.openapi';
import type { SocketLabsSubaccount } from '../socketlabs/socketlabs.types';
import {
  InjectionApiCredentialsResponseDto,
  SetSmtpPasswordDto,
  SmtpCredentialsResponseDto,
} from './dto/subaccount-credentials.dto';
import { SubaccountIdParamDto } from './dto/subaccount-params.dto';
import {
  CreateSubaccountDto,
  ListSubaccountsQueryDto,
  SubaccountListResponseDto,
  SubaccountResponseDto,
  UpdateSubaccountDto,
} from './dto/subaccount.dto';
import { SubaccountsService } from './subaccounts.service';

/**
 * SocketLabs subaccounts and their sending credentials, proxied with the one SocketLabs key held here.
 * Answers are SocketLabs' `data`, unchanged in shape; changes are recorded in the audit log (secrets redacted).
 */
@ApiTags('Subaccounts')
@ApiSocketLabsErrors()
@Controller('subaccounts')
export class SubaccountsController {
  constructor(private readonly subaccounts: SubaccountsService) {}

  /**
   * Creates a subaccount (SocketLabs `POST /v2/subaccount`). Give `name` and exactly one of `ipPoolId` or
   * `useRuleEngine: true`; anything else is refused with 400 before SocketLabs is called.
   */
  @Post()
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('subaccounts.create', {
    target: ({ result }) => (result as SocketLabsSubaccount | undefined)?.subaccountId,
  })
  createSubaccount(@Body() dto: CreateSubaccountDto): Promise<SubaccountResponseDto> {
    return this.subaccounts.create(dto);
  }

  /** The account's subaccounts (SocketLabs `GET /v2/subaccount`); paging, sorting and filters are passed through. */
  @Get()
  @RequireScopes('socketlabs:read')
  listSubaccounts(@Query() query: ListSubaccountsQueryDto): Promise<SubaccountListResponseDto> {
    return this.subaccounts.list(query);
  }

  /** One subaccount (SocketLabs `GET /v2/subaccount/:subaccountId`). */
  @Get(':subaccountId')
  @RequireScopes('socketlabs:read')
  getSubaccount(@Param() { subaccountId }: SubaccountIdParamDto): Promise<SubaccountResponseDto> {
    return this.subaccounts.get(subaccountId);
  }

  /** Changes the given fields of a subaccount (SocketLabs `PUT /v2/subaccount/:subaccountId`). */
  @Put(':subaccountId')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('subaccounts.update')
  updateSubaccount(
    @Param() { subaccountId }: SubaccountIdParamDto,
    @Body() dto: UpdateSubaccountDto,
  ): Promise<SubaccountResponseDto> {
    return this.subaccounts.update(subaccountId, dto);
  }

  /** Deletes a subaccount at SocketLabs. */
  @Delete(':subaccountId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted at SocketLabs.' })
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('subaccounts.delete')
  async deleteSubaccount(@Param() { subaccountId }: SubaccountIdParamDto): Promise<void> {
    await this.subaccounts.delete(subaccountId);
  }

  /**
   * Creates the subaccount's Injection API key (SocketLabs `POST /v2/subaccount/:subaccountId/credentials/injection-api`).
   * The key is in this answer only: it is not logged and not kept in the audit log, so store it now.
   */
  @Post(':subaccountId/credentials/injection-api')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('subaccounts.credentials.injection-api.create')
  createSubaccountInjectionApiKey(
    @Param() { subaccountId }: SubaccountIdParamDto,
  ): Promise<InjectionApiCredentialsResponseDto> {
    return this.subaccounts.createInjectionApiCredentials(subaccountId);
  }

  /** The subaccount's SMTP credentials (SocketLabs `GET /v2/subaccount/:subaccountId/credentials/smtp`). */
  @Get(':subaccountId/credentials/smtp')
  @RequireScopes('socketlabs:read')
  getSubaccountSmtpCredentials(@Param() { subaccountId }: SubaccountIdParamDto): Promise<SmtpCredentialsResponseDto> {
    return this.subaccounts.getSmtpCredentials(subaccountId);
  }

  /**
   * Sets the subaccount's SMTP password (SocketLabs `PUT /v2/subaccount/:subaccountId/credentials/smtp`).
   * The password is never logged and is redacted in the audit log.
   */
  @Put(':subaccountId/credentials/smtp')
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('subaccounts.credentials.smtp.set-password')
  setSubaccountSmtpPassword(
    @Param() { subaccountId }: SubaccountIdParamDto,
    @Body() { password }: SetSmtpPasswordDto,
  ): Promise<SmtpCredentialsResponseDto> {
    return this.subaccounts.setSmtpPassword(subaccountId, password);
  }
}
