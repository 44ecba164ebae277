import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { EventJobs } from '../../core/queue/event-jobs';
import { JobName, QueueName } from '../../core/queue/queue.constants';
import { withTimeout } from '../../core/timeout';
import { COMPACT_COUNTERS } from '../../events/storage/event-counters';
import { SELECT_STALE_PENDING, SWEEP_SERIALLY, VACUUM_QUEUE_TABLES } from './processing.sql';
import { errorMessage } from '../../core/error-message';

export const SWEEP_SCHEDULER_ID = 'sweep-pending';
export const MAINTENANCE_SCHEDULER_ID = 'maintain-storage';
/** The storage maintenance (partitions ahead, retention): hourly is plenty for monthly partitions. */
const MAINTENANCE_EVERY_MS = 3_600_000;
/** Events per re-enqueued job: the size of a receiver batch, give or take. */
export const SWEEP_CHUNK = 500;
/** Rows one sweep re-enqueues at most; the next sweep, seconds later, takes the next ones. */
export const SWEEP_MAX_ROWS = 20_000;
/** Waiting jobs beyond which the queue is busy draining what it has, and only long-stuck rows are swept. */
export const SWEEP_BACKLOG_JOBS = 100;
/** Advisory lock (two-int4 form) held by the one sweep that runs at a time. */
export const SWEEP_LOCK: [number, number] = [0x534c5357, 1]; // 'SLSW'
/** How often the scheduler is re-upserted: it comes back if Redis restarted empty or was down at boot. */
const SCHEDULER_REFRESH_MS = 60_000;
/** A Redis that accepts connections but does not answer must not keep the sweep's transaction open. */
const REDIS_TIMEOUT_MS = 10_000;

export interface SweepOutcome {
  /** False when another sweep held the lock. */
  ran: boolean;
  /** Waiting jobs in the queue when the sweep looked. */
  backlog: number;
  /** Minimum age (seconds) of the rows this sweep considered. */
  minAgeSeconds: number;
  found: number;
  jobsAdded: number;
  /** Chunks whose job was still waiting or running: not added twice. */
  jobsAlreadyQueued: number;
}

/**
 * Re-enqueues stored events that are still pending after `SWEEPER_DELAY_SECONDS`: their job never reached
 * Redis (it was down when the receiver committed), was lost, or gave up while the database was away. This is
 * what makes "Redis down: still 200, processed once Redis is back" true.
 *
 * It runs as a BullMQ job scheduler, so one sweep job exists per interval across all workers, and a
 * PostgreSQL advisory lock keeps a slow sweep from overlapping the next one. The hourly storage maintenance
 * (StorageMaintenanceService) is scheduled here too.
 *
 * A growing backlog: when more than SWEEP_BACKLOG_JOBS jobs are already waiting, the pending rows are most
 * likely covered by those jobs, and adding more would only flood Redis with duplicates; the sweep then takes
 * only rows pending for much longer (10 x the delay, at least 5 minutes), which no waiting job is likely to
 * cover. A chunk whose job id is still waiting or running is never added twice.
 *
 * Each sweep also compacts the statistics' counter deltas (event-counters.ts), so that they stay a few seconds' worth,
 * and then vacuums the two tables every event passes through (VACUUM_QUEUE_TABLES), so that they hold a few seconds'
 * worth of dead rows whatever autovacuum does.
 */
