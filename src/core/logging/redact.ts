/** Keys whose values never reach a log line, an audit record or a job payload. */
const SECRET_KEY = /secret|password|passwd|api[-_]?key|authorization|token|private[-_]?key|validation[-_]?key|credential/i;

export const REDACTED = '[redacted]';

/** A deep copy of `value` with every secret-looking field replaced by `[redacted]`. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out as T;
}
