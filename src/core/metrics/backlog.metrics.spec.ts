import { Reading } from './backlog.metrics';

describe('Reading (scrape-time values)', () => {
  it('reads at most once per interval, one read at a time, and keeps a failure for the interval too', async () => {
    let clock = 0;
    let reads = 0;
    let fail = false;
    let release: (() => void) | undefined;
    const reading = new Reading(
      5_000,
      async () => {
        reads++;
        if (release === undefined) await new Promise<void>((r) => (release = r));
        if (fail) throw new Error('PostgreSQL down');
        return reads;
      },
      () => clock,
    );
    const storm = [reading.get(), reading.get(), reading.get()];
    await Promise.resolve();
    release!();
    expect(await Promise.all(storm)).toEqual([1, 1, 1]);
    clock += 4_999;
    expect(await reading.get()).toBe(1);
    clock += 1;
    fail = true;
    expect(await reading.get()).toBeUndefined();
    fail = false;
    expect(await reading.get()).toBeUndefined();
    clock += 5_000;
    expect(await reading.get()).toBe(3);
    expect(reads).toBe(3);
  });
});
