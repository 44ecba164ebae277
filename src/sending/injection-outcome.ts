import { HttpStatus } from '@nestjs/common';
import { SocketLabsErrorCode } from '../socketlabs/socketlabs.errors';
import type { InjectionResponse } from '../socketlabs/socketlabs.types';

/**
 * What an Injection API answer means for our caller. SocketLabs answers HTTP 200 for almost everything and
 * says what happened in `ErrorCode` (docs/socketlabs-wire-format.md §5); our caller gets an HTTP status that tells
 * the truth:
 *
 * - `Success` -> 200, the answer as it is.
 * - `Warning` with at least one message accepted -> 207 Multi-Status, the answer as it is. Not 200: some
 *   recipients were refused (MessageResults[].AddressResults say which). Not a 4xx/5xx either: the message
 *   WAS sent to the others, and a client that retries on errors would send it to them twice. 207 says
 *   "done, in part: read the per-item results"; a client that only checks `2xx` still does not retry.
 * - `Warning` where every message was refused (e.g. `InvalidFromAddress`; nothing was sent) -> 422.
 * - A request-level failure -> the error shape with SocketLabs' code in `details.errorCode`; see FAILURES.
 */
export interface FailureMapping {
  status: number;
  code: SocketLabsErrorCode;
  /** What it means, for the error message. */
  meaning: string;
  /** False when SocketLabs may have sent the message all the same (so the caller must check before repeating it). */
  nothingSent?: boolean;
}

/** Request-level ErrorCodes (nothing was sent), by SocketLabs' names. */
export const FAILURES: Record<string, FailureMapping> = {
  // The ServerId/key combination is OURS (config or the serverId given): never the caller's 401.
  InvalidAuthentication: {
    status: HttpStatus.BAD_GATEWAY,
    code: SocketLabsErrorCode.AuthFailed,
    meaning:
      'the ServerId/API key combination is invalid: check SOCKETLABS_API_KEY and the serverId (SOCKETLABS_SERVER_ID)',
  },
  TooManyErrors: {
    status: HttpStatus.BAD_GATEWAY,
    code: SocketLabsErrorCode.AuthFailed,
    meaning: "SocketLabs' authentication error limit was exceeded for this service's credentials",
  },
  AccountDisabled: {
    status: HttpStatus.BAD_GATEWAY,
    code: SocketLabsErrorCode.UpstreamError,
    meaning: 'the SocketLabs account is disabled',
  },
  // The one key held here is rate limited: callers should slow down, as for the v2 API's 429.
  OverQuota: {
    status: HttpStatus.TOO_MANY_REQUESTS,
    code: SocketLabsErrorCode.RateLimited,
    meaning: 'the rate limit was exceeded; slow down and try again later',
  },
  InvalidData: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    code: SocketLabsErrorCode.Unprocessable,
    meaning: 'the request does not have a valid structure, or contains invalid or missing data',
  },
  NoMessages: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    code: SocketLabsErrorCode.Unprocessable,
    meaning: 'the request contains no message',
  },
  EmptyMessage: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    code: SocketLabsErrorCode.Unprocessable,
    meaning: 'the message is empty',
  },
  TooManyMessages: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    code: SocketLabsErrorCode.Unprocessable,
    meaning: 'the request contains too many messages',
  },
  TooManyRecipients: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    code: SocketLabsErrorCode.Unprocessable,
    meaning: 'the message has too many recipients',
  },
  NoValidRecipients: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    code: SocketLabsErrorCode.Unprocessable,
    meaning: 'no recipient of the message is valid',
  },
  InternalError: {
    status: HttpStatus.BAD_GATEWAY,
    code: SocketLabsErrorCode.UpstreamError,
    meaning: 'SocketLabs had an internal error (quote TransactionReceipt to SocketLabs support)',
    nothingSent: false,
  },
};

