import type { EventEnvelope, RegionCode } from '@shop/platform';
import { appendEvents, validateStockChanged, type StockChange } from '../events/events.ts';
import { publishLists, rederiveForStock, type RefreshOutcome, type Recommender } from '../recommend/recommend.service.ts';
import { lockProductRegionStock, settleProductRegionStock, updateSkuStockLockingProduct } from './stock.repository.ts';

export interface StockResult {
  /** False for a stale or repeated report, or a sku personalization does not know. */
  applied: boolean;
  productId?: string;
  /** Set when the product crossed in or out of stock in the region. */
  crossed?: { region: RegionCode; inStock: boolean };
  refresh: RefreshOutcome;
}

/**
 * `inventory.stock.changed`: stores the sku's availability (ignoring a report
 * whose version is not newer), recomputes whether its product is in stock in
 * the region, and when that flips, re-derives in the same transaction every
 * shopper list in the region the product can enter or leave, with a
 * `recommendations.refreshed` per changed list. Product pages need nothing:
 * they apply stock on every request.
 */
export async function applyStockChanged(rec: Recommender, change: StockChange, version: number): Promise<StockResult> {
  const result = await rec.db.transaction().execute(async (trx): Promise<StockResult> => {
    const locked = await updateSkuStockLockingProduct(trx, change.sku, change.region, change.available, version);
    if (!locked) return { applied: false, refresh: { lists: [], events: [] } };
    const { productId } = locked;
    // No row for the product in this region yet (the seed writes one per product and region): create it, out of stock.
    if (locked.inStock === null) await lockProductRegionStock(trx, productId, change.region);
    const { inStock, flipped } = await settleProductRegionStock(trx, productId, change.region);
    if (!flipped) return { applied: true, productId, refresh: { lists: [], events: [] } };
    const refresh = await rederiveForStock(rec, trx, productId, change.region, inStock);
    await appendEvents(trx, refresh.events);
    return { applied: true, productId, crossed: { region: change.region, inStock }, refresh };
  });
  await publishLists(rec, result.refresh);
  if (result.crossed) rec.logger.debug({ productId: result.productId, ...result.crossed, refreshed: result.refresh.events.length }, 'product crossed stock');
  return result;
}

/** The bus handler's entry point for a stock event. */
export function handleStockChanged(rec: Recommender, event: EventEnvelope): Promise<StockResult> {
  return applyStockChanged(rec, validateStockChanged(event.data), event.version);
}
