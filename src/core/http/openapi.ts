import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RECEIVER_OPENAPI_PATHS } from '../../webhooks/receiver.openapi';

const DESCRIPTION = `Receives SocketLabs event webhooks, stores every event before acknowledging it, and serves the
events, per-message status and suppressions to internal services. Proxies the SocketLabs v2 account
operations and the Injection API with the one SocketLabs key held here.

Authenticate with \`Authorization: Bearer <api key>\` or \`X-API-Key: <api key>\`. Scopes: \`events:read\`,
\`socketlabs:read\`, \`socketlabs:write\`, \`admin\` (all of them). Lists take \`pageNumber\` (0-based),
\`pageSize\`, \`sortField\`, \`sortDirection\` and answer \`{ "data": [...], "total": N }\`. Errors answer
\`{ "statusCode", "error", "code", "message", "requestId" }\`.`;

/** The OpenAPI document, with keys sorted so that the committed copy (openapi.json) diffs cleanly. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('socketlabs-gateway')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  document.paths = { ...document.paths, ...RECEIVER_OPENAPI_PATHS };
  return sortKeys(withOptionalDefaults(document));
}

/**
 * A query parameter that has a default is optional to the caller (`pageNumber`, `pageSize`, `sortDirection`,
 * `limit`). The Swagger plugin marks it required because its DTO property is not optional (it has an
 * initializer), which a generated client (client/) would then insist on.
 */
function withOptionalDefaults(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ parameters?: unknown[] }>) {
      for (const parameter of operation?.parameters ?? []) {
        const p = parameter as { in?: string; required?: boolean; schema?: { default?: unknown } };
        if (p.in === 'query' && p.required && p.schema?.default !== undefined) p.required = false;
      }
    }
  }
  return document;
}

export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out as T;
}
