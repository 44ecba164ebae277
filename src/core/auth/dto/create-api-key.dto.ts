import { ArrayNotEmpty, IsArray, IsIn, IsString, Length } from 'class-validator';
import { API_KEY_SCOPES, ApiKeyScope } from '../api-key.entity';

export class CreateApiKeyDto {
  /** Who uses the key, e.g. the name of the calling service. */
  @IsString()
  @Length(1, 200)
  name: string;

  /**
   * What the key may do: `events:read` (stored events, messages, suppressions), `socketlabs:read` and
   * `socketlabs:write` (the proxied SocketLabs account), `admin` (everything, including keys and endpoints).
   * @example ["events:read"]
   */
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes: ApiKeyScope[];
}
