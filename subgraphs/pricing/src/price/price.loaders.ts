import type { Kysely } from 'kysely';
import { namedLoader, type RegionCode } from '@shop/platform';
import type { PricingDatabase } from '../db/database.ts';
import { listRegions, type RegionRow } from '../region/region.repository.ts';
import { findPriceRanges, findPrices, type PriceRangeRow, type PriceRow } from './price.repository.ts';

const unique = <T>(items: T[]) => [...new Set(items)];

/** Per request; one statement per kind of lookup, however many variants or products a page shows. */
export function createLoaders(db: Kysely<PricingDatabase>) {
  let regions: Promise<RegionRow[]> | undefined;
  return {
    price: namedLoader<{ sku: string; region: RegionCode }, PriceRow | null, string>(
      'price',
      async (keys) => {
        const rows = await findPrices(db, unique(keys.map((k) => k.sku)), unique(keys.map((k) => k.region)));
        const map = new Map(rows.map((r) => [`${r.sku}|${r.region}`, r]));
        return keys.map((k) => map.get(`${k.sku}|${k.region}`) ?? null);
      },
      { cacheKeyFn: (k) => `${k.sku}|${k.region}` },
    ),
    priceRange: namedLoader<{ productId: string; region: RegionCode }, PriceRangeRow | null, string>(
      'priceRange',
      async (keys) => {
        const rows = await findPriceRanges(db, unique(keys.map((k) => k.productId)), unique(keys.map((k) => k.region)));
        const map = new Map(rows.map((r) => [`${r.product_id}|${r.region}`, r]));
        return keys.map((k) => map.get(`${k.productId}|${k.region}`) ?? null);
      },
      { cacheKeyFn: (k) => `${k.productId}|${k.region}` },
    ),
    /** All five regions, read at most once per request. */
    regions: () => (regions ??= listRegions(db)),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
