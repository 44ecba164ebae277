import { looksSecret } from '../core/logging/redact';

const MASK = '****';

/**
 * The configuration as the CLI prints it: a secret is `****` when set and null when not (an operator wants to
 * know which are set, never their value), and URLs lose their password.
 */
export function maskConfig(value: unknown, key = ''): unknown {
  if (looksSecret(key)) return value === undefined || value === null || value === '' ? null : MASK;
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value)) return maskUrlPassword(value);
  if (Array.isArray(value)) return value.map((v) => maskConfig(v));
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskConfig(v, k);
  return out;
}

function maskUrlPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = MASK;
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, `//$1:${MASK}@`);
  }
}
