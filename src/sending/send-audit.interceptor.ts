import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { AuditService } from '../core/audit/audit.service';
import type { Principal } from '../core/auth/auth.decorators';
import { AppConfig } from '../core/config/app-config';
import type { InjectionResponse } from '../socketlabs/socketlabs.types';
import { refusedRecipientCount } from './injection-outcome';

export const SEND_AUDIT_ACTION = 'sending.send';

/**
 * Records every send in the audit log: who, how many recipients, the subject's length, messageId/mailingId,
 * and the outcome (our status, SocketLabs' ErrorCode, how many recipients it refused). Never the content:
 * no address, subject, body or attachment; the shared @AuditProxiedWrite would store the whole body.
 * An interceptor rather than code in the handler, so that a send refused by validation is recorded too.
 */
@Injectable()
export class SendAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { principal?: Principal }>();
    const reply = http.getResponse<FastifyReply>();

    const record = (status: number, outcome: Record<string, unknown>, error?: string) => {
      const summary = summarizeSend(request.body, this.config.socketlabs.serverId);
      return this.audit.record(request.principal, {
        action: SEND_AUDIT_ACTION,
        method: request.method,
        path: request.url.split('?')[0],
        target: summary.messageId ?? summary.mailingId ?? null,
        status,
        details: { ...summary, ...outcome },
        error: error ?? null,
        requestId: String(request.id),
      });
    };

    return next.handle().pipe(
      mergeMap((result) => {
        const response = result as InjectionResponse;
        const outcome = { errorCode: response?.ErrorCode ?? null, refusedRecipients: refusedRecipientCount(response ?? ({} as InjectionResponse)) };
        return from(record(reply.statusCode, outcome).then(() => result));
      }),
      catchError((err: unknown) => {
        const status = err instanceof HttpException ? err.getStatus() : 500;
        const details = err instanceof HttpException ? ((err.getResponse() as { details?: { errorCode?: string } })?.details ?? undefined) : undefined;
        const outcome: Record<string, unknown> = { errorCode: details?.errorCode ?? null };
        return from(record(status, outcome, errorText(err))).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}

export interface SendSummary {
  bulk: boolean;
  recipients: number;
  subjectLength: number | null;
  messageId: string | null;
  mailingId: string | null;
  serverId: number | null;
  attachments: number;
  apiTemplate: boolean;
}

/** What the audit keeps of a send body, read defensively: the body may be the invalid one validation refused. */
export function summarizeSend(body: unknown, defaultServerId?: number): SendSummary {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  const str = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 500) : null);
  const mergeData = b.mergeData && typeof b.mergeData === 'object' ? (b.mergeData as Record<string, unknown>) : {};
  const bulk = Array.isArray(mergeData.perMessage);
  return {
    bulk,
    recipients: bulk ? count(mergeData.perMessage) : count(b.to) + count(b.cc) + count(b.bcc),
    subjectLength: typeof b.subject === 'string' ? b.subject.length : null,
    messageId: str(b.messageId),
    mailingId: str(b.mailingId),
    serverId: typeof b.serverId === 'number' ? b.serverId : (defaultServerId ?? null),
    attachments: count(b.attachments),
    apiTemplate: b.apiTemplate !== undefined && b.apiTemplate !== null,
  };
}

function errorText(err: unknown): string {
  if (err instanceof HttpException) {
    const response = err.getResponse() as string | { message?: unknown };
    const message = typeof response === 'string' ? response : response?.message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return err instanceof Error ? err.message : String(err);
}
