import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { QueueName } from '../queue/queue.constants';
import { withTimeout } from '../timeout';

export class HealthResponseDto {
  /** `ok` when PostgreSQL and Redis both answer. */
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  redis: 'up' | 'down';
}

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Events) private readonly queue: Queue,
  ) {}

  /**
   * Liveness and dependencies. 200 when PostgreSQL and Redis answer, 503 otherwise. Without Redis the
   * receiver still accepts events (they are processed once Redis is back); without PostgreSQL it answers 503.
   */
  @Public()
  @Get()
  async getHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponseDto> {
    const [database, redis] = await Promise.all([
      answers(this.dataSource.query('SELECT 1'), 'PostgreSQL'),
      answers(this.queue.client.then((c) => (c as unknown as Redis).ping()), 'Redis'),
    ]);
    const body: HealthResponseDto = { status: database && redis ? 'ok' : 'degraded', database: database ? 'up' : 'down', redis: redis ? 'up' : 'down' };
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
