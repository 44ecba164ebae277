import { getRepositoryToken } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { ApiKeyEntity } from '../../src/core/auth/api-key.entity';
import { ApiKeysService } from '../../src/core/auth/api-keys.service';
import { LookupCache } from '../../src/core/cache/lookup-cache';
import { ENDPOINT_CACHE_TTL_MS, EndpointResolver } from '../../src/webhooks/endpoints/endpoint.resolver';
import { WebhookEndpointEntity } from '../../src/webhooks/entities/webhook-endpoint.entity';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp } from '../utils/test-app';

/** More unknown ids than either cache holds in all (10 000 entries): the old caches were emptied at that point. */
const FLOOD = 10_500;
const SECRET = 'lru-secret-5Jq8Wm2Xc9';

/**
 * Puts the clock of `owner`'s LookupCache (its private `cache`) in the test's hands, from before the hot entry is
 * loaded: a flood of 10,500 lookups can take longer than the entry's TTL on a loaded machine, and what is under test
 * is what the LRUs keep, not how long an entry lives. `advance` moves the clock; `restore` gives back the real one.
 */
function controlClock(owner: object): { advance: (ms: number) => void; restore: () => void } {
  const cache = (owner as unknown as { cache: unknown }).cache;
  expect(cache).toBeInstanceOf(LookupCache);
  const clock = cache as { now: () => number };
  const real = clock.now;
  let now = real();
  clock.now = () => now;
  return {
    advance: (ms) => {
      now += ms;
    },
    restore: () => {
      clock.now = real;
    },
  };
}

/**
 * Runs `fn` FLOOD times, 100 at a time, with the repository answering "no such row" at once: what is under test is
 * what the cache keeps, and a flood through PostgreSQL would take minutes.
 */
async function flood<T extends object>(repo: Repository<T>, fn: () => Promise<unknown>): Promise<void> {
  const findOne = jest.spyOn(repo, 'findOne').mockResolvedValue(null);
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next++ < FLOOD) await fn();
      }),
    );
    expect(findOne).toHaveBeenCalledTimes(FLOOD);
  } finally {
    findOne.mockRestore();
  }
}

describe('endpoint and API-key caches under a flood of unknown keys (integration)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'api' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('keeps a hot receiver endpoint cached while unknown endpoint ids pour in', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      body: { name: 'hot', secretKeys: [SECRET] },
    });
    expect(created.statusCode).toBe(201);
    const url = `/webhooks/socketlabs/${created.json().id}`;
    const post = (body: unknown) => t.request({ method: 'POST', url, body, apiKey: null });
    const resolver = t.app.get(EndpointResolver);
    const clock = controlClock(resolver);
    try {
      expect((await post(withSecret(deliveredEvent({ MessageId: 'lru-1' }), SECRET))).statusCode).toBe(200);

      const repo = t.app.get<Repository<WebhookEndpointEntity>>(getRepositoryToken(WebhookEndpointEntity));
      await flood(repo, async () => expect(await resolver.resolve(randomUUID())).toBeNull());

      const findOne = jest.spyOn(repo, 'findOne');
      try {
        expect((await post(withSecret(deliveredEvent({ MessageId: 'lru-2' }), SECRET))).statusCode).toBe(200);
        expect(findOne).not.toHaveBeenCalled();
        // The unknown ids are remembered too, within their own bound: a recent one costs no query either.
        const unknown = randomUUID();
        await resolver.resolve(unknown);
        await resolver.resolve(unknown);
        expect(findOne).toHaveBeenCalledTimes(1);
        // The clock under control is the one the cache reads: past the TTL, the hot endpoint is read again.
        clock.advance(ENDPOINT_CACHE_TTL_MS);
        expect((await post(withSecret(deliveredEvent({ MessageId: 'lru-3' }), SECRET))).statusCode).toBe(200);
        expect(findOne).toHaveBeenCalledTimes(2);
      } finally {
        findOne.mockRestore();
      }
    } finally {
      clock.restore();
    }
  });

  it('keeps a hot API key cached while unknown keys pour in', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'hot reader', scopes: ['events:read'] },
    });
    expect(created.statusCode).toBe(201);
    const key = created.json().key as string;
    const read = () => t.request({ method: 'GET', url: '/api/v1/events?pageSize=1', apiKey: key });
    const apiKeys = t.app.get(ApiKeysService);
    const clock = controlClock(apiKeys);
    try {
      expect((await read()).statusCode).toBe(200);

      const repo = t.app.get<Repository<ApiKeyEntity>>(getRepositoryToken(ApiKeyEntity));
      await flood(repo, async () =>
        expect(await apiKeys.authenticate(`slgw_${randomBytes(24).toString('base64url')}`)).toBeNull(),
      );

      const findOne = jest.spyOn(repo, 'findOne');
      try {
        expect((await read()).statusCode).toBe(200);
        expect(findOne).not.toHaveBeenCalled();
      } finally {
        findOne.mockRestore();
      }
    } finally {
      clock.restore();
    }
  });

  it('still drops a revoked key at once', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'soon revoked', scopes: ['events:read'] },
    });
    const { id, key } = created.json<{ id: string; key: string }>();
    expect((await t.request({ method: 'GET', url: '/api/v1/events?pageSize=1', apiKey: key })).statusCode).toBe(200);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${id}` })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/events?pageSize=1', apiKey: key })).statusCode).toBe(401);
  });
});
