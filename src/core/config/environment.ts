import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { INT4_MAX } from '../database/pg-limits';

export type Role = 'all' | 'api' | 'worker';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Values in `.env.example` that must never reach a production deployment. */
const PLACEHOLDER = /^(change-?me|changeme|placeholder|example|secret)/i;

/**
 * Every environment variable the service reads. Validated once at boot; the error lists every bad value.
 * Defaults point at PostgreSQL and Redis on localhost, which is what a developer machine and
 * docker-compose.yml provide.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsIn(['all', 'api', 'worker'])
  ROLE: Role = 'all';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/socketlabs_gateway';

  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(200)
  DATABASE_POOL_SIZE = 20;

  /** A read replica of DATABASE_URL for the read API (events, messages, suppressions, change feed). Unset: the primary. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_READ_URL must be a postgres:// URL' })
  DATABASE_READ_URL?: string;

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every BullMQ key. Braces make it a Redis Cluster hash tag. Changing it strands queued jobs. */
  @Matches(/^\{[A-Za-z0-9_-]+\}$/, { message: 'QUEUE_PREFIX must look like {name} (a Redis Cluster hash tag)' })
  QUEUE_PREFIX = '{slgw}';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ADMIN_API_KEY must be at least 16 characters' })
  ADMIN_API_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SOCKETLABS_API_KEY?: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  SOCKETLABS_API_URL = 'https://api.socketlabs.com';

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  SOCKETLABS_INJECT_URL = 'https://inject.socketlabs.com';

  /** Default `serverId` of Injection API sends (POST /api/v1/messages); a request may give its own. */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  SOCKETLABS_SERVER_ID?: number;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  SOCKETLABS_TIMEOUT_MS = 15000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  SOCKETLABS_MAX_RETRIES = 3;

  /** The receiver endpoint configured from the environment, served at POST /webhooks/socketlabs. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  WEBHOOK_SECRET_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  WEBHOOK_VALIDATION_KEY?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  WEBHOOK_SERVER_ID?: number;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  WEBHOOK_BODY_LIMIT = 1024 * 1024;

  /** The public base URL of this service, used to recognise event webhooks that point at it. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** `json`: one JSON object per line (for a log collector). `pretty`: coloured single lines for a terminal. */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /** Requests per minute per API key on /api/v1 (429 with Retry-After above it). 0: no limit. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  API_RATE_LIMIT_PER_MINUTE = 1200;

  /**
   * Failed authentications (missing, unknown or revoked key) per minute per client address on /api/v1; above it
   * the address gets 429 with Retry-After instead of 401 until the minute is over. 0: no limit.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  API_AUTH_FAILURES_PER_MINUTE = 30;

  /** Events processed concurrently by one worker process (jobs of up to a few hundred events each). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;

  /**
   * ROLE=all on Linux: the nice value of the workers' thread (0-19; 0 leaves it alone). The receiver's thread keeps
   * the process's own, so when the cores are busy the scheduler serves the webhook before the workers' thread, which
   * may lag during a burst and catches up after. PostgreSQL's work for the workers keeps its usual priority. A
   * ROLE=worker process is niced by its launcher instead.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(19)
  WORKER_THREAD_NICE = 10;

  /**
   * Events that occurred more than this many days ago are deleted, a whole month at a time (their monthly partition
   * is dropped once all of it is older), with the messages whose last event is that old. Unset: kept for ever. At
   * least 7: SocketLabs retries an event for four days, and a retry of a deleted event would be stored again.
   */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(7)
  EVENT_RETENTION_DAYS?: number;

  /**
   * Audit log entries older than this many days are deleted by the hourly storage maintenance (in batches). Unset:
   * kept for ever. Erasure records (DELETE /api/v1/addresses/{address}) go with the rest.
   */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  AUDIT_RETENTION_DAYS?: number;

  /**
   * The secret of the address fingerprints (HMAC-SHA256 of a lower-cased address) that erasure leaves in the audit
   * log and in the suppressions it keeps (docs/privacy.md). Kept out of the database, so that a copy of the database
   * alone cannot test a guessed address against them. Unset: erasure answers 503. Never change it once addresses
   * were erased: their fingerprints would no longer match.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ERASURE_SECRET must be at least 16 characters' })
  ERASURE_SECRET?: string;

  /** Stored events not processed after this many seconds are enqueued again by the sweeper. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SWEEPER_DELAY_SECONDS = 30;

  /**
   * How long a stopping worker (ROLE=worker, or the worker thread of ROLE=all) may take to finish the jobs it
   * holds before the process exits anyway. BullMQ waits for an unreachable Redis to come back before it stops.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  STOP_TIMEOUT_SECONDS = 15;

  /** If set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>` (Prometheus' `authorization` setting). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /**
   * A small listener of its own for /metrics, /health/live and /health/ready: how a ROLE=worker process (no HTTP
   * server) is scraped and probed. With ROLE=all or api it is optional, beside /metrics on PORT. Unset: none.
   */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;
}

export function validateEnvironment(env: Record<string, string | undefined>): EnvironmentVariables {
  const values = plainToInstance(EnvironmentVariables, env, { exposeDefaultValues: true });
  const errors = validateSync(values, { skipMissingProperties: false, whitelist: false });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `  - ${e.property}: ${m}`));
  if (values.NODE_ENV === 'production') {
    for (const name of [
      'ADMIN_API_KEY',
      'SOCKETLABS_API_KEY',
      'WEBHOOK_SECRET_KEY',
      'METRICS_TOKEN',
      'ERASURE_SECRET',
    ] as const) {
      const value = values[name];
      if (value && PLACEHOLDER.test(value)) problems.push(`  - ${name}: still the placeholder from .env.example`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid configuration (environment variables):\n${problems.join('\n')}`);
  }
  return values;
}
