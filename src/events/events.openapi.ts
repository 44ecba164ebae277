import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse } from '@nestjs/swagger';

const REQUEST_ID = '0b6e2a52-5f3c-4a43-9d1c-7b1f3f4b9f10';

/** Documents the 400 a bad query parameter, path parameter or body gets, with the API's error shape. */
export const ApiInvalidRequest = () =>
  ApiBadRequestResponse({
    description: 'A parameter is invalid; the message names it.',
    schema: {
      example: {
        statusCode: 400,
        error: 'Bad Request',
        code: 'VALIDATION_FAILED',
        message: ['pageSize must not be less than 1'],
        requestId: REQUEST_ID,
      },
    },
  });

export const ApiNotFound = (what: string) =>
  applyDecorators(
    ApiNotFoundResponse({
      description: `No such ${what.toLowerCase()}.`,
      schema: {
        example: {
          statusCode: 404,
          error: 'Not Found',
          code: 'NOT_FOUND',
          message: `${what} 42 was not found`,
          requestId: REQUEST_ID,
        },
      },
    }),
  );
