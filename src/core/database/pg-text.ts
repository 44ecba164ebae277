/**
 * What PostgreSQL text, json and jsonb cannot hold: U+0000, and UTF-16 surrogates without their pair (a JSON body may
 * escape either: `"\u0000"`, `"\ud800"`). Each becomes U+FFFD, the Unicode replacement character, the one way this
 * service replaces characters (docs/socketlabs-wire-format.md, "Characters PostgreSQL cannot hold").
 */
const REPLACEMENT = '\uFFFD';

/** `value` with NUL and unpaired surrogates replaced by U+FFFD; the same string when it has neither (nearly always). */
export function pgText(value: string): string {
  const wellFormed = (value as unknown as WellFormedString).isWellFormed();
  if (wellFormed && !value.includes('\u0000')) return value;
  const text = wellFormed ? value : (value as unknown as WellFormedString).toWellFormed();
  return text.includes('\u0000') ? text.replaceAll('\u0000', REPLACEMENT) : text;
}

/**
 * A JSON-like value with every string, keys included, made safe by pgText. Copies only what it changes (a value
 * that needs nothing, nearly every one, is returned as it is, without allocating: this runs on every field of
 * every event on the webhook path); a key named `__proto__` stays an own data property.
 */
export function pgValue(value: unknown): unknown {
  if (typeof value === 'string') return pgText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const safe = pgValue(value[i]);
      if (safe !== value[i]) (out ??= value.slice())[i] = safe;
    }
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let changed = -1;
  for (let i = 0; i < keys.length && changed < 0; i++) {
    if (pgText(keys[i]) !== keys[i] || pgValue(record[keys[i]]) !== record[keys[i]]) changed = i;
  }
  if (changed < 0) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys)
    Object.defineProperty(out, pgText(k), {
      value: pgValue(record[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Node 20 has both (V8 11.3); the ES2022 lib the project compiles against does not declare them yet. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