@Injectable()
export class PendingSweeperService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PendingSweeper');
  private refreshTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private schedulerReady: boolean | undefined;
  private scheduling?: Promise<boolean>;
  private destroyed = false;

  constructor(
    @InjectQueue(QueueName.Events) private readonly queue: Queue,
    private readonly jobs: EventJobs,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Every few seconds, never slower than the delay requires. */
  get intervalMs(): number {
    return Math.min(5000, Math.max(1000, (this.config.worker.sweeperDelaySeconds * 1000) / 2));
  }

  get staleAfterSeconds(): number {
    return Math.max(10 * this.config.worker.sweeperDelaySeconds, 300);
  }

  onApplicationBootstrap(): void {
    void this.ensureScheduler();
    this.refreshTimer = setInterval(() => void this.ensureScheduler(), SCHEDULER_REFRESH_MS);
    this.refreshTimer.unref();
  }

  /**
   * Waits for a scheduling still in flight: the queue closes after this, and BullMQ would otherwise open its
   * scheduler on a connection already closed (an error, and a process that lingers before exiting).
   */
  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.scheduling;
  }

  /** Idempotent. While it fails (Redis down at boot), it is retried every few seconds. */
  ensureScheduler(): Promise<boolean> {
    if (this.destroyed) return Promise.resolve(false);
    this.scheduling = this.schedule();
    return this.scheduling;
  }

  private async schedule(): Promise<boolean> {
    try {
      const opts = { attempts: 1, removeOnComplete: 10, removeOnFail: 100 };
      await this.queue.upsertJobScheduler(
        SWEEP_SCHEDULER_ID,
        { every: this.intervalMs },
        { name: JobName.SweepPending, data: {}, opts },
      );
      await this.queue.upsertJobScheduler(
        MAINTENANCE_SCHEDULER_ID,
        { every: MAINTENANCE_EVERY_MS },
        { name: JobName.MaintainStorage, data: {}, opts },
      );
      if (!this.schedulerReady)
        this.logger.log(`sweeper scheduled every ${this.intervalMs} ms, storage maintenance hourly`);
      this.schedulerReady = true;
      return true;
    } catch (err) {
      if (this.schedulerReady !== false) {
        this.logger.warn(`cannot schedule the sweeper (${errorMessage(err)}); retrying`);
      }
      this.schedulerReady = false;
      if (!this.retryTimer && !this.destroyed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          void this.ensureScheduler();
        }, 5000);
        this.retryTimer.unref();
      }
      return false;
    }
  }

  async sweep(): Promise<SweepOutcome> {
    // The statistics' counter deltas into event_counts first: it needs PostgreSQL only (docs/storage.md).
    await this.dataSource.query(COMPACT_COUNTERS);
    const swept = await this.dataSource.transaction(async (m) => {
      const outcome: SweepOutcome = {
        ran: false,
        backlog: 0,
        minAgeSeconds: 0,
        found: 0,
        jobsAdded: 0,
        jobsAlreadyQueued: 0,
      };
      const [{ locked }] = await m.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock($1::int4, $2::int4) AS locked',
        SWEEP_LOCK,
      );
      if (!locked) return outcome;
      outcome.ran = true;

      const counts = await withTimeout(
        this.queue.getJobCounts('waiting', 'prioritized', 'delayed'),
        REDIS_TIMEOUT_MS,
        'Redis',
      );
      outcome.backlog = Object.values(counts).reduce((a, b) => a + b, 0);
      outcome.minAgeSeconds =
        outcome.backlog >= SWEEP_BACKLOG_JOBS ? this.staleAfterSeconds : this.config.worker.sweeperDelaySeconds;

      await m.query(SWEEP_SERIALLY);
      const rows: { id: string }[] = await m.query(SELECT_STALE_PENDING, [outcome.minAgeSeconds, SWEEP_MAX_ROWS]);
      outcome.found = rows.length;
      for (let i = 0; i < rows.length; i += SWEEP_CHUNK) {
        if (await this.jobs.addUnlessQueued(rows.slice(i, i + SWEEP_CHUNK).map((r) => r.id))) outcome.jobsAdded++;
        else outcome.jobsAlreadyQueued++;
      }

      if (outcome.jobsAdded) {
        this.logger.log(
          `${outcome.found} events pending for over ${outcome.minAgeSeconds} s: ${outcome.jobsAdded} jobs added (backlog ${outcome.backlog} jobs)`,
        );
      } else {
        this.logger.debug(`sweep: ${outcome.found} stale pending events, backlog ${outcome.backlog} jobs`);
      }
      return outcome;
    });
    if (swept.ran) await this.vacuumQueueTables();
    return swept;
  }

  /** Housekeeping: a failure is worth a warning, never a failed sweep (the next one tries again). */
  private async vacuumQueueTables(): Promise<void> {
    try {
      await this.dataSource.query(VACUUM_QUEUE_TABLES);
    } catch (err) {
      this.logger.warn(`could not vacuum event_backlog and event_count_deltas: ${errorMessage(err)}`);
    }
  }
}
