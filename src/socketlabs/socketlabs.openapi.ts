import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { SocketLabsErrorResponseDto } from './dto/socketlabs-error-response.dto';

const ANSWERS: Array<[number, string]> = [
  [
    400,
    'Invalid input, refused before calling SocketLabs (`message` names each bad field), or SocketLabs refused the request (SOCKETLABS_BAD_REQUEST, its message).',
  ],
  [404, 'SocketLabs does not know the resource (SOCKETLABS_NOT_FOUND).'],
  [409, 'SocketLabs reports a conflict, e.g. the name or domain exists (SOCKETLABS_CONFLICT).'],
  [422, 'SocketLabs could not process the request (SOCKETLABS_UNPROCESSABLE).'],
  [
    429,
    "SocketLabs rate-limits this service's key (SOCKETLABS_RATE_LIMITED); `details.retryAfterSeconds` says when to retry.",
  ],
  [
    502,
    "SocketLabs failed (5xx after retries), could not be reached, or refused this service's own API key (SOCKETLABS_AUTH_FAILED).",
  ],
  [503, 'SOCKETLABS_API_KEY is not configured (SOCKETLABS_NOT_CONFIGURED).'],
  [504, 'SocketLabs did not answer in time (SOCKETLABS_TIMEOUT).'],
];

/** Documents the error answers of a route proxied to SocketLabs (see SocketLabsClient for the mapping). */
export const ApiSocketLabsErrors = () =>
  applyDecorators(
    ...ANSWERS.map(([status, description]) => ApiResponse({ status, description, type: SocketLabsErrorResponseDto })),
  );
