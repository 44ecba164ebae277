import { CanActivate, ExecutionContext, HttpStatus, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '../http/app.exception';
import { AuthFailureLimiter } from '../throttling/auth-failure-limiter';
import { ApiKeyScope } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { IS_PUBLIC, Principal, REQUIRED_SCOPES } from './auth.decorators';

/**
 * Global guard: every route needs an API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`)
 * unless marked @Public(). A route without @RequireScopes() needs `admin`, so a forgotten
 * decorator fails closed.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    @Optional() private readonly authFailures?: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const key = extractApiKey(request);
    if (!key) {
      await this.authFailures?.failed(request, context.switchToHttp().getResponse<FastifyReply>());
      throw new AppException(
        HttpStatus.UNAUTHORIZED,
        'API_KEY_MISSING',
        'An API key is required: Authorization: Bearer <key> or X-API-Key: <key>',
      );
    }
    const principal = await this.apiKeys.authenticate(key);
    if (!principal) {
      // Past the limit of failures from this address, 429 instead of the 401.
      await this.authFailures?.failed(request, context.switchToHttp().getResponse<FastifyReply>());
      throw new AppException(HttpStatus.UNAUTHORIZED, 'API_KEY_INVALID', 'The API key is unknown or revoked');
    }

    const required = this.reflector.getAllAndOverride<ApiKeyScope[]>(REQUIRED_SCOPES, targets) ?? ['admin'];
    if (!hasScopes(principal.scopes, required)) {
      throw new AppException(
        HttpStatus.FORBIDDEN,
        'SCOPE_MISSING',
        `This API key lacks the scope ${required.join(', ')}`,
      );
    }
    request.principal = principal;
    return true;
  }
}

export function hasScopes(held: ApiKeyScope[], required: ApiKeyScope[]): boolean {
  return held.includes('admin') || required.every((s) => held.includes(s));
}

function extractApiKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1].trim();
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header.trim() : undefined;
}
