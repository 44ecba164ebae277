import { Logger, LoggerService } from '@nestjs/common';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../../src/core/config/app-config';
import { SocketLabsClient } from '../../src/socketlabs/socketlabs.client';
import { SocketLabsApiException } from '../../src/socketlabs/socketlabs.errors';
import { SocketLabsPaths } from '../../src/socketlabs/socketlabs.paths';
import type { SocketLabsRequest } from '../../src/socketlabs/socketlabs.types';
import { FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';

/** Every line any logger wrote during this file. */
const lines: string[] = [];
class CapturingLogger implements LoggerService {
  log = (m: unknown, ...rest: unknown[]) => lines.push(['log', m, ...rest].map(String).join(' '));
  warn = (m: unknown, ...rest: unknown[]) => lines.push(['warn', m, ...rest].map(String).join(' '));
  error = (m: unknown, ...rest: unknown[]) => lines.push(['error', m, ...rest].map(String).join(' '));
  debug = (m: unknown, ...rest: unknown[]) => lines.push(['debug', m, ...rest].map(String).join(' '));
  verbose = (m: unknown, ...rest: unknown[]) => lines.push(['verbose', m, ...rest].map(String).join(' '));
  fatal = (m: unknown, ...rest: unknown[]) => lines.push(['fatal', m, ...rest].map(String).join(' '));
}

const TIMEOUT_MS = 300;
const MAX_RETRIES = 3;

function client(env: Record<string, string>): SocketLabsClient {
  return new SocketLabsClient(
    AppConfig.fromEnvironment({
      SOCKETLABS_TIMEOUT_MS: String(TIMEOUT_MS),
      SOCKETLABS_MAX_RETRIES: String(MAX_RETRIES),
      ...env,
    }),
  );
}

/** The rejection of `promise`, which must fail with a SocketLabsApiException. */
async function failure(promise: Promise<unknown>): Promise<SocketLabsApiException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SocketLabsApiException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const body = (e: SocketLabsApiException) =>
  e.getResponse() as { code: string; message: string; details: Record<string, unknown> };

describe('SocketLabsClient against the fake SocketLabs', () => {
  let fake: FakeSocketLabs;
  let sl: SocketLabsClient;
  const getPools: SocketLabsRequest = SocketLabsPaths.listIpPools();
  const createPool = (name = 'Pool') => ({
    ...SocketLabsPaths.createIpPool(),
    body: { name, ipAssignmentIDs: ['ipa-1001'] },
  });

  beforeAll(async () => {
    Logger.overrideLogger(new CapturingLogger());
    fake = await FakeSocketLabs.start();
    sl = client(fake.env());
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset();
    lines.length = 0;
  });
  afterEach(() => {
    // Whatever happened, our key is in no log line.
    expect(lines.join('\n')).not.toContain(fake.apiKey);
  });

  it('sends the bearer key, JSON headers and a User-Agent, and unwraps { data } and { data, total }', async () => {
    const pool = await sl.call<{ ipPoolId: number; name: string }>(createPool('Transactional'));
    expect(pool).toMatchObject({ ipPoolId: 1, name: 'Transactional', status: 'Active' });
    expect(pool).not.toHaveProperty('data');

    const [sent] = fake.requestsTo('POST', '/v2/ip-pool');
    expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['user-agent']).toMatch(/^socketlabs-gateway/);
    expect(sent.body).toEqual({ name: 'Transactional', ipAssignmentIDs: ['ipa-1001'] });

    const list = await sl.list(getPools);
    expect(list).toEqual({ data: [expect.objectContaining({ ipPoolId: 1 })], total: 1 });
  });

  it('passes paging, sorting and filters as SocketLabs writes them (desc as dsc, filters readable, empty values left out)', async () => {
    const list = await sl.list<{ ipAddress: string }>({
      ...SocketLabsPaths.listIpAllocations(),
      query: {
        pageNumber: 0,
        pageSize: 5,
        sortField: 'IpAddress',
        sortDirection: 'desc',
        filters: ['IpAddress=like:10.28.100'],
        unused: undefined,
        empty: '',
      },
    });
    const [sent] = fake.requestsTo('GET', '/v2/ip-allocation');
    expect(sent.rawUrl).toBe(
      '/v2/ip-allocation?pageNumber=0&pageSize=5&sortField=IpAddress&sortDirection=dsc&filters=IpAddress=like:10.28.100',
    );
    expect(list.total).toBe(2);
    expect(list.data.map((a) => a.ipAddress)).toEqual(['10.28.100.12', '10.28.100.11']);
  });

  it('logs each call once: operation, method, path with query names only, status, duration and attempts', async () => {
    await sl.list({
      ...SocketLabsPaths.listIpAllocations(),
      query: { filters: 'IpAddress=like:10.28.100', pageSize: 5 },
    });
    const calls = lines.filter((l) => l.includes('accounts.listIpAllocations'));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(
      /^log accounts\.listIpAllocations GET \/v2\/ip-allocation\?filters&pageSize -> 200 in \d+ms \(1 attempt\)/,
    );
    expect(calls[0]).not.toContain('10.28.100');
  });

  it('retries a 429 after the Retry-After it was given (seconds), then succeeds', async () => {
    fake.misbehave({ path: '/v2/ip-pool', status: 429, retryAfter: 1 });
    await sl.list(getPools);
    const [first, second] = fake.requestsTo('GET', '/v2/ip-pool');
    expect(fake.requestsTo('GET', '/v2/ip-pool')).toHaveLength(2);
    expect(first.misbehaved).toBe('429');
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
    expect(second.at - first.at).toBeLessThan(2000);
    expect(lines.find((l) => l.includes('listIpPools'))).toMatch(/-> 200 .*\(2 attempts\)/);
  });

  it('retries a 429 for a POST too (the request was rejected, not acted on)', async () => {
    fake.misbehave({ path: '/v2/ip-pool', method: 'POST', status: 429, retryAfter: 0 });
    fake.misbehave({ path: '/v2/ip-pool', method: 'POST', status: 503 });
    await expect(sl.call(createPool())).resolves.toMatchObject({ ipPoolId: 1 });
    expect(fake.requestsTo('POST', '/v2/ip-pool')).toHaveLength(3);
    expect(fake.state.ipPools.size).toBe(1);
  });

  it('answers 429 at once when SocketLabs asks to wait longer than the cap', async () => {
    fake.misbehave({ status: 429, retryAfter: 120 });
    const err = await failure(sl.list(getPools));
    expect(err.getStatus()).toBe(429);
    expect(body(err)).toMatchObject({
      code: 'SOCKETLABS_RATE_LIMITED',
      details: { upstreamStatus: 429, retryAfterSeconds: 120, attempts: 1 },
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a GET after 500, 502 and 503 and returns the answer', async () => {
    fake.misbehave({ status: 500 });
    fake.misbehave({ status: 502 });
    fake.misbehave({ status: 503 });
    await expect(sl.list(getPools)).resolves.toEqual({ data: [], total: 0 });
    expect(fake.requests.map((r) => r.misbehaved ?? 'ok')).toEqual(['500', '502', '503', 'ok']);
  });

  it('gives up after SOCKETLABS_MAX_RETRIES and answers 502 with the upstream message', async () => {
    fake.misbehave({
      status: 503,
      times: 10,
      body: { data: { error: [{ errorType: 'Maintenance', message: 'Down for maintenance' }] } },
    });
    const err = await failure(sl.list(getPools));
    expect(err.getStatus()).toBe(502);
    expect(body(err).code).toBe('SOCKETLABS_UPSTREAM_ERROR');
    expect(body(err).message).toBe('SocketLabs: Down for maintenance (after 4 attempts)');
    expect(body(err).details).toMatchObject({ upstreamStatus: 503, attempts: MAX_RETRIES + 1 });
    expect(fake.requests).toHaveLength(MAX_RETRIES + 1);
    expect(lines.find((l) => l.includes('listIpPools'))).toMatch(/^error .*-> 503 .*\(4 attempts\)/);
  });

  it('never retries a POST after a 502 or 504 (SocketLabs may have acted) and says so', async () => {
    for (const status of [502, 504, 500]) {
      fake.reset();
      fake.misbehave({ status });
      const err = await failure(sl.call(createPool()));
      expect(err.getStatus()).toBe(502);
      expect(body(err).message).toContain('may have carried it out');
      expect(fake.requests).toHaveLength(1);
    }
  });

  it('never retries a POST after a timeout: 504', async () => {
    fake.misbehave({ delayMs: TIMEOUT_MS * 4 });
    const err = await failure(sl.call(createPool()));
    expect(err.getStatus()).toBe(504);
    expect(body(err)).toMatchObject({ code: 'SOCKETLABS_TIMEOUT', details: { attempts: 1 } });
    expect(body(err).message).toContain(`within ${TIMEOUT_MS} ms`);
    expect(fake.requests).toHaveLength(1);
    expect(lines.find((l) => l.includes('createIpPool'))).toMatch(/-> timeout in \d+ms \(1 attempt\)/);
  });

  it('retries a GET after a timeout, and answers 504 when every attempt times out', async () => {
    fake.misbehave({ delayMs: TIMEOUT_MS * 4 });
    await expect(sl.list(getPools)).resolves.toEqual({ data: [], total: 0 });
    expect(fake.requests).toHaveLength(2);

    fake.reset();
    fake.misbehave({ delayMs: TIMEOUT_MS * 4, times: 10 });
    const err = await failure(sl.list(getPools));
    expect(err.getStatus()).toBe(504);
    expect(fake.requests).toHaveLength(MAX_RETRIES + 1);
  });

  it('never retries a POST whose connection dropped after sending; retries a GET', async () => {
    fake.misbehave({ drop: true });
    const err = await failure(sl.call(createPool()));
    expect(err.getStatus()).toBe(502);
    expect(body(err).code).toBe('SOCKETLABS_UNREACHABLE');
    expect(body(err).message).toContain('may have carried it out');
    expect(fake.requests).toHaveLength(1);

    fake.reset();
    fake.misbehave({ drop: true });
    await expect(sl.list(getPools)).resolves.toEqual({ data: [], total: 0 });
    expect(fake.requests).toHaveLength(2);
  });

  it('retries even a POST when the connection is refused, then answers 502', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const nowhere = client({ SOCKETLABS_API_URL: `http://127.0.0.1:${port}`, SOCKETLABS_API_KEY: fake.apiKey });
    const err = await failure(nowhere.call(createPool()));
    expect(err.getStatus()).toBe(502);
    expect(body(err)).toMatchObject({ code: 'SOCKETLABS_UNREACHABLE', details: { attempts: MAX_RETRIES + 1 } });
    expect(body(err).message).toContain('ECONNREFUSED');
    expect(body(err).message).not.toContain('may have carried it out');
    expect(lines.find((l) => l.includes('createIpPool'))).toMatch(/-> ECONNREFUSED .*\(4 attempts\)/);
  });

  it.each([
    [400, 400, 'SOCKETLABS_BAD_REQUEST'],
    [404, 404, 'SOCKETLABS_NOT_FOUND'],
    [409, 409, 'SOCKETLABS_CONFLICT'],
    [422, 422, 'SOCKETLABS_UNPROCESSABLE'],
    [405, 502, 'SOCKETLABS_UPSTREAM_ERROR'],
  ])('maps upstream %i to %i %s with the upstream message, without retrying', async (upstream, ours, code) => {
    fake.misbehave({
      status: upstream,
      body: { data: { error: [{ errorType: 'Validation', message: `It went ${upstream}` }] } },
    });
    const err = await failure(sl.list(getPools));
    expect(err.getStatus()).toBe(ours);
    expect(body(err)).toMatchObject({
      code,
      message: `SocketLabs: It went ${upstream}`,
      details: {
        upstreamStatus: upstream,
        upstreamErrors: [{ errorType: 'Validation', message: `It went ${upstream}` }],
        attempts: 1,
      },
    });
    expect(fake.requests).toHaveLength(1);
  });

  it("maps the fake's own 404 and 409 answers (real state, not a misbehaviour)", async () => {
    const missing = await failure(sl.call(SocketLabsPaths.getSubaccount(999)));
    expect(missing.getStatus()).toBe(404);
    expect(body(missing).message).toBe('SocketLabs: Subaccount 999 was not found.');
    await sl.call(createPool('Same'));
    const dup = await failure(sl.call(createPool('Same')));
    expect(dup.getStatus()).toBe(409);
    expect(body(dup).message).toBe("SocketLabs: An IP pool named 'Same' already exists.");
  });

  it('reads v1-style error arrays, plain text, HTML and empty error bodies', async () => {
    fake.misbehave({ status: 400, body: [{ Message: 'Domain is invalid', ErrorType: 'InvalidDomain' }] });
    expect(body(await failure(sl.list(getPools)))).toMatchObject({
      message: 'SocketLabs: Domain is invalid',
      details: { upstreamErrors: [{ errorType: 'InvalidDomain' }] },
    });
    fake.misbehave({ status: 400, body: 'Bad thing happened' });
    expect(body(await failure(sl.list(getPools))).message).toBe('SocketLabs: Bad thing happened');
    fake.misbehave({ status: 404, body: '<html><body>Not here</body></html>', contentType: 'text/html' });
    expect(body(await failure(sl.list(getPools))).message).toBe(
      'SocketLabs answered 404 Not Found to GET /v2/ip-pool (accounts.listIpPools).',
    );
    fake.misbehave({ status: 422, body: '' });
    expect(body(await failure(sl.list(getPools))).message).toBe(
      'SocketLabs answered 422 Unprocessable Entity to GET /v2/ip-pool (accounts.listIpPools).',
    );
  });

  it('turns SocketLabs refusing our key (401/403) into a 502 that names the setting, never the key', async () => {
    const wrongKey = 'WrongKey000000000000.wrong000000000000000000000000000000000000';
    const wrong = client({ ...fake.env(), SOCKETLABS_API_KEY: wrongKey });
    const err = await failure(wrong.list(getPools));
    expect(err.getStatus()).toBe(502);
    expect(body(err).code).toBe('SOCKETLABS_AUTH_FAILED');
    expect(body(err).message).toContain('SOCKETLABS_API_KEY');
    expect(JSON.stringify(body(err))).not.toContain(wrongKey);
    expect(fake.requests).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(wrongKey);

    // SocketLabs echoing our key back is scrubbed too.
    fake.misbehave({
      status: 403,
      body: { data: { error: [{ errorType: 'Forbidden', message: `Key ${fake.apiKey} lacks access` }] } },
    });
    const forbidden = await failure(sl.list(getPools));
    expect(forbidden.getStatus()).toBe(502);
    expect(JSON.stringify(body(forbidden))).not.toContain(fake.apiKey);
    expect(JSON.stringify(body(forbidden))).toContain('[redacted]');
  });

  it('answers 503 SOCKETLABS_NOT_CONFIGURED without any request when no key is set', async () => {
    const unconfigured = client({ SOCKETLABS_API_URL: fake.url, SOCKETLABS_API_KEY: '' });
    const err = await failure(unconfigured.list(getPools));
    expect(err.getStatus()).toBe(503);
    expect(body(err).code).toBe('SOCKETLABS_NOT_CONFIGURED');
    expect(fake.requests).toHaveLength(0);
  });

  it('answers 502 SOCKETLABS_BAD_RESPONSE for a success that is not JSON, or a list that is not a list', async () => {
    fake.misbehave({ status: 200, body: 'surprise' });
    expect(body(await failure(sl.list(getPools))).code).toBe('SOCKETLABS_BAD_RESPONSE');
    fake.route('GET', '/v2/odd', () => ({ status: 200, body: { data: { not: 'a list' } } }));
    expect(body(await failure(sl.list({ operation: 'test.odd', method: 'GET', path: '/v2/odd' }))).code).toBe(
      'SOCKETLABS_BAD_RESPONSE',
    );
  });

  it('returns undefined for a 204 (DELETE) and tolerates a list without total or envelope', async () => {
    fake.route('GET', '/v2/bare', () => ({ status: 200, body: [{ a: 1 }, { a: 2 }] }));
    await expect(sl.list({ operation: 'test.bare', method: 'GET', path: '/v2/bare' })).resolves.toEqual({
      data: [{ a: 1 }, { a: 2 }],
      total: 2,
    });
    const sub = await sl.call<{ subaccountId: number }>({
      ...SocketLabsPaths.createSubaccount(),
      body: { name: 'A', useRuleEngine: true },
    });
    await expect(sl.call(SocketLabsPaths.deleteSubaccount(sub.subaccountId))).resolves.toBeUndefined();
  });

  describe('inject', () => {
    const message = (to: string[]) => ({
      from: { emailAddress: 'from@example.com' },
      to: to.map((emailAddress) => ({ emailAddress })),
      subject: 'Hello',
      textBody: 'Hi',
    });

    it('posts to the Injection API with the bearer key and returns its answer as it is', async () => {
      const res = await sl.inject({ serverId: 12345, messages: [message(['a@example.com'])] });
      expect(res).toEqual({ ErrorCode: 'Success', MessageResults: [], TransactionReceipt: null });
      const [sent] = fake.requestsTo('POST', '/api/v1/email');
      expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
      expect(sent.body).toEqual({ serverId: 12345, messages: [message(['a@example.com'])] });
    });

    it('returns a Warning with AddressResults faithfully (it is not an HTTP error)', async () => {
      const res = await sl.inject({ serverId: 12345, messages: [message(['a@example.com', 'not-an-address'])] });
      expect(res).toEqual({
        ErrorCode: 'Warning',
        TransactionReceipt: null,
        MessageResults: [
          {
            Index: 0,
            ErrorCode: 'Warning',
            AddressResults: [{ EmailAddress: 'not-an-address', Accepted: false, ErrorCode: 'InvalidAddress' }],
          },
        ],
      });
    });

    it('maps an HTTP 401 of the Injection API to 502 and is not retried', async () => {
      const wrong = client({ ...fake.env(), SOCKETLABS_API_KEY: 'nope-nope-nope-nope' });
      const err = await failure(wrong.inject({ serverId: 1, messages: [message(['a@example.com'])] }));
      expect(err.getStatus()).toBe(502);
      expect(body(err).code).toBe('SOCKETLABS_AUTH_FAILED');
      expect(fake.requests).toHaveLength(1);
    });

    it('is never retried after a 502 (a message could be sent twice)', async () => {
      fake.misbehave({ path: '/api/v1/email', status: 502 });
      const err = await failure(sl.inject({ serverId: 1, messages: [message(['a@example.com'])] }));
      expect(err.getStatus()).toBe(502);
      expect(fake.requests).toHaveLength(1);
      expect(fake.state.injected).toHaveLength(0);
    });
  });
});
