import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { withTimeout } from '../timeout';
import { QueueName } from './queue.constants';

/** How long a stop waits for a Redis connection still starting; Redis may be down, and a stop must not hang. */
const START_WAIT_MS = 3000;

/**
 * Waits, bounded, for a BullMQ queue's or worker's Redis connections to finish starting (connect, then INFO).
 *
 * BullMQ 5 closing a connection that is still starting drops its listeners first; the start then fails with
 * "Connection is closed", emitted as 'error' with no listener left, which throws: an unhandled rejection, so
 * a process stopped right after boot exits 1. Called before Nest closes queues and workers (they close in
 * onApplicationShutdown). BullMQ 6 fixes it, with connection and backend APIs that changed too much to take
 * for this alone.
 */
export async function untilStarted(target: { waitUntilReady(): Promise<unknown> }): Promise<void> {
  await withTimeout(target.waitUntilReady(), START_WAIT_MS, 'Redis').catch(() => undefined);
}

/** The producer side of {@link untilStarted}; the worker side is in its processor. */
@Injectable()
export class QueueShutdown implements BeforeApplicationShutdown {
  constructor(@InjectQueue(QueueName.Events) private readonly queue: Queue) {}

  beforeApplicationShutdown(): Promise<void> {
    return untilStarted(this.queue);
  }
}
