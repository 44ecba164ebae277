/**
 * Deletes the rows of `table` that match `where`, `batch` per statement (each its own short transaction when `query`
 * runs outside one), so that retention never holds locks long beside the service's own writes however much it has
 * to delete; `orderBy` deletes the oldest first. Answers how many rows it deleted.
 */
export async function deleteInBatches(
  query: (sql: string, params?: unknown[]) => Promise<unknown>,
  table: string,
  where: string,
  params: unknown[],
  batch: number,
  orderBy?: string,
): Promise<number> {
  const order = orderBy ? ` ORDER BY ${orderBy}` : '';
  let total = 0;
  for (;;) {
    const [, deleted] = (await query(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${where}${order} LIMIT ${batch})`,
      params,
    )) as [unknown, number | null | undefined];
    total += Number(deleted ?? 0);
    if (!deleted || deleted < batch) return total;
  }
}
