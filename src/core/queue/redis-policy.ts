import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import IORedis from 'ioredis';
import { isMainThread } from 'node:worker_threads';
import { AppConfig } from '../config/app-config';
import { withTimeout } from '../timeout';
import { redisOptionsFromUrl } from './redis-connection';
import { errorMessage } from '../error-message';

const CHECK_TIMEOUT_MS = 5000;

export type EvictionPolicyCheck = { policy: string; ok: boolean } | { refused: string };

/** The commands this check needs from a Redis client (ioredis). */
interface ConfigReader {
  config(subcommand: 'GET', parameter: string): Promise<unknown>;
}

/**
 * BullMQ requires `maxmemory-policy noeviction`: under any other policy a full Redis evicts queue keys and jobs
 * vanish or hang. Managed Redis often refuses CONFIG; that is said at debug level, not as a failure.
 */
export async function checkEvictionPolicy(
  redis: ConfigReader,
  logger: Pick<Logger, 'warn' | 'debug'>,
): Promise<EvictionPolicyCheck> {
  let answer: unknown;
  try {
    answer = await redis.config('GET', 'maxmemory-policy');
  } catch (err) {
    logger.debug(
      `could not read Redis' maxmemory-policy (${errorMessage(err)}); make sure it is noeviction, which BullMQ requires`,
    );
    return { refused: errorMessage(err) };
  }
  const policy = Array.isArray(answer) && answer.length >= 2 ? String(answer[1]) : '';
  if (policy !== 'noeviction') {
    logger.warn(
      `Redis' maxmemory-policy is ${policy || '(unknown)'}, not noeviction: BullMQ requires noeviction, or queued jobs may be evicted ` +
        `(stored events are in PostgreSQL and the sweeper queues them again, but processing stalls). Set it with CONFIG SET maxmemory-policy noeviction or in redis.conf.`,
    );
    return { policy, ok: false };
  }
  return { policy, ok: true };
}

/**
 * Runs the check once at boot, in the background and on a connection of its own that gives up at once (no
 * retries): a Redis that is down or slow neither holds the boot up nor fails it.
 */
@Injectable()
export class RedisPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    // ROLE=all: the worker thread uses the same Redis; the main thread says it once.
    if (!isMainThread) return;
    const redis = new IORedis({
      ...redisOptionsFromUrl(this.config.redis.url),
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: CHECK_TIMEOUT_MS,
    });
    redis.on('error', () => undefined); // the command's rejection says it
    void withTimeout(checkEvictionPolicy(redis, this.logger), CHECK_TIMEOUT_MS, 'Redis')
      .catch((err: Error) => this.logger.debug(`maxmemory-policy not checked: ${err.message}`))
      .finally(() => redis.disconnect());
  }
}
