import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { errorMessage } from '../error-message';

/** The PostgreSQL NOTIFY channel on which every process of a deployment hears which cached rows changed. */
export const INVALIDATION_CHANNEL = 'socketlabs_gateway_cache';

/** What is cached per process: API keys by hash (auth guard), receiver endpoints by id (webhook receiver). */
export type CacheScope = 'api-key' | 'webhook-endpoint';

interface Subscriber {
  drop: (key: string) => void;
  dropAll: () => void;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Tells the other processes of a deployment (API instances, the receiver) that a cached row changed, through
 * PostgreSQL LISTEN/NOTIFY, so that a revoked API key or a disabled endpoint or removed secret stops working
 * everywhere at once, not only once each process's cache entry expires. Best effort on top of the caches' own
 * short TTLs: while the listening connection is down, the TTLs still bound how stale an entry can be, and every
 * entry is dropped when it comes back (what was announced meanwhile was not heard).
 *
 * Only processes with an HTTP server listen (the caches serve requests); any process can publish.
 */
@Injectable()
export class CacheInvalidation implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CacheInvalidation');
  private readonly subscribers = new Map<CacheScope, Subscriber[]>();
  private client?: Client;
  private retryTimer?: NodeJS.Timeout;
  private retryMs = RETRY_MIN_MS;
  /** Set while not listening: what is announced until the next connection listens is not heard. */
  private missedAnnouncements = false;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  /** `drop(key)` runs when another process (or this one) changed the row of `key`; `dropAll` after a gap in listening. */
  subscribe(scope: CacheScope, drop: (key: string) => void, dropAll: () => void): void {
    this.subscribers.set(scope, [...(this.subscribers.get(scope) ?? []), { drop, dropAll }]);
  }

  /**
   * Announces, after the change is committed, that the cached row of `key` changed. Never throws: the change
   * itself succeeded, and a process that misses the announcement reads the row again when its entry expires.
   */
  async publish(scope: CacheScope, key: string): Promise<void> {
    try {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, `${scope}:${key}`]);
    } catch (err) {
      this.logger.warn(
        `could not announce a change of a cached ${scope} (${errorMessage(err)}); other processes see it within their cache TTL`,
      );
    }
  }

  /** Waits for the first attempt, so that a process serves requests only once it hears changes (unless PostgreSQL refuses). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'worker' || this.subscribers.size === 0) return;
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'socketlabs-gateway-listener',
      connectionTimeoutMillis: 3_000,
    });
    client.on('notification', (msg) => this.deliver(msg.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.stopped) return void client.end().catch(() => undefined);
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
    if (this.missedAnnouncements) {
      this.missedAnnouncements = false;
      this.logger.log('listening for cache changes again; cached entries dropped');
      for (const list of this.subscribers.values()) for (const s of list) s.dropAll();
    }
  }

  private deliver(payload: string | undefined): void {
    const colon = payload?.indexOf(':') ?? -1;
    if (!payload || colon < 0) return;
    const scope = payload.slice(0, colon) as CacheScope;
    const key = payload.slice(colon + 1);
    for (const s of this.subscribers.get(scope) ?? []) s.drop(key);
  }

  /** The listening connection failed or ended: try again with a growing delay; the TTLs cover the gap. */
  private lost(client: Client, err?: Error): void {
    if (this.client === client) this.client = undefined;
    // Not listening now (lost, or never connected since boot): whatever is cached meanwhile may go stale.
    this.missedAnnouncements = true;
    // Whatever this client still emits is about the past: only one retry is ever scheduled.
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    if (delay === RETRY_MIN_MS)
      this.logger.warn(
        `not listening for cache changes (${err?.message ?? 'connection ended'}); retrying, cache TTLs apply meanwhile`,
      );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.listen();
    }, delay).unref();
  }
}
