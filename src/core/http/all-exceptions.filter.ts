import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { redactUrl } from '../logging/redact';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string | string[];
  requestId: string;
  details?: unknown;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  502: 'UPSTREAM_ERROR',
  503: 'SERVICE_UNAVAILABLE',
  504: 'UPSTREAM_TIMEOUT',
};

/** Builds the one error shape of the API. A 500 says nothing about its cause; the log has it. */
export function errorBody(
  status: number,
  requestId: string,
  message: string | string[],
  code?: string,
  details?: unknown,
): ErrorBody {
  const body: ErrorBody = {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    code: code ?? CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'ERROR'),
    message,
    requestId,
  };
  if (details !== undefined) body.details = details;
  return body;
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const requestId = String(request.id);

    let body: ErrorBody;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'string') {
        body = errorBody(status, requestId, response);
      } else {
        const r = response as { message?: string | string[]; code?: string; details?: unknown };
        const code = r.code ?? (status === 400 && Array.isArray(r.message) ? 'VALIDATION_FAILED' : undefined);
        body = errorBody(status, requestId, r.message ?? exception.message, code, r.details);
      }
      if (status >= 500)
        this.logger.error(
          `${request.method} ${redactUrl(request.url)} -> ${status} [${requestId}] ${exception.message}`,
        );
    } else if (isFastifyError(exception)) {
      // Errors raised by Fastify itself (a body it could not parse, a body over the limit, a content type it has no parser for).
      body = errorBody(exception.statusCode, requestId, exception.message);
    } else {
      const err = exception as Error;
      this.logger.error(
        `${request.method} ${redactUrl(request.url)} -> 500 [${requestId}] ${err?.stack ?? String(err)}`,
      );
      body = errorBody(HttpStatus.INTERNAL_SERVER_ERROR, requestId, 'Internal server error');
    }
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

function isFastifyError(e: unknown): e is { statusCode: number; message: string; code: string } {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    String((e as { code: string }).code).startsWith('FST_') &&
    typeof (e as { statusCode?: unknown }).statusCode === 'number'
  );
}
