import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { RequireScopes } from '../core/auth/auth.decorators';
import { AuditProxiedWrite } from '../socketlabs/proxied-write-audit.interceptor';
import { ApiSocketLabsErrors } from '../socketlabs/socketlabs.openapi';
import { SubaccountDomainParamsDto, SubaccountIdParamDto } from '../subaccounts/dto/subaccount-params.dto';
import { subaccountAndBodyDomain } from '../subaccounts/subaccount-audit';
import { AuthenticationService } from './authentication.service';
import {
  CreateDkimDto,
  DkimEntryResponseDto,
  DkimGeneratedKeyResponseDto,
  DkimListResponseDto,
  ListDkimQueryDto,
} from './dto/dkim.dto';

/** DKIM signing of a subaccount's mail, proxied to SocketLabs (`/v2/subaccount/:subaccountId/dkim`). */
@ApiTags('DKIM')
@ApiSocketLabsErrors()
@ApiExtraModels(DkimGeneratedKeyResponseDto, DkimEntryResponseDto)
@Controller('subaccounts/:subaccountId/dkim')
export class DkimController {
  constructor(private readonly authentication: AuthenticationService) {}

  /**
   * Creates a DKIM entry. With `domain` and `selector` only, SocketLabs generates the key pair and answers the
   * TXT record to publish (and the private key, in this answer only). With `privateKey` too, SocketLabs checks
   * it against the public key already published for the selector and answers the stored entry.
   */
  @Post()
  @RequireScopes('socketlabs:write')
  @ApiCreatedResponse({
    description: 'The generated key pair (no `privateKey` given) or the stored entry (`privateKey` given).',
    schema: {
      oneOf: [{ $ref: getSchemaPath(DkimGeneratedKeyResponseDto) }, { $ref: getSchemaPath(DkimEntryResponseDto) }],
    },
  })
  @AuditProxiedWrite('authentication.dkim.create', { target: subaccountAndBodyDomain })
  createSubaccountDkim(@Param() { subaccountId }: SubaccountIdParamDto, @Body() dto: CreateDkimDto): Promise<unknown> {
    return this.authentication.createDkim(subaccountId, dto);
  }

  /** The subaccount's DKIM entries (private keys truncated by SocketLabs). */
  @Get()
  @RequireScopes('socketlabs:read')
  listSubaccountDkim(
    @Param() { subaccountId }: SubaccountIdParamDto,
    @Query() query: ListDkimQueryDto,
  ): Promise<DkimListResponseDto> {
    return this.authentication.listDkim(subaccountId, query);
  }

  /** Deletes the DKIM entry of a domain: mail from it is no longer signed. */
  @Delete(':domain')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted at SocketLabs.' })
  @RequireScopes('socketlabs:write')
  @AuditProxiedWrite('authentication.dkim.delete')
  async deleteSubaccountDkim(@Param() { subaccountId, domain }: SubaccountDomainParamsDto): Promise<void> {
    await this.authentication.deleteDkim(subaccountId, domain);
  }
}
