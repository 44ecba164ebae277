/**
 * The queue catalogue. Queue and job names are a stored contract: renaming one strands the jobs already
 * queued under the old name, so add a new name and drain the old one instead.
 */
export enum QueueName {
  Events = 'email-events',
}

export enum JobName {
  /** Process a batch of stored events (one job per group-committed batch, or per sweep or replay chunk). */
  ProcessEvents = 'process-events',
  /** Re-enqueue stored events that were never processed (Redis was down, a job was lost); compact the counters. */
  SweepPending = 'sweep-pending',
  /** Create the coming months' partitions of email_events, and apply EVENT_RETENTION_DAYS and AUDIT_RETENTION_DAYS. Hourly. */
  MaintainStorage = 'maintain-storage',
}

export interface JobDataMap {
  [JobName.ProcessEvents]: { eventIds: string[] };
  [JobName.SweepPending]: Record<string, never>;
  [JobName.MaintainStorage]: Record<string, never>;
}

export type JobData<N extends JobName> = JobDataMap[N];

/** BullMQ job ids may not contain ':'. A batch's id is derived from its rows so a re-add is a no-op. */
export function processEventsJobId(eventIds: string[]): string {
  return `events-${eventIds[0]}-${eventIds[eventIds.length - 1]}-${eventIds.length}`;
}
