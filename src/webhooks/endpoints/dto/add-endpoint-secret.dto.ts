import { IsOptional, IsString, Length } from 'class-validator';
import { SECRET_KEY_MAX_LENGTH, SECRET_KEY_MIN_LENGTH } from './create-webhook-endpoint.dto';

export class AddEndpointSecretDto {
  /**
   * The new Secret Key (e.g. the one SocketLabs shows after a rotation). If omitted, one is generated.
   * Returned in full in this answer only.
   */
  @IsOptional()
  @IsString()
  @Length(SECRET_KEY_MIN_LENGTH, SECRET_KEY_MAX_LENGTH)
  secretKey?: string;
}
