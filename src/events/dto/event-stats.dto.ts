/** Counts per canonical event type; types this service does not know are counted in `unknown`. */
export class EventTypeCountsDto {
  queued: number;
  deferred: number;
  delivered: number;
  failed: number;
  tracking: number;
  complaint: number;
  unknown: number;
}

/** Tracking events by kind. */
export class TrackingTypeCountsDto {
  click: number;
  open: number;
  unsubscribe: number;
}

/** Events by processing state: `pending` is the backlog, `failed` the dead events to look at and replay. */
export class EventStateCountsDto {
  pending: number;
  processed: number;
  failed: number;
}

/**
 * Read from counters kept per hour of `occurredAt` (never by counting events), so the answer takes the same few
 * milliseconds whatever the number of events, and is exact for whole hours.
 */
export class EventStatsResponseDto {
  /** The window counted: the one asked for, widened to whole hours (UTC); null: unbounded. */
  from: Date | null;
  to: Date | null;
  /** All events in the window (events without a readable DateTime only in an unbounded window). @example 1200 */
  total: number;
  byType: EventTypeCountsDto;
  byTrackingType: TrackingTypeCountsDto;
  byState: EventStateCountsDto;
  /** When the oldest event still pending was received, whatever the window; null when none is pending. */
  oldestPendingReceivedAt: Date | null;
}
