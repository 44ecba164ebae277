import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGatewayClient, type GatewayClient, type Schemas } from '../../client';
import { consumeChangeFeed, FileCursorStore, type FeedEvent } from '../../docs/examples/change-feed-consumer';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, listenOnFreePort, TEST_ADMIN_KEY, TestApp, waitFor } from '../utils/test-app';

const ROOT = join(__dirname, '..', '..');
const SECRET = 'client-secret-key-5Tq9';

describe('the typed client (client/)', () => {
  it('is generated from the committed openapi.json (run `npm run openapi` after changing the API)', async () => {
    const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'openapi.json'], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const committed = await readFile(join(ROOT, 'client', 'schema.d.ts'), 'utf8');
    // Compared as a boolean: a diff of two 9,000-line files helps nobody; the command to run does.
    expect({ stale: stdout !== committed, fix: 'npm run openapi' }).toEqual({ stale: false, fix: 'npm run openapi' });
  });
});

/** The client and the change-feed example (docs/examples) against the service listening on a real port. */
describe('the typed client against the running service (e2e)', () => {
  let t: TestApp;
  let admin: GatewayClient;
  let reader: GatewayClient;
  let dir: string;

  beforeAll(async () => {
    // The consumer below polls every 20 ms, far past the per-key rate limit (which has tests of its own): with the
    // limit on, a connection of the client stayed open and the app took over a minute to close.
    t = await createTestApp({ ROLE: 'all', WEBHOOK_SECRET_KEY: SECRET, API_RATE_LIMIT_PER_MINUTE: '0' });
    const baseUrl = await listenOnFreePort(t);
    admin = createGatewayClient({ baseUrl, apiKey: TEST_ADMIN_KEY });
    const created = await admin.POST('/api/v1/api-keys', { body: { name: 'feed consumer', scopes: ['events:read'] } });
    expect(created.response.status).toBe(201);
    reader = createGatewayClient({ baseUrl: `${baseUrl}/`, apiKey: created.data!.key });
    dir = await mkdtemp(join(tmpdir(), 'slgw-client-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers typed data, and the API error body with the status when refused', async () => {
    const created = await admin.POST('/api/v1/webhook-endpoints', {
      body: { name: 'typed client', secretKeys: ['typed-client-0001'] },
    });
    expect(created.response.status).toBe(201);
    const id = created.data!.id;
    expect(created.data!.newSecrets.map((s) => s.hint)).toEqual(['0001']);

    const listed = await admin.GET('/api/v1/webhook-endpoints', {
      params: { query: { enabled: true, pageSize: 100 } },
    });
    expect(listed.data!.data.map((e) => e.id)).toContain(id);

    // The PATCH body's type has no secretKeys; the service refuses it as well, saying what to do instead.
    // @ts-expect-error secretKeys is not a property of UpdateWebhookEndpointDto
    const body: Schemas['UpdateWebhookEndpointDto'] = { secretKeys: ['typed-client-0002'] };
    const patched = await admin.PATCH('/api/v1/webhook-endpoints/{id}', { params: { path: { id } }, body });
    expect(patched.response.status).toBe(400);
    expect(patched.data).toBeUndefined();
    expect(patched.error).toMatchObject({ code: 'VALIDATION_FAILED', message: [expect.stringContaining('/secrets')] });

    const forbidden = await reader.GET('/api/v1/webhook-endpoints/{id}', { params: { path: { id } } });
    expect(forbidden.response.status).toBe(403);
  });

  it('runs the change-feed example: every event once, the cursor kept across a restart, a replayed event upserted by id', async () => {
    const cursors = new FileCursorStore(join(dir, 'feed.cursor'));
    const kept = new Map<string, FeedEvent>(); // the consumer's own store, keyed by event id
    const handled: string[] = []; // every id handed to it, duplicates included
    // Every consumer started is stopped, the test failing or not: one left polling would keep the app from closing.
    const running: (() => Promise<unknown>)[] = [];
    const run = () => {
      const stop = new AbortController();
      running.push(async () => {
        stop.abort();
        await done.catch(() => undefined);
      });
      const done = consumeChangeFeed({
        api: reader,
        cursors,
        pageSize: 2,
        idleMs: 20,
        signal: stop.signal,
        handle: (events) => {
          for (const e of events) {
            handled.push(e.id);
            kept.set(e.id, e);
          }
          return Promise.resolve();
        },
      });
      return { stop: async () => (stop.abort(), done) };
    };
    const receive = async (messageIds: string[]) => {
      for (const messageId of messageIds) {
        const res = await t.request({
          method: 'POST',
          url: '/webhooks/socketlabs',
          body: withSecret(deliveredEvent({ MessageId: messageId }), SECRET),
          apiKey: null,
        });
        expect(res.statusCode).toBe(200);
      }
    };
    const seen = (messageIds: string[]) => () =>
      Promise.resolve(messageIds.every((m) => [...kept.values()].some((e) => e.messageId === m)));

    try {
      const first = run();
      await receive(['client-feed-1', 'client-feed-2', 'client-feed-3']);
      await waitFor(seen(['client-feed-1', 'client-feed-2', 'client-feed-3']), 30000, 'the first events in the feed');
      await first.stop();
      const cursorAfterFirst = await cursors.load();
      expect(cursorAfterFirst).toMatch(/^\d+\.\d+$/);
      const handledByFirst = handled.length;

      // A restart: the stored cursor is where it goes on; nothing already handled comes again.
      await receive(['client-feed-4']);
      const second = run();
      await waitFor(seen(['client-feed-4']), 30000, 'the event after the restart');
      expect(handled.slice(handledByFirst).map((id) => kept.get(id)!.messageId)).toEqual(['client-feed-4']);

      // A replay hands an event out again once processed again: the consumer's store keeps one entry per id.
      const replayedId = [...kept.values()].find((e) => e.messageId === 'client-feed-2')!.id;
      const replay = await admin.POST('/api/v1/events/{id}/replay', { params: { path: { id: replayedId } } });
      expect(replay.response.status).toBe(202);
      await waitFor(
        () => Promise.resolve(handled.filter((id) => id === replayedId).length === 2),
        30000,
        'the replayed event in the feed again',
      );
      await second.stop();
      expect(kept.size).toBe(new Set(handled).size);
      expect(
        [...kept.values()]
          .filter((e) => e.messageId?.startsWith('client-feed-'))
          .map((e) => e.messageId)
          .sort(),
      ).toEqual(['client-feed-1', 'client-feed-2', 'client-feed-3', 'client-feed-4']);
      expect(await cursors.load()).not.toBe(cursorAfterFirst);
    } finally {
      await Promise.all(running.map((stop) => stop()));
    }
  });
});
