import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventType, type EventEnvelope } from '@shop/platform';
import { inStock, outboxEvents, startTestPersonalization, type TestPersonalization } from '../testing/database.ts';
import { userRecommendations } from '../recommend/recommend.service.ts';
import { recordOrderPlaced, trackEvent } from './interaction.service.ts';

let t: TestPersonalization;

beforeAll(async () => {
  t = await startTestPersonalization({ serverUrl: inject('pgServerUrl'), redisUrl: inject('redisUrl'), name: 'interaction', products: 300, shoppers: 300 });
});

afterAll(async () => {
  await t?.close();
});

const counts = async (userId: string) => ({
  interactions: (await t.db.selectFrom('interaction').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n,
  affinity: await t.db.selectFrom('user_affinity').select(['key', 'score']).where('user_id', '=', userId).orderBy('key').execute(),
  outbox: (await outboxEvents(t.db)).length,
});

async function productsOf(categoryId: string, n: number, region = 'EU'): Promise<string[]> {
  const rows = await t.db
    .selectFrom('product_feature as f')
    .innerJoin('product_region_stock as s', 's.product_id', 'f.product_id')
    .select('f.product_id')
    .where('f.category_id', '=', categoryId)
    .where('s.region', '=', region as never)
    .where('s.in_stock', '=', true)
    .orderBy('f.product_id')
    .limit(n)
    .execute();
  return rows.map((r) => r.product_id);
}

async function categoryOf(productIds: string[]): Promise<Map<string, string>> {
  const rows = await t.db.selectFrom('product_feature').select(['product_id', 'category_id']).where('product_id', 'in', productIds).execute();
  return new Map(rows.map((r) => [r.product_id, r.category_id]));
}

describe('trackEvent', () => {
  it('refuses an anonymous shopper with UNAUTHENTICATED (no HTTP status: the gateway must read it as a GraphQL error)', async () => {
    const error = await trackEvent(t.recommender, undefined, { type: 'VIEW', productId: 'prod_000001' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('refuses an unknown product with BAD_USER_INPUT naming productId, and records nothing', async () => {
    const userId = 'track_unknown';
    await trackEvent(t.recommender, userId, { type: 'VIEW', productId: 'prod_000002' });
    const before = await counts(userId);
    const error = await trackEvent(t.recommender, userId, { type: 'PURCHASE', productId: 'prod_999999' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'productId' });
    expect((error as GraphQLError).message).toContain('productId');
    expect(await counts(userId)).toEqual(before);
  });

  it('ignores a repeated event id: one interaction, one event, affinities added once', async () => {
    const userId = 'track_duplicate';
    const eventId = randomUUID();
    await trackEvent(t.recommender, userId, { type: 'ADD_TO_CART', productId: 'prod_000003' }, eventId);
    const once = await counts(userId);
    await trackEvent(t.recommender, userId, { type: 'ADD_TO_CART', productId: 'prod_000003' }, eventId);
    await Promise.allSettled([1, 2, 3].map(() => trackEvent(t.recommender, userId, { type: 'ADD_TO_CART', productId: 'prod_000003' }, eventId)));
    expect(await counts(userId)).toEqual(once);
    expect(once.interactions).toBe(1);
    expect(once.affinity.map((a) => a.key)).toEqual(expect.arrayContaining([expect.stringMatching(/^category:/), expect.stringMatching(/^brand:/), expect.stringMatching(/^band:/)]));
  });

  it('refreshes the lists the shopper has, in the same transaction as interaction.recorded and recommendations.refreshed', async () => {
    const userId = 'track_refresh';
    const eu = await userRecommendations(t.recommender, userId, 'EU');
    const us = await userRecommendations(t.recommender, userId, 'US');
    expect(eu.length).toBeGreaterThan(12);
    const bought = eu[0]!.productId;
    const seqBefore = (await outboxEvents(t.db)).length;

    await trackEvent(t.recommender, userId, { type: 'PURCHASE', productId: bought });

    const events = (await outboxEvents(t.db)).slice(seqBefore);
    expect(events[0]).toMatchObject({ type: EventType.interactionRecorded, subject: userId, data: { userId, productId: bought, type: 'PURCHASE' } });
    const refreshed = events.filter((e) => e.type === EventType.recommendationsRefreshed);
    // The EU list held what was bought, so it changed; the US list changes too unless the new signal moves nothing there.
    expect(refreshed.map((e) => e.subject)).toContain(`${userId}:EU`);
    expect(refreshed.every((e) => [`${userId}:EU`, `${userId}:US`].includes(e.subject) && Number(e.version) === 2)).toBe(true);
    expect(us.length).toBeGreaterThan(0);
    expect(refreshed.map((e) => e.data)).toContainEqual({ userId, region: 'EU' });
    // What was just bought is never recommended back; the cache serves the new list at once.
    const after = await userRecommendations(t.recommender, userId, 'EU');
    expect(after.map((r) => r.productId)).not.toContain(bought);
    const stored = await t.db.selectFrom('user_recommendation').select(['product_ids', 'version']).where('user_id', '=', userId).where('region', '=', 'EU').executeTakeFirstOrThrow();
    expect(after.map((r) => r.productId)).toEqual(stored.product_ids);
    expect(Number(stored.version)).toBe(2);
  });

  it('shifts a shopper’s list toward a category after several VIEWs of it', async () => {
    const userId = 'track_shift';
    const [a, b] = ['cat_knitwear', 'cat_bedding'];
    for (const productId of await productsOf(a, 3)) await trackEvent(t.recommender, userId, { type: 'VIEW', productId });
    const share = async () => {
      const list = (await userRecommendations(t.recommender, userId, 'EU')).slice(0, 12);
      const cats = await categoryOf(list.map((r) => r.productId));
      return list.filter((r) => cats.get(r.productId) === b).length;
    };
    const before = await share();
    for (const productId of await productsOf(b, 6)) await trackEvent(t.recommender, userId, { type: 'VIEW', productId });
    const after = await share();
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThanOrEqual(4);
  });
});

describe('orders.order.placed', () => {
  function orderPlaced(userId: string, lines: { sku: string; productId: string | null; quantity: number }[]): EventEnvelope {
    return {
      id: randomUUID(),
      type: EventType.orderPlaced,
      source: 'orders',
      time: new Date().toISOString(),
      subject: `order_${randomUUID()}`,
      version: 1,
      data: { orderId: `order_${randomUUID()}`, userId, region: 'EU', lines, totalMinor: 1000, currencyCode: 'EUR' },
    };
  }

  it('records a PURCHASE per product once, however often the event is delivered, and drops them from the lists', async () => {
    const userId = 'order_buyer';
    const list = await userRecommendations(t.recommender, userId, 'EU');
    const [p1, p2] = [list[0]!.productId, list[1]!.productId];
    const sku = async (productId: string) => (await t.db.selectFrom('sku_stock').select('sku').where('product_id', '=', productId).orderBy('sku').executeTakeFirstOrThrow()).sku;
    // Two lines of one product, and one line without a product id (resolved by sku).
    const event = orderPlaced(userId, [
      { sku: await sku(p1), productId: p1, quantity: 1 },
      { sku: `${(await sku(p1)).slice(0, -2)}-2`, productId: p1, quantity: 2 },
      { sku: await sku(p2), productId: null, quantity: 1 },
    ]);
    const outboxBefore = (await outboxEvents(t.db)).length;

    const first = await recordOrderPlaced(t.recommender, event);
    const again = await Promise.all([recordOrderPlaced(t.recommender, event), recordOrderPlaced(t.recommender, event)]);

    expect(first.recorded).toBe(2);
    expect(again.map((r) => r.recorded)).toEqual([0, 0]);
    const rows = await t.db.selectFrom('interaction').select(['product_id', 'type']).where('user_id', '=', userId).orderBy('product_id').execute();
    expect(rows).toEqual([p1, p2].sort().map((product_id) => ({ product_id, type: 'PURCHASE' })));
    const events = (await outboxEvents(t.db)).slice(outboxBefore);
    expect(events.filter((e) => e.type === EventType.interactionRecorded)).toHaveLength(2);
    expect(events.filter((e) => e.type === EventType.recommendationsRefreshed)).toEqual([expect.objectContaining({ subject: `${userId}:EU`, data: { userId, region: 'EU' } })]);
    const after = (await userRecommendations(t.recommender, userId, 'EU')).map((r) => r.productId);
    expect(after).not.toContain(p1);
    expect(after).not.toContain(p2);
  });
});

describe('a new shopper', () => {
  it('gets the region’s trending list: in stock there, most popular first', async () => {
    const list = await userRecommendations(t.recommender, `newcomer_${randomUUID()}`, 'BR');
    expect(list.length).toBeGreaterThanOrEqual(12);
    expect(list.every((r) => r.reason === 'Trending in BR')).toBe(true);
    for (const r of list) expect(await inStock(t.db, r.productId, 'BR')).toBe(true);
    // The pool this process ranks by (popularity, refreshed every few seconds): its first product in stock in BR leads.
    let top: string | undefined;
    for (const p of await t.recommender.trendingPool()) if (!top && (await inStock(t.db, p.product_id, 'BR'))) top = p.product_id;
    expect(list[0]!.productId).toBe(top);
  });
});
