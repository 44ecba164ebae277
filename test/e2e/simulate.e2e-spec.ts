import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, ServiceProcess } from '../utils/service-process';
import { testEnvironment, TEST_ADMIN_KEY } from '../utils/test-app';

const ROOT = join(__dirname, '..', '..');

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run simulate -- <args>`, exactly as a newcomer types it. */
function simulate(args: string[], env: Record<string, string> = {}, timeoutMs = 150_000): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'simulate', '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run simulate against a running service (e2e)', () => {
  let env: Awaited<ReturnType<typeof testEnvironment>>;
  let service: ServiceProcess;
  let db: Client;

  beforeAll(async () => {
    env = await testEnvironment({ LOG_LEVEL: 'warn' });
    service = new ServiceProcess({ ...env.env, PORT: String(await freePort()) });
    await service.start();
    db = new Client({ connectionString: env.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await db?.end();
    await env?.cleanup();
  });

  it('posts every kind of event, exits 0, and the service holds exactly what the script reports', async () => {
    const run = await simulate(
      [
        '--url',
        service.baseUrl,
        '--messages',
        '40',
        '--rate',
        '400',
        '--duplicates',
        '0.15',
        '--form',
        '0.3',
        '--seed',
        '7',
        '--json',
      ],
      {
        ADMIN_API_KEY: TEST_ADMIN_KEY, // the default key, as a newcomer's .env gives it
      },
    );
    if (run.code !== 0)
      throw new Error(
        `simulate exited ${run.code}\n${run.stderr}\n${run.stdout}\n--- service ---\n${service.output.slice(-3000)}`,
      );
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(summary.ok).toBe(true);
    expect(summary.problems).toEqual([]);
    expect(run.stderr).toContain('Summary');

    // What it posted: every response a 200, every re-post acknowledged as a duplicate.
    const { posted, responses } = summary;
    expect(posted.total).toBe(posted.events + posted.duplicates);
    expect(posted.duplicates).toBe(Math.round(posted.events * 0.15));
    expect(posted.form).toBeGreaterThan(0);
    expect(posted.lateBounces).toBeGreaterThan(0);
    expect(posted.outOfOrderMessages).toBeGreaterThan(0);
    expect(responses).toEqual({
      ok: posted.total,
      refused: 0,
      storedAcknowledged: posted.events,
      duplicatesAcknowledged: posted.duplicates,
    });

    // The database holds each event once, in both formats, of every type.
    const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0].n);
    expect(await count('SELECT count(*) AS n FROM email_events')).toBe(posted.events);
    expect(await count('SELECT count(*) AS n FROM event_backlog')).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM email_events WHERE format = 'form'`)).toBe(posted.form);
    // Known types canonical, an unknown one lower-cased.
    const types = (await db.query('SELECT DISTINCT type FROM email_events')).rows.map((r) => r.type as string).sort();
    expect(types).toEqual(['Complaint', 'Deferred', 'Delivered', 'Failed', 'Queued', 'Tracking', 'engagement']);
    const failureTypes = (
      await db.query('SELECT DISTINCT failure_type FROM email_events WHERE failure_type IS NOT NULL ORDER BY 1')
    ).rows.map((r) => r.failure_type);
    expect(failureTypes).toEqual(['Permanent', 'Suppressed', 'Temporary']);
    const trackingTypes = (
      await db.query('SELECT DISTINCT tracking_type FROM email_events WHERE tracking_type IS NOT NULL ORDER BY 1')
    ).rows.map((r) => r.tracking_type);
    expect(trackingTypes).toEqual(['Click', 'Open', 'Unsubscribe']);
    expect(
      await count('SELECT count(*) AS n FROM webhook_endpoints WHERE id = $1 AND validated_at IS NOT NULL', [
        summary.endpointId,
      ]),
    ).toBe(1);

    // Messages and suppressions as reported, and as the events imply.
    const statuses = (
      await db.query('SELECT status, count(*)::int AS n FROM messages WHERE mailing_id = $1 GROUP BY status', [
        summary.mailingId,
      ])
    ).rows;
    const byStatus = Object.fromEntries(
      Object.keys(summary.messages.byStatus).map((s) => [s, statuses.find((r) => r.status === s)?.n ?? 0]),
    );
    expect(byStatus).toEqual(summary.messages.byStatus);
    expect(summary.messages.byStatus).toEqual(summary.messages.expected);
    expect(summary.messages.total).toBe(40);
    for (const status of ['queued', 'deferred', 'delivered', 'failed', 'suppressed', 'complained'])
      expect(byStatus[status]).toBeGreaterThan(0);
    const reasons = (await db.query('SELECT reason, count(*)::int AS n FROM suppressions GROUP BY reason')).rows;
    const byReason = Object.fromEntries(
      Object.keys(summary.suppressions.byReason).map((r) => [r, reasons.find((x) => x.reason === r)?.n ?? 0]),
    );
    expect(byReason).toEqual(summary.suppressions.byReason);
    expect(summary.suppressions.added).toEqual(summary.suppressions.expectedAdded);
  });

  it('prints a readable summary without --json', async () => {
    const run = await simulate([
      '--url',
      service.baseUrl,
      '--api-key',
      TEST_ADMIN_KEY,
      '--messages',
      '12',
      '--rate',
      '400',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Validation handshake: 200/);
    expect(run.stdout).toMatch(/duplicates acknowledged\s+\d+\s+✓/);
    expect(run.stdout).toMatch(/complained\s+1\s+✓/);
    expect(run.stdout).toContain('✓ Every event was acknowledged');
  });

  it('exits 2 with a hint when the service cannot be reached', async () => {
    const run = await simulate([
      '--url',
      `http://127.0.0.1:${await freePort()}`,
      '--api-key',
      TEST_ADMIN_KEY,
      '--messages',
      '1',
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Cannot reach the service');
  });

  it('exits 2 when the API key is refused, and explains the options when one is missing', async () => {
    const wrong = await simulate(['--url', service.baseUrl, '--api-key', 'not-the-admin-key-0000', '--messages', '1']);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('refused the API key');
    const missing = await simulate(['--url', service.baseUrl, '--messages', '1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--api-key');
  });
});

describe('npm run simulate when the receiver refuses events (e2e)', () => {
  let server: http.Server;
  let url: string;
  let posts = 0;

  beforeAll(async () => {
    // A stand-in for a broken deployment: the API works, the receiver answers 401 to everything but the handshake.
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const json = (status: number, value: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (req.url === '/health') return json(200, { status: 'ok' });
        if (req.url === '/api/v1/webhook-endpoints' && req.method === 'POST')
          return json(201, { id: 'e1', receiverPath: '/webhooks/socketlabs/e1' });
        if (req.url === '/api/v1/webhook-endpoints/e1') return json(200, { validatedAt: new Date().toISOString() });
        if (req.url?.startsWith('/api/v1/'))
          return json(200, { data: [], total: 0, byState: { pending: 0, processed: 0, failed: 0 }, byType: {} });
        if (body.includes('Validation')) return json(200, { received: 1, stored: 0, duplicates: 0, validations: 1 });
        posts++;
        return json(401, { statusCode: 401, code: 'WRONG_SECRET', message: 'SecretKey does not match this endpoint' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('exits 1, shows what was refused, and stops after 10 refusals', async () => {
    const run = await simulate(['--url', url, '--api-key', TEST_ADMIN_KEY, '--messages', '50', '--rate', '1000']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('401 WRONG_SECRET: SecretKey does not match this endpoint');
    expect(run.stdout).toContain('Stopped after 10 refusals');
    expect(posts).toBeLessThan(60);
  });
});
