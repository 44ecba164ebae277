import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queue/redis-connection';

/** One fixed window per key: the count, and the milliseconds until the window ends. Atomic, one round trip. */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { hits, redis.call('PTTL', KEYS[1]) }`;

/** A rate-limit check gives up after this long and lets the request through. */
const COMMAND_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 60_000;

/**
 * The rate limits' counters in Redis, shared by every API process: fixed windows (INCR + PEXPIRE), keys under
 * the queue prefix (a Redis Cluster hash tag). Its own connection, which fails fast rather than wait for a lost
 * Redis as BullMQ's does: no offline queue, no retry, a short command timeout.
 *
 * Fails open: while Redis is unreachable a request is not limited (a warning at most once a minute). The limits
 * protect the service from a runaway caller; refusing every API call because Redis is down would be worse,
 * and the receiver and the read API do not need Redis.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly prefix: string;
  private redis?: IORedis;
  /**
   * Settled once the first connection is made or has failed (at most COMMAND_TIMEOUT_MS): without an offline queue,
   * the requests that arrive while it is being made would otherwise fail open, with a warning that Redis is down.
   */
  private connected?: Promise<void>;
  private lastWarning = 0;

  constructor(private readonly config: AppConfig) {
    this.prefix = `${config.redis.prefix}:ratelimit:`;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const redis = this.connection();
      await this.connected;
      const [hits, pttl] = (await redis.eval(HIT, 1, `${this.prefix}${throttlerName}:${key}`, ttl)) as [number, number];
      const timeToExpire = Math.max(1, Math.ceil((pttl > 0 ? pttl : ttl) / 1000));
      return {
        totalHits: hits,
        timeToExpire,
        isBlocked: hits > limit,
        timeToBlockExpire: hits > limit ? timeToExpire : 0,
      };
    } catch (err) {
      this.warn(err as Error);
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }

  /** Connected on first use: a process that never serves /api/v1 (a worker) opens no connection. */
  private connection(): IORedis {
    if (!this.redis) {
      this.redis = new IORedis({
        ...redisOptionsFromUrl(this.config.redis.url),
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: COMMAND_TIMEOUT_MS,
        connectTimeout: 2000,
      });
      this.redis.on('error', (err) => this.warn(err));
      const redis = this.redis;
      this.connected = new Promise<void>((resolve) => {
        const timer = setTimeout(settle, COMMAND_TIMEOUT_MS).unref();
        function settle() {
          clearTimeout(timer);
          redis.off('ready', settle).off('error', settle);
          resolve();
        }
        redis.once('ready', settle).once('error', settle);
      });
    }
    return this.redis;
  }

  private warn(err: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(`rate limits are not enforced while Redis is unreachable (${err.message})`);
  }
}
