import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

/** The one error shape of the API. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: 'The HTTP reason phrase.' })
  error: string;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'A stable, machine-readable code.' })
  code: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['pageSize must not be greater than 500'],
    description: 'What went wrong; a list for validation errors, one per field.',
  })
  message: string | string[];

  @ApiProperty({
    example: '5b8e2a4e-1d6c-4a43-9d61-0d1f8ad2c1f0',
    description: 'Also in the x-request-id header; quote it when reporting a problem.',
  })
  requestId: string;
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `message` names each bad field.',
  401: 'No API key, or an unknown or revoked one.',
  403: 'The API key lacks the required scope.',
  404: 'Not found.',
  409: 'Conflicts with the current state.',
  422: 'Rejected by SocketLabs as unprocessable.',
  502: 'SocketLabs failed or refused our credentials.',
  503: 'A dependency is unavailable.',
  504: 'SocketLabs did not answer in time.',
};

/** Documents error answers with the ErrorResponseDto schema, e.g. `@ApiErrors(400, 404)`. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, type: ErrorResponseDto, description: DEFAULT_DESCRIPTIONS[status] ?? 'Error.' }),
    ),
  );
