import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { EventJobs } from '../../core/queue/event-jobs';
import { BATCH_ROW_BUCKETS, BucketCounts, LATENCY_BUCKETS } from '../../core/metrics/bucket-counts';
import { ReceiverStatsResponseDto } from './dto/receiver-stats.dto';
import type { RejectReason } from './webhook-body.parser';

/**
 * In-memory counters of this process's receiver, since it started. Kept off the database on purpose: counting
 * must cost nothing on the hot path and must keep working while PostgreSQL is down.
 */
@Injectable()
export class ReceiverStats {
  private readonly since = new Date();

  constructor(private readonly jobs: EventJobs) {}

  private acceptedRequests = 0;
  private storedEvents = 0;
  private duplicateEvents = 0;
  private validationEvents = 0;
  private readonly rejections = new Map<RejectReason, number>();
  /** Requests received and not answered yet. */
  inFlight = 0;
  /** Per request, from its arrival to its answer written. */
  readonly requestSeconds = new BucketCounts(LATENCY_BUCKETS);
  /** Per committed INSERT of the ingest writer (not per request): its rows, its duration, and how long its oldest event waited. */
  readonly batchRows = new BucketCounts(BATCH_ROW_BUCKETS);
  readonly commitSeconds = new BucketCounts(LATENCY_BUCKETS);
  readonly storeLatencySeconds = new BucketCounts(LATENCY_BUCKETS);

  /** A request arrives: returns when, for requestAnswered. */
  requestStarted(): number {
    this.inFlight++;
    return performance.now();
  }

  requestAnswered(startedAt: number): void {
    this.inFlight--;
    this.requestSeconds.observe((performance.now() - startedAt) / 1000);
  }

  accepted(stored: number, duplicates: number, validations: number): void {
    this.acceptedRequests++;
    this.storedEvents += stored;
    this.duplicateEvents += duplicates;
    this.validationEvents += validations;
  }

  rejected(reason: RejectReason): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
  }

  /**
   * One INSERT committed: `rows` rows for `events` events (twins share a row), in `commitSeconds`; its oldest event
   * was accepted `oldestWaitSeconds` before the commit, an upper bound of what each of them waited, counted once per event.
   */
  committed(rows: number, events: number, commitSeconds: number, oldestWaitSeconds: number): void {
    this.batchRows.observe(rows);
    this.commitSeconds.observe(commitSeconds);
    this.storeLatencySeconds.observe(oldestWaitSeconds, events);
  }

  snapshot(): ReceiverStatsResponseDto {
    let rejectedRequests = 0;
    for (const n of this.rejections.values()) rejectedRequests += n;
    return {
      since: this.since.toISOString(),
      acceptedRequests: this.acceptedRequests,
      rejectedRequests,
      storedEvents: this.storedEvents,
      duplicateEvents: this.duplicateEvents,
      validationEvents: this.validationEvents,
      enqueueFailures: this.jobs.failures,
      rejections: Object.fromEntries([...this.rejections].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
