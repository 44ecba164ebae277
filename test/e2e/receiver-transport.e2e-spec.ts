import http from 'node:http';
import net from 'node:net';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { ReceiverStats } from '../../src/webhooks/receiver/receiver.stats';
import { WebhookReceiverTransport } from '../../src/webhooks/receiver/webhook-receiver.transport';
import { createTestApp, listenOnFreePort, TEST_ADMIN_KEY, TestApp, waitFor } from '../utils/test-app';

const SECRET = 'transport-secret-Xk29';
const BODY_LIMIT = 16 * 1024;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * The receiver reads and answers the raw request itself (its route hijacks Fastify's reply), so what Fastify
 * would otherwise handle is tested here over a real socket: chunked bodies, a client that goes away mid-body,
 * refusals on a keep-alive connection.
 */
describe('Webhook receiver over a real socket (e2e)', () => {
  let t: TestApp;
  let port: number;
  let agent: http.Agent;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET, WEBHOOK_BODY_LIMIT: String(BODY_LIMIT) });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as net.AddressInfo).port;
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  });

  afterAll(async () => {
    agent?.destroy();
    await t?.close();
  });

  /** A POST whose body is written in the given chunks (chunked transfer encoding unless a length is set). */
  function post(
    chunks: string[],
    headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' },
  ): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { port, host: '127.0.0.1', method: 'POST', path: '/webhooks/socketlabs', headers, agent },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });
  }

  const count = async (messageId: string) =>
    Number(
      (await t.dataSource.query(`SELECT count(*) AS n FROM email_events WHERE raw LIKE $1`, [`%"${messageId}"%`]))[0].n,
    );

  it('accepts a body sent in chunks, without Content-Length', async () => {
    const body = JSON.stringify(withSecret(deliveredEvent({ MessageId: 'chunked-ok' }), SECRET));
    const res = await post([body.slice(0, 10), body.slice(10, 100), body.slice(100)]);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(JSON.parse(res.body)).toMatchObject({ received: 1, stored: 1 });
    expect(await count('chunked-ok')).toBe(1);
  });

  it('413 for a chunked body that grows over the limit, and nothing stored', async () => {
    const event = JSON.stringify(
      withSecret(deliveredEvent({ MessageId: 'chunked-too-big', Response: 'x'.repeat(BODY_LIMIT) }), SECRET),
    );
    const res = await post([event.slice(0, 1000), event.slice(1000)]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await count('chunked-too-big')).toBe(0);
  });

  it('413 for a declared Content-Length over the limit, before the body is read', async () => {
    // Headers only, over a raw socket: the answer must come without the body being sent at all.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    const answered = new Promise((r) =>
      socket.on('data', (d) => (answer += d.toString()).includes('PAYLOAD_TOO_LARGE') && r(undefined)),
    );
    socket.write(
      `POST /webhooks/socketlabs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT + 1}\r\n\r\n`,
    );
    await answered;
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    const next = await post([JSON.stringify(withSecret(deliveredEvent({ MessageId: 'after-413' }), SECRET))]);
    expect(next.status).toBe(200);
  });

  it('413 seen by a client that writes its whole oversized body before reading: the rest is read and thrown away', async () => {
    // Several times the limit, with its Content-Length, in one write: the socket must stay open until it is all
    // in, or the client gets EPIPE / ECONNRESET instead of the answer.
    for (let i = 0; i < 5; i++) {
      const big = JSON.stringify(
        withSecret(deliveredEvent({ MessageId: `written-whole-${i}`, Response: 'x'.repeat(BODY_LIMIT * 20) }), SECRET),
      );
      const res = await new Promise<RawResponse>((resolve, reject) => {
        const req = http.request(
          {
            port,
            host: '127.0.0.1',
            method: 'POST',
            path: '/webhooks/socketlabs',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) },
            agent: false,
          },
          (r) => {
            let body = '';
            r.on('data', (d) => (body += d));
            r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body }));
          },
        );
        req.on('error', reject);
        req.end(big);
      });
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe('close');
      expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    }
    expect(await count('written-whole-0')).toBe(0);
  });

  it('stores nothing when the client goes away in the middle of the body, and keeps serving', async () => {
    const before =
      (await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints/receiver-stats' })).json().rejections
        .bad_request ?? 0;
    const body = JSON.stringify(withSecret(deliveredEvent({ MessageId: 'aborted-mid-body' }), SECRET));
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /webhooks/socketlabs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 50)}`,
    );
    // Gone once the receiver has the request and is reading its body (no fixed sleep).
    const stats = t.app.get(ReceiverStats);
    await waitFor(() => stats.inFlight === 1, 5000, 'the request in the receiver');
    socket.destroy();
    await waitFor(
      async () =>
        ((await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints/receiver-stats' })).json().rejections
          .bad_request ?? 0) > before,
      5000,
      'the aborted request counted',
    );
    expect(await count('aborted-mid-body')).toBe(0);
    expect((await post([body])).status).toBe(200);
    expect(await count('aborted-mid-body')).toBe(1);
  });

  it('keeps the connection open after a refusal (401, 415, 400) for the next request', async () => {
    const sockets = new Set<net.Socket>();
    agent.on('free', (s: net.Socket) => sockets.add(s));
    expect((await post([JSON.stringify(withSecret(deliveredEvent(), 'wrong-secret'))])).status).toBe(401);
    expect((await post(['Type=Delivered'], { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(['{"Type": '])).status).toBe(400);
    expect(
      (await post([JSON.stringify(withSecret(deliveredEvent({ MessageId: 'after-refusals' }), SECRET))])).status,
    ).toBe(200);
    // One socket carried all four (the agent allows one at a time and keeps it alive).
    expect(sockets.size).toBe(1);
  });
});

/**
 * The server's own door to the receiver (bootstrap.ts, Fastify's serverFactory): requests to the receiver's paths
 * over a real socket are answered by WebhookReceiverTransport.dispatch before Fastify sees them; everything else,
 * a GET to the same path included, is Fastify's.
 */
describe("the receiver's fast path on a real server (e2e)", () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET });
    base = await listenOnFreePort(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a webhook POST from the receiver itself, with an x-request-id', async () => {
    const transport = t.app.get(WebhookReceiverTransport);
    const dispatch = jest.spyOn(transport, 'dispatch');
    try {
      const body = JSON.stringify(withSecret(deliveredEvent({ MessageId: 'fast-path-1' }), SECRET));
      const res = await fetch(`${base}/webhooks/socketlabs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'fast-path-req-1' },
        body,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('fast-path-req-1');
      expect(await res.json()).toEqual({ received: 1, stored: 1, duplicates: 0, validations: 0 });
      expect(dispatch).toHaveBeenCalledTimes(1);
      expect(dispatch.mock.results[0].value).toBe(true);

      // Without a (sane) request id of the client's, one is made.
      const again = await fetch(`${base}/webhooks/socketlabs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'bad id!' },
        body,
      });
      expect(again.status).toBe(200);
      expect(again.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await again.json()).toMatchObject({ stored: 0, duplicates: 1 });

      // A refusal is the receiver's too, in the API's error shape.
      const refused = await fetch(`${base}/webhooks/socketlabs/not-an-endpoint`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({
        statusCode: 401,
        code: 'UNKNOWN_ENDPOINT',
        requestId: refused.headers.get('x-request-id'),
      });
      // Each was taken by the server's door (true: not handed to Fastify).
      expect(dispatch.mock.results.map((r) => r.value)).toEqual([true, true, true]);
    } finally {
      dispatch.mockRestore();
    }
  });

  it("leaves a GET to the webhook path to Fastify (its 404), and the API's routes work", async () => {
    const get = await fetch(`${base}/webhooks/socketlabs`);
    expect(get.status).toBe(404);
    expect(get.headers.get('x-request-id')).toBeTruthy();
    expect(await get.json()).toMatchObject({ statusCode: 404 });

    const api = await fetch(`${base}/api/v1/events?pageSize=1`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(api.status).toBe(200);
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM email_events');
    expect(await api.json()).toMatchObject({ total: n, totalExact: true });
    expect((await fetch(`${base}/api/v1/events`)).status).toBe(401);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });

  it('while the app closes, refuses webhooks with a 503 and Connection: close, so that a busy keep-alive client cannot hold the close back', async () => {
    const closing = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET });
    const url = `${await listenOnFreePort(closing)}/webhooks/socketlabs`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const statuses: number[] = [];
    let closed = false;
    let n = 0;
    const postOne = () =>
      new Promise<{ status: number; connection?: string }>((resolve) => {
        const body = JSON.stringify(withSecret(deliveredEvent({ MessageId: `closing-${n++}` }), SECRET));
        const req = http.request(
          url,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
          },
        );
        req.on('error', () => resolve({ status: 0 }));
        req.end(body);
      });
    // Two clients that keep their connections busy until the app has closed.
    const clients = Array.from({ length: 2 }, async () => {
      const refusals: { status: number; connection?: string }[] = [];
      while (!closed) {
        const r = await postOne();
        statuses.push(r.status);
        if (r.status === 503) refusals.push(r);
      }
      return refusals;
    });
    try {
      await waitFor(() => statuses.filter((s) => s === 200).length >= 20, 15000, 'webhooks accepted');
      const started = Date.now();
      await closing.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(10000);
      const refusals = (await Promise.all(clients)).flat();
      for (const r of refusals) expect(r.connection).toBe('close');
      // Nothing else than accepted, refused while closing, or a connection the server closed.
      expect(statuses.every((s) => s === 200 || s === 503 || s === 0)).toBe(true);
    } finally {
      closed = true;
      agent.destroy();
    }
  });

  it('closes a connection that never sent a request when the app closes, instead of waiting for its headers timeout', async () => {
    // An HTTP client's spare connection (fetch opens one for a request it then aborts): Node's closeIdleConnections()
    // leaves it open, and the close waited 60 s and more for it.
    const app = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET });
    const url = new URL(await listenOnFreePort(app));
    const socket = net.connect(Number(url.port), url.hostname);
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const started = Date.now();
      await app.close();
      await socketClosed;
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      socket.destroy();
    }
  });

  it('answers a webhook still in flight when the app starts closing, then closes its keep-alive connection instead of waiting for it to time out', async () => {
    const app = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET });
    const url = new URL(`${await listenOnFreePort(app)}/webhooks/socketlabs`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify(withSecret(deliveredEvent({ MessageId: 'in-flight-at-close' }), SECRET));
      const req = http.request(url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const answer = new Promise<{ status: number; connection?: string }>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
        });
        req.on('error', reject);
      });
      // Half the body, and the receiver has the request: then the app is told to close, and the rest arrives.
      req.write(body.slice(0, 40));
      const stats = app.app.get(ReceiverStats);
      await waitFor(() => stats.inFlight === 1, 5000, 'the request in the receiver');
      const started = Date.now();
      const closed = app.close();
      req.end(body.slice(40));
      // Taken in, stored and acknowledged: a request already received is finished, not dropped.
      expect((await answer).status).toBe(200);
      await closed;
      // Fastify keeps idle connections for 72 s: a close that waited for this one would take that long.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      agent.destroy();
    }
  });
});
