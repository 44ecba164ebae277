import { Injectable, OnModuleInit } from '@nestjs/common';
import { isMainThread, MessagePort, workerData } from 'node:worker_threads';
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { answerMetricsRequests, METRICS_PORT_KEY, WorkerThreadMetrics } from './worker-thread-metrics';

/** The prefix of every metric of this service (process_* and nodejs_* are prom-client's defaults). */
export const METRIC_PREFIX = 'slgw_';

/**
 * The Prometheus registry of this Nest context (one per application, not prom-client's global one, so that the
 * tests can build several apps in one process). Every metric of the service is registered here.
 *
 * The context that serves /metrics (an HTTP process, or a ROLE=worker process with METRICS_PORT) also collects
 * the process's default metrics. The worker thread of ROLE=all does not serve: it answers the HTTP thread's
 * requests for its metrics (WorkerThreadMetrics), which adds them to its own at each scrape.
 */
@Injectable()
export class MetricsRegistry implements OnModuleInit {
  readonly registry = new Registry();
  /** False on the worker thread of ROLE=all, whose metrics are served by the HTTP thread. */
  readonly serves = isMainThread;
  private workerThread?: WorkerThreadMetrics;

  constructor(private readonly config: AppConfig) {
    if (!this.serves) return;
    collectDefaultMetrics({ register: this.registry });
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- collect() is called with the gauge as `this`
    const registry = this;
    new Gauge({
      name: `${METRIC_PREFIX}build_info`,
      help: 'Always 1; the labels say which version runs and in which role (ROLE).',
      labelNames: ['version', 'role'],
      registers: [this.registry],
      aggregator: 'first',
      collect() {
        this.reset();
        this.set({ version: VERSION, role: registry.role }, 1);
      },
    });
  }

  onModuleInit(): void {
    const port = isMainThread ? undefined : (workerData as Record<string, unknown> | null)?.[METRICS_PORT_KEY];
    if (port instanceof MessagePort) answerMetricsRequests(port, this.registry);
  }

  /** ROLE=all: the HTTP thread's end of the port on which the worker thread answers (see main.ts). */
  addWorkerThread(port: MessagePort): void {
    this.workerThread = new WorkerThreadMetrics(port);
  }

  /** This process's role as an operator knows it: ROLE=all runs its HTTP side with the configuration of `api`. */
  get role(): string {
    return this.workerThread ? 'all' : this.config.role;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric of this process (both threads of ROLE=all, added up). */
  async render(): Promise<string> {
    if (!this.workerThread) return this.registry.metrics();
    const [own, thread] = await Promise.all([this.registry.getMetricsAsJSON(), this.workerThread.collect()]);
    return AggregatorRegistry.aggregate([own, thread]).metrics();
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the version of the package, read once
const VERSION: string = (require('../../../package.json') as { version: string }).version;
