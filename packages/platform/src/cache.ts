import { LRUCache } from 'lru-cache';
import { Redis } from 'ioredis';

/**
 * A small cache for JSON values. In-process LRU by default; Redis when
 * REDIS_URL is set, so that every process of a service shares it.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  /** @param ttlMs time to live in milliseconds */
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export class LruCache implements Cache {
  private readonly lru: LRUCache<string, { v: unknown }>;
  /** @param max entries kept @default 10_000 */
  constructor(max = 10_000) {
    this.lru = new LRUCache({ max, ttlAutopurge: false });
  }
  async get<T>(key: string) {
    return this.lru.get(key)?.v as T | undefined;
  }
  async set<T>(key: string, value: T, ttlMs: number) {
    this.lru.set(key, { v: value }, { ttl: ttlMs });
  }
  async delete(key: string) {
    this.lru.delete(key);
  }
  async close() {
    this.lru.clear();
  }
}

export class RedisCache implements Cache {
  constructor(
    private readonly redis: Redis,
    /** Namespaces this service's keys, e.g. `shop:pricing:` */
    private readonly prefix: string,
  ) {}
  async get<T>(key: string) {
    const raw = await this.redis.get(this.prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }
  async set<T>(key: string, value: T, ttlMs: number) {
    await this.redis.set(this.prefix + key, JSON.stringify(value), 'PX', ttlMs);
  }
  async delete(key: string) {
    await this.redis.del(this.prefix + key);
  }
  async close() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: false });
}

export function createCache(options: { redisUrl?: string; prefix: string; maxEntries?: number }): Cache {
  return options.redisUrl ? new RedisCache(createRedis(options.redisUrl), options.prefix) : new LruCache(options.maxEntries);
}
