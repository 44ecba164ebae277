import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { LookupCache } from '../cache/lookup-cache';
import { AppConfig } from '../config/app-config';
import { CacheInvalidation } from '../database/cache-invalidation';
import { NotFoundAppException } from '../http/app.exception';
import { ApiKeyEntity, ApiKeyScope } from './api-key.entity';
import { Principal } from './auth.decorators';

/** How long a key is trusted without a query; a revocation is announced to every process at once (CacheInvalidation). */
const CACHE_TTL_MS = 10_000;
/** Keys in use kept at most, and unknown keys remembered (apart: a flood of wrong keys cannot evict the keys in use). */
const MAX_CACHED = 10_000;
const MAX_CACHED_UNKNOWN = 1_000;
const LAST_USED_RESOLUTION_MS = 60_000;

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

@Injectable()
export class ApiKeysService {
  /** hash -> principal (or null for an unknown key), so a busy caller costs no query per request. */
  private readonly cache = new LookupCache<Principal>({
    max: MAX_CACHED,
    maxMissing: MAX_CACHED_UNKNOWN,
    ttlMs: CACHE_TTL_MS,
  });
  private readonly load = async (hash: string): Promise<Principal | null> => {
    const row = await this.repo.findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
    return row ? { id: row.id, name: row.name, scopes: row.scopes } : null;
  };
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly adminKeyHash?: Buffer;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly repo: Repository<ApiKeyEntity>,
    config: AppConfig,
    private readonly invalidation: CacheInvalidation,
  ) {
    invalidation.subscribe(
      'api-key',
      (hash) => this.cache.delete(hash),
      () => this.cache.clear(),
    );
    if (config.auth.adminApiKey) this.adminKeyHash = createHash('sha256').update(config.auth.adminApiKey).digest();
  }

  async authenticate(key: string): Promise<Principal | null> {
    const digest = createHash('sha256').update(key).digest();
    if (this.adminKeyHash && timingSafeEqual(digest, this.adminKeyHash)) {
      return { id: null, name: 'ADMIN_API_KEY', scopes: ['admin'] };
    }
    const principal = await this.cache.get(digest.toString('hex'), this.load);
    this.touch(principal, Date.now());
    return principal;
  }

  async create(name: string, scopes: ApiKeyScope[]): Promise<{ entity: ApiKeyEntity; key: string }> {
    const key = `slgw_${randomBytes(24).toString('base64url')}`;
    const entity = await this.repo.save(
      this.repo.create({ name, scopes: [...new Set(scopes)], keyHash: sha256(key), prefix: key.slice(0, 10) }),
    );
    return { entity, key };
  }

  list(): Promise<ApiKeyEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  async revoke(id: string): Promise<ApiKeyEntity> {
    const row = await this.repo.findOne({ where: { id } });
    if (!row) throw new NotFoundAppException('API key', id);
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await this.repo.save(row);
    }
    this.cache.delete(row.keyHash);
    await this.invalidation.publish('api-key', row.keyHash);
    return row;
  }

  /** Records use at most once a minute per key: a hot key must not turn every read into a write. */
  private touch(principal: Principal | null, now: number): void {
    if (!principal?.id) return;
    const last = this.lastUsedWritten.get(principal.id) ?? 0;
    if (now - last < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(principal.id, now);
    void this.repo.update({ id: principal.id }, { lastUsedAt: new Date(now) }).catch(() => undefined);
  }
}
