import { sql, type Kysely, type Transaction } from 'kysely';
import type { RegionCode } from '@shop/platform';
import type { PricingDatabase } from '../db/database.ts';

type Db = Kysely<PricingDatabase>;

export interface PriceRow {
  sku: string;
  product_id: string;
  region: RegionCode;
  currency_code: string;
  amount_minor: number;
  compare_at_minor: number | null;
  tax_included: boolean;
}

/**
 * SELECT p.sku, p.product_id, p.region, p.currency_code, p.amount_minor, p.compare_at_minor, r.tax_included
 * FROM price p JOIN region r ON r.code = p.region AND r.currency_code = p.currency_code
 * WHERE p.sku = ANY($1) AND p.region = ANY($2)
 */
export function findPrices(db: Db, skus: readonly string[], regions: readonly RegionCode[]): Promise<PriceRow[]> {
  return db
    .selectFrom('price as p')
    .innerJoin('region as r', (j) => j.onRef('r.code', '=', 'p.region').onRef('r.currency_code', '=', 'p.currency_code'))
    .select(['p.sku', 'p.product_id', 'p.region', 'p.currency_code', 'p.amount_minor', 'p.compare_at_minor', 'r.tax_included'])
    .where('p.sku', '=', sql<string>`ANY(${skus})`)
    .where('p.region', '=', sql<RegionCode>`ANY(${regions})`)
    .execute();
}

export interface PriceRangeRow {
  product_id: string;
  region: RegionCode;
  currency_code: string;
  min_minor: number;
  max_minor: number;
}

/**
 * SELECT product_id, region, currency_code, min(amount_minor), max(amount_minor) FROM price
 * WHERE product_id = ANY($1) AND region = ANY($2) GROUP BY product_id, region, currency_code
 */
export function findPriceRanges(db: Db, productIds: readonly string[], regions: readonly RegionCode[]): Promise<PriceRangeRow[]> {
  return db
    .selectFrom('price')
    .select(['product_id', 'region', 'currency_code'])
    .select((eb) => [eb.fn.min<number>('amount_minor').as('min_minor'), eb.fn.max<number>('amount_minor').as('max_minor')])
    .where('product_id', '=', sql<string>`ANY(${productIds})`)
    .where('region', '=', sql<RegionCode>`ANY(${regions})`)
    .groupBy(['product_id', 'region', 'currency_code'])
    .execute();
}

/** A price row as setPrice locks and writes it, with the version its events carry. */
export interface VersionedPriceRow extends PriceRow {
  version: number;
}

/**
 * SELECT p.sku, p.product_id, p.region, p.currency_code, p.amount_minor, p.compare_at_minor, p.version, r.tax_included
 * FROM price p JOIN region r ON r.code = p.region AND r.currency_code = p.currency_code
 * WHERE p.sku = $1 AND p.region = $2 FOR UPDATE OF p
 * The lock every change of a sku's price in a region takes; the region row stays unlocked.
 */
export function lockPrice(trx: Transaction<PricingDatabase>, sku: string, region: RegionCode): Promise<VersionedPriceRow | undefined> {
  return trx
    .selectFrom('price as p')
    .innerJoin('region as r', (j) => j.onRef('r.code', '=', 'p.region').onRef('r.currency_code', '=', 'p.currency_code'))
    .select(['p.sku', 'p.product_id', 'p.region', 'p.currency_code', 'p.amount_minor', 'p.compare_at_minor', 'p.version', 'r.tax_included'])
    .where('p.sku', '=', sku)
    .where('p.region', '=', region)
    .forUpdate('p')
    .executeTakeFirst();
}

/**
 * UPDATE price SET amount_minor = $3, compare_at_minor = $4, version = version + 1, updated_at = now()
 * WHERE sku = $1 AND region = $2
 * RETURNING sku, product_id, region, currency_code, amount_minor, compare_at_minor, version
 */
export function updatePrice(
  trx: Transaction<PricingDatabase>,
  key: { sku: string; region: RegionCode },
  change: { amountMinor: number; compareAtMinor: number | null },
): Promise<Omit<VersionedPriceRow, 'tax_included'>> {
  return trx
    .updateTable('price')
    .set({ amount_minor: change.amountMinor, compare_at_minor: change.compareAtMinor, version: sql`version + 1`, updated_at: sql`now()` })
    .where('sku', '=', key.sku)
    .where('region', '=', key.region)
    .returning(['sku', 'product_id', 'region', 'currency_code', 'amount_minor', 'compare_at_minor', 'version'])
    .executeTakeFirstOrThrow();
}
