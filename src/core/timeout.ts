/**
 * `promise`, or a rejection once `ms` have passed without an answer from `what` (the timer is cleared either
 * way). `ErrorType` lets a caller give the rejection a meaning of its own (the receiver answers 503 on it).
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  ErrorType: new (message: string) => Error = Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ErrorType(`no answer from ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
