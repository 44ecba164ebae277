/**
 * The SQLSTATE of a thrown value (pg's error, or TypeORM's QueryFailedError around one), or undefined when it has
 * none: a Node error's code (ECONNRESET) is not one.
 */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
