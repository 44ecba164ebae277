import type { MessagePort } from 'node:worker_threads';
import type { Registry } from 'prom-client';

/** The key of the worker thread's workerData under which ROLE=all hands over the port its metrics are asked on. */
export const METRICS_PORT_KEY = 'metricsPort';
/** A busy worker thread (a batch being normalized) that has not answered by then is represented by its last answer. */
const ANSWER_WITHIN_MS = 1_000;

/** What `Registry.getMetricsAsJSON()` gives, as it crosses the port (plain data only). */
export type MetricsSnapshot = { name: string; help: string; type: string; aggregator: string; values: unknown[] }[];

interface Answer {
  id: number;
  metrics: MetricsSnapshot;
}

/**
 * ROLE=all, HTTP thread: the metrics of the worker thread, asked for at each scrape over a MessagePort (main.ts
 * creates the channel and hands one end to the thread as workerData[METRICS_PORT_KEY]). Between scrapes nothing
 * crosses the threads; the counters stay where they are counted.
 */
export class WorkerThreadMetrics {
  private nextId = 0;
  private last: MetricsSnapshot = [];
  private readonly waiting = new Map<number, (metrics: MetricsSnapshot) => void>();

  constructor(
    private readonly port: MessagePort,
    private readonly answerWithinMs = ANSWER_WITHIN_MS,
  ) {
    port.on('message', (answer: Answer) => {
      this.last = answer.metrics;
      this.waiting.get(answer.id)?.(answer.metrics);
      this.waiting.delete(answer.id);
    });
    port.unref();
  }

  /** The worker thread's metrics; its previous answer if it does not answer within ANSWER_WITHIN_MS. */
  collect(): Promise<MetricsSnapshot> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(this.last);
      }, this.answerWithinMs);
      this.waiting.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      this.port.postMessage({ id });
    });
  }
}

/** ROLE=all, worker thread: answers every request on `port` with the metrics of `registry`. */
export function answerMetricsRequests(port: MessagePort, registry: Registry): void {
  port.on('message', ({ id }: { id: number }) => {
    void registry.getMetricsAsJSON().then((all) => {
      // Only data crosses a port: what getMetricsAsJSON returns may carry functions (a metric's collect).
      const metrics: MetricsSnapshot = all.map((m) => ({
        name: m.name,
        help: m.help,
        type: String(m.type),
        aggregator: m.aggregator,
        values: m.values,
      }));
      port.postMessage({ id, metrics } satisfies Answer);
    });
  });
  port.unref();
}
