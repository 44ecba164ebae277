import { Injectable } from '@nestjs/common';
import { ReceiverStatsResponseDto } from './dto/receiver-stats.dto';
import { InFlightGauge } from './in-flight.gauge';
import type { RejectReason } from './webhook-body.parser';

/**
 * In-memory counters of this process's receiver, since it started. Kept off the database on purpose: counting
 * must cost nothing on the hot path and must keep working while PostgreSQL is down.
 */
@Injectable()
export class ReceiverStats {
  private readonly since = new Date();
  private acceptedRequests = 0;
  private storedEvents = 0;
  private duplicateEvents = 0;
  private validationEvents = 0;
  private enqueueFailures = 0;
  private readonly rejections = new Map<RejectReason, number>();
  /** Requests being received right now (the workers of ROLE=all give way while many are). */
  readonly inFlight = new InFlightGauge();

  accepted(stored: number, duplicates: number, validations: number): void {
    this.acceptedRequests++;
    this.storedEvents += stored;
    this.duplicateEvents += duplicates;
    this.validationEvents += validations;
  }

  rejected(reason: RejectReason): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
  }

  enqueueFailed(): void {
    this.enqueueFailures++;
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
      enqueueFailures: this.enqueueFailures,
      rejections: Object.fromEntries([...this.rejections].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
