import { sql, type Kysely } from 'kysely';
import { REGION_CODES, seedOnce } from '@shop/platform';
import { DEFAULT_SHOPPER_COUNT, SEED_VERSION, LOCATIONS, products, shopperCatalogue, shoppersWithInteractions, stock, type ShopperCatalogueItem } from '@shop/seed';
import { decayedWeightSql } from '../interaction/interaction.repository.ts';
import { BLEND } from '../recommend/blend.ts';
import type { ItemInfo } from '../recommend/features.ts';
import { insertNeighbors, markJob, streamInsert } from '../recommend/neighbor-refresh.ts';
import { collaborativeNeighbors, contentNeighbors, type InteractionLite } from '../recommend/neighbors.ts';
import { itemInfoOf, seedCategoryNames } from '../recommend/seed-items.ts';
import type { PersonalizationDatabase } from './database.ts';

/** Bump when what this seed derives changes, so seeded databases know they are stale. */
const PERSONALIZATION_SEED_VERSION = 'p1';

export interface PersonalizationSeedOptions {
  /** @default DEFAULT_SHOPPER_COUNT (2,000) */
  shoppers?: number;
  /** The end of the shoppers' 90-day histories. @default now */
  now?: number;
}

const REGION_OF_LOCATION = new Map(LOCATIONS.map((l) => [l.code, l.region]));

/**
 * Seeds personalization's copy of the catalogue (features, stock per sku and
 * region), the demo shoppers' interactions (packages/seed/src/shoppers.ts),
 * and what is precomputed from them in SQL and in memory: affinities,
 * popularity, collaborative and content neighbours. Shoppers' lists are not
 * seeded: each is computed on its first read.
 */
export async function seedPersonalization(db: Kysely<PersonalizationDatabase>, count: number, force = false, options: PersonalizationSeedOptions = {}): Promise<boolean> {
  const shoppers = options.shoppers ?? DEFAULT_SHOPPER_COUNT;
  return seedOnce(db, `${SEED_VERSION}:${count}:${PERSONALIZATION_SEED_VERSION}:${shoppers}`, { force }, async (trx) => {
    for (const t of ['user_recommendation', 'user_profile', 'item_neighbor', 'user_affinity', 'interaction', 'product_region_stock', 'sku_stock', 'product_feature', 'job_state']) {
      await sql`DELETE FROM ${sql.table(t)}`.execute(trx);
    }
    const now = options.now ?? Date.now();
    const names = seedCategoryNames();
    const items: ItemInfo[] = [];
    const shopperItems: ShopperCatalogueItem[] = [];
    const features: Record<string, unknown>[] = [];
    // One pass over the catalogue: sku rows stream out while features are collected.
    function* skuRows() {
      for (const p of products(count)) {
        const item = itemInfoOf(p, names);
        items.push(item);
        shopperItems.push({ id: p.id, categoryId: p.categoryId, brand: p.brand, basePriceCents: p.basePriceCents });
        features.push({ product_id: p.id, category_id: item.categoryId, category_name: item.categoryName, brand: p.brand, tags: p.tags, price_band: item.priceBand, title: p.title, created_at: p.createdAt.toISOString() });
        // What inventory seeds per location, summed per region: the same available units it will report.
        const perRegion = new Map<string, number>();
        for (const s of stock(p)) {
          const key = `${s.sku}|${REGION_OF_LOCATION.get(s.locationCode)}`;
          perRegion.set(key, (perRegion.get(key) ?? 0) + s.onHand);
        }
        for (const [key, available] of perRegion) {
          const [sku, region] = key.split('|');
          yield { sku, region, product_id: p.id, available };
        }
      }
    }
    await streamInsert(trx, 'sku_stock', { sku: 'text', region: 'text', product_id: 'text', available: 'int' }, skuRows(), (r) => r);
    await streamInsert(trx, 'product_feature', { product_id: 'text', category_id: 'text', category_name: 'text', brand: 'text', tags: 'text[]', price_band: 'int', title: 'text', created_at: 'timestamptz' }, features, (r) => r);
    // Every product gets a row in every region (out of stock where it has no units or no skus).
    await sql`
      INSERT INTO product_region_stock (product_id, region, in_stock)
      SELECT f.product_id, r.region, coalesce(s.in_stock, false)
        FROM product_feature f
        CROSS JOIN unnest(${[...REGION_CODES]}::text[]) AS r(region)
        LEFT JOIN (SELECT product_id, region, bool_or(available > 0) AS in_stock FROM sku_stock GROUP BY product_id, region) s
          ON s.product_id = f.product_id AND s.region = r.region`.execute(trx);

    const catalogue = shopperCatalogue(shopperItems);
    const lite: InteractionLite[] = [];
    function* interactionRows() {
      for (const { interactions } of shoppersWithInteractions(shoppers, catalogue, now)) {
        for (const x of interactions) {
          lite.push({ userId: x.userId, productId: x.productId, type: x.type, at: x.occurredAt.getTime() });
          yield { event_id: x.eventId, user_id: x.userId, product_id: x.productId, type: x.type, weight: BLEND.interaction[x.type], occurred_at: x.occurredAt.toISOString() };
        }
      }
    }
    await streamInsert(trx, 'interaction', { event_id: 'uuid', user_id: 'text', product_id: 'text', type: 'text', weight: 'float8', occurred_at: 'timestamptz' }, interactionRows(), (r) => r);

    // The same sums trackEvent keeps up to date one interaction at a time.
    const profileWeight = decayedWeightSql(sql.ref('i.weight'), sql.ref('i.occurred_at'), BLEND.halfLifeDays.profile);
    await sql`
      INSERT INTO user_affinity (user_id, key, score)
      SELECT i.user_id, k.key, sum(${profileWeight}) FROM interaction i
        JOIN product_feature f ON f.product_id = i.product_id
        CROSS JOIN LATERAL (VALUES ('category:' || f.category_id), ('brand:' || f.brand), ('band:' || f.price_band)) AS k(key)
       GROUP BY i.user_id, k.key`.execute(trx);
    const trendingWeight = decayedWeightSql(sql.ref('i.weight'), sql.ref('i.occurred_at'), BLEND.halfLifeDays.trending);
    await sql`
      UPDATE product_feature f SET popularity = p.popularity
        FROM (SELECT i.product_id, sum(${trendingWeight}) AS popularity FROM interaction i GROUP BY i.product_id) p
       WHERE f.product_id = p.product_id`.execute(trx);

    await insertNeighbors(trx, contentNeighbors(items));
    await insertNeighbors(trx, collaborativeNeighbors(lite, now));
    const { rows: head } = await sql<{ id: number | null }>`SELECT max(id) AS id FROM interaction`.execute(trx);
    await markJob(trx, Number(head[0]?.id ?? 0));
  });
}
