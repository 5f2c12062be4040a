import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createLogger, createRedis } from '@shop/platform';
import { PageCache, PageTag } from './page-cache.ts';

const redisUrl = process.env.REDIS_URL;
const logger = createLogger('test', 'silent');

/** Two PageCache instances on one Redis stand for two BFF processes. */
describe.skipIf(!redisUrl)('PageCache with Redis (second level shared by processes)', () => {
  const redis = redisUrl ? createRedis(redisUrl) : undefined;
  const prefix = `test:${randomUUID()}:`;
  afterAll(async () => {
    const keys = await redis!.keys(`${prefix}*`);
    if (keys.length) await redis!.del(...keys);
    await redis!.quit();
  });

  it('a page one process loaded is served to another, and an invalidation in either drops it from Redis', async () => {
    const a = new PageCache({ redis, prefix, logger });
    const b = new PageCache({ redis, prefix, logger });
    let loads = 0;
    const load = async () => ({ value: { n: ++loads }, tags: [PageTag.sku('S1', 'US'), PageTag.product('p1')] });
    expect(await a.getOrLoad('page', load)).toEqual({ n: 1 });
    expect(await b.getOrLoad('page', load)).toEqual({ n: 1 }); // from Redis
    expect(loads).toBe(1);
    await a.invalidate([PageTag.sku('S1', 'US')]); // process a hears the event first
    expect(await redis!.exists(`${prefix}page:page`)).toBe(0);
    await b.invalidate([PageTag.sku('S1', 'US')]); // and b drops its own copy when it hears it
    expect(await b.getOrLoad('page', load)).toEqual({ n: 2 });
  });

  it('ignores Redis pages stored before a clear (events may have been missed)', async () => {
    const a = new PageCache({ redis, prefix, logger });
    await a.getOrLoad('old', async () => ({ value: 'old', tags: [] }));
    await new Promise((r) => setTimeout(r, 5));
    const b = new PageCache({ redis, prefix, logger });
    b.clear();
    expect(await b.getOrLoad('old', async () => ({ value: 'fresh', tags: [] }))).toBe('fresh');
  });
});

describe.skipIf(!redisUrl)('PageCache with Redis: an invalidation racing a read', () => {
  const redis = redisUrl ? createRedis(redisUrl) : undefined;
  const prefix = `test:${randomUUID()}:`;
  afterAll(async () => {
    const keys = await redis!.keys(`${prefix}*`);
    if (keys.length) await redis!.del(...keys);
    await redis!.quit();
  });

  /**
   * The race: an event drops the page from the LRU at once, but its Redis deletion is a round trip later;
   * a request in between must not copy the stale Redis page back into the LRU.
   */
  it('never brings back from Redis a page stored before the event', async () => {
    const cache = new PageCache({ redis, prefix, logger });
    await cache.getOrLoad('page', async () => ({ value: 'old', tags: [PageTag.sku('S9', 'US')] }));
    await new Promise((r) => setTimeout(r, 2));
    const invalidating = cache.invalidate([PageTag.sku('S9', 'US')]);
    const during = cache.getOrLoad('page', async () => ({ value: 'new', tags: [PageTag.sku('S9', 'US')] }));
    await invalidating;
    expect(await during).toBe('new');
    expect(await cache.getOrLoad('page', async () => ({ value: 'newer', tags: [] }))).toBe('new');
  });
});
