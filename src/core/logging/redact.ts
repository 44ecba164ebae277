/** Keys whose values never reach a log line, an audit record or a job payload. */
const SECRET_KEY =
  /secret|password|passwd|api[-_]?key|authorization|token|private[-_]?key|validation[-_]?key|credential/i;

export const REDACTED = '[redacted]';

export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep copy of `value` with every secret-looking field replaced by `[redacted]`. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => redactSecrets(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out as T;
}

/**
 * The fields of one log line with secrets redacted at any depth. Errors are kept as they are: copying one
 * would lose its message and stack (not enumerable), which the logger's error serializer reads.
 */
export function redactLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = SECRET_KEY.test(k) ? REDACTED : v instanceof Error ? v : redactSecrets(v);
  }
  return out;
}

/** An address being erased (DELETE /api/v1/addresses/{address}): never logged, as the erasure would be undone. */
const ERASED_ADDRESS_PATH = /^(\/api\/v1\/addresses\/)[^/?#]*/i;

/**
 * A URL path with the values of secret-looking query parameters (`?token=...`) redacted, and the address of an
 * erasure request.
 */
export function redactUrl(url: string): string {
  url = url.replace(ERASED_ADDRESS_PATH, `$1${REDACTED}`);
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_KEY.test(decodeURIComponentSafe(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
