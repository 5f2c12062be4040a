import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { RegionCode } from '@shop/platform';
import type { InventoryDatabase, InventoryLevelTable, LocationTable } from '../db/database.ts';

type Db = Kysely<InventoryDatabase> | Transaction<InventoryDatabase>;
export type LevelRow = Pick<Selectable<InventoryLevelTable>, 'sku' | 'region' | 'on_hand' | 'reserved' | 'version'>;
export type LocationRow = Selectable<LocationTable>;

/** SELECT sku, region, on_hand, reserved, version FROM inventory_level WHERE sku = ANY($1) AND region = ANY($2) */
export function findLevels(db: Db, skus: readonly string[], regions: readonly RegionCode[]): Promise<LevelRow[]> {
  return db
    .selectFrom('inventory_level')
    .select(['sku', 'region', 'on_hand', 'reserved', 'version'])
    .where('sku', '=', sql<string>`ANY(${skus})`)
    .where('region', '=', sql<RegionCode>`ANY(${regions})`)
    .execute();
}

/**
 * SELECT DISTINCT i.product_id, l.region FROM inventory_item i JOIN inventory_level l USING (sku)
 * WHERE i.product_id = ANY($1) AND l.region = ANY($2) AND l.on_hand > l.reserved
 */
export function findProductsWithStock(db: Db, productIds: readonly string[], regions: readonly RegionCode[]): Promise<{ product_id: string; region: RegionCode }[]> {
  return db
    .selectFrom('inventory_item as i')
    .innerJoin('inventory_level as l', 'l.sku', 'i.sku')
    .select(['i.product_id', 'l.region'])
    .distinct()
    .where('i.product_id', '=', sql<string>`ANY(${productIds})`)
    .where('l.region', '=', sql<RegionCode>`ANY(${regions})`)
    .where(sql<boolean>`l.on_hand > l.reserved`)
    .execute();
}

/** SELECT * FROM location [WHERE region = $1] ORDER BY region, code */
export function listLocations(db: Db, region?: RegionCode): Promise<LocationRow[]> {
  let q = db.selectFrom('location').selectAll();
  if (region) q = q.where('region', '=', region);
  return q.orderBy('region').orderBy('code').execute();
}

/** SELECT * FROM location WHERE code = $1 */
export function findLocation(db: Db, code: string): Promise<LocationRow | undefined> {
  return db.selectFrom('location').selectAll().where('code', '=', code).executeTakeFirst();
}

/** SELECT on_hand FROM location_stock WHERE sku = $1 AND location_code = $2 FOR UPDATE */
export function lockLocationStock(trx: Transaction<InventoryDatabase>, sku: string, locationCode: string) {
  return trx.selectFrom('location_stock').select('on_hand').where('sku', '=', sku).where('location_code', '=', locationCode).forUpdate().executeTakeFirst();
}

/** SELECT … FROM inventory_level WHERE sku = $1 AND region = $2 FOR UPDATE: the lock every change of a sku's regional stock takes first. */
export function lockLevel(trx: Transaction<InventoryDatabase>, sku: string, region: RegionCode) {
  return trx.selectFrom('inventory_level').select(['sku', 'region', 'on_hand', 'reserved', 'version']).where('sku', '=', sku).where('region', '=', region).forUpdate().executeTakeFirst();
}

/** SELECT sku FROM inventory_item WHERE sku = $1 */
export function findItem(db: Db, sku: string): Promise<{ sku: string } | undefined> {
  return db.selectFrom('inventory_item').select('sku').where('sku', '=', sku).executeTakeFirst();
}

/** SELECT sku FROM inventory_item WHERE sku = ANY($1) */
export function findItems(db: Db, skus: readonly string[]): Promise<{ sku: string }[]> {
  return db.selectFrom('inventory_item').select('sku').where('sku', '=', sql<string>`ANY(${skus})`).execute();
}
