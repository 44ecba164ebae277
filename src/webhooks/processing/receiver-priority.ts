import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { isMainThread, workerData } from 'node:worker_threads';
import { AppConfig } from '../../core/config/app-config';
import { InFlightGauge } from '../receiver/in-flight.gauge';

/** How often the HTTP thread publishes the receiver's load, and the window it is averaged over. */
const SAMPLE_MS = 200;
/** Webhook requests waiting for their answer, on average, from which the receiver counts as busy. */
export const BUSY_IN_FLIGHT = 32;
/** A pause never holds a job longer than this, whatever the batch took. */
const MAX_PAUSE_MS = 1_000;

/** The key of the worker thread's workerData under which ROLE=all hands over the receiver's load. */
export const RECEIVER_LOAD = 'receiverLoad';

/**
 * ROLE=all, HTTP thread: publishes the receiver's requests in flight (mean of the last SAMPLE_MS, in tenths) in a
 * shared buffer, handed to the worker thread as workerData[RECEIVER_LOAD]. Reading it costs the worker an
 * Atomics.load; the HTTP thread pays one timer every SAMPLE_MS.
 */
export class ReceiverLoadPublisher {
  readonly buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  private timer?: NodeJS.Timeout;

  start(gauge: InFlightGauge, sampleMs = SAMPLE_MS): void {
    const view = new Int32Array(this.buffer);
    gauge.takeMean();
    this.timer = setInterval(() => Atomics.store(view, 0, Math.round(gauge.takeMean() * 10)), sampleMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The mean number of requests in flight published by a ReceiverLoadPublisher; null when `shared` is not its buffer. */
export function receiverLoadReader(shared: unknown): (() => number) | null {
  if (!(shared instanceof SharedArrayBuffer)) return null;
  const view = new Int32Array(shared);
  return () => Atomics.load(view, 0) / 10;
}

export interface ReceiverPriorityOptions {
  /** The receiver's requests in flight (a recent mean); null when this process has no receiver beside the workers. */
  receiverLoad: (() => number) | null;
  /** Share of the time (0-1] the workers may spend processing while the receiver is busy. 1: never yield. */
  share: number;
  /** A job that has waited longer than this gets no pause (bounds the lag under a long burst). */
  maxLagMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Keeps the workers from starving the receiver when both share a process (ROLE=all, hence the same cores).
 * The receiver is busy while on average BUSY_IN_FLIGHT or more webhook requests wait for their answer: a burst,
 * answers slowing down. Then batches run one at a time, each followed by a pause that leaves the workers
 * their share of the time (a share of 1/8: a pause seven times as long as the batch took): the receiver gets
 * the cores for the burst and the workers still make progress. A job that has waited longer than the maximum
 * lag gets no pause (a burst that never ends cannot stall processing), though batches still run one at a
 * time while the receiver is busy. When the receiver is quiet, batches run as usual, concurrently and without
 * pauses. The same idea as PostgreSQL's cost-based vacuum delay: background work gives way to foreground
 * work, within a bound.
 *
 * Yielding never changes what is processed, only when: every event is still committed before its 200, and
 * a backlog left by a burst is drained at full speed once the receiver is quiet.
 */
export class ReceiverPriority {
  private turn: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ReceiverPriorityOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Runs `work` (a batch queued at `queuedAt`, epoch ms), giving way to the receiver while it is busy. */
  async run<T>(queuedAt: number, work: () => Promise<T>): Promise<T> {
    if (!this.givesWay()) return work();
    const previous = this.turn;
    let release!: () => void;
    this.turn = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      const started = performance.now();
      const result = await work();
      const pause = ((performance.now() - started) * (1 - this.options.share)) / this.options.share;
      // Past the maximum lag the batches still run one at a time, but back to back: the workers catch up
      // without all their slots taking the cores from the receiver at once.
      if (pause > 0 && this.givesWay() && Date.now() - queuedAt <= this.options.maxLagMs) {
        await this.sleep(Math.min(pause, MAX_PAUSE_MS));
      }
      return result;
    } finally {
      release();
    }
  }

  /** From now on nothing waits: a stopping worker finishes its jobs at full speed. */
  stop(): void {
    this.stopping = true;
  }

  /** There is a receiver beside these workers, and a share below 100 % to give way with. */
  get mayGiveWay(): boolean {
    return this.options.receiverLoad !== null && this.options.share < 1;
  }

  /** The receiver of this process is busy and the workers are to give way to it. */
  private givesWay(): boolean {
    return !this.stopping && this.mayGiveWay && this.options.receiverLoad!() >= BUSY_IN_FLIGHT;
  }
}

/** The worker side's ReceiverPriority: it yields only on the worker thread of ROLE=all, which has the receiver's load. */
@Injectable()
export class ReceiverPriorityService extends ReceiverPriority implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly config: AppConfig) {
    super({
      receiverLoad: receiverLoadReader(isMainThread ? undefined : (workerData as Record<string, unknown> | null)?.[RECEIVER_LOAD]),
      share: config.worker.shareUnderLoad / 100,
      maxLagMs: config.worker.maxLagSeconds * 1000,
    });
  }

  /** Says once at boot whether this process's workers give way, so an operator reading a lag knows why. */
  onApplicationBootstrap(): void {
    if (!this.mayGiveWay) return;
    const { shareUnderLoad, maxLagSeconds } = this.config.worker;
    new Logger('ReceiverPriority').log(
      `while the receiver of this process is busy the workers give way to it: ${shareUnderLoad} % of the time, for jobs queued less than ${maxLagSeconds} s ago`,
    );
  }

  beforeApplicationShutdown(): void {
    this.stop();
  }
}
