/** Entries deleted per statement: each a short transaction beside the API's inserts, however old the backlog. */
export const AUDIT_DELETE_BATCH = 10_000;

/**
 * AUDIT_RETENTION_DAYS: deletes the audit log entries recorded before `before`, oldest first through the `at`
 * index, `batch` per statement (each its own transaction when `query` runs outside one). Answers how many.
 */
export async function deleteAuditEntriesBefore(
  query: (sql: string, params?: unknown[]) => Promise<unknown>,
  before: Date,
  batch = AUDIT_DELETE_BATCH,
): Promise<number> {
  let total = 0;
  for (;;) {
    const [, deleted] = (await query(
      `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT ${batch})`,
      [before],
    )) as [unknown, number | null | undefined];
    total += Number(deleted ?? 0);
    if (!deleted || deleted < batch) return total;
  }
}
