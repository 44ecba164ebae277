import { deleteInBatches } from '../database/delete-in-batches';

/** Entries deleted per statement: each a short transaction beside the API's inserts, however old the backlog. */
export const AUDIT_DELETE_BATCH = 10_000;

/**
 * AUDIT_RETENTION_DAYS: deletes the audit log entries recorded before `before`, oldest first through the `at`
 * index, `batch` per statement (each its own transaction when `query` runs outside one). Answers how many.
 */
export function deleteAuditEntriesBefore(
  query: (sql: string, params?: unknown[]) => Promise<unknown>,
  before: Date,
  batch = AUDIT_DELETE_BATCH,
): Promise<number> {
  return deleteInBatches(query, 'audit_log', 'at < $1', [before], batch, 'at');
}
