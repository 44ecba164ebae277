import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { ReadDatabase } from '../database/read-database';
import { QueueName } from '../queue/queue.constants';
import { withTimeout } from '../timeout';
import { HealthResponseDto, ReadinessResponseDto } from './dto/health-response.dto';

/**
 * How long a dependency may take to answer a health check. The checks run side by side, so a probe waits this long at
 * most, whichever hangs (the probes' timeoutSeconds in docs/operations.md is above it). A shorter bound for Redis alone
 * saved nothing while PostgreSQL was slow, and under load reported a Redis that was up as down.
 */
const CHECK_TIMEOUT_MS = 2000;

/**
 * The checks behind /health, /health/ready (the HTTP server) and the same paths on the metrics listener
 * (METRICS_PORT, the only HTTP a ROLE=worker process has).
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly read: ReadDatabase,
    @InjectQueue(QueueName.Events) private readonly queue: Queue,
  ) {}

  /** Every dependency: `ok` only when all answer (GET /health, as it always was). */
  async health(): Promise<HealthResponseDto> {
    const { database, databaseRead, redis } = await this.dependencies();
    return {
      status: database && databaseRead !== false && redis ? 'ok' : 'degraded',
      database: up(database),
      ...(databaseRead === undefined ? {} : { databaseRead: up(databaseRead) }),
      redis: up(redis),
    };
  }

  /**
   * Whether this process can take traffic: PostgreSQL (the primary) answers. Redis down does not make it unready
   * (the receiver still stores every event, processed once Redis is back), nor does the read replica (only the
   * read API needs it); both are reported in the body.
   */
  async readiness(): Promise<ReadinessResponseDto> {
    const { database, databaseRead, redis } = await this.dependencies();
    return {
      status: database ? 'ready' : 'unready',
      database: up(database),
      ...(databaseRead === undefined ? {} : { databaseRead: up(databaseRead) }),
      redis: up(redis),
    };
  }

  private async dependencies(): Promise<{ database: boolean; databaseRead?: boolean; redis: boolean }> {
    const [database, databaseRead, redis] = await Promise.all([
      answers(this.dataSource.query('SELECT 1'), 'PostgreSQL'),
      this.read.isReplica ? answers(this.read.dataSource.query('SELECT 1'), 'the PostgreSQL replica') : undefined,
      answers(
        this.queue.client.then((c) => (c as unknown as Redis).ping()),
        'Redis',
      ),
    ]);
    return { database, databaseRead, redis };
  }
}

const up = (ok: boolean) => (ok ? ('up' as const) : ('down' as const));

/** Whether the dependency answers within `ms`. */
function answers(p: Promise<unknown>, what: string, ms = CHECK_TIMEOUT_MS): Promise<boolean> {
  return withTimeout(p, ms, what).then(
    () => true,
    () => false,
  );
}
