import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { ApiErrors } from '../http/error-response.dto';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal, Principal, RequireScopes } from './auth.decorators';
import { ApiKeyListResponseDto, ApiKeyResponseDto, CreatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@ApiTags('API keys')
@RequireScopes('admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  /** Creates an API key. The key is in this answer only; only its hash is stored. */
  @Post()
  @ApiErrors(400)
  async createApiKey(
    @Body() dto: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiKeyResponseDto> {
    const { entity, key } = await this.apiKeys.create(dto.name, dto.scopes);
    await this.audit.record(principal, {
      action: 'api-keys.create',
      method: 'POST',
      path: '/api/v1/api-keys',
      target: entity.id,
      status: 201,
      details: { name: dto.name, scopes: dto.scopes },
    });
    return Object.assign(ApiKeyResponseDto.from(entity), { key });
  }

  /** Lists every API key, revoked ones included. */
  @Get()
  async listApiKeys(): Promise<ApiKeyListResponseDto> {
    const rows = await this.apiKeys.list();
    return { data: rows.map(ApiKeyResponseDto.from), total: rows.length };
  }

  /** Revokes an API key. It stops working at once on this instance and within 10 seconds on the others. */
  @Delete(':id')
  @ApiErrors(400, 404)
  async revokeApiKey(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyResponseDto> {
    const row = await this.apiKeys.revoke(id);
    await this.audit.record(principal, {
      action: 'api-keys.revoke',
      method: 'DELETE',
      path: `/api/v1/api-keys/${id}`,
      target: id,
      status: 200,
    });
    return ApiKeyResponseDto.from(row);
  }
}
