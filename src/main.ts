import 'dotenv/config';
import 'reflect-metadata';
import { isMainThread, MessageChannel, MessagePort, parentPort, Worker } from 'node:worker_threads';
import { bootLogger, createHttpApp, createWorkerContext } from './bootstrap';
import { AppConfig } from './core/config/app-config';
import { prepareDatabase } from './core/database/prepare-database';
import { useBootLogger } from './core/logging/logging';
import { MetricsRegistry } from './core/metrics/metrics.registry';
import { METRICS_PORT_KEY } from './core/metrics/worker-thread-metrics';
import { niceThisThread } from './core/thread-priority';
import { errorMessage } from './core/error-message';

/**
 * One entry point for every role: `ROLE=all` (default: HTTP API, receiver and workers in one process),
 * `ROLE=api` (HTTP only) or `ROLE=worker` (processors only, no HTTP server).
 *
 * In `ROLE=all` the workers run on a worker thread of the same process, in their own Nest context: the
 * receiver's event loop then never waits behind a batch being normalized, and the process uses two cores. That
 * thread runs at a lower CPU priority (WORKER_THREAD_NICE), so that the receiver is served first when both want a core.
 */
async function main(): Promise<void> {
  if (!isMainThread) return runWorkerThread();

  let config: AppConfig;
  try {
    config = AppConfig.fromEnvironment();
  } catch (err) {
    console.error(errorMessage(err));
    process.exit(1);
  }
  useBootLogger(config);
  await prepareDatabase(config.database.url);

  if (config.role === 'worker') {
    await createWorkerContext(config);
    bootLogger.log('Worker started (ROLE=worker)');
    // Nest's own listener closes the context; this one only bounds how long that may take.
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => exitIfNotStoppedWithin(config.worker.stopTimeoutSeconds));
    return;
  }
  // ROLE=all: the worker thread answers for its metrics on a port of its own, so that /metrics here has both threads'.
  const metricsChannel = config.role === 'all' ? new MessageChannel() : undefined;
  if (metricsChannel) startWorkerThread(config.worker.stopTimeoutSeconds, metricsChannel.port2);
  const app = await createHttpApp(config.role === 'all' ? AppConfig.fromEnvironment({ ROLE: 'api' }) : config);
  if (metricsChannel) app.get(MetricsRegistry).addWorkerThread(metricsChannel.port1);
  await app.listen(config.http.port, config.http.host);
  bootLogger.log(
    `Listening on http://${config.http.host}:${config.http.port} (ROLE=${config.role}); Swagger UI at /docs`,
  );
}

/** ROLE=all: the workers on a thread of this process. It is stopped with the process, and takes it down if it dies. */
function startWorkerThread(stopTimeoutSeconds: number, metricsPort: MessagePort): void {
  // The same file, on another thread (ts-node's -r is inherited with execArgv when run from the sources).
  const thread = new Worker(__filename, {
    workerData: { [METRICS_PORT_KEY]: metricsPort },
    transferList: [metricsPort],
  });
  let stopping = false;
  thread.on('error', (err) => bootLogger.error(`worker thread failed: ${err.stack ?? err.message}`));
  thread.on('exit', (code) => {
    if (stopping) return;
    bootLogger.error(`worker thread exited (code ${code}); stopping the process`);
    process.exit(1);
  });
  // Registered before Nest's shutdown hooks: the thread finishes its jobs while the HTTP side closes, and this
  // listener keeps the signal Nest raises again after closing from ending the process before the thread is done.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      thread.postMessage('stop');
      exitIfNotStoppedWithin(stopTimeoutSeconds);
    });
  }
}

/**
 * A stop that does not finish in time ends the process anyway, with exit code 1: jobs it still held stay
 * pending in PostgreSQL and are processed again (processing is idempotent).
 */
function exitIfNotStoppedWithin(seconds: number): void {
  setTimeout(() => {
    bootLogger.warn(
      `the workers did not stop within ${seconds} s (STOP_TIMEOUT_SECONDS; is Redis reachable?): exiting, unfinished jobs stay pending`,
    );
    process.exit(1);
  }, seconds * 1000).unref();
}

async function runWorkerThread(): Promise<void> {
  const config = AppConfig.fromEnvironment({ ROLE: 'worker' });
  useBootLogger(config);
  // The receiver answers first when the cores are busy; processing may lag behind a burst (WORKER_THREAD_NICE).
  const nice = niceThisThread(config.worker.threadNice);
  const app = await createWorkerContext(config);
  bootLogger.log(`Worker started (worker thread of ROLE=all${nice === null ? '' : `, nice ${nice}`})`);
  parentPort!.once('message', () => {
    void app.close().finally(() => process.exit(0));
  });
}

main().catch((err) => {
  bootLogger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
