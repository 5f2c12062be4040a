import { sql, type Kysely } from 'kysely';
import { bulkInsert, seedOnce } from '@shop/platform';
import { LOCATIONS, SEED_VERSION, products, stock } from '@shop/seed';
import type { InventoryDatabase } from './database.ts';

/** Seeds locations, items and stock per location for `count` products, then derives the regional levels in SQL. */
export async function seedInventory(db: Kysely<InventoryDatabase>, count: number, force = false): Promise<boolean> {
  return seedOnce(db, `${SEED_VERSION}:${count}`, { force }, async (trx) => {
    for (const t of ['reservation', 'stock_adjustment', 'inventory_level', 'location_stock', 'inventory_item', 'location']) await sql`DELETE FROM ${sql.table(t)}`.execute(trx);
    await bulkInsert(trx, 'location', { code: 'text', name: 'text', region: 'text' }, LOCATIONS.map((l) => ({ code: l.code, name: l.name, region: l.region })));
    let items: Record<string, unknown>[] = [];
    let stocks: Record<string, unknown>[] = [];
    const flush = async () => {
      await bulkInsert(trx, 'inventory_item', { sku: 'text', product_id: 'text' }, items);
      await bulkInsert(trx, 'location_stock', { sku: 'text', location_code: 'text', on_hand: 'int' }, stocks);
      items = [];
      stocks = [];
    };
    for (const p of products(count)) {
      for (const v of p.variants) items.push({ sku: v.sku, product_id: p.id });
      for (const s of stock(p)) stocks.push({ sku: s.sku, location_code: s.locationCode, on_hand: s.onHand });
      if (stocks.length >= 40_000) await flush();
    }
    await flush();
    await sql`
      INSERT INTO inventory_level (sku, region, on_hand)
      SELECT s.sku, l.region, sum(s.on_hand) FROM location_stock s JOIN location l ON l.code = s.location_code GROUP BY s.sku, l.region
    `.execute(trx);
  });
}
