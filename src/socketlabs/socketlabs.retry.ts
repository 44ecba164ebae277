/**
 * When SocketLabsClient retries, and how long it waits. Pure functions, unit-tested on their own.
 *
 * THE RULE. A call is retried (up to SOCKETLABS_MAX_RETRIES times) only if repeating it cannot do
 * something twice:
 * - Any call, including POST: the upstream cannot have acted on it. That is a connection that was never
 *   made (connection refused, DNS failure, connect timeout) or an answer that says the request was
 *   rejected unprocessed: 429 Too Many Requests and 503 Service Unavailable.
 * - Idempotent calls only (GET, PUT, DELETE, or a call marked `idempotent: true`): also 500, 502, 504, a
 *   timeout, and a connection dropped after the request was sent. The upstream may have acted on these;
 *   doing an idempotent call again is harmless, doing a POST again could create a second subaccount or
 *   send a message twice.
 * - Never any other 4xx: the same request would get the same answer.
 * The wait honours `Retry-After` (seconds or an HTTP date) when SocketLabs sends one; if it asks for
 * more than RETRY_AFTER_CAP_MS we stop and answer 429 instead of holding our caller. Otherwise the wait
 * is exponential backoff with full jitter: random(0, min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2^retry)).
 */

export const BASE_BACKOFF_MS = 200;
export const MAX_BACKOFF_MS = 5_000;
/** The longest `Retry-After` we wait out; beyond it the 429/503 goes back to our caller. */
export const RETRY_AFTER_CAP_MS = 10_000;

/** What happened to one attempt. */
export type AttemptOutcome =
  | { kind: 'status'; status: number }
  /** No answer within the timeout: the request may have been sent and acted on. */
  | { kind: 'timeout' }
  /** The connection was never made (refused, DNS, connect timeout): SocketLabs saw nothing. */
  | { kind: 'not-connected'; code: string }
  /** The connection broke after the request may have been sent (reset, closed by the other side). */
  | { kind: 'connection-lost'; code: string };

/** Statuses that mean "rejected, not processed": safe to retry for any method. */
const REJECTED_STATUSES = new Set([429, 503]);
/** Statuses worth retrying when repeating the call is harmless. */
const IDEMPOTENT_RETRY_STATUSES = new Set([500, 502, 504]);

export function isRetryable(outcome: AttemptOutcome, idempotent: boolean): boolean {
  switch (outcome.kind) {
    case 'status':
      return REJECTED_STATUSES.has(outcome.status) || (idempotent && IDEMPOTENT_RETRY_STATUSES.has(outcome.status));
    case 'not-connected':
      return true;
    case 'timeout':
    case 'connection-lost':
      return idempotent;
  }
}

export function isIdempotentMethod(method: string): boolean {
  return method === 'GET' || method === 'PUT' || method === 'DELETE' || method === 'HEAD';
}

/** Error codes (Node / undici) raised before any byte of the request could reach the server. */
const NOT_CONNECTED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Classifies what `fetch` (or reading its body) threw. */
export function classifyFetchError(err: unknown): AttemptOutcome {
  const e = err as { name?: string; code?: string; cause?: unknown } | undefined;
  if (e?.name === 'TimeoutError') return { kind: 'timeout' };
  const code = errorCode(err) ?? 'UNKNOWN';
  return NOT_CONNECTED_CODES.has(code) ? { kind: 'not-connected', code } : { kind: 'connection-lost', code };
}

function errorCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown[] };
  // The innermost code is the precise one (fetch wraps the socket error in `cause`).
  const inner =
    errorCode(e.cause, depth + 1) ?? (Array.isArray(e.errors) ? errorCode(e.errors[0], depth + 1) : undefined);
  return inner ?? (typeof e.code === 'string' ? e.code : undefined);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). `undefined` when
 * absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP date always names a month; this keeps Date.parse from reading '-3' as a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Full-jitter exponential backoff before retry number `retry` (0 for the first retry). */
export function backoffDelay(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** retry);
  return Math.floor(random() * ceiling);
}
