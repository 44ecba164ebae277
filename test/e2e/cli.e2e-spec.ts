import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/core/config/app-config';
import { databaseUrl, dropDatabase, testDatabaseName } from '../utils/test-database';
import { TEST_ADMIN_KEY, testEnvironment, waitFor } from '../utils/test-app';
import { seedEvent } from './events-seed';

const ROOT = join(__dirname, '..', '..');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: <T = any>() => T;
}

/** `npm run cli -- ...` as a child process (from the sources, as the npm script runs it), with `env` only. */
function cli(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'cli.ts'), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}

/**
 * The operators' CLI against a test database and the real Redis, next to a running API on the same database:
 * what the CLI changes, the API sees at once.
 */
describe('CLI (e2e)', () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  let app: NestFastifyApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    // ROLE=api: no worker takes the replayed events, so their state can be looked at.
    ({ env, cleanup } = await testEnvironment({
      ROLE: 'api',
      SOCKETLABS_API_KEY: 'sl-key-that-must-not-show',
      LOG_LEVEL: 'error',
    }));
    app = await createHttpApp(AppConfig.fromEnvironment(env));
    dataSource = app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  const get = (url: string, key: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  it('creates a key that works at once, lists it without the key, and revokes it for the running API too', async () => {
    const created = await cli(
      env,
      'api-keys',
      'create',
      '--name',
      'billing-service',
      '--scopes',
      'events:read,socketlabs:read',
    );
    expect(created).toMatchObject({ code: 0 });
    const key = created.json();
    expect(key).toMatchObject({
      id: expect.any(String),
      name: 'billing-service',
      scopes: ['events:read', 'socketlabs:read'],
      key: expect.stringMatching(/^slgw_/),
    });
    expect((await get('/api/v1/events', key.key)).statusCode).toBe(200);

    const listed = await cli(env, 'api-keys', 'list');
    expect(listed.code).toBe(0);
    expect(listed.json().data).toEqual([
      expect.objectContaining({ id: key.id, name: 'billing-service', revokedAt: null }),
    ]);
    expect(listed.stdout).not.toContain(key.key);

    const revoked = await cli(env, 'api-keys', 'revoke', key.id);
    expect(revoked.code).toBe(0);
    expect(revoked.json()).toMatchObject({ id: key.id, revokedAt: expect.any(String) });
    // The API process had the key cached; the revocation reaches it through Redis.
    await waitFor(
      async () => (await get('/api/v1/events', key.key)).statusCode === 401,
      5000,
      'the running API to refuse the revoked key',
    );

    const audit = await dataSource.query(
      `SELECT action, api_key_name, target FROM audit_log WHERE action LIKE 'api-keys.%' ORDER BY id`,
    );
    expect(audit).toEqual([
      { action: 'api-keys.create', api_key_name: 'cli', target: key.id },
      { action: 'api-keys.revoke', api_key_name: 'cli', target: key.id },
    ]);
  });

  it('refuses a bad command line with exit code 2, and an unknown key with 1', async () => {
    const bad = await cli(env, 'api-keys', 'create', '--name', 'x', '--scopes', 'events:read,root');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown scope root');
    expect(bad.stdout).toBe('');
    const missing = await cli(env, 'api-keys', 'revoke', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('was not found');
  });

  it('replays failed events and given ids through the service the API uses', async () => {
    const failed = await seedEvent(dataSource, {
      state: 'failed',
      type: 'Delivered',
      attempts: 5,
      lastError: 'parse error',
    });
    const processed = await seedEvent(dataSource, { state: 'processed', type: 'Delivered' });

    const byState = await cli(env, 'events', 'replay', '--state', 'failed');
    expect(byState.code).toBe(0);
    expect(byState.json()).toEqual({ replayed: 1, queued: true });
    const byIds = await cli(env, 'events', 'replay', '--ids', `${processed},999999`);
    expect(byIds.json()).toEqual({ replayed: 1, queued: true });

    // Both back in the backlog, pending, to be normalized again from their raw text.
    const rows = await dataSource.query(
      'SELECT event_id::text AS id, state, attempts, last_error, normalize FROM event_backlog WHERE event_id = ANY($1::bigint[]) ORDER BY event_id',
      [[failed, processed]],
    );
    expect(rows).toEqual([
      { id: failed, state: 'pending', attempts: 0, last_error: null, normalize: true },
      { id: processed, state: 'pending', attempts: 0, last_error: null, normalize: true },
    ]);
    expect((await cli(env, 'events', 'replay', '--state', 'failed', '--ids', '1')).code).toBe(2);
  });

  it('prints the configuration with every secret masked', async () => {
    const res = await cli(
      { ...env, DATABASE_URL: env.DATABASE_URL.replace('postgres@', 'postgres:db-password-xyz@') },
      'config',
    );
    expect(res.code).toBe(0);
    const config = res.json();
    expect(config).toMatchObject({
      role: 'api',
      auth: { adminApiKey: '****' },
      socketlabs: { apiKey: '****' },
      webhook: { secretKey: null },
    });
    expect(config.database.url).toContain(':****@');
    for (const secret of [TEST_ADMIN_KEY, 'sl-key-that-must-not-show', 'db-password-xyz'])
      expect(res.stdout).not.toContain(secret);
  });

  it('migrates a new database, and again is a no-op', async () => {
    const name = testDatabaseName('db');
    const url = databaseUrl(name);
    try {
      const first = await cli({ ...env, DATABASE_URL: url }, 'migrate');
      expect(first.code).toBe(0);
      expect(first.json().applied.length).toBeGreaterThanOrEqual(2);
      const again = await cli({ ...env, DATABASE_URL: url }, 'migrate');
      expect(again.json()).toEqual({ applied: [] });
    } finally {
      await dropDatabase(name);
    }
  });
});
