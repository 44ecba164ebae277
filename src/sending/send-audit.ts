import { HttpException } from '@nestjs/common';
import type { AuditedWriteContext } from '../socketlabs/proxied-write-audit.interceptor';
import type { InjectionResponse } from '../socketlabs/socketlabs.types';
import { refusedRecipientCount } from './injection-outcome';

export const SEND_AUDIT_ACTION = 'sending.send';

/**
 * What the audit log keeps of a send: who (the audit adds it), how many recipients, the subject's length,
 * messageId/mailingId, and the outcome (SocketLabs' ErrorCode, how many recipients it refused). Never the
 * content: no address, subject, body or attachment, which the default of @AuditProxiedWrite (the body) would keep.
 */
export function sendAuditDetails(ctx: AuditedWriteContext): Record<string, unknown> {
  const summary = summarizeSend(ctx.body, ctx.config.socketlabs.serverId);
  if (ctx.error === undefined) {
    const response = ctx.result as InjectionResponse | undefined;
    return {
      ...summary,
      errorCode: response?.ErrorCode ?? null,
      refusedRecipients: refusedRecipientCount(response ?? ({} as InjectionResponse)),
    };
  }
  const details =
    ctx.error instanceof HttpException
      ? (ctx.error.getResponse() as { details?: { errorCode?: string } })?.details
      : undefined;
  return { ...summary, errorCode: details?.errorCode ?? null };
}

/** The audit target of a send: its messageId, else its mailingId. */
export function sendAuditTarget(ctx: AuditedWriteContext): string | null {
  const summary = summarizeSend(ctx.body);
  return summary.messageId ?? summary.mailingId;
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
  const perMessage = mergeData.perMessage ?? mergeData.PerMessage; // the SDKs' spelling is taken too (send-message.dto.ts)
  const bulk = Array.isArray(perMessage);
  return {
    bulk,
    recipients: bulk ? count(perMessage) : count(b.to) + count(b.cc) + count(b.bcc),
    subjectLength: typeof b.subject === 'string' ? b.subject.length : null,
    messageId: str(b.messageId),
    mailingId: str(b.mailingId),
    serverId: typeof b.serverId === 'number' ? b.serverId : (defaultServerId ?? null),
    attachments: count(b.attachments),
    apiTemplate: b.apiTemplate !== undefined && b.apiTemplate !== null,
  };
}
