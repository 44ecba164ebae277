import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { ReadDatabase } from '../database/read-database';
import { QueueName } from '../queue/queue.constants';
import { withTimeout } from '../timeout';
import { HealthResponseDto } from './dto/health-response.dto';

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly read: ReadDatabase,
    @InjectQueue(QueueName.Events) private readonly queue: Queue,
  ) {}

  /**
   * Liveness and dependencies. 200 when PostgreSQL (and the read replica, if configured) and Redis answer, 503
   * otherwise. Without Redis the receiver still accepts events (they are processed once Redis is back); without
   * PostgreSQL it answers 503; without the replica the read API fails and everything else works.
   */
  @Public()
  @Get()
  async getHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponseDto> {
    const [database, databaseRead, redis] = await Promise.all([
      answers(this.dataSource.query('SELECT 1'), 'PostgreSQL'),
      this.read.isReplica ? answers(this.read.dataSource.query('SELECT 1'), 'the PostgreSQL replica') : undefined,
      answers(this.queue.client.then((c) => (c as unknown as Redis).ping()), 'Redis'),
    ]);
    const up = (ok: boolean) => (ok ? 'up' : 'down');
    const body: HealthResponseDto = {
      status: database && databaseRead !== false && redis ? 'ok' : 'degraded',
      database: up(database),
      ...(databaseRead === undefined ? {} : { databaseRead: up(databaseRead) }),
      redis: up(redis),
    };
    if (body.status !== 'ok') void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}

/** Whether the dependency answers within 2 s. */
function answers(p: Promise<unknown>, what: string): Promise<boolean> {
  return withTimeout(p, 2000, what).then(
    () => true,
    () => false,
  );
}
