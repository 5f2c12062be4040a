import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis, LruCache, RedisCache, type Cache } from './cache.ts';

const redisUrl = inject('redisUrl');

/** The behaviour every Cache implementation promises, run against each of them. */
function cacheBehaviour(make: () => Cache) {
  let cache: Cache;
  beforeAll(() => {
    cache = make();
  });
  afterAll(async () => {
    await cache.close();
  });

  it('returns an object it was given, equal in every field', async () => {
    const value = { id: 'prod_000001', title: 'Linen Shirt', price: { amountMinor: 1990, currency: 'EUR' }, tags: ['linen', 'shirts'], onSale: false, note: null };
    await cache.set('round-trip', value, 60_000);
    await expect(cache.get('round-trip')).resolves.toEqual(value);
  });

  it('keeps keys apart and overwrites a key on set', async () => {
    await cache.set('a', { n: 1 }, 60_000);
    await cache.set('b', { n: 2 }, 60_000);
    await cache.set('a', { n: 3 }, 60_000);
    await expect(cache.get('a')).resolves.toEqual({ n: 3 });
    await expect(cache.get('b')).resolves.toEqual({ n: 2 });
  });

  it('returns undefined for a key never set', async () => {
    await expect(cache.get('never-set')).resolves.toBeUndefined();
  });

  it('stores falsy values as values, not as misses', async () => {
    await cache.set('zero', 0, 60_000);
    await cache.set('empty', '', 60_000);
    await cache.set('false', false, 60_000);
    await expect(cache.get('zero')).resolves.toBe(0);
    await expect(cache.get('empty')).resolves.toBe('');
    await expect(cache.get('false')).resolves.toBe(false);
  });

  it('forgets a deleted key, and deleting a missing key is harmless', async () => {
    await cache.set('to-delete', { x: 1 }, 60_000);
    await expect(cache.get('to-delete')).resolves.toEqual({ x: 1 });
    await cache.delete('to-delete');
    await expect(cache.get('to-delete')).resolves.toBeUndefined();
    await expect(cache.delete('never-set')).resolves.toBeUndefined();
  });

  it('expires an entry after its time to live', async () => {
    await cache.set('short', { fresh: true }, 50);
    await cache.set('long', { fresh: true }, 60_000);
    await expect(cache.get('short')).resolves.toEqual({ fresh: true });
    await sleep(150);
    await expect(cache.get('short')).resolves.toBeUndefined();
    await expect(cache.get('long')).resolves.toEqual({ fresh: true });
  });
}

describe('LruCache', () => {
  cacheBehaviour(() => new LruCache());

  it('evicts the least recently used entry beyond its size', async () => {
    const cache = new LruCache(2);
    await cache.set('a', 1, 60_000);
    await cache.set('b', 2, 60_000);
    await cache.get('a');
    await cache.set('c', 3, 60_000);
    await expect(cache.get('b')).resolves.toBeUndefined();
    await expect(cache.get('a')).resolves.toBe(1);
    await expect(cache.get('c')).resolves.toBe(3);
    await cache.close();
  });
});

describe.skipIf(!redisUrl)('RedisCache', () => {
  const prefix = `test:cache:${process.pid}:${Date.now()}:`;

  cacheBehaviour(() => new RedisCache(createRedis(redisUrl!), prefix));

  it('stores values under its prefix as JSON with a millisecond TTL', async () => {
    const cache = new RedisCache(createRedis(redisUrl!), prefix);
    const redis = createRedis(redisUrl!);
    try {
      await cache.set('raw', { a: [1, 2] }, 30_000);
      expect(await redis.get(`${prefix}raw`)).toBe('{"a":[1,2]}');
      const ttl = await redis.pttl(`${prefix}raw`);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      // Another prefix does not see it.
      const other = new RedisCache(redis, `${prefix}other:`);
      await expect(other.get('raw')).resolves.toBeUndefined();
    } finally {
      await cache.close();
      await redis.quit();
    }
  });

  afterAll(async () => {
    const redis = createRedis(redisUrl!);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
  });
});
