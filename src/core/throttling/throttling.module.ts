import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export const RATE_LIMIT_WINDOW_MS = 60_000;

@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class RateLimitStorageModule {}

/**
 * Rate limits on /api/v1 (@nestjs/throttler, counters in Redis): per API key (ApiThrottlerGuard) and per client
 * address for failed authentications (AuthFailureLimiter, called by ApiKeyGuard). Imported after AuthModule, so
 * that its guard runs after the API key is known.
 */
@Global()
@Module({})
export class ThrottlingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ThrottlingModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [RateLimitStorageModule],
          inject: [RedisThrottlerStorage],
          useFactory: (storage: RedisThrottlerStorage) => ({
            // 'default': the headers are then Retry-After and X-RateLimit-*, without a suffix.
            throttlers: [{ name: 'default', ttl: RATE_LIMIT_WINDOW_MS, limit: config.rateLimit.perKeyPerMinute }],
            storage,
          }),
        }),
      ],
      providers: [
        AuthFailureLimiter,
        ...(config.rateLimit.perKeyPerMinute > 0 ? [{ provide: APP_GUARD, useClass: ApiThrottlerGuard }] : []),
      ],
      exports: [AuthFailureLimiter],
    };
  }
}
