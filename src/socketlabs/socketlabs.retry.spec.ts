import {
  backoffDelay,
  classifyFetchError,
  isIdempotentMethod,
  isRetryable,
  MAX_BACKOFF_MS,
  parseRetryAfter,
} from './socketlabs.retry';

describe('retry rule', () => {
  const status = (s: number) => ({ kind: 'status' as const, status: s });

  it('retries 429 and 503 (rejected, not acted on) for any method', () => {
    for (const s of [429, 503]) {
      expect(isRetryable(status(s), true)).toBe(true);
      expect(isRetryable(status(s), false)).toBe(true);
    }
  });

  it('retries 500, 502, 504, timeouts and dropped connections only for idempotent calls', () => {
    for (const outcome of [
      status(500),
      status(502),
      status(504),
      { kind: 'timeout' as const },
      { kind: 'connection-lost' as const, code: 'UND_ERR_SOCKET' },
    ]) {
      expect(isRetryable(outcome, true)).toBe(true);
      expect(isRetryable(outcome, false)).toBe(false);
    }
  });

  it('retries a connection that was never made for any method', () => {
    expect(isRetryable({ kind: 'not-connected', code: 'ECONNREFUSED' }, false)).toBe(true);
  });

  it('never retries other 4xx', () => {
    for (const s of [400, 401, 403, 404, 405, 409, 413, 422]) {
      expect(isRetryable(status(s), true)).toBe(false);
      expect(isRetryable(status(s), false)).toBe(false);
    }
  });

  it('treats GET, PUT and DELETE as idempotent, POST and PATCH not', () => {
    expect(['GET', 'PUT', 'DELETE'].every(isIdempotentMethod)).toBe(true);
    expect(['POST', 'PATCH'].some(isIdempotentMethod)).toBe(false);
  });
});

describe('classifyFetchError', () => {
  const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });

  it('tells a connection never made from one lost after sending, and a timeout', () => {
    expect(
      classifyFetchError(fetchFailed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))),
    ).toEqual({ kind: 'not-connected', code: 'ECONNREFUSED' });
    expect(
      classifyFetchError(fetchFailed(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }))),
    ).toEqual({ kind: 'not-connected', code: 'ENOTFOUND' });
    expect(classifyFetchError(fetchFailed({ code: 'UND_ERR_CONNECT_TIMEOUT' }))).toEqual({
      kind: 'not-connected',
      code: 'UND_ERR_CONNECT_TIMEOUT',
    });
    expect(classifyFetchError(fetchFailed({ code: 'UND_ERR_SOCKET' }))).toEqual({
      kind: 'connection-lost',
      code: 'UND_ERR_SOCKET',
    });
    expect(classifyFetchError(fetchFailed({ code: 'ECONNRESET' }))).toEqual({
      kind: 'connection-lost',
      code: 'ECONNRESET',
    });
    expect(classifyFetchError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toEqual({
      kind: 'timeout',
    });
    expect(classifyFetchError(new Error('weird'))).toEqual({ kind: 'connection-lost', code: 'UNKNOWN' });
  });

  it('reads the code of the first error of an AggregateError (several addresses tried)', () => {
    const aggregate = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {
      code: 'ECONNREFUSED',
    });
    expect(classifyFetchError(fetchFailed(aggregate))).toEqual({ kind: 'not-connected', code: 'ECONNREFUSED' });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('is full jitter under an exponential ceiling, capped', () => {
    expect(backoffDelay(0, () => 0)).toBe(0);
    expect(backoffDelay(0, () => 0.999)).toBe(199);
    expect(backoffDelay(2, () => 0.5)).toBe(400);
    expect(backoffDelay(20, () => 0.999)).toBe(MAX_BACKOFF_MS - 5);
  });
});
