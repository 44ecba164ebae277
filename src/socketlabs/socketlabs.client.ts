import { HttpStatus, Injectable, Logger, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { findKey } from '../core/case-insensitive';
import { AppConfig } from '../core/config/app-config';
import { SocketLabsMetrics } from '../core/metrics/socketlabs.metrics';
import { ci, scrub, SocketLabsApiException, SocketLabsErrorCode, upstreamHttpError } from './socketlabs.errors';
import { SocketLabsPaths } from './socketlabs.paths';
import {
  AttemptOutcome,
  backoffDelay,
  classifyFetchError,
  isIdempotentMethod,
  isRetryable,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
} from './socketlabs.retry';
import type { InjectionResponse, SocketLabsList, SocketLabsQuery, SocketLabsRequest } from './socketlabs.types';

const USER_AGENT = `socketlabs-gateway (node ${process.version})`;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * The only code that talks to SocketLabs. Three methods:
 *
 * - `call<T>({ operation, method, path, query?, body?, idempotent? })`: a v2 API call; resolves to the
 *   unwrapped `data` of `{ "data": ... }`.
 * - `list<T>(same)`: a v2 list; resolves to `{ data: T[], total }`.
 * - `inject(body)`: `POST {SOCKETLABS_INJECT_URL}/api/v1/email`; resolves to the Injection API answer as
 *   it is (`ErrorCode`, `MessageResults`, `TransactionReceipt`: a `Warning` is not a success, the caller decides).
 *
 * Take `operation`, `method` and `path` from `SocketLabsPaths`. Every failure is a `SocketLabsApiException`
 * (our error shape, honest status). Retries follow the rule in socketlabs.retry.ts. Every call is logged
 * once, when it ends: operation, method, path with query parameter NAMES only, status, duration and
 * attempts; never the key, never a body. The same moment is reported to the metrics (SocketLabsMetrics).
 */
@Injectable()
export class SocketLabsClient {
  private readonly logger = new Logger('SocketLabs');

  constructor(
    private readonly config: AppConfig,
    @Optional() private readonly metrics?: SocketLabsMetrics,
  ) {}

  async call<T>(request: SocketLabsRequest): Promise<T> {
    const body = await this.send(this.config.socketlabs.apiUrl, request);
    return unwrapData(body) as T;
  }

  async list<T>(request: SocketLabsRequest): Promise<SocketLabsList<T>> {
    const body = await this.send(this.config.socketlabs.apiUrl, request);
    const list = unwrapList<T>(body);
    if (!list) throw badResponse(request.operation, 'a list was expected (`{ "data": [...], "total": N }`)');
    return list;
  }

  /** Sends `body` as it is (the sending module builds `{ serverId, messages }`). */
  async inject(body: unknown): Promise<InjectionResponse> {
    const route = SocketLabsPaths.injectEmail();
    const answer = await this.send(this.config.socketlabs.injectUrl, { ...route, body });
    if (!answer || typeof answer !== 'object' || Array.isArray(answer) || ci(answer, 'ErrorCode') === undefined) {
      throw badResponse(route.operation, 'an Injection API answer with an ErrorCode was expected');
    }
    return answer as InjectionResponse;
  }

  /** One logical call: attempts, waits between them, the final log line, the parsed JSON body or an exception. */
  private async send(baseUrl: string, req: SocketLabsRequest): Promise<unknown> {
    const { apiKey, timeoutMs, maxRetries } = this.config.socketlabs;
    if (!apiKey) {
      throw new SocketLabsApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        SocketLabsErrorCode.NotConfigured,
        'SOCKETLABS_API_KEY is not configured: this service cannot call SocketLabs.',
        { operation: req.operation, attempts: 0 },
      );
    }
    const idempotent = req.idempotent ?? isIdempotentMethod(req.method);
    const url = `${baseUrl}${req.path}${buildQueryString(req.query)}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';

    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      let outcome: AttemptOutcome;
      try {
        const res = await fetch(url, {
          method: req.method,
          headers,
          body: payload,
          // Per attempt; it also bounds reading the body.
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect would carry our key elsewhere; SocketLabs documents none.
          redirect: 'manual',
        });
        answer = { status: res.status, headers: res.headers, text: await res.text() };
        outcome = { kind: 'status', status: res.status };
      } catch (err) {
        answer = undefined;
        outcome = classifyFetchError(err);
      }

      if (answer && answer.status >= 200 && answer.status < 300) {
        this.logCall(req, `${answer.status}`, started, attempt, 'log');
        return parseJson(answer.text, req.operation);
      }

      let retryAfterMs = answer ? parseRetryAfter(answer.headers.get('retry-after')) : undefined;
      const waitTooLong = retryAfterMs !== undefined && retryAfterMs > RETRY_AFTER_CAP_MS;
      if (attempt <= maxRetries && !waitTooLong && isRetryable(outcome, idempotent)) {
        retryAfterMs ??= backoffDelay(attempt - 1);
        await sleep(retryAfterMs);
        continue;
      }

      const error = this.toException(req, outcome, answer, attempt, idempotent);
      const status =
        outcome.kind === 'status' ? `${outcome.status}` : outcome.kind === 'timeout' ? 'timeout' : outcome.code;
      this.logCall(req, status, started, attempt, error.getStatus() >= 500 ? 'error' : 'warn');
      throw error;
    }
  }

  private toException(
    req: SocketLabsRequest,
    outcome: AttemptOutcome,
    answer: Answer | undefined,
    attempts: number,
    idempotent: boolean,
  ): SocketLabsApiException {
    // A POST that failed this way may have been carried out: say so, so nobody blindly repeats it.
    const mayHaveActed =
      !idempotent &&
      (outcome.kind === 'timeout' ||
        outcome.kind === 'connection-lost' ||
        (outcome.kind === 'status' && outcome.status >= 500 && outcome.status !== 503));
    const caution = mayHaveActed ? ' SocketLabs may have carried it out: check before repeating it.' : '';
    const details = { operation: req.operation, attempts };
    if (outcome.kind === 'timeout') {
      return new SocketLabsApiException(
        HttpStatus.GATEWAY_TIMEOUT,
        SocketLabsErrorCode.Timeout,
        `SocketLabs did not answer ${req.operation} within ${this.config.socketlabs.timeoutMs} ms (${attempts} attempt${attempts > 1 ? 's' : ''}).${caution}`,
        details,
      );
    }
    if (outcome.kind === 'not-connected' || outcome.kind === 'connection-lost') {
      const what =
        outcome.kind === 'not-connected' ? 'Could not connect to SocketLabs' : 'The connection to SocketLabs broke';
      return new SocketLabsApiException(
        HttpStatus.BAD_GATEWAY,
        SocketLabsErrorCode.Unreachable,
        `${what} (${outcome.code}) during ${req.operation} (${attempts} attempt${attempts > 1 ? 's' : ''}).${caution}`,
        details,
      );
    }
    const retryAfterMs = parseRetryAfter(answer?.headers.get('retry-after'));
    const error = upstreamHttpError({
      operation: req.operation,
      method: req.method,
      path: req.path,
      upstreamStatus: outcome.status,
      bodyText: answer?.text ?? '',
      contentType: answer?.headers.get('content-type') ?? null,
      attempts,
      retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
      apiKey: this.config.socketlabs.apiKey,
    });
    if (!caution) return error;
    return new SocketLabsApiException(
      error.getStatus(),
      error.code as SocketLabsErrorCode,
      error.message + caution,
      error.socketlabs,
    );
  }

  private logCall(
    req: SocketLabsRequest,
    status: string,
    started: number,
    attempts: number,
    level: 'log' | 'warn' | 'error',
  ): void {
    const elapsed = performance.now() - started;
    this.metrics?.callEnded(req.operation, status, elapsed / 1000, attempts);
    const ms = Math.round(elapsed);
    const names = req.query ? Object.keys(req.query).filter((k) => isPresent(req.query![k])) : [];
    const path = names.length ? `${req.path}?${names.join('&')}` : req.path;
    const line = `${req.operation} ${req.method} ${path} -> ${status} in ${ms}ms (${attempts} attempt${attempts > 1 ? 's' : ''})`;
    this.logger[level](scrub(line, this.config.socketlabs.apiKey));
  }
}

function isPresent(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

/**
 * The query as SocketLabs' documents write it: `filters=IpAddress=like:10.28.100` keeps its `=` and `:`
 * readable (both are legal in a query value), arrays repeat the parameter, empty values are left out, and
 * a descending sort is sent as `dsc`, the value SocketLabs' v2 API takes (docs/socketlabs-wire-format.md §4).
 */
export function buildQueryString(query?: SocketLabsQuery): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (!isPresent(raw)) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    for (let value of values) {
      if (key.toLowerCase() === 'sortdirection' && String(value).toLowerCase() === 'desc') value = 'dsc';
      parts.push(`${encodeURIComponent(key)}=${encodeQueryValue(String(value))}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%3D/gi, '=').replace(/%2C/gi, ',');
}

function parseJson(text: string, operation: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badResponse(operation, 'the answer is not JSON');
  }
}

/** `{ "data": X }` -> X. An answer without the envelope (v1 style) is returned as it is. */
export function unwrapData(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  if ('data' in record) return record.data;
  const key = findKey(record, 'data');
  return key !== undefined && Object.keys(record).length === 1 ? record[key] : body;
}

/** `{ "data": [...], "total": N }` (or a bare array) -> `{ data, total }`; null when it is not a list. */
export function unwrapList<T>(body: unknown): SocketLabsList<T> | null {
  const data = Array.isArray(body) ? body : unwrapData(body);
  if (!Array.isArray(data)) return null;
  const total = Array.isArray(body) ? undefined : ci(body, 'total');
  return { data: data as T[], total: typeof total === 'number' ? total : data.length };
}

function badResponse(operation: string, why: string): SocketLabsApiException {
  return new SocketLabsApiException(
    HttpStatus.BAD_GATEWAY,
    SocketLabsErrorCode.BadResponse,
    `SocketLabs answered ${operation} unexpectedly: ${why}.`,
    {
      operation,
      attempts: 1,
    },
  );
}
