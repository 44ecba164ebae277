/**
 * Consuming the change feed (`GET /api/v1/events/feed`) reliably, with the typed client: see docs/change-feed.md.
 *
 * Run it against a running service (an API key with the `events:read` scope):
 *
 *   GATEWAY_URL=http://localhost:3000 GATEWAY_API_KEY=... npx ts-node --transpile-only docs/examples/change-feed-consumer.ts
 *
 * It prints one line per event and keeps its cursor in `CURSOR_FILE` (default `./change-feed.cursor`): stop it
 * (Ctrl-C) and start it again, and it goes on where it stopped.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createGatewayClient, type GatewayClient, type Schemas } from '../../client';

export type FeedEvent = Schemas['EventResponseDto'];

/** Where the consumer keeps its position. Keep it where your results are, ideally in the same transaction. */
export interface CursorStore {
  /** The last cursor saved, or null the first time (the feed then starts at its beginning). */
  load(): Promise<string | null>;
  save(cursor: string): Promise<void>;
}

/** A cursor in a file, replaced atomically (written beside it, then renamed): a crash leaves the old or the new one. */
export class FileCursorStore implements CursorStore {
  constructor(private readonly path: string) {}

  async load(): Promise<string | null> {
    try {
      return (await readFile(this.path, 'utf8')).trim() || null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async save(cursor: string): Promise<void> {
    const temporary = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, `${cursor}\n`, { flush: true });
    await rename(temporary, this.path);
  }
}

export interface ChangeFeedConsumerOptions {
  api: GatewayClient;
  cursors: CursorStore;
  /**
   * Called with each page of events, in feed order, before its cursor is saved: an event is handed out at least
   * once. Make it idempotent by event `id` (upsert, `ON CONFLICT (id) DO UPDATE`): after a crash between the
   * handling and the save the page comes again, and a replayed event comes again with its newer state.
   * Resolve only when what it did is durable; throw to stop (the page comes again next time).
   */
  handle: (events: FeedEvent[]) => Promise<void>;
  /** Events per page, 1 to 1000. */
  pageSize?: number;
  /** How long to wait when there is nothing new before asking again. */
  idleMs?: number;
  /** Stops the loop (between pages, or while it waits). */
  signal?: AbortSignal;
  /** Told about each failed attempt that will be retried (the service unreachable, a 5xx, a 429). */
  onRetry?: (reason: string, delayMs: number) => void;
}

/**
 * Follows the feed until `signal` aborts: ask for the page after the cursor, handle it, save its `nextCursor`,
 * repeat; wait `idleMs` after an empty page. A 5xx, a 429 or no answer is retried with a growing delay; any
 * other error (a 400 for a cursor this feed never gave out, a 401 or 403 for the key) ends it with an Error,
 * since asking again cannot help.
 */
export async function consumeChangeFeed(options: ChangeFeedConsumerOptions): Promise<void> {
  const { api, cursors, handle, pageSize = 500, idleMs = 1000, signal, onRetry } = options;
  let cursor = await cursors.load();
  let failures = 0;
  while (!signal?.aborted) {
    let page: { data: FeedEvent[]; nextCursor: string | null } | undefined;
    let retryReason: string | undefined;
    try {
      const { data, error, response } = await api.GET('/api/v1/events/feed', {
        params: { query: { limit: pageSize, ...(cursor ? { after: cursor } : {}) } },
        signal,
      });
      if (data) page = data;
      else if (response.status >= 500 || response.status === 429) retryReason = `HTTP ${response.status}`;
      else throw new Error(`the change feed refused the request: HTTP ${response.status} ${JSON.stringify(error)}`);
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof Error && err.message.startsWith('the change feed refused')) throw err;
      retryReason = String((err as Error)?.message ?? err); // no answer: the service is restarting or unreachable
    }
    if (!page) {
      const delay = Math.min(30_000, 500 * 2 ** failures++);
      onRetry?.(retryReason ?? 'no page', delay);
      await pause(delay, signal);
      continue;
    }
    failures = 0;
    if (page.data.length === 0) {
      await pause(idleMs, signal);
      continue;
    }
    await handle(page.data);
    if (page.nextCursor) {
      await cursors.save(page.nextCursor);
      cursor = page.nextCursor;
    }
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function main(): Promise<void> {
  const baseUrl = process.env.GATEWAY_URL ?? 'http://localhost:3000';
  const apiKey = process.env.GATEWAY_API_KEY;
  if (!apiKey) throw new Error('GATEWAY_API_KEY is required (an API key with the events:read scope)');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());

  // A real consumer upserts into its own store by event id; this one keeps the last state of each id it saw
  // while running and says when an id comes again (a replay, or a page handed out again after a restart).
  const lastState = new Map<string, string>();
  await consumeChangeFeed({
    api: createGatewayClient({ baseUrl, apiKey }),
    cursors: new FileCursorStore(process.env.CURSOR_FILE ?? 'change-feed.cursor'),
    signal: stop.signal,
    onRetry: (reason, delayMs) => console.error(`feed unavailable (${reason}); again in ${delayMs} ms`),
    // eslint-disable-next-line @typescript-eslint/require-await -- a real consumer awaits its own store here
    handle: async (events) => {
      for (const e of events) {
        const again = lastState.has(e.id) ? ' (again)' : '';
        lastState.set(e.id, e.state);
        console.log(`${e.id} ${e.type ?? '?'} ${e.messageId ?? '-'} ${e.address ?? '-'} ${e.state}${again}`);
      }
    },
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
