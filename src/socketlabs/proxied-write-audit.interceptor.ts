import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import type { Principal } from '../core/auth/auth.decorators';
import { AuditService } from '../core/audit/audit.service';
import { AppConfig } from '../core/config/app-config';
import { errorMessage } from '../core/error-message';

const AUDITED_WRITE = 'socketlabs:audited-write';

export interface AuditedWriteContext {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** What the handler returned (absent on failure). */
  result?: unknown;
  /** What the handler threw (absent on success). */
  error?: unknown;
  config: AppConfig;
}

export interface AuditedWriteOptions {
  /**
   * What the change was about. Default: the route parameters joined with `/` (e.g. `12345/example.com`),
   * nothing for a route without any. Give a function to take it from the answer, e.g. a new id.
   */
  target?: (ctx: AuditedWriteContext) => string | number | null | undefined;
  /**
   * What to keep of the request. Default: the body and query (secrets redacted by AuditService). Give a function
   * where even a redacted body says too much (a message's content, its recipients).
   */
  details?: (ctx: AuditedWriteContext) => Record<string, unknown> | null;
}

/**
 * Records a proxied write in the audit log: who (the API key), what (`action`, method, path, the body and
 * query with secrets redacted by AuditService), the status our caller got, and the error message on failure.
 * One line on the handler instead of try/record/rethrow in every module:
 *
 *   @Post('ip-pools')
 *   @RequireScopes('socketlabs:write')
 *   @AuditProxiedWrite('accounts.ip-pools.create', { target: ({ result }) => (result as SocketLabsIpPool)?.ipPoolId })
 *   createIpPool(@Body() dto: CreateIpPoolDto) { ... }
 *
 * A request refused by the guard (401/403) is not recorded; a body refused by validation is (400, failure).
 */
export const AuditProxiedWrite = (action: string, options: AuditedWriteOptions = {}) =>
  applyDecorators(SetMetadata(AUDITED_WRITE, { action, ...options }), UseInterceptors(ProxiedWriteAuditInterceptor));

@Injectable()
export class ProxiedWriteAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<{ action: string } & AuditedWriteOptions>(AUDITED_WRITE, context.getHandler());
    if (!meta) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { principal?: Principal }>();
    const reply = http.getResponse<FastifyReply>();

    const record = (status: number, result: unknown, error?: unknown) => {
      const ctx: AuditedWriteContext = {
        params: (request.params ?? {}) as Record<string, string>,
        query: (request.query ?? {}) as Record<string, unknown>,
        body: request.body,
        result,
        error,
        config: this.config,
      };
      const target = meta.target ? meta.target(ctx) : Object.values(ctx.params).join('/') || null;
      const details = meta.details ? meta.details(ctx) : defaultDetails(ctx);
      return this.audit.record(request.principal, {
        action: meta.action,
        method: request.method,
        path: request.url.split('?')[0],
        target: target === null || target === undefined ? null : String(target),
        status,
        details: details && Object.keys(details).length ? details : null,
        error: error === undefined ? null : errorText(error),
        requestId: String(request.id),
      });
    };

    return next.handle().pipe(
      // Nest has set the route's status (201 for POST, @HttpCode otherwise) before the handler ran.
      mergeMap((result: unknown) => from(record(reply.statusCode, result).then(() => result))),
      catchError((err: unknown) => {
        const status = err instanceof HttpException ? err.getStatus() : 500;
        return from(record(status, undefined, err)).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}

function defaultDetails(ctx: AuditedWriteContext): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  if (ctx.body !== undefined && ctx.body !== null) details.body = ctx.body;
  if (Object.keys(ctx.query).length) details.query = ctx.query;
  return details;
}

/** The message our caller saw (validation errors are a list), for the audit record. */
function errorText(err: unknown): string {
  if (err instanceof HttpException) {
    const response = err.getResponse() as string | { message?: unknown };
    const message = typeof response === 'string' ? response : response?.message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return errorMessage(err);
}
