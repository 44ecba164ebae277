import { INestApplication, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX, MetricsRegistry } from './metrics.registry';

/** The internal API's paths: the webhook receiver, /metrics, /health and the docs are not counted here. */
const API_PREFIX = '/api/';
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Requests to the internal API (/api/v1) by route (its pattern, e.g. /api/v1/events/:id), method and status.
 * The hook is attached to each /api route as Fastify registers it, not to the whole server: a webhook request
 * runs no code of this.
 */
@Injectable()
export class ApiMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: `${METRIC_PREFIX}api_requests_total`,
      help: 'Requests to the internal API (/api/v1) answered, by method, route pattern and HTTP status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}api_request_duration_seconds`,
      help: 'Duration of the requests to the internal API (/api/v1), by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: BUCKETS,
      registers,
    });
  }

  /** Call before the routes are registered (before app.init()): routes registered earlier are not counted. */
  instrument(app: INestApplication): void {
    const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
    fastify.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith(API_PREFIX)) return;
      const routePattern = route.url;
      const count = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        const method = request.method;
        this.requests.inc({ method, route: routePattern, status: String(reply.statusCode) });
        this.duration.observe({ method, route: routePattern }, reply.elapsedTime / 1000);
        done();
      };
      const existing =
        route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
      route.onResponse = [...existing, count] as RouteOptions['onResponse'];
    });
  }
}
