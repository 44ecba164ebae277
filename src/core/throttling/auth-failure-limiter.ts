import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { AppException } from '../http/app.exception';
import { isRateLimited } from './rate-limited-paths';

const WINDOW_MS = 60_000;

/**
 * Failed authentications per client address (API_AUTH_FAILURES_PER_MINUTE): past the limit, a request whose key
 * is missing, unknown or revoked is answered 429 with Retry-After instead of 401 until the minute is over.
 * Requests with a valid key from the same address are not affected: a misconfigured client behind a shared
 * address does not lock out the others. The client address is Fastify's request.ip (X-Forwarded-For is
 * trusted: behind a proxy that sets it).
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limit: number;

  constructor(
    config: AppConfig,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
  ) {
    this.limit = config.rateLimit.authFailuresPerMinute;
  }

  /** Called by ApiKeyGuard just before it refuses a request with 401; throws the 429 instead when over the limit. */
  async failed(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.limit === 0 || !isRateLimited(request.url)) return;
    const record = await this.storage.increment(`ip:${request.ip}`, WINDOW_MS, this.limit, WINDOW_MS, 'auth-failures');
    if (!record.isBlocked) return;
    void reply.header('retry-after', String(record.timeToBlockExpire));
    throw new AppException(
      HttpStatus.TOO_MANY_REQUESTS,
      'AUTH_RATE_LIMITED',
      `Too many failed authentications from this address; retry after ${record.timeToBlockExpire} s (Retry-After)`,
    );
  }
}
