import { sql, type Kysely } from 'kysely';
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
