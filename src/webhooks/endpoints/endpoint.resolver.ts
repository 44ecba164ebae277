import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { CacheInvalidation } from '../../core/database/cache-invalidation';
import { WebhookEndpointEntity } from '../entities/webhook-endpoint.entity';
import { secretDigest } from './endpoint-secrets';

/** What the receiver needs to know about an endpoint, with the secret hashes ready to compare. */
export interface ResolvedEndpoint {
  /** null for the endpoint configured from the environment (`POST /webhooks/socketlabs`). */
  id: string | null;
  enabled: boolean;
  secretDigests: Buffer[];
  validationKey: string | null;
  expectedServerId: number | null;
  expectedSubaccountId: number | null;
}

/**
 * How long an endpoint row is trusted without a query. A change made through another process is announced at once
 * (CacheInvalidation); this bounds it when that announcement is missed.
 */
export const ENDPOINT_CACHE_TTL_MS = 5_000;
/** Before refusing a request, a cached entry older than this is read again (see `resolveBeforeRefusing`). */
const RECHECK_AFTER_MS = 1_000;
const MAX_CACHED = 10_000;
/** The form of an endpoint id (a UUID): anything else is no endpoint, without asking the database. */
export const ENDPOINT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves receiver endpoints for the hot path: rows are cached for a few seconds (unknown ids too), and
 * concurrent misses for one id share one query, so a burst of webhooks costs no lookup per request.
 * WebhookEndpointsService calls `changed` after every change: the entry is dropped here and in every other process.
 */
@Injectable()
export class EndpointResolver {
  private readonly cache = new Map<string, { value: ResolvedEndpoint | null; expires: number; loadedAt: number }>();
  private readonly loading = new Map<string, Promise<ResolvedEndpoint | null>>();
  private epoch = 0;
  private readonly fromEnvironment: ResolvedEndpoint | null;

  constructor(
    @InjectRepository(WebhookEndpointEntity) private readonly repo: Repository<WebhookEndpointEntity>,
    config: AppConfig,
    private readonly invalidation: CacheInvalidation,
  ) {
    invalidation.subscribe(
      'webhook-endpoint',
      (id) => this.invalidate(id),
      () => this.invalidateAll(),
    );
    const { secretKey, validationKey, serverId } = config.webhook;
    this.fromEnvironment = secretKey
      ? {
          id: null,
          enabled: true,
          secretDigests: [secretDigest(secretKey)],
          validationKey: validationKey ?? null,
          expectedServerId: serverId ?? null,
          expectedSubaccountId: null,
        }
      : null;
  }

  /** The endpoint from WEBHOOK_SECRET_KEY / WEBHOOK_VALIDATION_KEY / WEBHOOK_SERVER_ID, or null when not configured. */
  environmentEndpoint(): ResolvedEndpoint | null {
    return this.fromEnvironment;
  }

  /** The endpoint with this id (enabled or not), or null if there is none. Throws if PostgreSQL cannot be asked. */
  async resolve(id: string): Promise<ResolvedEndpoint | null> {
    if (!ENDPOINT_ID.test(id)) return null;
    const key = id.toLowerCase();
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.value;
    let pending = this.loading.get(key);
    if (!pending) {
      const p: Promise<ResolvedEndpoint | null> = this.load(key).finally(() => {
        if (this.loading.get(key) === p) this.loading.delete(key);
      });
      pending = p;
      this.loading.set(key, p);
    }
    return pending;
  }

  /**
   * A second look before a 401: an endpoint created, enabled or given a new secret through ANOTHER process is
   * otherwise unknown here for up to ENDPOINT_CACHE_TTL_MS, and SocketLabs' Validation event arrives right after
   * its webhook is created. Re-reads at most once a second per id, so refused requests cannot flood PostgreSQL.
   */
  async resolveBeforeRefusing(id: string): Promise<ResolvedEndpoint | null> {
    if (!ENDPOINT_ID.test(id)) return null;
    const key = id.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.loadedAt < RECHECK_AFTER_MS) return hit.value;
    this.cache.delete(key);
    return this.resolve(key);
  }

  /** After a change to the endpoint's row (committed): drops it from this cache and from every other process's. */
  async changed(id: string): Promise<void> {
    this.invalidate(id);
    await this.invalidation.publish('webhook-endpoint', id.toLowerCase());
  }

  private invalidate(id: string): void {
    const key = id.toLowerCase();
    this.epoch++;
    this.cache.delete(key);
    this.loading.delete(key);
  }

  private invalidateAll(): void {
    this.epoch++;
    this.cache.clear();
    this.loading.clear();
  }

  private async load(id: string): Promise<ResolvedEndpoint | null> {
    const epoch = this.epoch;
    const row = await this.repo.findOne({ where: { id } });
    const value = row ? toResolved(row) : null;
    // A load that raced with a change must not cache the row as it was before the change.
    if (epoch === this.epoch) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      const now = Date.now();
      this.cache.set(id, { value, expires: now + ENDPOINT_CACHE_TTL_MS, loadedAt: now });
    }
    return value;
  }
}

function toResolved(row: WebhookEndpointEntity): ResolvedEndpoint {
  return {
    id: row.id,
    enabled: row.enabled,
    secretDigests: row.secrets.map((s) => Buffer.from(s.hash, 'hex')),
    validationKey: row.validationKey,
    expectedServerId: row.expectedServerId,
    expectedSubaccountId: row.expectedSubaccountId,
  };
}
