/** What replaces an erased address in the audit entries written before its erasure. */
export const ERASED_TEXT = '[erased]';

/**
 * The SQL that finds the audit entries that may name an address (stored form, $1) anywhere: target, path (also
 * percent-encoded, $2), details or error. The audit log is bounded by AUDIT_RETENTION_DAYS and holds the API's
 * changes only, so it is read whole; `withoutAddress` then decides and rewrites.
 */
export const AUDIT_ENTRIES_NAMING = `
  SELECT id::text AS id, target, path, details, error FROM audit_log
  WHERE strpos(lower(concat_ws(' ', target, path, details::text, error)), $1) > 0
     OR strpos(lower(path), $2) > 0`;

/** The forms an address takes in an audit entry: as it is, and percent-encoded (a path: encodeURIComponent). */
export function addressForms(address: string): string[] {
  return [...new Set([address, encodeURIComponent(address).toLowerCase()])];
}

/**
 * `value` (a string, or JSON at any depth: keys too) with every occurrence of the address, in any of its forms and in
 * any case, replaced by ERASED_TEXT.
 */
export function withoutAddress<T>(value: T, address: string): T {
  const pattern = new RegExp(addressForms(address).map(escapeRegExp).join('|'), 'gi');
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(pattern, ERASED_TEXT);
    if (Array.isArray(v)) return v.map(scrub);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[k.replace(pattern, ERASED_TEXT)] = scrub(inner);
      return out;
    }
    return v;
  };
  return scrub(value) as T;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
