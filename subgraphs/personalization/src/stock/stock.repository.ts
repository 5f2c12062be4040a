import { sql, type Transaction } from 'kysely';
import type { RegionCode } from '@shop/platform';
import type { PersonalizationDatabase } from '../db/database.ts';
import { regionLockExclusive } from '../recommend/recommend.repository.ts';

type Trx = Transaction<PersonalizationDatabase>;

/**
 * Applies a sku's reported availability unless the report is not newer than
 * what is stored, and locks its product's row in the region, in one
 * statement; returns the product and that row's `in_stock` (null when the
 * product has no row in the region yet), or undefined for a stale report or
 * an unknown sku. Concurrent reports of one product's skus serialise on the
 * row lock, so the last one to settle the product (below) sees every committed sku.
 * WITH u AS (UPDATE sku_stock SET available = $3, version = $4 WHERE sku = $1 AND region = $2 AND version < $4 RETURNING product_id)
 * SELECT u.product_id, p.in_stock FROM u LEFT JOIN LATERAL (SELECT in_stock FROM product_region_stock WHERE product_id = u.product_id AND region = $2 FOR UPDATE) p ON true
 */
export async function updateSkuStockLockingProduct(
  trx: Trx,
  sku: string,
  region: RegionCode,
  available: number,
  version: number,
): Promise<{ productId: string; inStock: boolean | null } | undefined> {
  const { rows } = await sql<{ product_id: string; in_stock: boolean | null }>`
    WITH u AS (
      UPDATE sku_stock SET available = ${available}, version = ${version}
       WHERE sku = ${sku} AND region = ${region} AND version < ${version}
      RETURNING product_id
    )
    SELECT u.product_id, p.in_stock FROM u
      LEFT JOIN LATERAL (
        SELECT s.in_stock FROM product_region_stock s WHERE s.product_id = u.product_id AND s.region = ${region} FOR UPDATE
      ) p ON true`.execute(trx);
  const row = rows[0];
  return row && { productId: row.product_id, inStock: row.in_stock };
}

/**
 * Creates the product's row in the region, out of stock, if it has none (the
 * seed writes one per product and region), and locks it:
 * INSERT … ON CONFLICT DO NOTHING; SELECT in_stock FROM product_region_stock WHERE … FOR UPDATE.
 */
export async function lockProductRegionStock(trx: Trx, productId: string, region: RegionCode): Promise<boolean> {
  await trx
    .insertInto('product_region_stock')
    .values({ product_id: productId, region, in_stock: false })
    .onConflict((oc) => oc.columns(['region', 'product_id']).doNothing())
    .execute();
  const row = await trx.selectFrom('product_region_stock').select('in_stock').where('product_id', '=', productId).where('region', '=', region).forUpdate().executeTakeFirstOrThrow();
  return row.in_stock;
}

/**
 * With the product's row locked (so this statement's snapshot holds every
 * committed sku): whether some sku of the product has units in the region;
 * when that differs from the row, stores it and takes the region's stock lock
 * exclusively (recommend.repository.ts, "Locks"), in one statement.
 * WITH skus AS (SELECT coalesce(bool_or(available > 0), false) AS in_stock FROM sku_stock WHERE product_id = $1 AND region = $2),
 *      flip AS (UPDATE product_region_stock p SET in_stock = skus.in_stock FROM skus WHERE … AND p.in_stock <> skus.in_stock RETURNING 1)
 * SELECT skus.in_stock, (SELECT count(pg_advisory_xact_lock(7164, $region)) FROM flip) AS flipped FROM skus
 */
export async function settleProductRegionStock(trx: Trx, productId: string, region: RegionCode): Promise<{ inStock: boolean; flipped: boolean }> {
  const { rows } = await sql<{ in_stock: boolean; flipped: number }>`
    WITH skus AS (
      SELECT coalesce(bool_or(available > 0), false) AS in_stock FROM sku_stock WHERE product_id = ${productId} AND region = ${region}
    ), flip AS (
      UPDATE product_region_stock p SET in_stock = skus.in_stock FROM skus
       WHERE p.product_id = ${productId} AND p.region = ${region} AND p.in_stock <> skus.in_stock
      RETURNING 1
    )
    SELECT skus.in_stock, (SELECT count(${regionLockExclusive(region)}) FROM flip)::int AS flipped FROM skus`.execute(trx);
  const row = rows[0]!;
  return { inStock: row.in_stock, flipped: row.flipped > 0 };
}
