import { sql, type Transaction } from 'kysely';
import type { RegionCode } from '@shop/platform';
import type { PersonalizationDatabase } from '../db/database.ts';

type Trx = Transaction<PersonalizationDatabase>;

/**
 * Applies a sku's reported availability unless the report is not newer than what is stored:
 * UPDATE sku_stock SET available = $3, version = $4 WHERE sku = $1 AND region = $2 AND version < $4 RETURNING product_id
 */
export async function updateSkuStock(trx: Trx, sku: string, region: RegionCode, available: number, version: number): Promise<string | undefined> {
  const row = await trx
    .updateTable('sku_stock')
    .set({ available, version })
    .where('sku', '=', sku)
    .where('region', '=', region)
    .where('version', '<', version)
    .returning('product_id')
    .executeTakeFirst();
  return row?.product_id;
}

/**
 * Locks the product's regional stock row (creating it, out of stock, if new) and returns its state:
 * INSERT … ON CONFLICT DO NOTHING; SELECT in_stock FROM product_region_stock WHERE … FOR UPDATE.
 * Concurrent changes of the product's skus in the region serialise here, so
 * the last one to recompute sees every committed sku.
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

/** SELECT coalesce(bool_or(available > 0), false) FROM sku_stock WHERE product_id = $1 AND region = $2 */
export async function productHasStock(trx: Trx, productId: string, region: RegionCode): Promise<boolean> {
  const { rows } = await sql<{ in_stock: boolean }>`
    SELECT coalesce(bool_or(available > 0), false) AS in_stock FROM sku_stock WHERE product_id = ${productId} AND region = ${region}`.execute(trx);
  return rows[0]?.in_stock ?? false;
}

/** UPDATE product_region_stock SET in_stock = $3 WHERE product_id = $1 AND region = $2 */
export async function setProductRegionStock(trx: Trx, productId: string, region: RegionCode, inStock: boolean): Promise<void> {
  await trx.updateTable('product_region_stock').set({ in_stock: inStock }).where('product_id', '=', productId).where('region', '=', region).execute();
}
