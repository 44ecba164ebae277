import type { OpenAPIObject } from '@nestjs/swagger';
import { sortKeys } from '../http/openapi';
import { isRateLimited } from './rate-limited-paths';

const LIMITED =
  'this API key made more than API_RATE_LIMIT_PER_MINUTE requests this minute (`RATE_LIMITED`), or this address ' +
  'failed authentication more than API_AUTH_FAILURES_PER_MINUTE times this minute (`AUTH_RATE_LIMITED`).';

/** Every /api/v1 operation may answer 429 (ThrottlingModule); documented once here rather than on every handler. */
export function documentRateLimits(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isRateLimited(path)) continue;
    for (const op of Object.values(item as Record<string, { responses?: Record<string, Record<string, unknown>> }>)) {
      if (typeof op !== 'object' || op === null || !op.responses) continue;
      // A proxied operation already documents SocketLabs' own 429 (a superset of the error shape): both are said.
      const upstream = op.responses['429'];
      op.responses['429'] = {
        description: upstream ? `${String(upstream.description)} Or: ${LIMITED}` : `Rate limited: ${LIMITED}`,
        headers: {
          'Retry-After': {
            description: 'Seconds until the limit of this service resets (with RATE_LIMITED and AUTH_RATE_LIMITED).',
            schema: { type: 'integer' },
          },
        },
        content: upstream?.content ?? {
          'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } },
        },
      };
    }
  }
  return sortKeys(document);
}
