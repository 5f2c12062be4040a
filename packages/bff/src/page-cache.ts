import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import { EventType, type EventEnvelope, type Logger, type PriceChangedData, type ProductChangedData, type StockChangedData } from '@shop/platform';

/**
 * Cache tags: what a cached page shows, so that an event about it removes the
 * page. Region-scoped where the event is (stock, price), all regions where it
 * is not (a product's title or category).
 */
export const PageTag = {
  product: (productId: string) => `product:${productId}`,
  category: (categoryId: string) => `category:${categoryId}`,
  sku: (sku: string, region: string) => `sku:${sku}@${region}`,
} as const;

/** The events that change what anonymous pages show, and the tags each one touches. */
export const PAGE_EVENTS: EventType[] = [EventType.stockChanged, EventType.priceChanged, EventType.productChanged];

export function tagsOfEvent(event: EventEnvelope): string[] {
  switch (event.type) {
    case EventType.stockChanged: {
      const d = event.data as StockChangedData;
      return [PageTag.sku(d.sku, d.region)];
    }
    case EventType.priceChanged: {
      const d = event.data as PriceChangedData;
      return [PageTag.sku(d.sku, d.region)];
    }
    case EventType.productChanged: {
      const d = event.data as ProductChangedData;
      return [PageTag.product(d.productId), PageTag.category(d.categoryId)];
    }
    default:
      return [];
  }
}

export interface PageCacheOptions {
  /** Shared second level, so that every BFF process serves what one of them fetched. */
  redis?: Redis;
  /** Namespaces the Redis keys, e.g. `shop:bff-web:` */
  prefix: string;
  /** @default 60_000 // 1 minute: the bound on staleness for what no event names (a new product in search results) */
  ttlMs?: number;
  /** @default 5_000 // pages kept in this process */
  maxEntries?: number;
  logger: Logger;
  onResult?: (result: 'hit' | 'miss' | 'shared') => void;
}

interface Entry {
  value: unknown;
  tags: string[];
}

/**
 * Anonymous, region-scoped pages: an in-process LRU in front of Redis (when
 * configured), keyed by operation, region and variables, each page tagged
 * with what it shows. `invalidate(tags)` drops every page holding one of the
 * tags, here and in Redis; each BFF process calls it for every page event it
 * hears on the bus, so all their LRUs stay in step.
 *
 * Two races are closed: concurrent misses of one key share one load (a hot
 * product costs the gateway one request, not one per shopper), and a load that
 * started before an invalidation of one of its tags is served but not stored,
 * so an event can never be overtaken by the stale page it meant to remove.
 */
