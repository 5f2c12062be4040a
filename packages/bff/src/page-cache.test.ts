import { describe, expect, it } from 'vitest';
import { createLogger, EventType, type EventEnvelope } from '@shop/platform';
import { PageCache, PageTag, pageKey, tagsOfEvent } from './page-cache.ts';

const logger = createLogger('test', 'silent');

describe('PageCache (in-process)', () => {
  it('serves a stored page until an event names something it shows', async () => {
    const cache = new PageCache({ prefix: 't:', logger });
    let loads = 0;
    const load = async () => ({ value: ++loads, tags: [PageTag.product('p1'), PageTag.sku('S1', 'US')] });
    expect(await cache.getOrLoad('k', load)).toBe(1);
    expect(await cache.getOrLoad('k', load)).toBe(1);
    expect(await cache.invalidate([PageTag.sku('S1', 'EU')])).toBe(0); // another region's stock
    expect(await cache.getOrLoad('k', load)).toBe(1);
    expect(await cache.invalidate([PageTag.sku('S1', 'US')])).toBe(1);
    expect(await cache.getOrLoad('k', load)).toBe(2);
  });

  it('shares one load among concurrent misses of a key', async () => {
    const cache = new PageCache({ prefix: 't:', logger });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { value: 'page', tags: [] };
    };
    expect(await Promise.all(Array.from({ length: 10 }, () => cache.getOrLoad('k', load)))).toEqual(Array(10).fill('page'));
    expect(loads).toBe(1);
  });

  it('does not store a page whose load raced an invalidation of one of its tags, nor a partial page', async () => {
    const cache = new PageCache({ prefix: 't:', logger });
    let loads = 0;
    const slow = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { value: loads, tags: [PageTag.product('p1')] };
    };
    const first = cache.getOrLoad('k', slow);
    await cache.invalidate([PageTag.product('p1')]); // the event arrives while the stale page is being fetched
    expect(await first).toBe(1);
    expect(await cache.getOrLoad('k', slow)).toBe(2);
    expect(cache.size).toBe(1);
    await cache.getOrLoad('partial', async () => ({ value: 'x', tags: [], cacheable: false }));
    expect(cache.size).toBe(1);
  });

  it('maps events to the tags of what they change', () => {
    const base = { id: 'e', source: 's', time: '', subject: 's', version: 1 };
    expect(tagsOfEvent({ ...base, type: EventType.stockChanged, data: { sku: 'S', region: 'EU', available: 1, badge: 'LOW_STOCK', reason: 'x' } } as EventEnvelope)).toEqual(['sku:S@EU']);
    expect(tagsOfEvent({ ...base, type: EventType.priceChanged, data: { sku: 'S', productId: 'p', region: 'GB', amount: '1.00', compareAt: null, currencyCode: 'GBP' } } as EventEnvelope)).toEqual(['sku:S@GB']);
    expect(tagsOfEvent({ ...base, type: EventType.productChanged, data: { productId: 'p', slug: 's', categoryId: 'c', change: 'updated' } } as EventEnvelope)).toEqual(['product:p', 'category:c']);
  });

  it('keys pages by operation and variables whatever their order', () => {
    expect(pageKey('p', { a: 1, region: 'US' })).toBe(pageKey('p', { region: 'US', a: 1 }));
    expect(pageKey('p', { a: 1, region: 'US' })).not.toBe(pageKey('p', { a: 1, region: 'EU' }));
  });
});
