import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/auth.decorators';
import { AppException } from '../http/app.exception';
import { isRateLimited } from './rate-limited-paths';

/**
 * The per-API-key limit (API_RATE_LIMIT_PER_MINUTE) on /api/v1. A global guard that runs after ApiKeyGuard
 * (ThrottlingModule is imported after AuthModule): it counts authenticated requests by key, whatever the
 * route. Failed authentications are limited by client address in ApiKeyGuard (AuthFailureLimiter).
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  // eslint-disable-next-line @typescript-eslint/require-await -- ThrottlerGuard's hooks are async; these answer at once
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    return !request.principal || !isRateLimited(request.url);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- ThrottlerGuard's hook is async
  protected override async getTracker(req: FastifyRequest & { principal?: Principal }): Promise<string> {
    // ADMIN_API_KEY has no row (id null): its name is its identity.
    return req.principal?.id ?? `env:${req.principal?.name}`;
  }

  /** One counter per key across every route (the default is one per route). */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return `api-key:${tracker}`;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async in ThrottlerGuard: the throw is a rejection
  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new AppException(
      HttpStatus.TOO_MANY_REQUESTS,
      'RATE_LIMITED',
      `This API key made more than ${detail.limit} requests in a minute; retry after ${detail.timeToBlockExpire} s (Retry-After)`,
    );
  }
}
