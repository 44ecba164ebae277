import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../core/config/app-config';
import { MaintenanceOutcome, StorageMaintenanceService } from '../../events/storage/storage-maintenance.service';
import { ProcessingMetrics } from '../../core/metrics/processing.metrics';
import { JobData, JobName, QueueName } from '../../core/queue/queue.constants';
import { untilStarted } from '../../core/queue/queue-shutdown';
import { BatchOutcome, EventProcessingService } from './event-processing.service';
import { PendingSweeperService, SweepOutcome } from './pending-sweeper.service';
import { errorMessage } from '../../core/error-message';

/** Ids per transaction: a job bigger than this (a hand-made replay, say) is processed in slices. */
export const MAX_BATCH = 500;
const EVENT_ID = /^[1-9]\d{0,18}$/;

/**
 * The worker side of the event pipeline: `process-events` jobs (one per group-committed batch, or per
 * sweeper chunk) and the periodic `sweep-pending` and `maintain-storage`.
 */
@Processor(QueueName.Events)
export class EventsProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventsProcessor');
  private lastConnectionWarning = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly processing: EventProcessingService,
    private readonly sweeper: PendingSweeperService,
    private readonly storage: StorageMaintenanceService,
    @Optional() private readonly metrics?: ProcessingMetrics,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // @Processor options are static; the concurrency is configuration, applied before the first jobs pile up.
    this.worker.concurrency = this.config.worker.concurrency;
  }

  /** The worker closes in onApplicationShutdown: see untilStarted. */
  beforeApplicationShutdown(): Promise<void> {
    return untilStarted(this.worker);
  }

  /** Redis going away makes the worker emit errors in a loop while it reconnects: one line every 30 s is enough. */
  @OnWorkerEvent('error')
  onWorkerError(err: Error): void {
    if (Date.now() - this.lastConnectionWarning < 30_000) return;
    this.lastConnectionWarning = Date.now();
    this.logger.warn(`queue worker: ${errorMessage(err)} (reconnecting)`);
  }

  async process(job: Job): Promise<BatchOutcome | SweepOutcome | MaintenanceOutcome> {
    switch (job.name as JobName) {
      case JobName.ProcessEvents:
        return this.processEvents(job as Job<JobData<JobName.ProcessEvents>>);
      case JobName.SweepPending:
        return this.sweeper.sweep();
      case JobName.MaintainStorage:
        return this.storage.maintain();
      default:
        throw new UnrecoverableError(`unknown job name "${job.name}"`);
    }
  }

  private async processEvents(job: Job<JobData<JobName.ProcessEvents>>): Promise<BatchOutcome> {
    const ids = eventIdsOf(job.data);
    const started = Date.now();
    const total: BatchOutcome = { processed: 0, retrying: 0, dead: 0, skipped: 0 };
    for (let i = 0; i < ids.length; i += MAX_BATCH) {
      const slice = ids.slice(i, i + MAX_BATCH);
      const o = await this.processing.processBatch(slice);
      total.processed += o.processed;
      total.retrying += o.retrying;
      total.dead += o.dead;
      total.skipped += o.skipped;
    }
    this.logger.debug(
      `job ${job.id}: ${ids.length} ids, ${total.processed} processed, ${total.skipped} skipped, ` +
        `${total.retrying} to retry, ${total.dead} dead, ${Date.now() - started} ms`,
    );
    this.metrics?.jobDone(total, (Date.now() - started) / 1000);
    // Throwing hands the still-pending rows to BullMQ's retry with backoff; once the job's attempts are used
    // up, the sweeper picks them up. Each try counts against the event, so a poison row ends `failed`.
    if (total.retrying) throw new Error(`${total.retrying} of ${ids.length} events failed and will be retried`);
    return total;
  }
}

/** The job's ids, deduplicated; a payload that can never be processed fails without retries. */
export function eventIdsOf(data: unknown): string[] {
  const raw = (data as { eventIds?: unknown } | null)?.eventIds;
  if (!Array.isArray(raw) || raw.length === 0) throw new UnrecoverableError('process-events job without eventIds');
  const ids = raw.map((v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v));
  if (!ids.every((v): v is string => typeof v === 'string' && EVENT_ID.test(v))) {
    throw new UnrecoverableError('process-events job with an eventId that is not a positive integer');
  }
  return [...new Set(ids)];
}
