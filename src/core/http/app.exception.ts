import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * An error with a stable, machine-readable code. The global filter turns it into
 * `{ statusCode, error, code, message, requestId }`.
 */
export class AppException extends HttpException {
  constructor(
    status: HttpStatus | number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super({ code, message, details }, status);
  }
}

export class NotFoundAppException extends AppException {
  constructor(what: string, id: string) {
    super(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${what} ${id} was not found`);
  }
}
