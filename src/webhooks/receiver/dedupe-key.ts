import { createHash } from 'node:crypto';
import type { WebhookEvent } from './webhook-body.parser';

const isSecretKey = (lowerKey: string) => lowerKey === 'secretkey';

/** The event without its SecretKey (top level, any case): what is stored in `raw` and hashed for the dedupe key. */
export function withoutSecret(event: WebhookEvent): WebhookEvent {
  // Object.fromEntries defines own properties, so a field named __proto__ survives as data.
  return Object.fromEntries(Object.entries(event).filter(([key]) => !isSecretKey(key.toLowerCase())));
}

/**
 * SHA-256 (hex) of the canonical event without SecretKey. SocketLabs payloads carry no event id and a retry is
 * byte-for-byte the same event, so the content is the identity. Canonical: keys lower-cased and sorted at every
 * depth, scalars as strings (a JSON number and its form string agree), objects and arrays kept apart. The
 * endpoint is not part of it: the same event reaching two webhooks is one event.
 */
export function dedupeKey(event: WebhookEvent): string {
  // The SecretKey is skipped while canonicalising rather than copied out first: the receiver has usually
  // removed it already (withoutSecret, for `raw`), and this runs once per event on the webhook path.
  return createHash('sha256').update(JSON.stringify(canonical(event, isSecretKey))).digest('hex');
}

type Canonical = string | null | { a: Canonical[] } | { o: [string, Canonical][] };

/** `skipTopLevel` drops top-level keys (lower-cased) from the canonical form. */
export function canonical(value: unknown, skipTopLevel?: (lowerKey: string) => boolean): Canonical {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return { a: value.map((v) => canonical(v)) };
  if (typeof value === 'object') {
    const entries: [string, Canonical][] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = k.toLowerCase();
      if (!skipTopLevel?.(key)) entries.push([key, canonical(v)]);
    }
    // Keys that differ only in case are all kept; their values break the tie so the order is still total.
    entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : compareStrings(JSON.stringify(x[1]), JSON.stringify(y[1]))));
    return { o: entries };
  }
  return String(value);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
