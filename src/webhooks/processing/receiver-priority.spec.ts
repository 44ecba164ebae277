import { setTimeout as delay } from 'node:timers/promises';
import { publishReceiverLoad, ReceiverPriority, receiverLoadReader } from './receiver-priority';

const BUSY = 900;
const QUIET = 100;

/** A ReceiverPriority whose pauses are recorded instead of slept, with the receiver's load set by the test. */
function priority(options: { load?: number | null; share?: number; maxLagMs?: number } = {}) {
  const pauses: number[] = [];
  const state = { load: options.load === undefined ? BUSY : options.load };
  const p = new ReceiverPriority({
    receiverLoad: () => state.load,
    share: options.share ?? 0.1,
    maxLagMs: options.maxLagMs ?? 60_000,
    sleep: async (ms) => {
      pauses.push(ms);
    },
  });
  return { p, pauses, state };
}

/** Work that records when it starts and ends, and takes `ms`. */
function recorder() {
  const log: string[] = [];
  const work = (name: string, ms: number) => async () => {
    log.push(`start ${name}`);
    await delay(ms);
    log.push(`end ${name}`);
    return name;
  };
  return { log, work };
}

describe('ReceiverPriority', () => {
  it('runs batches side by side, without pauses, while the receiver is quiet', async () => {
    const { p, pauses } = priority({ load: QUIET });
    const { log, work } = recorder();
    await expect(Promise.all([p.run(Date.now(), work('a', 20)), p.run(Date.now(), work('b', 20))])).resolves.toEqual(['a', 'b']);
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
    expect(pauses).toEqual([]);
  });

  it('never gives way in a process without a receiver (ROLE=worker, or outside a worker thread)', async () => {
    const { p, pauses } = priority({ load: null });
    const { log, work } = recorder();
    await Promise.all([p.run(Date.now(), work('a', 10)), p.run(Date.now(), work('b', 10))]);
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
    expect(pauses).toEqual([]);
  });

  it('while the receiver is busy, runs one batch at a time, each followed by a pause that keeps the workers to their share', async () => {
    const { p, pauses } = priority({ share: 0.1 });
    const { log, work } = recorder();
    await expect(Promise.all([p.run(Date.now(), work('a', 30)), p.run(Date.now(), work('b', 30))])).resolves.toEqual(['a', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    // A share of 10 %: nine times as long as the batch took (30 ms, give or take the timer's precision).
    expect(pauses).toHaveLength(2);
    for (const pause of pauses) {
      expect(pause).toBeGreaterThanOrEqual(9 * 25);
      expect(pause).toBeLessThanOrEqual(1_000);
    }
  });

  it('pauses at most a second, however long the batch took', async () => {
    const { p, pauses } = priority({ share: 0.01 });
    const { work } = recorder();
    await p.run(Date.now(), work('a', 20));
    expect(pauses).toEqual([1_000]);
  });

  it('pauses no job that has waited longer than the maximum lag (a long burst cannot stall processing), still one at a time', async () => {
    const { p, pauses } = priority({ maxLagMs: 5_000 });
    const { log, work } = recorder();
    const old = Date.now() - 6_000;
    await Promise.all([p.run(old, work('a', 10)), p.run(old, work('b', 10)), p.run(Date.now(), work('c', 10))]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    // Only the recent job pauses after its batch.
    expect(pauses).toHaveLength(1);
  });

  it('with a share of 100 % never gives way', async () => {
    const { p, pauses } = priority({ share: 1 });
    const { log, work } = recorder();
    await Promise.all([p.run(Date.now(), work('a', 10)), p.run(Date.now(), work('b', 10))]);
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
    expect(pauses).toEqual([]);
  });

  it('stops giving way once stopping, so a stop is not held up by pauses', async () => {
    const { p, pauses } = priority();
    const { work } = recorder();
    p.stop();
    await p.run(Date.now(), work('a', 10));
    expect(pauses).toEqual([]);
  });

  it('passes on a batch that fails, and the next batch still gets its turn', async () => {
    const { p } = priority();
    const { log, work } = recorder();
    const failing = p.run(Date.now(), async () => {
      throw new Error('boom');
    });
    const next = p.run(Date.now(), work('b', 5));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('b');
    expect(log).toEqual(['start b', 'end b']);
  });
});

describe('publishReceiverLoad', () => {
  it("publishes the thread's event-loop utilisation, high while it is busy and low while it idles", async () => {
    const published = publishReceiverLoad(50);
    const read = receiverLoadReader(published.buffer)!;
    try {
      // Busy: the loop spends nearly all its time in callbacks for a few sampling periods.
      const until = Date.now() + 300;
      while (Date.now() < until) {
        const sliceEnd = Date.now() + 20;
        while (Date.now() < sliceEnd);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(read()).toBeGreaterThanOrEqual(500);
      await delay(300);
      expect(read()).toBeLessThan(500);
    } finally {
      published.stop();
    }
  });

  it('reads nothing from anything that is not the shared buffer', () => {
    expect(receiverLoadReader(undefined)).toBeNull();
    expect(receiverLoadReader(new ArrayBuffer(4))).toBeNull();
  });
});