/** An ErrorCode nobody documented: we cannot tell whether anything was sent, so it is SocketLabs' failure to explain. */
const UNKNOWN: FailureMapping = {
  status: HttpStatus.BAD_GATEWAY,
  code: SocketLabsErrorCode.UpstreamError,
  meaning: 'an ErrorCode this service does not know',
  nothingSent: false,
};

/** Message-level ErrorCodes (SocketLabs' own descriptions, docs/socketlabs-wire-format.md §5), for error messages. */
const MESSAGE_ERRORS: Record<string, string> = {
  InvalidAttachment: 'an attachment is invalid',
  MessageTooLarge: 'the message is too large',
  EmptySubject: 'the subject is empty',
  EmptyToAddress: 'there is no To address',
  InvalidFromAddress: 'the From address is invalid',
  InvalidFrom: 'the From address is invalid',
  NoValidBodyParts: 'the message has no valid body part',
  NoValidRecipients: 'no recipient of the message is valid',
  InvalidMergeData: 'the merge data is invalid',
  InvalidTemplateId: 'the apiTemplate does not exist',
  MessageBodyConflict: 'apiTemplate conflicts with the text or HTML body',
};

export type InjectionOutcome =
  | { kind: 'success'; status: 200 }
  | { kind: 'partial'; status: 207; refusedRecipients: number }
  | { kind: 'failure'; status: number; code: SocketLabsErrorCode; errorCode: string; message: string };

/** Reads an Injection API answer to a request of `messagesSent` messages. */
export function judgeInjectionResponse(response: InjectionResponse, messagesSent: number): InjectionOutcome {
  const errorCode = String(response.ErrorCode);
  if (errorCode === 'Success') return { kind: 'success', status: 200 };

  if (errorCode === 'Warning') {
    const results = Array.isArray(response.MessageResults) ? response.MessageResults : [];
    const refusedMessages = results.filter((r) => r && r.ErrorCode !== 'Warning' && r.ErrorCode !== 'Success');
    if (messagesSent > 0 && refusedMessages.length >= messagesSent) {
      const reasons = [...new Set(refusedMessages.map((r) => String(r.ErrorCode)))];
      return {
        kind: 'failure',
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        code: SocketLabsErrorCode.Unprocessable,
        errorCode,
        message: `SocketLabs refused the message: ${reasons.map((r) => (MESSAGE_ERRORS[r] ? `${r} (${MESSAGE_ERRORS[r]})` : r)).join('; ')}. Nothing was sent.`,
      };
    }
    return { kind: 'partial', status: 207, refusedRecipients: refusedRecipientCount(response) };
  }

  const mapping = FAILURES[errorCode] ?? UNKNOWN;
  const receipt = response.TransactionReceipt ? ` TransactionReceipt ${response.TransactionReceipt}.` : '';
  return {
    kind: 'failure',
    status: mapping.status,
    code: mapping.code,
    errorCode,
    message:
      mapping.nothingSent === false
        ? `SocketLabs answered ${errorCode} (${mapping.meaning}); it may have sent the message all the same: check before repeating it.${receipt}`
        : `SocketLabs refused the send: ${errorCode} (${mapping.meaning}). Nothing was sent.${receipt}`,
  };
}

export function refusedRecipientCount(response: InjectionResponse): number {
  let refused = 0;
  for (const result of response.MessageResults ?? []) {
    for (const address of result?.AddressResults ?? []) if (address && address.Accepted === false) refused++;
  }
  return refused;
}

/**
 * The ErrorCode SocketLabs' SDKs give an Injection API call that got no 200 (SDK-CS/SDK-NODE `sendResponse`):
 * 401 InvalidAuthentication, 500 InternalError, 408 or no answer in time Timeout, anything else UnknownError.
 */
export function sdkErrorCodeForHttp(upstreamStatus: number | undefined, timedOut: boolean): string {
  if (timedOut || upstreamStatus === 408) return 'Timeout';
  if (upstreamStatus === 401 || upstreamStatus === 403) return 'InvalidAuthentication';
  if (upstreamStatus === 500) return 'InternalError';
  return 'UnknownError';
}
