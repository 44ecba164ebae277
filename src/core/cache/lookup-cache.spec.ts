import { LookupCache } from './lookup-cache';

interface Row {
  name: string;
}

describe('LookupCache', () => {
  let clock: number;
  let loads: string[];
  const rows = new Map<string, Row>([['hot', { name: 'hot row' }]]);
  const load = (key: string): Promise<Row | null> => {
    loads.push(key);
    return Promise.resolve(rows.get(key) ?? null);
  };
  const cache = (max = 100, maxMissing = 10) => new LookupCache<Row>({ max, maxMissing, ttlMs: 5_000 }, () => clock);

  beforeEach(() => {
    clock = 1_000_000;
    loads = [];
  });

  it('looks a key up once while its entry is fresh, and again once it expired', async () => {
    const c = cache();
    expect(await c.get('hot', load)).toEqual({ name: 'hot row' });
    expect(await c.get('hot', load)).toEqual({ name: 'hot row' });
    expect(loads).toEqual(['hot']);
    clock += 5_001;
    await c.get('hot', load);
    expect(loads).toEqual(['hot', 'hot']);
  });

  it('remembers a miss too', async () => {
    const c = cache();
    expect(await c.get('nobody', load)).toBeNull();
    expect(await c.get('nobody', load)).toBeNull();
    expect(loads).toEqual(['nobody']);
  });

  it('keeps the hot entry through a flood of unknown keys, which evict only each other', async () => {
    const c = cache(100, 10);
    await c.get('hot', load);
    for (let i = 0; i < 5_000; i++) await c.get(`unknown-${i}`, load);
    expect(c.size).toEqual({ found: 1, missing: 10 });
    loads = [];
    expect(await c.get('hot', load)).toEqual({ name: 'hot row' });
    expect(loads).toEqual([]);
  });

  it('evicts the least recently used of the entries found when they are more than max', async () => {
    const c = cache(2, 10);
    for (const k of ['a', 'b', 'c']) rows.set(k, { name: k });
    await c.get('a', load);
    await c.get('b', load);
    await c.get('a', load);
    await c.get('c', load);
    loads = [];
    await c.get('a', load);
    await c.get('b', load);
    expect(loads).toEqual(['b']);
  });

  it('shares one lookup between concurrent misses of one key', async () => {
    const c = cache();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async (key: string) => {
      loads.push(key);
      await gate;
      return rows.get(key) ?? null;
    };
    const both = Promise.all([c.get('hot', slow), c.get('hot', slow)]);
    release();
    expect(await both).toEqual([{ name: 'hot row' }, { name: 'hot row' }]);
    expect(loads).toEqual(['hot']);
  });

  it('does not cache what a lookup read before a delete of the same key', async () => {
    const c = cache();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stale = c.get('hot', async (key) => {
      await gate;
      return load(key);
    });
    c.delete('hot');
    release();
    await stale;
    loads = [];
    await c.get('hot', load);
    expect(loads).toEqual(['hot']);
  });

  it('looks again when the entry is older than the maxAgeMs asked for', async () => {
    const c = cache();
    await c.get('hot', load);
    clock += 500;
    await c.get('hot', load, 1_000);
    expect(loads).toEqual(['hot']);
    clock += 600;
    await c.get('hot', load, 1_000);
    expect(loads).toEqual(['hot', 'hot']);
  });

  it('caches nothing when the lookup throws', async () => {
    const c = cache();
    await expect(c.get('hot', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    await c.get('hot', load);
    expect(loads).toEqual(['hot']);
  });

  it('forgets everything on clear', async () => {
    const c = cache();
    await c.get('hot', load);
    await c.get('nobody', load);
    c.clear();
    expect(c.size).toEqual({ found: 0, missing: 0 });
  });
});
