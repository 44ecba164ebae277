import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AppModule } from './app.module';
import { AppConfig } from './core/config/app-config';
import { AllExceptionsFilter } from './core/http/all-exceptions.filter';
import { buildOpenApiDocument } from './core/http/openapi';
import { ApiValidationPipe } from './core/http/validation';
import { useAppLogger } from './core/logging/logging';
import { ApiMetrics } from './core/metrics/api.metrics';
import { mountQueueDashboard } from './core/queue/queue-dashboard';
import { documentRateLimits } from './core/throttling/throttling.openapi';
import { WebhookReceiverTransport } from './webhooks/receiver/webhook-receiver.transport';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Builds the HTTP application exactly as main.ts runs it; the end-to-end tests call this too.
 * It is initialised but not listening.
 */
export async function createHttpApp(config: AppConfig): Promise<NestFastifyApplication> {
  // eslint-disable-next-line prefer-const -- the adapter's handler below reads it; it is set once the app exists
  let receiver: WebhookReceiverTransport | undefined;
  /** Set when Fastify starts closing: from then on it answers every request itself (503, Connection: close). */
  let closing = false;
  let server: Server | undefined;
  /** The server's open connections (the preClose sweep below closes those that never sent a byte). */
  const connections = new Set<Socket>();
  const adapter = new FastifyAdapter({
    genReqId: requestIdOf,
    trustProxy: true,
    // The API's limit (the receiver sets its own, WEBHOOK_BODY_LIMIT): POST /api/v1/messages carries base64
    // attachments, and SocketLabs documents no smaller maximum for an injected message.
    bodyLimit: 30 * 1024 * 1024,
    // The webhook receiver answers its requests before Fastify sees them (see WebhookReceiverTransport).
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions) => {
      server = createServer((req, res) => {
        // While closing, the receiver's requests go to Fastify too, which refuses them with a 503 and
        // `Connection: close` (SocketLabs retries them): a client that keeps its connection busy would otherwise
        // keep the server from closing.
        if (closing || !receiver?.dispatch(req, res, requestIdOf(req), clientAddress(req))) handler(req, res);
      });
      server.on('connection', (socket: Socket) => {
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
      });
      // What Fastify sets on a server it creates itself.
      server.keepAliveTimeout = options.keepAliveTimeout ?? server.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout ?? server.requestTimeout;
      if (options.connectionTimeout) server.setTimeout(options.connectionTimeout);
      return server;
    },
  });
  // Boot lines wait for the application's logger (nestjs-pino, LOG_LEVEL and LOG_FORMAT), then go through it.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  useAppLogger(app);
  receiver = app.get(WebhookReceiverTransport);
  // Before any route is registered: the API's routes get their request metrics as they are (see ApiMetrics).
  app.get(ApiMetrics).instrument(app);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preClose', (done) => {
      closing = true;
      // Node's server closes the connections idle when it starts closing, not those a request still in flight leaves
      // idle afterwards (with keep-alive): it would wait for them to time out (72 s), past STOP_TIMEOUT_SECONDS. So
      // idle connections are closed again until it has closed. Nor does closeIdleConnections() close a connection
      // that has not sent a byte yet (a client's spare connection, opened ahead of a request it then did not send):
      // Node closes it at its headers timeout (60 s and more). Those are closed here too: no request is lost.
      const listening = server;
      if (listening?.listening) {
        const sweep = setInterval(() => {
          listening.closeIdleConnections();
          for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
        }, 100).unref();
        listening.once('close', () => clearInterval(sweep));
      }
      done();
    });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'health/live', 'health/ready'] });
  // Unknown properties: refused by name in our own API, ignored in SocketLabs-shaped bodies (see validation.ts).
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();

  await mountQueueDashboard(app);
  const document = documentRateLimits(buildOpenApiDocument(app));
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });

  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** A process with the modules and the workers but no HTTP server (ROLE=worker). */
export async function createWorkerContext(config: AppConfig) {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
  useAppLogger(app);
  app.enableShutdownHooks();
  await app.init();
  return app;
}

export const bootLogger = new Logger('Bootstrap');

/** A request id on every answer: the caller's X-Request-Id if it is sane, a new UUID otherwise. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The client's address as Fastify has it with trustProxy: the first of X-Forwarded-For, else the socket's peer. */
function clientAddress(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for'];
  const first = typeof forwarded === 'string' ? forwarded.split(',')[0].trim() : '';
  return first || req.socket.remoteAddress || '';
}
