import http from 'node:http';
import net from 'node:net';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';

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
  function post(chunks: string[], headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' }): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/webhooks/socketlabs', headers, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });
  }

  const count = async (messageId: string) =>
    Number((await t.dataSource.query(`SELECT count(*) AS n FROM email_events WHERE raw LIKE $1`, [`%"${messageId}"%`]))[0].n);

  it('accepts a body sent in chunks, without Content-Length', async () => {
    const body = JSON.stringify(withSecret(deliveredEvent({ MessageId: 'chunked-ok' }), SECRET));
    const res = await post([body.slice(0, 10), body.slice(10, 100), body.slice(100)]);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(JSON.parse(res.body)).toMatchObject({ received: 1, stored: 1 });
    expect(await count('chunked-ok')).toBe(1);
  });

  it('413 for a chunked body that grows over the limit, and nothing stored', async () => {
    const event = JSON.stringify(withSecret(deliveredEvent({ MessageId: 'chunked-too-big', Response: 'x'.repeat(BODY_LIMIT) }), SECRET));
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
    const answered = new Promise((r) => socket.on('data', (d) => (answer += d).includes('PAYLOAD_TOO_LARGE') && r(undefined)));
    socket.write(`POST /webhooks/socketlabs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT + 1}\r\n\r\n`);
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
      const big = JSON.stringify(withSecret(deliveredEvent({ MessageId: `written-whole-${i}`, Response: 'x'.repeat(BODY_LIMIT * 20) }), SECRET));
      const res = await new Promise<RawResponse>((resolve, reject) => {
        const req = http.request(
          { port, host: '127.0.0.1', method: 'POST', path: '/webhooks/socketlabs', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) }, agent: false },
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
    const before = (await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints/receiver-stats' })).json().rejections.bad_request ?? 0;
    const body = JSON.stringify(withSecret(deliveredEvent({ MessageId: 'aborted-mid-body' }), SECRET));
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /webhooks/socketlabs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 50)}`);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await waitFor(
      async () => ((await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints/receiver-stats' })).json().rejections.bad_request ?? 0) > before,
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
    expect((await post([JSON.stringify(withSecret(deliveredEvent({ MessageId: 'after-refusals' }), SECRET))])).status).toBe(200);
    // One socket carried all four (the agent allows one at a time and keeps it alive).
    expect(sockets.size).toBe(1);
  });
});
