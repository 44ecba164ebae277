import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AppConfig } from '../config/app-config';
import { HealthService } from '../health/health.service';
import { errorBody } from '../http/all-exceptions.filter';
import { MetricsRegistry } from './metrics.registry';

export const METRICS_PATH = '/metrics';

/**
 * GET /metrics, where Prometheus scrapes: on the HTTP server of ROLE=all and api (a plain Fastify route: no API key,
 * no rate limit, not in the OpenAPI document), and on the metrics listener (METRICS_PORT) of any role, the only
 * HTTP of a ROLE=worker process, which also answers /health/live and /health/ready for its probes.
 *
 * With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <METRICS_TOKEN>`; API keys are not accepted.
 */
@Injectable()
export class MetricsEndpoint implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly tokenDigest?: Buffer;
  private listener?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsRegistry,
    private readonly health: HealthService,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    if (config.metrics.token) this.tokenDigest = digest(config.metrics.token);
  }

  /** The route on the HTTP server, registered as the receiver's are (see WebhookReceiverTransport). */
  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || !this.metrics.serves) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.get(METRICS_PATH, async (request, reply) => {
      const { status, headers, body } = await this.scrape(request.headers.authorization, String(request.id));
      return reply.status(status).headers(headers).send(body);
    });
  }

  /** The metrics listener, when METRICS_PORT is set (never on the worker thread of ROLE=all: its HTTP thread serves). */
  async onApplicationBootstrap(): Promise<void> {
    const { port } = this.config.metrics;
    if (port === undefined || !this.metrics.serves) return;
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new Error(
            `the metrics listener could not listen on ${this.config.http.host}:${port} (METRICS_PORT): ${err.message}`,
          ),
        ),
      );
      server.listen(port, this.config.http.host, resolve);
    });
    this.listener = server;
    this.logger.log(
      `metrics listener on http://${this.config.http.host}:${port}${METRICS_PATH} (and /health/live, /health/ready)`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.listener;
    this.listener = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0];
    let reply: Reply;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        reply = json(405, errorBody(405, requestId, 'Only GET is served here'));
      else if (path === METRICS_PATH) reply = await this.scrape(req.headers.authorization, requestId);
      else if (path === '/health/live') reply = json(200, { status: 'ok' });
      else if (path === '/health/ready') {
        const body = await this.health.readiness();
        reply = json(body.status === 'ready' ? 200 : 503, body);
      } else
        reply = json(
          404,
          errorBody(404, requestId, `Not found: this listener serves ${METRICS_PATH}, /health/live and /health/ready`),
        );
    } catch (err) {
      this.logger.error(`metrics listener: ${(err as Error).stack ?? err}`);
      reply = json(500, errorBody(500, requestId, 'Internal server error'));
    }
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-length': Buffer.byteLength(reply.body),
      'x-request-id': requestId,
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  private async scrape(authorization: string | undefined, requestId: string): Promise<Reply> {
    if (!this.authorized(authorization)) {
      return json(
        401,
        errorBody(
          401,
          requestId,
          'METRICS_TOKEN is set: send Authorization: Bearer <METRICS_TOKEN>',
          'METRICS_TOKEN_INVALID',
        ),
        {
          'www-authenticate': 'Bearer realm="metrics"',
        },
      );
    }
    return { status: 200, headers: { 'content-type': this.metrics.contentType }, body: await this.metrics.render() };
  }

  private authorized(authorization: string | undefined): boolean {
    if (!this.tokenDigest) return true;
    const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
    return match !== null && timingSafeEqual(digest(match[1].trim()), this.tokenDigest);
  }
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

/** Compared as digests: equal lengths for timingSafeEqual, whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
