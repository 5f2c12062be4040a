import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventType, type RegionCode } from '@shop/platform';
import { outboxEvents, startTestPersonalization, type TestPersonalization } from '../testing/database.ts';
import { productRecommendations, userRecommendations } from '../recommend/recommend.service.ts';
import { trackEvent } from '../interaction/interaction.service.ts';
import { applyStockChanged } from './stock.service.ts';

let t: TestPersonalization;

beforeAll(async () => {
  t = await startTestPersonalization({ serverUrl: inject('pgServerUrl'), redisUrl: inject('redisUrl'), name: 'stock', products: 300, shoppers: 300 });
});

afterAll(async () => {
  await t?.close();
});

async function skusOf(productId: string, region: RegionCode) {
  return t.db.selectFrom('sku_stock').select(['sku', 'available', 'version']).where('product_id', '=', productId).where('region', '=', region).orderBy('sku').execute();
}

/** Reports every sku of the product in the region at `available` units, as inventory would (each with the next version). */
async function setProductStock(productId: string, region: RegionCode, available: number) {
  const results = [];
  for (const s of await skusOf(productId, region)) results.push(await applyStockChanged(t.recommender, { sku: s.sku, region, available }, Number(s.version) + 1));
  return results;
}

const ids = (list: { productId: string }[]) => list.map((r) => r.productId);

