import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * The receiver routes are plain Fastify routes (see receiver), so Nest's explorer does not see them:
 * they are described here and merged into the OpenAPI document.
 */
export const RECEIVER_OPENAPI_PATHS: OpenAPIObject['paths'] = {};
