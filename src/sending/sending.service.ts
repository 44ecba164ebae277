import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config';
import { AppException } from '../core/http/app.exception';
import { SocketLabsClient } from '../socketlabs/socketlabs.client';
import { SocketLabsApiException, SocketLabsErrorCode } from '../socketlabs/socketlabs.errors';
import { SocketLabsPaths } from '../socketlabs/socketlabs.paths';
import type { InjectionResponse } from '../socketlabs/socketlabs.types';
import type { SendMessageDto } from './dto/send-message.dto';
import { judgeInjectionResponse, sdkErrorCodeForHttp } from './injection-outcome';
import { toInjectionRequest } from './injection-request';
import { checkSendRules } from './send-rules';

export interface SendResult {
  /** 200 (Success) or 207 (Warning: some recipients refused). */
  status: 200 | 207;
  /** The Injection API's answer, unchanged. */
  response: InjectionResponse;
}

/** `details` of a failed send (SendFailureDetailsDto in the API docs). */
export interface SendFailureDetails {
  operation: string;
  errorCode?: string;
  injectionResponse?: InjectionResponse;
  upstreamStatus?: number;
  attempts?: number;
  retryAfterSeconds?: number;
}

const OPERATION = SocketLabsPaths.injectEmail().operation;

/**
 * Sends one message through the Injection API. Everything SocketLabs would refuse on its face is refused
 * here first (400, nothing sent); the answer comes back as SocketLabs gave it, with an honest status.
 * Never retried here: SocketLabsClient retries a send only when SocketLabs cannot have acted on it.
 * Nothing of the message (addresses, subject, bodies, attachments) is logged.
 */
@Injectable()
export class SendingService {
  private readonly logger = new Logger('Sending');

  constructor(
    private readonly socketlabs: SocketLabsClient,
    private readonly config: AppConfig,
  ) {}

  async send(dto: SendMessageDto): Promise<SendResult> {
    const problems = checkSendRules(dto);
    const serverId = dto.serverId ?? this.config.socketlabs.serverId;
    if (serverId === undefined)
      problems.push('serverId is required: this service has no default (SOCKETLABS_SERVER_ID is not set)');
    if (problems.length) throw new BadRequestException(problems);

    const request = toInjectionRequest(dto, serverId!);
    let response: InjectionResponse;
    try {
      response = await this.socketlabs.inject(request);
    } catch (err) {
      throw withInjectionErrorCode(err);
    }

    const outcome = judgeInjectionResponse(response, request.messages.length);
    const ref = dto.messageId ? ` messageId=${dto.messageId}` : dto.mailingId ? ` mailingId=${dto.mailingId}` : '';
    if (outcome.kind === 'failure') {
      this.logger.warn(`send refused: ${outcome.errorCode} -> ${outcome.status}${ref}`);
      const details: SendFailureDetails = {
        operation: OPERATION,
        errorCode: outcome.errorCode,
        injectionResponse: response,
      };
      throw new AppException(outcome.status, outcome.code, outcome.message, details);
    }
    if (outcome.kind === 'partial')
      this.logger.warn(`send partly refused: Warning, ${outcome.refusedRecipients} recipient(s) refused${ref}`);
    return { status: outcome.status, response };
  }
}

/** A failed call keeps the client's status, code and message; `details.errorCode` names it as the SDKs do. */
function withInjectionErrorCode(err: unknown): unknown {
  if (!(err instanceof SocketLabsApiException)) return err;
  if (err.code === SocketLabsErrorCode.NotConfigured) return err;
  const info = err.socketlabs;
  const details: SendFailureDetails = {
    ...info,
    errorCode: sdkErrorCodeForHttp(info.upstreamStatus, err.code === SocketLabsErrorCode.Timeout),
  };
  return new AppException(err.getStatus(), err.code, err.message, details);
}
