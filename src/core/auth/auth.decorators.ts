import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../http/error-response.dto';
import { ApiKeyScope } from './api-key.entity';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_SCOPES = 'auth:scopes';

/** The caller of a request, set by the ApiKeyGuard. */
export interface Principal {
  /** null for the bootstrap admin key from ADMIN_API_KEY. */
  id: string | null;
  name: string;
  scopes: ApiKeyScope[];
}

/** Opts a route out of API-key authentication (health, the receiver). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The scope a route needs; `admin` holds every scope. Also documents the requirement and the
 * 401/403 answers in OpenAPI.
 */
export const RequireScopes = (...scopes: ApiKeyScope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiBearerAuth('bearer'),
    ApiSecurity('api-key'),
    ApiErrors(401, 403),
  );

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined =>
    ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal,
);
