import type { Kysely } from 'kysely';
import { namedLoader, type RegionCode } from '@shop/platform';
import type { InventoryDatabase } from '../db/database.ts';
import { findLevels, findProductsWithStock, type LevelRow } from './stock.repository.ts';

export interface SkuRegion {
  sku: string;
  region: RegionCode;
}
export interface ProductRegion {
  productId: string;
  region: RegionCode;
}

/** Per request; one statement per kind of lookup, however many variants or products a page shows. */
export function createLoaders(db: Kysely<InventoryDatabase>) {
  return {
    level: namedLoader<SkuRegion, LevelRow | null, string>(
      'level',
      async (keys) => {
        const rows = await findLevels(db, [...new Set(keys.map((k) => k.sku))], [...new Set(keys.map((k) => k.region))]);
        const map = new Map(rows.map((r) => [`${r.sku}|${r.region}`, r]));
        return keys.map((k) => map.get(`${k.sku}|${k.region}`) ?? null);
      },
      { cacheKeyFn: (k) => `${k.sku}|${k.region}` },
    ),
    availableForSale: namedLoader<ProductRegion, boolean, string>(
      'availableForSale',
      async (keys) => {
        const rows = await findProductsWithStock(db, [...new Set(keys.map((k) => k.productId))], [...new Set(keys.map((k) => k.region))]);
        const set = new Set(rows.map((r) => `${r.product_id}|${r.region}`));
        return keys.map((k) => set.has(`${k.productId}|${k.region}`));
      },
      { cacheKeyFn: (k) => `${k.productId}|${k.region}` },
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
