import { sql, type Kysely } from 'kysely';
import { badUserInput, ErrorCode, type RegionCode } from '@shop/platform';
import type { InventoryDatabase } from '../db/database.ts';
import { findLevels, findLocation, lockLevel, lockLocationStock } from './stock.repository.ts';
import { stockView, type StockView } from './stock.rules.ts';
import { appendStockChanged, StockChangeReason } from './stock.events.ts';

export interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

export interface AdjustStockInput {
  sku: string;
  locationCode: string;
  delta?: number | null;
  onHand?: number | null;
  reason: string;
}

export type AdjustStockResult = { onHand: number | null; stock: StockView | null; userErrors: UserError[] };

const fail = (code: string, field: string, message: string): AdjustStockResult => ({ onHand: null, stock: null, userErrors: [{ code, field: ['input', field], message }] });

/**
 * A restock or a count correction at one location. Locks the sku's regional
 * level row first (the lock every change of that sku in that region takes),
 * then the location row, so concurrent changes serialise and never deadlock.
 * Refuses a change that would take the location below zero or the region
 * below what carts hold; the CHECK constraints stand behind both rules. A
 * change appends `inventory.stock.changed` (reason `adjustment`) in the same
 * transaction.
 */
export async function adjustStock(db: Kysely<InventoryDatabase>, input: AdjustStockInput): Promise<AdjustStockResult> {
  const hasDelta = input.delta != null;
  const hasOnHand = input.onHand != null;
  if (hasDelta === hasOnHand) return fail(ErrorCode.BAD_USER_INPUT, 'delta', 'Give exactly one of "delta" and "onHand"');
  if (hasOnHand && input.onHand! < 0) return fail(ErrorCode.BAD_USER_INPUT, 'onHand', '"onHand" must not be negative');
  if (!input.reason.trim() || input.reason.length > 500) return fail(ErrorCode.BAD_USER_INPUT, 'reason', '"reason" must be 1 to 500 characters');

  const location = await findLocation(db, input.locationCode);
  if (!location) return fail(ErrorCode.NOT_FOUND, 'locationCode', `No stock location "${input.locationCode}"`);

  return db.transaction().execute(async (trx) => {
    const item = await trx.selectFrom('inventory_item').select('sku').where('sku', '=', input.sku).executeTakeFirst();
    if (!item) return fail(ErrorCode.NOT_FOUND, 'sku', `No inventory item "${input.sku}"`);
    await trx
      .insertInto('inventory_level')
      .values({ sku: input.sku, region: location.region, on_hand: 0 })
      .onConflict((oc) => oc.columns(['sku', 'region']).doNothing())
      .execute();
    const level = (await lockLevel(trx, input.sku, location.region))!;
    const current = (await lockLocationStock(trx, input.sku, location.code))?.on_hand ?? 0;
    const delta = hasDelta ? input.delta! : input.onHand! - current;
    const next = current + delta;
    if (next < 0) return fail(ErrorCode.INSUFFICIENT_STOCK, 'delta', `Location ${location.code} has ${current} on hand; cannot remove ${-delta}`);
    if (level.on_hand + delta < level.reserved) {
      return fail(ErrorCode.INSUFFICIENT_STOCK, hasDelta ? 'delta' : 'onHand', `Carts hold ${level.reserved} units in ${location.region}; the change would leave ${level.on_hand + delta} on hand`);
    }
    await trx
      .insertInto('location_stock')
      .values({ sku: input.sku, location_code: location.code, on_hand: next })
      .onConflict((oc) => oc.columns(['sku', 'location_code']).doUpdateSet({ on_hand: next }))
      .execute();
    const updated = await trx
      .updateTable('inventory_level')
      .set({ on_hand: sql`on_hand + ${delta}`, version: sql`version + 1` })
      .where('sku', '=', input.sku)
      .where('region', '=', location.region)
      .returning(['sku', 'region', 'on_hand', 'reserved', 'version'])
      .executeTakeFirstOrThrow();
    await trx.insertInto('stock_adjustment').values({ sku: input.sku, location_code: location.code, delta, reason: input.reason }).execute();
    await appendStockChanged(trx, updated, StockChangeReason.adjustment);
    return { onHand: next, stock: stockView(updated.on_hand, updated.reserved), userErrors: [] };
  });
}

/** @default 200 // skus per stockLevels request */
export const MAX_STOCK_LEVEL_SKUS = 200;

export interface StockLevelView extends StockView {
  sku: string;
  region: RegionCode;
  version: number;
}

/** The regional stock of `skus`, one statement; unknown skus are left out. */
export async function stockLevels(db: Kysely<InventoryDatabase>, skus: readonly string[], region: RegionCode): Promise<StockLevelView[]> {
  if (skus.length > MAX_STOCK_LEVEL_SKUS) throw badUserInput('skus', `at most ${MAX_STOCK_LEVEL_SKUS} per request`);
  if (skus.length === 0) return [];
  const rows = await findLevels(db, [...new Set(skus)], [region]);
  return rows.map((r) => ({ sku: r.sku, region: r.region, version: Number(r.version), ...stockView(r.on_hand, r.reserved) }));
}
