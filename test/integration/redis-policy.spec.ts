import IORedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { checkEvictionPolicy } from '../../src/core/queue/redis-policy';
import { captureOutput } from '../utils/capture-output';
import { createTestApp, TEST_REDIS_URL, waitFor } from '../utils/test-app';

/**
 * The boot-time check that Redis' maxmemory-policy is noeviction (BullMQ requires it), against the real Redis.
 * The policy is changed with CONFIG SET for a moment and put back; with maxmemory unset nothing is evicted anyway.
 */
describe('Redis maxmemory-policy check', () => {
  let redis: IORedis;
  let original: string;

  beforeAll(async () => {
    redis = new IORedis(TEST_REDIS_URL);
    original = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1];
  });
  afterAll(async () => {
    await redis.config('SET', 'maxmemory-policy', original);
    redis.disconnect();
  });

  const logger = () => ({ warn: jest.fn(), debug: jest.fn() });

  it('is quiet when the policy is noeviction', async () => {
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    const log = logger();
    expect(await checkEvictionPolicy(redis, log)).toEqual({ policy: 'noeviction', ok: true });
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('warns when the policy would evict', async () => {
    const log = logger();
    try {
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await checkEvictionPolicy(redis, log)).toEqual({ policy: 'allkeys-lru', ok: false });
    } finally {
      await redis.config('SET', 'maxmemory-policy', original);
    }
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('maxmemory-policy is allkeys-lru, not noeviction'));
  });

  it('says at debug level, and does not fail, when CONFIG is refused (managed Redis)', async () => {
    const user = `slgw-test-noconfig-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await redis.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-config');
    const limited = new IORedis(TEST_REDIS_URL, { username: user, password });
    try {
      const log = logger();
      expect(await checkEvictionPolicy(limited, log)).toEqual({ refused: expect.stringContaining('NOPERM') });
      expect(log.warn).not.toHaveBeenCalled();
      expect(log.debug).toHaveBeenCalledWith(expect.stringContaining("could not read Redis' maxmemory-policy"));
    } finally {
      limited.disconnect();
      await redis.call('ACL', 'DELUSER', user);
    }
  });

  it('is run at boot: the service warns in its log', async () => {
    const { logs, restore } = captureOutput();
    try {
      await redis.config('SET', 'maxmemory-policy', 'volatile-lru');
      const t = await createTestApp({ LOG_LEVEL: 'warn' });
      try {
        await waitFor(
          () => logs.join('').includes('maxmemory-policy is volatile-lru, not noeviction'),
          10_000,
          'the warning',
        );
      } finally {
        await redis.config('SET', 'maxmemory-policy', original);
        await t.close();
      }
      const line = logs
        .join('')
        .split('\n')
        .find((l) => l.includes('not noeviction'))!;
      expect(JSON.parse(line)).toMatchObject({ level: 40, context: 'Redis' });
    } finally {
      restore();
      await redis.config('SET', 'maxmemory-policy', original);
    }
  });
});
