import { freePort, ServiceProcess } from '../utils/service-process';
import { testEnvironment } from '../utils/test-app';

const GIVES_WAY = 'the workers give way to it';

/**
 * The wiring of ReceiverPriority in a real process (its behaviour is in receiver-priority.spec.ts; its effect
 * on the receiver's speed in `npm run bench`): only the worker thread of ROLE=all sees the receiver's load.
 */
describe('workers giving way to the receiver (e2e)', () => {
  let service: ServiceProcess | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await service?.kill('SIGTERM');
    await cleanup?.();
    service = undefined;
    cleanup = undefined;
  });

  async function boot(overrides: Record<string, string>): Promise<string> {
    const environment = await testEnvironment({ LOG_LEVEL: 'log', PORT: String(await freePort()), ...overrides });
    cleanup = environment.cleanup;
    service = new ServiceProcess(environment.env);
    await service.start();
    // The worker thread of ROLE=all may finish booting after the HTTP side answers /health.
    const deadline = Date.now() + 15_000;
    while (!service.output.includes('Worker started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return service.output;
  }

  it('ROLE=all: the worker thread reads the HTTP thread\'s load and says it gives way, with its share and lag', async () => {
    const output = await boot({ ROLE: 'all', WORKER_SHARE_UNDER_LOAD: '7', WORKER_MAX_LAG_SECONDS: '42' });
    expect(output).toContain('Worker started (worker thread of ROLE=all)');
    expect(output).toContain(`${GIVES_WAY}: 7 % of the time, for jobs queued less than 42 s ago`);
  }, 60_000);

  it('ROLE=all with a share of 100 %: the workers never give way', async () => {
    const output = await boot({ ROLE: 'all', WORKER_SHARE_UNDER_LOAD: '100' });
    expect(output).toContain('Worker started (worker thread of ROLE=all)');
    expect(output).not.toContain(GIVES_WAY);
  }, 60_000);

  it('ROLE=worker: no receiver in the process, nothing to give way to', async () => {
    const output = await boot({ ROLE: 'worker' });
    expect(output).toContain('Worker started (ROLE=worker)');
    expect(output).not.toContain(GIVES_WAY);
  }, 60_000);
});
