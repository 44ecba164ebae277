import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { LookupCache } from '../../core/cache/lookup-cache';
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
/** Endpoints in use kept at most, and unknown ids remembered (apart: a flood of them cannot evict the endpoints). */
const MAX_CACHED = 10_000;
const MAX_CACHED_UNKNOWN = 1_000;
/** The form of an endpoint id (a UUID): anything else is no endpoint, without asking the database. */
export const ENDPOINT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves receiver endpoints for the hot path: rows are cached for a few seconds (unknown ids too, in an LRU of
 * their own), and concurrent misses for one id share one query, so a burst of webhooks costs no lookup per request.
 * WebhookEndpointsService calls `changed` after every change: the entry is dropped here and in every other process.
 */
@Injectable()
export class EndpointResolver {
  private readonly cache = new LookupCache<ResolvedEndpoint>({
    max: MAX_CACHED,
    maxMissing: MAX_CACHED_UNKNOWN,
    ttlMs: ENDPOINT_CACHE_TTL_MS,
  });
  private readonly fromEnvironment: ResolvedEndpoint | null;
  private readonly load = async (id: string): Promise<ResolvedEndpoint | null> => {
    const row = await this.repo.findOne({ where: { id } });
    return row ? toResolved(row) : null;
  };

  constructor(
    @InjectRepository(WebhookEndpointEntity) private readonly repo: Repository<WebhookEndpointEntity>,
    config: AppConfig,
    private readonly invalidation: CacheInvalidation,
  ) {
    invalidation.subscribe(
      'webhook-endpoint',
      (id) => this.cache.delete(id.toLowerCase()),
      () => this.cache.clear(),
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
    return this.cache.get(id.toLowerCase(), this.load);
  }

  /**
   * A second look before a 401: an endpoint created, enabled or given a new secret through ANOTHER process is
   * otherwise unknown here for up to ENDPOINT_CACHE_TTL_MS, and SocketLabs' Validation event arrives right after
   * its webhook is created. Re-reads at most once a second per id, so refused requests cannot flood PostgreSQL.
   */
  async resolveBeforeRefusing(id: string): Promise<ResolvedEndpoint | null> {
    if (!ENDPOINT_ID.test(id)) return null;
    return this.cache.get(id.toLowerCase(), this.load, RECHECK_AFTER_MS);
  }

  /** After a change to the endpoint's row (committed): drops it from this cache and from every other process's. */
  async changed(id: string): Promise<void> {
    const key = id.toLowerCase();
    this.cache.delete(key);
    await this.invalidation.publish('webhook-endpoint', key);
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
