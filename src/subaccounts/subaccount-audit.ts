import type { AuditedWriteContext } from '../socketlabs/proxied-write-audit.interceptor';

/** Audit target `subaccountId/domain` of a resource created from a body's `domain` (DKIM, bounce, tracking). */
export const subaccountAndBodyDomain = ({ params, body }: AuditedWriteContext): string => {
  const domain = (body as { domain?: unknown } | undefined)?.domain;
  return typeof domain === 'string' ? `${params.subaccountId}/${domain}` : params.subaccountId;
};
