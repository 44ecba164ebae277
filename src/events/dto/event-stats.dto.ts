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

/** Tracking events by kind (processed events only: the kind is known once the event is parsed). */
export class TrackingTypeCountsDto {
  click: number;
  open: number;
  unsubscribe: number;
}

/** Events by processing state: `pending` is the backlog, `failed` the dead rows to look at and replay. */
export class EventStateCountsDto {
  pending: number;
  processed: number;
  failed: number;
}

export class EventStatsResponseDto {
  /** The window asked for (null: unbounded). */
  from: Date | null;
  to: Date | null;
  /** All events in the window. @example 1200 */
  total: number;
  byType: EventTypeCountsDto;
  byTrackingType: TrackingTypeCountsDto;
  byState: EventStateCountsDto;
  /** When the oldest event still pending was received; null when none is pending. */
  oldestPendingReceivedAt: Date | null;
}
