/**
 * The message of a thrown value, whatever was thrown: an Error's message, the message of an object that carries one,
 * anything else as text. For log lines and refusals: `(err as Error).message` is undefined for a thrown string and
 * throws for a thrown null or undefined.
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(err);
}
