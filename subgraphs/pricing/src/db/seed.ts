import { sql, type Kysely } from 'kysely';
import { bulkInsert, seedOnce } from '@shop/platform';
import { REGIONS, SEED_VERSION, prices, products } from '@shop/seed';
import type { PricingDatabase } from './database.ts';

/** Seeds the five regions and every variant's price in each, for `count` products. */
export async function seedPricing(db: Kysely<PricingDatabase>, count: number, force = false): Promise<boolean> {
  return seedOnce(db, `${SEED_VERSION}:${count}`, { force }, async (trx) => {
    await sql`DELETE FROM price`.execute(trx);
    await sql`DELETE FROM region`.execute(trx);
    await bulkInsert(trx, 'region', { code: 'text', name: 'text', currency_code: 'text', tax_included: 'boolean', tax_rate_bp: 'int', locale: 'text' },
      REGIONS.map((r) => ({ code: r.code, name: r.name, currency_code: r.currencyCode, tax_included: r.taxIncluded, tax_rate_bp: r.taxRateBasisPoints, locale: r.locale })));
    const currency = new Map(REGIONS.map((r) => [r.code, r.currencyCode]));
    let rows: Record<string, unknown>[] = [];
    for (const p of products(count)) {
      for (const pr of prices(p)) {
        rows.push({ sku: pr.sku, region: pr.region, product_id: pr.productId, currency_code: currency.get(pr.region), amount_minor: pr.amountMinor, compare_at_minor: pr.compareAtMinor });
      }
      if (rows.length >= 40_000) {
        await bulkInsert(trx, 'price', { sku: 'text', region: 'text', product_id: 'text', currency_code: 'text', amount_minor: 'bigint', compare_at_minor: 'bigint' }, rows);
        rows = [];
      }
    }
    await bulkInsert(trx, 'price', { sku: 'text', region: 'text', product_id: 'text', currency_code: 'text', amount_minor: 'bigint', compare_at_minor: 'bigint' }, rows);
  });
}