export class PageCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly keysByTag = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** tag -> the clock value of its last invalidation (kept as long as a load can run). */
  private readonly invalidatedAt: LRUCache<string, number>;
  /** tag -> wall-clock time (ms) of its last invalidation here: a Redis page stored before it is stale. */
  private readonly invalidatedAtWall: LRUCache<string, number>;
  private clock = 0;
  private readonly ttlMs: number;

  constructor(private readonly options: PageCacheOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.lru = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 5_000,
      ttl: this.ttlMs,
      dispose: (entry, key) => this.unindex(key, entry.tags),
    });
    this.invalidatedAt = new LRUCache<string, number>({ max: 100_000, ttl: 10 * 60_000 });
    this.invalidatedAtWall = new LRUCache<string, number>({ max: 100_000, ttl: Math.max(this.ttlMs, 60_000) });
  }

  /**
   * The cached page for `key`, or `load()`'s result, stored under its tags.
   * A load may answer `cacheable: false` (a partial page) to be served but not stored.
   */
  async getOrLoad<T>(key: string, load: () => Promise<{ value: T; tags: string[]; cacheable?: boolean }>): Promise<T> {
    const local = this.lru.get(key);
    if (local) {
      this.options.onResult?.('hit');
      return local.value as T;
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.options.onResult?.('shared');
      return pending as Promise<T>;
    }
    const started = ++this.clock;
    const promise = (async () => {
      const shared = await this.readRedis(key);
      if (shared && !this.invalidatedSince(shared.tags, started)) {
        this.remember(key, shared);
        this.options.onResult?.('hit');
        return shared.value as T;
      }
      this.options.onResult?.('miss');
      const loaded = await load();
      if (loaded.cacheable !== false && !this.invalidatedSince(loaded.tags, started)) {
        const entry = { value: loaded.value, tags: [...new Set(loaded.tags)] };
        this.remember(key, entry);
        await this.writeRedis(key, entry);
      }
      return loaded.value;
    })();
    this.inFlight.set(key, promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Drops every page that shows one of `tags`, in this process and in Redis. */
  async invalidate(tags: string[]): Promise<number> {
    const stamp = ++this.clock;
    const now = Date.now();
    let dropped = 0;
    for (const tag of tags) {
      this.invalidatedAt.set(tag, stamp);
      this.invalidatedAtWall.set(tag, now);
      const keys = this.keysByTag.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) if (this.lru.delete(key)) dropped++;
    }
    const redis = this.options.redis;
    if (redis && tags.length) {
      try {
        const tagKeys = tags.map((t) => this.redisTagKey(t));
        const members = await Promise.all(tagKeys.map((k) => redis.smembers(k)));
        const pages = [...new Set(members.flat())];
        if (pages.length || tagKeys.length) await redis.del(...pages, ...tagKeys);
      } catch (err) {
        this.options.logger.warn({ err, tags }, 'page cache: Redis invalidation failed (pages expire by TTL)');
      }
    }
    return dropped;
  }

  /** Forgets everything (after a lost bus connection, when events may have been missed). */
  clear(): void {
    this.clearedAt = ++this.clock;
    // Redis pages cannot be enumerated cheaply: pages stored before now are ignored instead, until their TTL ends.
    this.clearedWallClock = Date.now();
    this.lru.clear();
    this.keysByTag.clear();
  }
  private clearedAt = 0;
  private clearedWallClock = 0;

  get size(): number {
    return this.lru.size;
  }

  private invalidatedSince(tags: string[], started: number): boolean {
    if (this.clearedAt >= started) return true;
    return tags.some((t) => (this.invalidatedAt.get(t) ?? 0) >= started);
  }

  private remember(key: string, entry: Entry) {
    this.lru.set(key, entry);
    for (const tag of entry.tags) {
      let keys = this.keysByTag.get(tag);
      if (!keys) this.keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, tags: string[]) {
    for (const tag of tags) {
      const keys = this.keysByTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (!keys.size) this.keysByTag.delete(tag);
    }
  }

  private redisPageKey(key: string) {
    return `${this.options.prefix}page:${key}`;
  }
  private redisTagKey(tag: string) {
    return `${this.options.prefix}tag:${tag}`;
  }

  private async readRedis(key: string): Promise<(Entry & { storedAt: number }) | undefined> {
    const redis = this.options.redis;
    if (!redis) return undefined;
    try {
      const raw = await redis.get(this.redisPageKey(key));
      if (!raw) return undefined;
      const entry = JSON.parse(raw) as Entry & { storedAt: number };
      // A page stored in Redis before this process cleared itself may predate missed events.
      // A page stored before this process heard an event naming it is stale, even if a request that
      // started after the event reads it before the event's own Redis deletion has run.
      if (entry.storedAt < this.clearedWallClock) return undefined;
      if (entry.tags.some((t) => (this.invalidatedAtWall.get(t) ?? -1) >= entry.storedAt)) return undefined;
      return entry;
    } catch (err) {
      this.options.logger.warn({ err }, 'page cache: Redis read failed');
      return undefined;
    }
  }
  private async writeRedis(key: string, entry: Entry) {
    const redis = this.options.redis;
    if (!redis) return;
    try {
      const pageKey = this.redisPageKey(key);
      const multi = redis.multi().set(pageKey, JSON.stringify({ ...entry, storedAt: Date.now() }), 'PX', this.ttlMs);
      for (const tag of entry.tags) multi.sadd(this.redisTagKey(tag), pageKey).pexpire(this.redisTagKey(tag), this.ttlMs * 2);
      await multi.exec();
    } catch (err) {
      this.options.logger.warn({ err }, 'page cache: Redis write failed');
    }
  }
}

/** A stable cache key: the same operation, region and variables give the same key whatever the argument order. */
export function pageKey(operation: string, variables: Record<string, unknown>): string {
  const sorted = Object.keys(variables)
    .sort()
    .map((k) => [k, variables[k] ?? null]);
  return `${operation}:${JSON.stringify(sorted)}`;
}
