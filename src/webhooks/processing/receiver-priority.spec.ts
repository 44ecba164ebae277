import { setTimeout as delay } from 'node:timers/promises';
import { InFlightGauge } from '../receiver/in-flight.gauge';
import { BUSY_IN_FLIGHT, ReceiverLoadPublisher, ReceiverPriority, receiverLoadReader } from './receiver-priority';

/** Webhook requests in flight, on average. */
const BUSY = 60;
const QUIET = 4;

/** A ReceiverPriority whose pauses are recorded instead of slept, with the receiver's load set by the test. */
function priority(options: { load?: number | null; share?: number; maxLagMs?: number } = {}) {
  const pauses: number[] = [];
  const state = { load: options.load === undefined ? BUSY : options.load };
  const p = new ReceiverPriority({
    receiverLoad: state.load === null ? null : () => state.load ?? 0,
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

describe('InFlightGauge', () => {
  it('gives the time-weighted mean of the requests in flight since the previous reading', () => {
    let t = 0;
    const gauge = new InFlightGauge(() => t);
    gauge.enter(); // 1 in flight for 10 ms
    t = 10;
    gauge.enter(); // 2 for 10 ms
    t = 20;
    gauge.leave();
    gauge.leave(); // 0 for 20 ms
    t = 40;
    expect(gauge.takeMean()).toBeCloseTo((1 * 10 + 2 * 10) / 40);
    gauge.enter(); // 1 for the whole next window
    t = 50;
    expect(gauge.takeMean()).toBe(1);
    expect(gauge.takeMean()).toBe(1); // no time has passed: what is in flight now
  });
});

describe('ReceiverLoadPublisher', () => {
  it("hands the gauge's recent mean to whoever holds its buffer", async () => {
    const gauge = new InFlightGauge();
    const publisher = new ReceiverLoadPublisher();
    const read = receiverLoadReader(publisher.buffer)!;
    publisher.start(gauge, 20);
    try {
      for (let i = 0; i < BUSY_IN_FLIGHT + 8; i++) gauge.enter();
      await delay(60);
      expect(read()).toBe(BUSY_IN_FLIGHT + 8);
      for (let i = 0; i < BUSY_IN_FLIGHT + 8; i++) gauge.leave();
      await delay(60);
      expect(read()).toBe(0);
    } finally {
      publisher.stop();
    }
  });

  it('reads nothing from anything that is not the shared buffer', () => {
    expect(receiverLoadReader(undefined)).toBeNull();
    expect(receiverLoadReader(new ArrayBuffer(4))).toBeNull();
  });
});
