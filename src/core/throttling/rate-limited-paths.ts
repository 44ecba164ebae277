/**
 * Only the internal API is rate limited: never the SocketLabs receiver (SocketLabs retries a refused webhook
 * for days, and a burst is its normal traffic), /health*, /metrics or /docs.
 */
export function isRateLimited(url: string): boolean {
  return url.startsWith('/api/v1/') || url === '/api/v1';
}
