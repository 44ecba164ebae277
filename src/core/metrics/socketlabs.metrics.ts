import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX, MetricsRegistry } from './metrics.registry';

/** SocketLabs' own latency: from a few tens of milliseconds to the client's timeout and retries. */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60];

/**
 * Calls to SocketLabs, as the one client (SocketLabsClient) reports them when each ends: by operation (the names
 * of SocketLabsPaths) and the final status, with the duration of the whole call, retries and waits included.
 */
@Injectable()
export class SocketLabsMetrics {
  private readonly calls: Counter<'operation' | 'status' | 'outcome'>;
  private readonly duration: Histogram<'operation'>;
  private readonly retries: Counter<'operation'>;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.calls = new Counter({
      name: `${METRIC_PREFIX}socketlabs_requests_total`,
      help: "Calls to SocketLabs by operation, final status (the HTTP status, or timeout / a connection error code) and outcome: ok (2xx), rejected (4xx but 429: the caller's request), failed (429, 5xx, timeout, unreachable).",
      labelNames: ['operation', 'status', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}socketlabs_request_duration_seconds`,
      help: 'Duration of each call to SocketLabs, its retries and the waits between them included.',
      labelNames: ['operation'],
      buckets: BUCKETS,
      registers,
    });
    this.retries = new Counter({
      name: `${METRIC_PREFIX}socketlabs_retries_total`,
      help: 'Attempts to SocketLabs beyond the first of each call (retries after a 429, 5xx, timeout or refused connection).',
      labelNames: ['operation'],
      registers,
    });
  }

  /** A call that ended with `status` after `attempts` attempts in `seconds`. */
  callEnded(operation: string, status: string, seconds: number, attempts: number): void {
    this.calls.inc({ operation, status, outcome: outcomeOf(status) });
    this.duration.observe({ operation }, seconds);
    if (attempts > 1) this.retries.inc({ operation }, attempts - 1);
  }
}

function outcomeOf(status: string): 'ok' | 'rejected' | 'failed' {
  if (/^2\d\d$/.test(status)) return 'ok';
  if (/^4\d\d$/.test(status) && status !== '429') return 'rejected';
  return 'failed';
}
