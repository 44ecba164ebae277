import type { BodyFormat } from './event-names';
import { isSecretKeyName } from '../webhooks/receiver/secret-key';
import { parseStoredEvent, setOwn } from '../webhooks/receiver/webhook-body.parser';

/**
 * Removes SocketLabs' SecretKey (isSecretKeyName) at any depth. The receiver already strips it before storing; this
 * runs again on the way out so that a row written by an older or buggy receiver still never shows a secret.
 */
export function stripSecretKeys<T>(value: T, depth = 0): T {
  if (depth > 16 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => stripSecretKeys(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!isSecretKeyName(k)) setOwn(out, k, stripSecretKeys(v, depth + 1));
  }
  return out as T;
}

/**
 * The stored raw body as an object without any SecretKey, parsed as the receiver parsed it. Null when the text is
 * not one stored event: the text itself is never returned then, because a secret in it could not be removed reliably.
 */
export function parseRawEvent(raw: string | null | undefined, format: BodyFormat): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    return stripSecretKeys(parseStoredEvent(raw, format));
  } catch {
    return null;
  }
}
