import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { withTimeout } from '../timeout';
import { JobData, JobName, processEventsJobId, QueueName } from './queue.constants';
import { errorMessage } from '../error-message';

/** Events per job at most, and how long committed ids wait to be gathered into one job. */
export const JOB_MAX_EVENTS = 500;
const COALESCE_MS = 50;
/** Adds still in flight beyond which new ones are left to the sweeper (Redis hanging, not refusing). */
const MAX_PENDING_ADDS = 1_000;
/** How long a sweep's add waits for Redis. */
const ADD_TIMEOUT_MS = 5_000;
/** How long a replay's add waits for Redis: an API request answers 202 without it (the sweeper adds it later). */
const ADD_NOW_TIMEOUT_MS = 2_000;
const WARN_EVERY_MS = 10_000;

/**
 * The one way `process-events` jobs are added. Every event is in event_backlog from the moment it is stored, so a
 * job is only a prompt to process it soon: a job that is lost (Redis down, a crash) delays the events until the
 * sweeper adds another, never loses them.
 */
@Injectable()
export class EventJobs implements OnModuleDestroy {
  private readonly logger = new Logger('EventJobs');
  private gathered: string[] = [];
  private timer?: NodeJS.Timeout;
  private pendingAdds = 0;
  private lastWarnAt = 0;
  private unwarned = 0;
  /** Jobs the receiver could not add (Redis down or hanging), since the process started. */
  failures = 0;

  constructor(@InjectQueue(QueueName.Events) private readonly queue: Queue) {}

  /**
   * The receiver's newly stored events, not awaited: its answer depends on PostgreSQL only. Under a burst each commit
   * carries a few dozen events, and a worker's cost per event falls steeply with the size of its batch, so ids are
   * gathered for up to COALESCE_MS, or until JOB_MAX_EVENTS are waiting, and added as one job.
   */
  add(ids: string[]): void {
    this.gathered.push(...ids);
    if (this.gathered.length >= JOB_MAX_EVENTS) this.dispatch();
    else this.timer ??= setTimeout(() => this.dispatch(), COALESCE_MS);
  }

  /** Adds the ids still gathered (at shutdown), so that a clean stop does not leave them to the sweeper. */
  onModuleDestroy(): void {
    this.dispatch();
  }

  /**
   * Jobs for `ids` now, awaited (a replay): each with a unique id, since a fixed one would be swallowed by the kept
   * job of an earlier replay of the same events. False when Redis did not take them in time (the sweeper will).
   */
  async addNow(ids: string[], label: string): Promise<boolean> {
    const stamp = Date.now().toString(36);
    try {
      for (const chunk of chunks(sorted(ids), JOB_MAX_EVENTS)) {
        const jobId = `${label}-${chunk[0]}-${chunk[chunk.length - 1]}-${chunk.length}-${stamp}`;
        await withTimeout(
          this.queue.add(JobName.ProcessEvents, jobData(chunk), { jobId }),
          ADD_NOW_TIMEOUT_MS,
          'Redis',
        );
      }
      return true;
    } catch (err) {
      this.logger.warn(`${ids.length} event(s) left for the sweeper: ${errorMessage(err)}`);
      return false;
    }
  }

  /**
   * A job for `ids` unless the job with their id is still waiting or running (the sweeper: a chunk still queued is not
   * added twice). A finished job with the same id, which BullMQ keeps for a while, would make it ignore the add: it
   * is removed first. False when the job was still queued.
   */
  async addUnlessQueued(ids: string[]): Promise<boolean> {
    const eventIds = sorted(ids);
    const jobId = processEventsJobId(eventIds);
    const add = async () => {
      const existing = await this.queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
        await existing.remove().catch(() => undefined);
      }
      await this.queue.add(JobName.ProcessEvents, jobData(eventIds), { jobId });
      return true;
    };
    return withTimeout(add(), ADD_TIMEOUT_MS, 'Redis');
  }

  private dispatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = this.gathered;
    this.gathered = [];
    for (const chunk of chunks(sorted(ids), JOB_MAX_EVENTS)) this.addInBackground(chunk);
  }

  private addInBackground(eventIds: string[]): void {
    if (this.pendingAdds >= MAX_PENDING_ADDS) {
      this.failed(`${MAX_PENDING_ADDS} adds still pending`, eventIds.length);
      return;
    }
    this.pendingAdds++;
    this.queue
      .add(JobName.ProcessEvents, jobData(eventIds), { jobId: processEventsJobId(eventIds) })
      .catch((err) => this.failed(errorMessage(err), eventIds.length))
      .finally(() => this.pendingAdds--);
  }

  private failed(why: string, count: number): void {
    this.failures++;
    // Redis down means every batch fails: one line per interval, with how many were not logged.
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) {
      this.unwarned++;
      return;
    }
    const more = this.unwarned > 0 ? ` (${this.unwarned} more since the last warning)` : '';
    this.lastWarnAt = now;
    this.unwarned = 0;
    this.logger.warn(`could not queue ${count} stored event(s) (${why}); the sweeper will pick them up${more}`);
  }
}

function jobData(eventIds: string[]): JobData<JobName.ProcessEvents> {
  return { eventIds };
}

/** Ids are decimal without leading zeros: a shorter one is smaller, and same lengths compare as text. */
function sorted(ids: string[]): string[] {
  return [...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
