import { HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { valueNamed } from '../core/case-insensitive';
import { AppException } from '../core/http/app.exception';
import type { SocketLabsErrorItem } from './socketlabs.types';

/** Stable codes of the errors raised by SocketLabsClient (the `code` of our error body). */
export const SocketLabsErrorCode = {
  NotConfigured: 'SOCKETLABS_NOT_CONFIGURED',
  BadRequest: 'SOCKETLABS_BAD_REQUEST',
  AuthFailed: 'SOCKETLABS_AUTH_FAILED',
  NotFound: 'SOCKETLABS_NOT_FOUND',
  Conflict: 'SOCKETLABS_CONFLICT',
  Unprocessable: 'SOCKETLABS_UNPROCESSABLE',
  RateLimited: 'SOCKETLABS_RATE_LIMITED',
  UpstreamError: 'SOCKETLABS_UPSTREAM_ERROR',
  Timeout: 'SOCKETLABS_TIMEOUT',
  Unreachable: 'SOCKETLABS_UNREACHABLE',
  BadResponse: 'SOCKETLABS_BAD_RESPONSE',
} as const;
export type SocketLabsErrorCode = (typeof SocketLabsErrorCode)[keyof typeof SocketLabsErrorCode];

export interface SocketLabsErrorDetails {
  operation: string;
  /** HTTP status SocketLabs answered (absent for a timeout or a connection failure). */
  upstreamStatus?: number;
  /** SocketLabs' own error items, when its answer had any. */
  upstreamErrors?: SocketLabsErrorItem[];
  attempts: number;
  /** Seconds SocketLabs asked us to wait (429), when it said. */
  retryAfterSeconds?: number;
}

/**
 * A failed SocketLabs call, in our error shape (`{ statusCode, error, code, message, requestId, details }`).
 * The status is honest about whose fault it is: SocketLabs' 400/404/409/422 pass through, its 401/403
 * (our key) and 5xx become 502, a timeout 504, no key configured 503.
 */
export class SocketLabsApiException extends AppException {
  constructor(
    status: number,
    code: SocketLabsErrorCode,
    message: string,
    readonly socketlabs: SocketLabsErrorDetails,
  ) {
    super(status, code, message, socketlabs);
  }
}

/** Our status and code for an upstream HTTP status that is not a success. */
export function mapUpstreamStatus(upstream: number): { status: number; code: SocketLabsErrorCode } {
  switch (upstream) {
    case 400:
      return { status: HttpStatus.BAD_REQUEST, code: SocketLabsErrorCode.BadRequest };
    case 401:
    case 403:
      // SocketLabs refusing OUR key is our misconfiguration, never the caller's 401/403.
      return { status: HttpStatus.BAD_GATEWAY, code: SocketLabsErrorCode.AuthFailed };
    case 404:
      return { status: HttpStatus.NOT_FOUND, code: SocketLabsErrorCode.NotFound };
    case 409:
      return { status: HttpStatus.CONFLICT, code: SocketLabsErrorCode.Conflict };
    case 422:
      return { status: HttpStatus.UNPROCESSABLE_ENTITY, code: SocketLabsErrorCode.Unprocessable };
    case 429:
      // The one key held here is rate limited: callers should slow down, so they get a 429 too.
      return { status: HttpStatus.TOO_MANY_REQUESTS, code: SocketLabsErrorCode.RateLimited };
    default:
      // 5xx, and 4xx nobody documented (a 405 usually means a path or verb in socketlabs.paths.ts is wrong).
      return { status: HttpStatus.BAD_GATEWAY, code: SocketLabsErrorCode.UpstreamError };
  }
}

/** Builds the exception for an upstream answer that is not a success. `apiKey` is scrubbed from messages. */
export function upstreamHttpError(args: {
  operation: string;
  method: string;
  path: string;
  upstreamStatus: number;
  bodyText: string;
  contentType: string | null;
  attempts: number;
  retryAfterSeconds?: number;
  apiKey?: string;
}): SocketLabsApiException {
  const { status, code } = mapUpstreamStatus(args.upstreamStatus);
  const parsed = parseUpstreamError(args.bodyText, args.contentType);
  const upstreamErrors = parsed.items.map((e) => ({
    errorType: scrub(e.errorType, args.apiKey),
    message: scrub(e.message, args.apiKey),
  }));
  const upstreamText = upstreamErrors.length
    ? upstreamErrors
        .map((e) => e.message || e.errorType)
        .filter(Boolean)
        .join('; ')
    : scrub(parsed.text, args.apiKey);
  const statusText = `${args.upstreamStatus} ${STATUS_CODES[args.upstreamStatus] ?? ''}`.trim();

  let message: string;
  if (code === SocketLabsErrorCode.AuthFailed) {
    message = `SocketLabs refused this service's API key (HTTP ${statusText}) for ${args.operation}: check SOCKETLABS_API_KEY and its access rights.`;
  } else if (upstreamText) {
    message = `SocketLabs: ${upstreamText}`;
  } else {
    message = `SocketLabs answered ${statusText} to ${args.method} ${args.path} (${args.operation}).`;
  }
  if (code === SocketLabsErrorCode.UpstreamError && args.attempts > 1) message += ` (after ${args.attempts} attempts)`;

  const details: SocketLabsErrorDetails = {
    operation: args.operation,
    upstreamStatus: args.upstreamStatus,
    attempts: args.attempts,
  };
  if (upstreamErrors.length) details.upstreamErrors = upstreamErrors;
  if (args.retryAfterSeconds !== undefined) details.retryAfterSeconds = args.retryAfterSeconds;
  return new SocketLabsApiException(status, code, message, details);
}

const MAX_TEXT = 500;

/**
 * Reads an upstream error body whatever its shape: the v2 envelope `{ data: { error: [{ errorType, message }] } }`,
 * the v1 array `[{ Message, ErrorType }]`, ASP.NET problem details `{ title, errors: { field: [...] } }`,
 * `{ message }`, plain text, or nothing. Field names are matched case-insensitively, as SocketLabs does.
 */
export function parseUpstreamError(
  bodyText: string,
  contentType: string | null,
): { items: SocketLabsErrorItem[]; text: string } {
  const text = bodyText.trim();
  if (!text) return { items: [], text: '' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // HTML error pages (a proxy in front of SocketLabs) say nothing useful and can be long.
    if (/html/i.test(contentType ?? '') || text.startsWith('<')) return { items: [], text: '' };
    return { items: [], text: truncate(text) };
  }
  const items = errorItems(json);
  if (items.length) return { items, text: '' };
  // The Injection API names its failures in `ErrorCode` (e.g. InvalidData).
  const message =
    typeof json === 'string'
      ? json
      : (str(ci(json, 'message')) ?? str(ci(json, 'title')) ?? str(ci(json, 'error')) ?? str(ci(json, 'errorCode')));
  return { items: [], text: message ? truncate(message) : '' };
}

function errorItems(json: unknown, depth = 0): SocketLabsErrorItem[] {
  if (depth > 3 || json === null || typeof json !== 'object') return [];
  if (Array.isArray(json)) return json.map(toItem).filter((i): i is SocketLabsErrorItem => i !== null);
  const data = ci(json, 'data');
  if (data !== undefined) return errorItems(data, depth + 1);
  for (const key of ['error', 'errors']) {
    const value = ci(json, key);
    if (Array.isArray(value)) return errorItems(value, depth + 1);
    if (value && typeof value === 'object') {
      const single = toItem(value);
      if (single) return [single];
      // ASP.NET validation problem details: { errors: { field: ["message", ...] } }
      return Object.entries(value as Record<string, unknown>).flatMap(([field, msgs]) =>
        (Array.isArray(msgs) ? msgs : [msgs])
          .filter((m) => typeof m === 'string')
          .map((m) => ({ errorType: field, message: truncate(m) })),
      );
    }
  }
  return [];
}

function toItem(value: unknown): SocketLabsErrorItem | null {
  if (typeof value === 'string') return { errorType: '', message: truncate(value) };
  if (!value || typeof value !== 'object') return null;
  const message = str(ci(value, 'message'));
  const errorType = str(ci(value, 'errorType')) ?? str(ci(value, 'code'));
  if (message === undefined && errorType === undefined) return null;
  return { errorType: errorType ?? '', message: truncate(message ?? '') };
}

/** Case-insensitive property read. */
export function ci(obj: unknown, key: string): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const record = obj as Record<string, unknown>;
  return key in record ? record[key] : valueNamed(record, key.toLowerCase());
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function truncate(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

/** Never lets our SocketLabs key out, even if SocketLabs echoes it. */
export function scrub(text: string, apiKey?: string): string {
  return apiKey && apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
}
