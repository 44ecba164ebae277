import { Logger } from '@nestjs/common';
import { FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';
import { queuedEvent } from '../fixtures/socketlabs-events';
import { captureOutput } from '../utils/capture-output';
import { createTestApp, TestApp } from '../utils/test-app';

const SECRET = 'receiver-secret-for-logging-test';

/** Structured logs: JSON lines, the request id on every line of a request, secrets redacted at any depth. */
describe('logging (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;
  let logs: string[];
  let restoreLogs: () => void;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    ({ logs, restore: restoreLogs } = captureOutput());
    t = await createTestApp({
      ...fake.env(),
      LOG_LEVEL: 'log',
      WEBHOOK_SECRET_KEY: SECRET,
      SOCKETLABS_MAX_RETRIES: '0',
    });
  });
  afterAll(async () => {
    await t?.close();
    restoreLogs();
    await fake.stop();
  });

  /** Every line written since `from`, parsed; a line that is not JSON fails the test. */
  function linesSince(from: number): Array<Record<string, any>> {
    return logs
      .slice(from)
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          throw new Error(`not a JSON log line: ${l}`);
        }
      });
  }

  it('writes JSON lines, and every line of a request carries its id', async () => {
    const from = logs.length;
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/subaccounts',
      headers: { 'x-request-id': 'log-test-req-1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('log-test-req-1');

    const mine = linesSince(from).filter((l) => l.requestId === 'log-test-req-1');
    // The SocketLabs client's line, logged from deep in the request through Nest's Logger, and the completion line.
    const call = mine.find((l) => typeof l.msg === 'string' && l.msg.includes('subaccounts.list'));
    expect(call).toMatchObject({ level: 30, context: 'SocketLabs' });
    const done = mine.find((l) => l.msg === 'request completed');
    expect(done).toMatchObject({ req: { method: 'GET', url: '/api/v1/subaccounts' }, res: { statusCode: 200 } });
    expect(typeof done!.responseTime).toBe('number');
    // The request's headers (the API key) are not logged.
    expect(JSON.stringify(mine)).not.toContain('test-admin-key');
  });

  it('logs a 4xx at warn level, and no query secret', async () => {
    const from = logs.length;
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/api-keys?token=abc-query-secret',
      apiKey: 'wrong-key-0000000000',
    });
    expect(res.statusCode).toBe(401);
    const done = linesSince(from).find(
      (l) => l.msg === 'request completed' && l.requestId === res.headers['x-request-id'],
    );
    expect(done).toMatchObject({ level: 40, res: { statusCode: 401 } });
    expect(done!.req.url).toBe('/api/v1/api-keys?token=[redacted]');
    expect(logs.slice(from).join('')).not.toContain('abc-query-secret');
  });

  it('redacts secrets at any depth of a logged object, and keeps errors whole', () => {
    const from = logs.length;
    new Logger('LoggingTest').log({
      msg: 'with a secret',
      outer: { list: [{ deeper: { apiKey: 'sk-very-secret-1' } }], SecretKey: 'sk-very-secret-2' },
    });
    new Logger('LoggingTest').error(new Error('boom for logging test'));
    const text = logs.slice(from).join('');
    expect(text).not.toContain('sk-very-secret');
    const [line, error] = linesSince(from);
    expect(line).toMatchObject({
      context: 'LoggingTest',
      outer: { list: [{ deeper: { apiKey: '[redacted]' } }], SecretKey: '[redacted]' },
    });
    expect(error).toMatchObject({ level: 50 });
    expect(JSON.stringify(error)).toContain('boom for logging test');
  });

  it('writes no line per webhook request (the receiver is not logged per request)', async () => {
    const from = logs.length;
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/socketlabs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ ...queuedEvent(), SecretKey: SECRET }),
    });
    expect(res.statusCode).toBe(200);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/webhooks/socketlabs/no-such-endpoint',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(refused.statusCode).toBe(401);
    const ids = [res.headers['x-request-id'], refused.headers['x-request-id']];
    expect(ids.every(Boolean)).toBe(true);
    expect(linesSince(from).filter((l) => ids.includes(l.requestId) || l.msg === 'request completed')).toEqual([]);
    // The API still is: the same capture sees the next API request.
    await t.request({ method: 'GET', url: '/api/v1/api-keys' });
    expect(linesSince(from).some((l) => l.msg === 'request completed')).toBe(true);
  });
});
