import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../../core/config/app-config';
import { ReceiverStats } from './receiver.stats';
import { WebhookRefusal } from './webhook-body.parser';
import { refusal, WebhookAnswer, WebhookContext, WebhookReceiver } from './webhook-receiver.service';

export const RECEIVER_PATH = '/webhooks/socketlabs';
const ENDPOINT_PATH = /^\/webhooks\/socketlabs(?:\/([^/?#]+))?\/?(?:\?.*)?$/;

/**
 * The HTTP side of the SocketLabs receiver: `POST /webhooks/socketlabs/:endpointId` and `POST /webhooks/socketlabs`.
 * It reads one bounded body and writes the answer WebhookReceiver decides, on the raw Node request and response:
 * the receiver parses tolerantly by itself, so none of Fastify's body parsing, handler chain and reply pipeline is
 * needed, and they cost a third of its CPU (measured: 118 -> 78 us per event).
 *
 * Two doors lead to `serve`:
 * - the HTTP server's own (`dispatch`, installed by bootstrap.ts through Fastify's serverFactory): requests to the
 *   receiver's paths never enter Fastify, whose routing and the hooks and middleware Nest adds to every request cost
 *   some 10 us more per event;
 * - routes declared in Fastify that answer from their onRequest hook (hijacking the reply), for what reaches Fastify
 *   without a socket: `inject` in the tests.
 * Registered from WebhooksModule when the process has an HTTP server; a worker-only process has none and skips this.
 */
@Injectable()
export class WebhookReceiverTransport implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
    private readonly receiver: WebhookReceiver,
    private readonly stats: ReceiverStats,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    const hijacked = (request: FastifyRequest, reply: FastifyReply, done: () => void, endpointId: string | null) => {
      reply.hijack();
      done();
      this.serve(request.raw, reply.raw, endpointId, String(request.id), request.ip);
    };
    fastify.post<{ Params: { endpointId: string } }>(
      `${RECEIVER_PATH}/:endpointId`,
      { onRequest: (request, reply, done) => hijacked(request, reply, done, request.params.endpointId) },
      unreachable,
    );
    fastify.post(
      RECEIVER_PATH,
      { onRequest: (request, reply, done) => hijacked(request, reply, done, null) },
      unreachable,
    );
  }

  /**
   * The server's door: takes a POST to one of the receiver's paths and answers it; false for anything else, which
   * the caller hands to Fastify. `requestId` and `ip` as Fastify would have them (bootstrap.ts).
   */
  dispatch(req: IncomingMessage, res: ServerResponse, requestId: string, ip: string): boolean {
    if (req.method !== 'POST') return false;
    const m = ENDPOINT_PATH.exec(req.url ?? '');
    if (!m) return false;
    let endpointId: string | null = null;
    if (m[1] !== undefined) {
      try {
        endpointId = decodeURIComponent(m[1]);
      } catch {
        return false; // Fastify answers a malformed path as it answers any.
      }
    }
    this.serve(req, res, endpointId, requestId, ip);
    return true;
  }

  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    endpointId: string | null,
    requestId: string,
    ip: string,
  ): void {
    const ctx: WebhookContext = { endpointId, requestId, ip };
    const startedAt = this.stats.requestStarted();
    void this.handle(req, ctx)
      .catch((err: unknown) =>
        err instanceof WebhookRefusal ? this.receiver.refused(err, ctx) : this.receiver.failed(err, ctx),
      )
      .then((answer) => {
        send(req, res, ctx, answer);
        this.stats.requestAnswered(startedAt);
      });
  }

  private async handle(req: IncomingMessage, ctx: WebhookContext): Promise<WebhookAnswer> {
    const endpoint = await this.receiver.endpoint(ctx.endpointId);
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const format = this.receiver.format(req.headers['content-type'], hasBody);
    const body = await readBody(req, this.config.webhook.bodyLimit);
    return this.receiver.receive(endpoint, format, body, ctx);
  }
}

/** Never called: the onRequest hook answers every request of the receiver's routes. */
function unreachable(): never {
  throw new Error('the webhook receiver answers from its onRequest hook');
}

/** Writes a whole answer; a 413 stays open until the rest of the body is read (endAfterDiscarding). */
function send(req: IncomingMessage, res: ServerResponse, ctx: WebhookContext, answer: WebhookAnswer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(answer.body),
    'x-request-id': ctx.requestId,
  });
  if (answer.status !== 413) {
    res.end(answer.body);
    return;
  }
  res.write(answer.body);
  endAfterDiscarding(req, res);
}

/** How much of a body over the limit is read and thrown away after the 413, at most, and for how long. */
const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
const DISCARD_MAX_MS = 5_000;

/**
 * Ends the 413 once the rest of the body has arrived (read and thrown away), or after DISCARD_MAX_BYTES or
 * DISCARD_MAX_MS. A client that writes its whole body before it reads the answer (most do) would otherwise meet a
 * closed socket mid-body (EPIPE, ECONNRESET) and never see the 413; the answer itself is already on the wire.
 */
function endAfterDiscarding(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.destroyed) {
    res.end();
    return;
  }
  let discarded = 0;
  const finish = (abort: boolean) => {
    clearTimeout(timer);
    req.off('data', onData).off('end', onEnd).off('error', onEnd).off('close', onEnd);
    res.end();
    if (abort) req.socket?.destroySoon();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) finish(true);
  };
  const onEnd = () => finish(false);
  const timer = setTimeout(() => finish(true), DISCARD_MAX_MS);
  timer.unref();
  req.on('data', onData).on('end', onEnd).on('error', onEnd).on('close', onEnd);
  req.resume();
}

/** The body, at most `limit` bytes: a declared or actual size over it is refused (413) without reading further. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = (err: Error) => finish(refusal(400, 'bad_request', `The body could not be read: ${err.message}`));
    const onClose = () => finish(refusal(400, 'bad_request', 'The connection closed before the body was complete'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function tooLarge(limit: number): WebhookRefusal {
  return refusal(413, 'payload_too_large', `The body is larger than ${limit} bytes`);
}
