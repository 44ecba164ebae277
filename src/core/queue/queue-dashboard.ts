import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { ApiKeysService } from '../auth/api-keys.service';
import { hasScopes } from '../auth/api-key.guard';
import { QueueName } from './queue.constants';

export const QUEUE_DASHBOARD_PATH = '/queues';

/**
 * The operators' queue dashboard (Bull Board) at /queues. A browser cannot send a bearer header, so it asks
 * for HTTP Basic credentials: any user name, an admin API key as the password (a Bearer or X-API-Key
 * header works too, for scripts).
 */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  const queues = Object.values(QueueName).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name))));
  createBullBoard({ queues, serverAdapter, options: { uiConfig: { boardTitle: 'socketlabs-gateway' } } });

  const apiKeys = app.get(ApiKeysService);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const key = keyFromHeaders(request.headers);
      const principal = key ? await apiKeys.authenticate(key) : null;
      if (!principal || !hasScopes(principal.scopes, ['admin'])) {
        await reply
          .status(401)
          .header('www-authenticate', 'Basic realm="socketlabs-gateway queues (password: an admin API key)"')
          .send({
            statusCode: 401,
            error: 'Unauthorized',
            code: 'API_KEY_INVALID',
            message: 'An admin API key is required',
            requestId: request.id,
          });
      }
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
  });
}

function keyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = typeof headers.authorization === 'string' ? headers.authorization.trim() : '';
  const basic = /^Basic\s+(.+)$/i.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(auth);
  if (bearer) return bearer[1].trim();
  return typeof headers['x-api-key'] === 'string' ? headers['x-api-key'] : undefined;
}
