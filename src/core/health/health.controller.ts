import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { HealthResponseDto, LivenessResponseDto, ReadinessResponseDto } from './dto/health-response.dto';
import { HealthService } from './health.service';

/** Outside /api/v1 (see bootstrap.ts), without an API key: load balancers, Kubernetes and docker-compose probe these. */
@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /**
   * Every dependency. 200 when PostgreSQL (and the read replica, if configured) and Redis answer, 503
   * otherwise. Without Redis the receiver still accepts events (they are processed once Redis is back); without
   * PostgreSQL it answers 503; without the replica the read API fails and everything else works. For a probe
   * that decides whether to send traffic, use /health/ready.
   */
  @Public()
  @Get()
  @ApiServiceUnavailableResponse({
    type: HealthResponseDto,
    description: 'A dependency does not answer; the body says which.',
  })
  async getHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponseDto> {
    const body = await this.health.health();
    if (body.status !== 'ok') void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }

  /** Liveness: 200 as long as the process answers HTTP. Asks no dependency (a database outage must not restart it). */
  @Public()
  @Get('live')
  getLiveness(): LivenessResponseDto {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 when this process can take traffic, that is when PostgreSQL answers; 503 otherwise. Redis down
   * keeps it ready: the receiver still stores every event (processed once Redis is back). The body says which
   * dependency is down.
   */
  @Public()
  @Get('ready')
  @ApiServiceUnavailableResponse({
    type: ReadinessResponseDto,
    description: 'PostgreSQL does not answer: send this process no traffic.',
  })
  async getReadiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessResponseDto> {
    const body = await this.health.readiness();
    if (body.status !== 'ready') void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