describe('seeded stock', () => {
  it('has a product in stock in a region iff some sku has units there', async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM product_region_stock p
       WHERE p.in_stock IS DISTINCT FROM (SELECT bool_or(available > 0) FROM sku_stock s WHERE s.product_id = p.product_id AND s.region = p.region)`.execute(t.db);
    expect(rows[0]!.n).toBe(0);
    const out = await t.db.selectFrom('product_region_stock').select((eb) => eb.fn.countAll<number>().as('n')).where('in_stock', '=', false).executeTakeFirstOrThrow();
    expect(out.n).toBeGreaterThan(0);
  });
});

describe('a product selling out in a region', () => {
  it('leaves every list in that region at once, with a refreshed event per changed list, and comes back when restocked', async () => {
    const shoppers = ['shopper_0001', 'shopper_0002', 'stock_newcomer'];
    for (const s of shoppers) await userRecommendations(t.recommender, s, 'EU');
    await userRecommendations(t.recommender, 'shopper_0001', 'US');
    const before = new Map<string, string[]>();
    for (const s of shoppers) before.set(s, ids(await userRecommendations(t.recommender, s, 'EU')));
    // The product at the top of the first shopper's EU list; a product page whose list holds it too.
    const product = before.get('shopper_0001')![0]!;
    const holders = shoppers.filter((s) => before.get(s)!.includes(product));
    const usBefore = ids(await userRecommendations(t.recommender, 'shopper_0001', 'US'));
    const pages = (await t.db.selectFrom('item_neighbor').select('product_id').where('neighbor_id', '=', product).limit(20).execute()).map((r) => r.product_id);
    const pageLists = await productRecommendations(t.recommender, pages.map((p) => ({ productId: p, region: 'EU' as const })));
    expect(pageLists.some((l) => ids(l).includes(product))).toBe(true);
    const outboxBefore = (await outboxEvents(t.db)).length;

    const results = await setProductStock(product, 'EU', 0);

    // Only the report that took the last sku to 0 crossed; it refreshed the lists that held the product.
    expect(results.filter((r) => r.crossed)).toEqual([expect.objectContaining({ crossed: { region: 'EU', inStock: false } })]);
    for (const s of shoppers) {
      const list = ids(await userRecommendations(t.recommender, s, 'EU'));
      expect(list).not.toContain(product);
      expect(list.length).toBe(before.get(s)!.length);
    }
    const refreshed = (await outboxEvents(t.db, EventType.recommendationsRefreshed)).slice(-holders.length);
    expect(refreshed.map((e) => e.subject).sort()).toEqual(holders.map((s) => `${s}:EU`).sort());
    expect((await outboxEvents(t.db)).slice(outboxBefore).every((e) => e.type === EventType.recommendationsRefreshed)).toBe(true);
    for (const l of await productRecommendations(t.recommender, pages.map((p) => ({ productId: p, region: 'EU' as const })))) expect(ids(l)).not.toContain(product);
    // Another region is untouched.
    expect(ids(await userRecommendations(t.recommender, 'shopper_0001', 'US'))).toEqual(usBefore);

    const restock = await applyStockChanged(t.recommender, { sku: (await skusOf(product, 'EU'))[0]!.sku, region: 'EU', available: 5 }, Number((await skusOf(product, 'EU'))[0]!.version) + 1);

    expect(restock.crossed).toEqual({ region: 'EU', inStock: true });
    expect(restock.refresh.events.map((e) => e.subject).sort()).toEqual(holders.map((s) => `${s}:EU`).sort());
    for (const s of holders) expect(ids(await userRecommendations(t.recommender, s, 'EU'))).toEqual(before.get(s));
    expect(pageLists.map(ids)).toEqual((await productRecommendations(t.recommender, pages.map((p) => ({ productId: p, region: 'EU' as const })))).map(ids));
  });

  it('leaves a list refreshed by the shopper’s own event consistent with stock', async () => {
    const userId = 'stock_active';
    const list = ids(await userRecommendations(t.recommender, userId, 'GB'));
    const product = list[1]!;
    await setProductStock(product, 'GB', 0);
    await trackEvent(t.recommender, userId, { type: 'VIEW', productId: list[0]! });
    expect(ids(await userRecommendations(t.recommender, userId, 'GB'))).not.toContain(product);
  });
});

describe('stock reports', () => {
  it('ignore a report that is not newer than the last, and skus personalization does not know', async () => {
    const [s] = await skusOf('prod_000010', 'IN');
    const current = Number(s!.version);
    expect((await applyStockChanged(t.recommender, { sku: s!.sku, region: 'IN', available: 77 }, current + 1)).applied).toBe(true);
    expect((await applyStockChanged(t.recommender, { sku: s!.sku, region: 'IN', available: 0 }, current + 1)).applied).toBe(false);
    expect((await applyStockChanged(t.recommender, { sku: s!.sku, region: 'IN', available: 0 }, current)).applied).toBe(false);
    expect((await skusOf('prod_000010', 'IN'))[0]).toMatchObject({ available: 77, version: current + 1 });
    expect((await applyStockChanged(t.recommender, { sku: 'SKU-NOPE-1', region: 'IN', available: 3 }, 99)).applied).toBe(false);
  });

  /**
   * Race: the last two skus of a product sell out at the same moment. Each
   * report updates its own sku and then asks whether any sku of the product
   * still has stock; without the product row lock, each sees the other's sku
   * as still available (not yet committed), so the product stays "in stock"
   * with nothing to sell and keeps being recommended.
   */
  it('serialise concurrent reports of one product: its last two skus selling out at once take it out of stock', async () => {
    const products = ['prod_000020', 'prod_000021', 'prod_000022', 'prod_000023', 'prod_000024', 'prod_000025'];
    const races: { product: string; skus: { sku: string; version: number }[] }[] = [];
    for (const product of products) {
      const skus = await skusOf(product, 'US');
      expect(skus.length).toBeGreaterThanOrEqual(2);
      for (const s of skus.slice(2)) await applyStockChanged(t.recommender, { sku: s.sku, region: 'US', available: 0 }, Number(s.version) + 1);
      for (const s of skus.slice(0, 2)) await applyStockChanged(t.recommender, { sku: s.sku, region: 'US', available: 1 }, Number(s.version) + 1);
      races.push({ product, skus: (await skusOf(product, 'US')).slice(0, 2).map((s) => ({ sku: s.sku, version: Number(s.version) })) });
    }
    // Open connections first, so that the racing transactions start together rather than one per new connection.
    await Promise.all(Array.from({ length: 12 }, () => sql`SELECT pg_sleep(0.05)`.execute(t.db)));

    const results = await Promise.allSettled(races.flatMap((r) => r.skus.map((s) => applyStockChanged(t.recommender, { sku: s.sku, region: 'US', available: 0 }, s.version + 1))));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const rows = await t.db.selectFrom('product_region_stock').select(['product_id', 'in_stock']).where('product_id', 'in', products).where('region', '=', 'US').orderBy('product_id').execute();
    expect(rows).toEqual(products.map((product_id) => ({ product_id, in_stock: false })));
});
});
