import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, ApiKeyEntity, ApiKeyScope } from '../api-key.entity';

export class ApiKeyResponseDto {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it. The key itself is shown only once, at creation. */
  prefix: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true })
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;

  static from(this: void, e: ApiKeyEntity): ApiKeyResponseDto {
    return Object.assign(new ApiKeyResponseDto(), {
      id: e.id,
      name: e.name,
      prefix: e.prefix,
      scopes: e.scopes,
      createdAt: e.createdAt,
      lastUsedAt: e.lastUsedAt,
      revokedAt: e.revokedAt,
    });
  }
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  /** The key. Store it now: it is not shown again. */
  key: string;
}

export class ApiKeyListResponseDto {
  data: ApiKeyResponseDto[];
  total: number;
}
