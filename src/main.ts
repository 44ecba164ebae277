import 'dotenv/config';
import 'reflect-metadata';
import { bootLogger, createHttpApp, createWorkerContext } from './bootstrap';
import { AppConfig } from './core/config/app-config';
import { prepareDatabase } from './core/database/prepare-database';

/**
 * One entry point for every role: `ROLE=all` (default: HTTP API, receiver and workers in one process),
 * `ROLE=api` (HTTP only) or `ROLE=worker` (processors only, no HTTP server).
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnvironment();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  await prepareDatabase(config.database.url);

  if (config.role === 'worker') {
    await createWorkerContext(config);
    bootLogger.log('Worker started (ROLE=worker)');
    return;
  }
  const app = await createHttpApp(config);
  await app.listen(config.http.port, config.http.host);
  bootLogger.log(`Listening on http://${config.http.host}:${config.http.port} (ROLE=${config.role}); Swagger UI at /docs`);
}

main().catch((err) => {
  bootLogger.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
