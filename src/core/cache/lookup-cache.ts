import { LRUCache } from 'lru-cache';

export interface LookupCacheOptions {
  /** Keys found, kept most recently used first: the endpoints and API keys in use. */
  max: number;
  /** Keys looked up and found to be nothing, in an LRU of their own. */
  maxMissing: number;
  /** How long an entry is trusted without a lookup. */
  ttlMs: number;
}

interface Entry<V> {
  value: V | null;
  loadedAt: number;
}

/**
 * The per-process cache in front of a lookup by key on a hot path (the receiver's endpoints by id, API keys by
 * hash): entries expire after `ttlMs`, concurrent misses for one key share one lookup, and `delete` / `clear`
 * apply a change announced by another process (CacheInvalidation) at once.
 *
 * What was found and what was not are two LRUs: a flood of unknown keys (a scanner, random endpoint ids, wrong
 * API keys) can only evict other unknown keys, never an entry in use. Remembering a miss for a while still
 * spares the database a caller that repeats the same wrong key.
 */
export class LookupCache<V extends object> {
  private readonly found: LRUCache<string, Entry<V>>;
  private readonly missing: LRUCache<string, Entry<V>>;
  private readonly loading = new Map<string, Promise<V | null>>();
  /** Bumped by every delete or clear: a lookup that started before must not cache what it read. */
  private epoch = 0;

  private readonly ttlMs: number;

  /** `now`: a clock for the tests; the system clock by default. */
  constructor(
    options: LookupCacheOptions,
    private readonly now: () => number = Date.now,
  ) {
    // Expiry is checked here against `loadedAt` (one clock for both checks); an expired entry stays until it is
    // read again, replaced or evicted, which the LRUs' bounds make harmless.
    this.ttlMs = options.ttlMs;
    this.found = new LRUCache({ max: options.max });
    this.missing = new LRUCache({ max: options.maxMissing });
  }

  /**
   * The cached value of `key` (null: known not to exist), or what `load` returns, cached. With `maxAgeMs`, an
   * entry older than that is looked up again. Throws what `load` throws (nothing is cached then).
   */
  get(key: string, load: (key: string) => Promise<V | null>, maxAgeMs?: number): Promise<V | null> {
    const hit = this.found.get(key) ?? this.missing.get(key);
    if (hit && this.now() - hit.loadedAt < Math.min(this.ttlMs, maxAgeMs ?? Infinity))
      return Promise.resolve(hit.value);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const p = this.load(key, load).finally(() => {
      if (this.loading.get(key) === p) this.loading.delete(key);
    });
    this.loading.set(key, p);
    return p;
  }

  /** Forgets `key` (its row changed); a lookup of it in progress is neither cached nor shared any more. */
  delete(key: string): void {
    this.epoch++;
    this.found.delete(key);
    this.missing.delete(key);
    this.loading.delete(key);
  }

  /** Forgets everything (changes may have been missed). */
  clear(): void {
    this.epoch++;
    this.found.clear();
    this.missing.clear();
    this.loading.clear();
  }

  /** Entries held: found, and known missing. */
  get size(): { found: number; missing: number } {
    return { found: this.found.size, missing: this.missing.size };
  }

  private async load(key: string, load: (key: string) => Promise<V | null>): Promise<V | null> {
    const epoch = this.epoch;
    const value = await load(key);
    if (epoch === this.epoch) {
      const entry = { value, loadedAt: this.now() };
      if (value === null) {
        this.found.delete(key);
        this.missing.set(key, entry);
      } else {
        this.missing.delete(key);
        this.found.set(key, entry);
      }
    }
    return value;
  }
}
