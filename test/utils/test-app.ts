import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/core/config/app-config';
import { deleteRedisKeys } from './redis-keys';
import { createTestDatabase } from './test-database';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  dataSource: DataSource;
  /** Sends a request through the real HTTP stack (Fastify inject), with the admin key unless `apiKey: null`. */
  request: (opts: TestRequest) => Promise<TestResponse>;
  close: () => Promise<void>;
}

export interface TestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  apiKey?: string | null;
}

export interface TestResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json: <T = any>() => T;
}

/** Environment for a test process: its own database and its own Redis key prefix. */
export async function testEnvironment(overrides: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const prefix = `{slgw-test-${randomBytes(4).toString('hex')}}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_LEVEL: 'error',
    SWEEPER_DELAY_SECONDS: '1',
    ...overrides,
  };
  const cleanup = async () => {
    await deleteRedisKeys(TEST_REDIS_URL, prefix);
    await db.drop();
  };
  return { env, db, prefix, cleanup };
}

/** Builds the app with the same function as main.ts, on a fresh database. */
export async function createTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const { env, cleanup } = await testEnvironment(overrides);
  const config = AppConfig.fromEnvironment(env);
  const app = await createHttpApp(config);
  const dataSource = app.get(DataSource);
  const request = async (opts: TestRequest): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.apiKey === undefined ? TEST_ADMIN_KEY : opts.apiKey;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
    const res = await app.inject({ method: opts.method, url: opts.url, headers, payload });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body, json: () => JSON.parse(res.body) };
  };
  return {
    app,
    config,
    dataSource,
    request,
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

/**
 * Makes the app listen on a free port of 127.0.0.1 (for clients that speak real HTTP, such as the typed client);
 * answers its base URL. `close()` stops the listener with the app.
 */
export async function listenOnFreePort(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}

/** Polls `check` until it returns a truthy value (no fixed sleeps); fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- whatever the check threw, as text
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A row of the audit log as the specs look at it. */
export interface AuditRow {
  status: number;
  target: string | null;
  // any: the specs look into it freely.
  details: any;
  error: string | null;
  outcome: string;
}

/**
 * The audit rows of one test: `mark()` in beforeEach, then `rows(action)` gives only what was written since (the fake
 * SocketLabs' ids start again at 1 in every test, so older rows would look the same).
 */
export function auditSinceMark(app: () => TestApp) {
  let mark = '0';
  return {
    mark: async (): Promise<void> => {
      mark = (await app().dataSource.query('SELECT coalesce(max(id), 0)::text AS m FROM audit_log'))[0].m;
    },
    rows: (action: string): Promise<AuditRow[]> =>
      app().dataSource.query(
        'SELECT status, target, details, error, outcome FROM audit_log WHERE action = $1 AND id > $2 ORDER BY id',
        [action, mark],
      ),
  };
}

/** `/api/v1` calls with the admin key, or with `apiKey`. */
export function apiCaller(app: () => TestApp) {
  return (method: TestRequest['method'], url: string, body?: unknown, apiKey?: string) =>
    app().request({ method, url: `/api/v1${url}`, body, apiKey });
}
