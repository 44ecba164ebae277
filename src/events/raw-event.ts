const SECRET_KEY = /secretkey/i;

/**
 * Removes every key that looks like SocketLabs' SecretKey, at any depth. The receiver already strips it
 * before storing; this runs again on the way out so that a row written by an older or buggy receiver
 * still never shows a secret.
 */
export function stripSecretKeys<T>(value: T, depth = 0): T {
  if (depth > 16 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => stripSecretKeys(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!SECRET_KEY.test(k)) out[k] = stripSecretKeys(v, depth + 1);
  }
  return out as T;
}

/**
 * Parses the stored raw text (JSON of the event; form bodies as an object of strings). Throws when it is not
 * a JSON object: such a row can never be normalized, and ends as a failed row with the error.
 */
export function parseStoredRaw(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('raw body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('raw body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * The stored raw body as an object without any SecretKey. Null when the text is not a JSON object: the
 * text itself is never returned, because a secret in it could not be removed reliably.
 */
export function parseRawEvent(raw: string | null | undefined): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    return stripSecretKeys(parseStoredRaw(raw));
  } catch {
    return null;
  }
}
