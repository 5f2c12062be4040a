import type { Transaction } from 'kysely';
import { appendManyToOutbox, appendToOutbox, EventType, type EventEnvelope, type StockChangedData } from '@shop/platform';
import type { InventoryDatabase } from '../db/database.ts';
import type { LevelRow } from './stock.repository.ts';
import { stockView } from './stock.rules.ts';

/** The producer name on every event this subgraph writes. */
export const EVENT_SOURCE = 'inventory';

/** Why a sku's regional stock changed: `data.reason` of `inventory.stock.changed`. */
export const StockChangeReason = {
  reservation: 'reservation',
  release: 'release',
  expiry: 'expiry',
  commit: 'commit',
  adjustment: 'adjustment',
} as const;
export type StockChangeReason = (typeof StockChangeReason)[keyof typeof StockChangeReason];

/** The subject of a sku's regional stock events, e.g. `SKU-000001-1:EU`. */
export const stockSubject = (sku: string, region: string) => `${sku}:${region}`;

/**
 * Appends `inventory.stock.changed` for a level row the caller has just
 * changed in `trx` (pass the row its UPDATE … RETURNING gave back): the event
 * carries that row's version, so it exists exactly when the change commits and
 * its version grows with every change of the sku in the region.
 */
export function appendStockChanged(trx: Transaction<InventoryDatabase>, level: LevelRow, reason: StockChangeReason): Promise<EventEnvelope<StockChangedData>> {
  return appendToOutbox<StockChangedData>(trx, stockChanged(level, reason));
}

/** appendStockChanged for many level rows in one statement, in the order given (a cart's checkout changes many skus at once). */
export function appendStockChangedMany(trx: Transaction<InventoryDatabase>, changes: readonly { level: LevelRow; reason: StockChangeReason }[]): Promise<EventEnvelope<StockChangedData>[]> {
  return appendManyToOutbox<StockChangedData>(trx, changes.map((c) => stockChanged(c.level, c.reason)));
}

function stockChanged(level: LevelRow, reason: StockChangeReason) {
  return {
    type: EventType.stockChanged,
    source: EVENT_SOURCE,
    subject: stockSubject(level.sku, level.region),
    version: level.version,
    data: { sku: level.sku, region: level.region, ...stockView(level.on_hand, level.reserved), reason },
  };
}
